import type { PlanLimits } from '../api/types';

type Rates = Pick<PlanLimits, 'requestsPerSecond' | 'requestsPerMinute' | 'requestsPerDay' | 'tokensPerMinute' | 'tokensPerDay'>;

const count = (n: number) => n.toLocaleString('en');
const rateWords: Array<[keyof Rates, (n: number) => string]> = [
  ['requestsPerSecond', (n) => `${count(n)} requests a second`],
  ['requestsPerMinute', (n) => `${count(n)} requests a minute`],
  ['requestsPerDay', (n) => `${count(n)} requests a day`],
  ['tokensPerMinute', (n) => `${count(n)} tokens a minute`],
  ['tokensPerDay', (n) => `${count(n)} tokens a day`],
];

const rates = (r: Rates | undefined) => rateWords.flatMap(([k, say]) => (r?.[k] ? [say(r[k]!)] : []));

/** 1 USD = 1,000,000 micro-USD; cents are enough for a budget. */
export const usd = (micro: number) => `$${(micro / 1_000_000).toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** A plan's limits as a person reads them: "100 requests a minute; per key: 10 requests a second; $5.00 a month". */
export function limitsInWords(limits: PlanLimits): string[] {
  const lines = rates(limits);
  if (limits.costBudgetMicroUsdPerMonth) lines.push(`${usd(limits.costBudgetMicroUsdPerMonth)} of spend a month`);
  for (const [scope, label] of [['perKey', 'per key'], ['perIp', 'per client address'], ['perModel', 'per model']] as const) {
    const scoped = rates(limits[scope]);
    if (scoped.length) lines.push(`${label}: ${scoped.join(', ')}`);
  }
  return lines;
}
