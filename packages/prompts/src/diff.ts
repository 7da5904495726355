import type { PromptSpec, SpecChange } from './types';

/**
 * What changed between two versions, at the granularity a reviewer thinks in: one entry per message field,
 * per declared variable, per parameter. Order is fixed (messages, variables, model, parameters,
 * outputSchema; within each, the old version's order then additions) so the same two specs always give the
 * same list.
 */
export function diffPromptSpecs(from: PromptSpec, to: PromptSpec): SpecChange[] {
  const out: SpecChange[] = [];
  const count = Math.max(from.messages.length, to.messages.length);
  for (let i = 0; i < count; i++) {
    const a = from.messages[i];
    const b = to.messages[i];
    if (a && b) {
      compare(out, `messages[${i}].role`, a.role, b.role);
      compare(out, `messages[${i}].content`, a.content, b.content);
    } else compare(out, `messages[${i}]`, a, b);
  }
  const { properties: fromProps, ...fromRest } = from.variables;
  const { properties: toProps, ...toRest } = to.variables;
  compareKeyed(out, 'variables.properties', asRecord(fromProps), asRecord(toProps));
  compareKeyed(out, 'variables', fromRest, toRest);
  compare(out, 'model', from.model, to.model);
  compareKeyed(out, 'parameters', from.parameters ?? {}, to.parameters ?? {});
  compare(out, 'outputSchema', from.outputSchema ?? undefined, to.outputSchema ?? undefined);
  return out;
}

function compareKeyed(out: SpecChange[], prefix: string, a: Record<string, unknown>, b: Record<string, unknown>): void {
  const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !Object.hasOwn(a, k))];
  for (const k of keys) compare(out, `${prefix}.${k}`, Object.hasOwn(a, k) ? a[k] : undefined, Object.hasOwn(b, k) ? b[k] : undefined);
}

function compare(out: SpecChange[], path: string, before: unknown, after: unknown): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) out.push({ path, change: 'added', after });
  else if (after === undefined) out.push({ path, change: 'removed', before });
  else if (!sameJson(before, after)) out.push({ path, change: 'changed', before, after });
}

const asRecord = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** JSON equality where object key order does not matter (a re-saved schema is not a change) but array order does. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra);
  return ka.length === Object.keys(rb).length && ka.every((k) => Object.hasOwn(rb, k) && sameJson(ra[k], rb[k]));
}
