import { isUniqueViolation } from '@tollgate/db';
import { conflict } from './errors';

/**
 * Turns a UNIQUE constraint failure into a 409. Routes check for duplicates first to give a clear message;
 * this catches the race where two requests pass that check together, on either database (isUniqueViolation).
 */
export async function withUniqueAsConflict<T>(run: () => Promise<T> | T, message: string): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(message);
    throw err;
  }
}
