/** Previous / next page of a cursor-paged list, with where the reader is. */
export function Pager({ pageNumber, shown, previous, next }: { pageNumber: number; shown: number; previous?: () => void; next?: () => void }) {
  if (pageNumber === 1 && !next) return null;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="button button-secondary" disabled={!previous} onClick={previous}>Previous page</button>
      <span className="muted" aria-live="polite">Page {pageNumber} · {shown} rows</span>
      <button type="button" className="button button-secondary" disabled={!next} onClick={next}>Next page</button>
    </nav>
  );
}
