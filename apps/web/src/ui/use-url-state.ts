import { useLocation, useSearch } from 'wouter';

/**
 * Page state kept in the address (`?q=…&tag=…`), so a filtered list can be shared and survives a reload.
 * Setting a value to '' or null removes it; the history gets a replace, not a new entry per keystroke.
 */
export function useUrlState<K extends string>(keys: readonly K[]): [Record<K, string>, (changes: Partial<Record<K, string | null>>) => void] {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const params = new URLSearchParams(search);
  const values = Object.fromEntries(keys.map((k) => [k, params.get(k) ?? ''])) as Record<K, string>;
  const set = (changes: Partial<Record<K, string | null>>) => {
    const next = new URLSearchParams(search);
    for (const [k, v] of Object.entries(changes) as Array<[K, string | null | undefined]>) {
      if (v === null || v === undefined || v === '') next.delete(k);
      else next.set(k, v);
    }
    const qs = next.toString();
    navigate(qs ? `${location}?${qs}` : location, { replace: true });
  };
  return [values, set];
}
