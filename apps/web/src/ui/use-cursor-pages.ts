import { useEffect, useState } from 'react';

/**
 * Where a reader is in a cursor-paged list: the cursor of the page shown and those before it, to step back.
 * A change of `resetKey` (a filter) starts again at the first page. Pass `nextCursor` from the page's answer.
 */
export function useCursorPages(resetKey: string) {
  const [cursors, setCursors] = useState<string[]>([]);
  useEffect(() => setCursors([]), [resetKey]);
  return {
    cursor: cursors.at(-1),
    pageNumber: cursors.length + 1,
    nextOf: (nextCursor: string | null | undefined) => (nextCursor ? () => setCursors([...cursors, nextCursor]) : undefined),
    previous: cursors.length ? () => setCursors(cursors.slice(0, -1)) : undefined,
  };
}
