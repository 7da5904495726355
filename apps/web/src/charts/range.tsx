import { SelectField, TextField } from '../ui/field';
import { useUrlState } from '../ui/use-url-state';

/** The time ranges a page offers, kept in the URL as `range` (custom: `from` and `to`, local datetime-local values). */
export const presetRanges = [
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const;

export interface ResolvedRange {
  /** Epoch milliseconds; undefined: unbounded (the log's "any time"). */
  from?: number;
  to?: number;
  /** What is wrong with a custom range, shown beside its field; the page asks for nothing while set. */
  fromError?: string;
  toError?: string;
}

const minute = 60_000;
const parseLocal = (text: string) => (text ? new Date(text).getTime() : Number.NaN);

/**
 * The range as instants. "Now" is rounded up to the next minute, so the answer (and its cache key) stays the
 * same for a minute instead of changing on every render.
 */
export function resolveRange(state: { range: string; from: string; to: string }, fallback: string): ResolvedRange {
  const range = state.range || fallback;
  if (range === 'custom') {
    const from = parseLocal(state.from);
    const to = parseLocal(state.to);
    if (Number.isNaN(from)) return { fromError: 'Choose when the range starts.' };
    if (Number.isNaN(to)) return { toError: 'Choose when the range ends.' };
    if (from >= to) return { toError: 'Must be later than the start.' };
    return { from, to };
  }
  const preset = presetRanges.find((p) => p.value === range);
  if (!preset) return {};
  const now = Math.ceil(Date.now() / minute) * minute;
  return { from: now - preset.ms, to: now };
}

const keys = ['range', 'from', 'to'] as const;

/** The range in the URL and what it means now; `fallback` is the range when the URL names none ('any': unbounded). */
export function useRange(fallback: string) {
  const [state, set] = useUrlState(keys);
  return { state: { ...state, range: state.range || fallback }, set, resolved: resolveRange(state, fallback) };
}

/**
 * Choosing a range: a preset, or custom with a start and an end. A custom range starts as the last 24 hours
 * (in the browser's time zone, as `datetime-local` shows them), so both fields have a value to adjust.
 */
export function RangePicker({ range, allowAny = false }: { range: ReturnType<typeof useRange>; allowAny?: boolean }) {
  const { state, set, resolved } = range;
  const choose = (value: string) => {
    if (value !== 'custom') return set({ range: value, from: null, to: null });
    const to = Math.ceil(Date.now() / minute) * minute;
    set({ range: 'custom', from: state.from || toLocalInput(to - 86_400_000), to: state.to || toLocalInput(to) });
  };
  return (
    <>
      <SelectField label="Time range" value={state.range} onChange={(e) => choose(e.target.value)}>
        {allowAny ? <option value="any">Any time</option> : null}
        {presetRanges.map((p) => (
          <option key={p.value} value={p.value}>{p.label}</option>
        ))}
        <option value="custom">Custom…</option>
      </SelectField>
      {state.range === 'custom' ? (
        <>
          <TextField label="From" type="datetime-local" value={state.from} onChange={(e) => set({ from: e.target.value })} error={resolved.fromError} />
          <TextField label="To" type="datetime-local" value={state.to} onChange={(e) => set({ to: e.target.value })} error={resolved.toError} />
        </>
      ) : null}
    </>
  );
}

/** An instant as a `datetime-local` value in the browser's zone (what the input shows and edits). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Whether the range can be asked for (a custom one with a mistake cannot). */
export const rangeIsValid = (r: ResolvedRange) => !r.fromError && !r.toError;
