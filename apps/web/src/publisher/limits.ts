import type { PlanLimits } from '../api/types';

/** The plan limits this console edits, with the words each one reads as. */
export const limitFields = [
  { key: 'requestsPerSecond', label: 'Requests per second', unit: 'requests a second' },
  { key: 'requestsPerMinute', label: 'Requests per minute', unit: 'requests a minute' },
  { key: 'requestsPerDay', label: 'Requests per day', unit: 'requests a day' },
  { key: 'tokensPerMinute', label: 'Tokens per minute', unit: 'tokens a minute' },
  { key: 'tokensPerDay', label: 'Tokens per day', unit: 'tokens a day' },
] as const;

export type LimitKey = (typeof limitFields)[number]['key'];

const count = new Intl.NumberFormat('en');
const usd = new Intl.NumberFormat('en', { style: 'currency', currency: 'USD' });

/** "100 requests a minute · $50.00 a month", or "No limits". */
export function limitsInWords(limits: PlanLimits): string {
  const parts: string[] = limitFields.flatMap((f) => (limits[f.key] !== undefined ? [`${count.format(limits[f.key]!)} ${f.unit}`] : []));
  if (limits.costBudgetMicroUsdPerMonth !== undefined) parts.push(`${usd.format(limits.costBudgetMicroUsdPerMonth / 1_000_000)} a month`);
  const scoped = (['perKey', 'perIp', 'perModel'] as const).filter((k) => limits[k] && Object.keys(limits[k]!).length);
  if (scoped.length) parts.push(`also limited ${scoped.map((k) => ({ perKey: 'per key', perIp: 'per IP', perModel: 'per model' })[k]).join(', ')}`);
  return parts.length ? parts.join(' · ') : 'No limits';
}
