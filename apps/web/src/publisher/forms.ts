import { useQueryClient } from '@tanstack/react-query';
import { ApiError } from '../api/client';

/**
 * The portal's message for one field, or for anything inside it (`tags` catches `tags.2`, `nodes` catches
 * `nodes.0.url`), so a list input shows what is wrong with any of its items.
 */
export function fieldError(error: unknown, path: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.fieldMessage(path) ?? error.fields.find((f) => f.path.startsWith(`${path}.`))?.message;
}

/** "a, b, c" or one per line → the list the API takes (empty items dropped). */
export const splitList = (text: string) =>
  text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** A number input's text as the API takes it: undefined when blank, so a blank limit means "no limit". */
export const optionalNumber = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text));

/**
 * After any write to a service: what this console and the catalogue show of it is refetched, so every tab
 * (releases' pending changes included) reflects the edit.
 */
export function useServiceRefresh(serviceId: string) {
  const client = useQueryClient();
  return () =>
    Promise.all([
      client.invalidateQueries({ queryKey: ['publisher', serviceId] }),
      client.invalidateQueries({ queryKey: ['services'] }),
      client.invalidateQueries({ queryKey: ['plans', serviceId] }),
    ]);
}
