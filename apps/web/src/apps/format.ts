/** Dates as this page shows them: day and time, in the reader's own time zone. */
export const when = (ms: number | null | undefined, never = '—') =>
  ms ? new Date(ms).toLocaleString('en', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }) : never;
