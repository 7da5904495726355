/** Number formats shared by the usage, call log and analytics pages, so one figure reads the same everywhere. */

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

export const formatCount = (n: number) => (Math.abs(n) >= 100_000 ? compact.format(n) : integer.format(n));

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms >= 10_000) return `${decimal.format(ms / 1000)} s`;
  return `${ms >= 100 ? integer.format(ms) : decimal.format(ms)} ms`;
}

/**
 * Cost is stored in micro-USD; a call often costs a fraction of a cent, so small amounts keep their
 * significant digits ($0.000135) where a fixed two decimals would show $0.00 for real spend.
 */
export function formatUsd(microUsd: number): string {
  const usd = microUsd / 1_000_000;
  if (usd === 0) return '$0';
  if (Math.abs(usd) >= 1) return `$${usd.toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return `$${usd.toLocaleString('en', { maximumSignificantDigits: 3 })}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${decimal.format(n / 1024)} KB`;
  return `${decimal.format(n / (1024 * 1024))} MB`;
}

export const formatPercent = (ratio: number) => `${decimal.format(ratio * 100)}%`;

const dateTime = new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const shortTime = new Intl.DateTimeFormat('en-GB', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export const formatDateTime = (ms: number) => dateTime.format(new Date(ms));
export const formatShortTime = (ms: number) => shortTime.format(new Date(ms));
