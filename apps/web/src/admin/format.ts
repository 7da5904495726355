/** A moment as the admin pages show it: date and time in the reader's locale. */
export const when = (ms: number | null | undefined) => (ms ? new Date(ms).toLocaleString() : '—');
