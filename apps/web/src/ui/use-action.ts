import { useState } from 'react';
import { ApiError } from '../api/client';

/**
 * One form's or button's call to the portal: busy while it runs, and the refusal kept (with its field
 * messages) until the next try, so the form shows the reason next to what caused it and keeps what was typed.
 */
export function useAction() {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (path: string) => (error instanceof ApiError ? error.fieldMessage(path) : undefined);
  /** The error when no field names it (then it shows once, above or below the form). */
  const formError = (...fields: string[]) => (error && !fields.some((f) => fieldError(f)) ? error : null);
  return { busy, error, run, fieldError, formError };
}
