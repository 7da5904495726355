import { conflict } from './errors';

/**
 * Turns a UNIQUE constraint failure into a 409. Routes check for duplicates first to give a clear message;
 * this catches the race where two requests pass that check together. Drizzle wraps the driver's error, so
 * the SQLite code is looked for on the cause as well.
 */
export function withUniqueAsConflict<T>(run: () => T, message: string): T {
  try {
    return run();
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(message);
    throw err;
  }
}

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true;
  }
  return false;
}
