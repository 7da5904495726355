/**
 * The cursors of the pages before this one, so "Previous page" can go back although the API's cursors only
 * lead forward. Kept in sessionStorage for the current filters: opening a record and coming back keeps it,
 * and new filters start a new stack.
 */
const storageKey = 'tollgate.logs.pages';

interface Stack {
  filters: string;
  cursors: string[];
}

function read(filters: string): string[] {
  try {
    const stack = JSON.parse(sessionStorage.getItem(storageKey) ?? 'null') as Stack | null;
    return stack?.filters === filters ? stack.cursors : [];
  } catch {
    return [];
  }
}

export function usePageStack(filters: string) {
  const write = (cursors: string[]) => sessionStorage.setItem(storageKey, JSON.stringify({ filters, cursors } satisfies Stack));
  return {
    /** Before going to the next page: remembers this page's cursor ('' for the first page). */
    push: (cursor: string) => write([...read(filters), cursor]),
    /** The previous page's cursor (undefined for the first page), forgotten as it is used. */
    back: (): string | undefined => {
      const cursors = read(filters);
      const previous = cursors.pop();
      write(cursors);
      return previous || undefined;
    },
    reset: () => write([]),
    /** How many pages came before this one (0 when the address was opened with a cursor and no history). */
    depth: () => read(filters).length,
  };
}
