/** A moment as people read it in lists (`Dec 2, 2026, 2:47 PM` in their locale); a dash for none. */
export const formatTime = (ms: number | null | undefined) => (ms === null || ms === undefined ? '—' : new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }));
