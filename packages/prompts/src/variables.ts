import type { ValidateFunction } from 'ajv/dist/2020';
import { declaredProperties } from './check-spec';
import { describeError, errorSubject, newAjv } from './json-schema';
import type { PromptLimits } from './limits';
import type { VariableIssue } from './types';

export type VariablesResult = { ok: true; values: Record<string, unknown> } | { ok: false; issues: VariableIssue[] };

/**
 * Builds the per-prompt variables check. Limits run before the schema so a user-written `pattern` never
 * sees an oversized string.
 */
export function variablesValidator(schema: Record<string, unknown>, limits: PromptLimits): (input: unknown) => VariablesResult {
  const validate: ValidateFunction = newAjv({ useDefaults: true }).compile(schema);
  const declared = new Set(Object.keys(declaredProperties(schema)));
  // JSON Schema allows unknown properties by default; for a prompt an unknown variable is nearly always a typo,
  // so it is refused unless the author opened the schema up on purpose.
  const closed = schema.additionalProperties === undefined && schema.patternProperties === undefined && schema.unevaluatedProperties === undefined;

  return (input) => {
    const value = input === undefined ? {} : input;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return fail([{ variable: '', message: 'variables must be a JSON object' }]);
    }
    let size: number;
    try {
      size = utf8Bytes(JSON.stringify(value));
    } catch {
      return fail([{ variable: '', message: 'variables must be plain JSON' }]);
    }
    if (size > limits.maxRequestBytes) {
      return fail([{ variable: '', message: `variables must be at most ${limits.maxRequestBytes} bytes of JSON (got ${size})` }]);
    }
    const unknown: VariableIssue[] = [];
    const tooLong: VariableIssue[] = [];
    for (const [name, v] of Object.entries(value)) {
      if (closed && !declared.has(name)) unknown.push({ variable: name, message: 'is not a declared variable' });
      else if (hasLongString(v, limits.maxStringVariableChars)) {
        tooLong.push({ variable: name, message: `must be at most ${limits.maxStringVariableChars} characters` });
      }
    }
    if (tooLong.length > 0) return fail([...tooLong, ...unknown]);

    // useDefaults writes into the object it validates; the caller's object must stay as it was sent.
    const values = structuredClone(value) as Record<string, unknown>;
    const valid = validate(values);
    if (valid && unknown.length === 0) return { ok: true, values };
    return fail(dedupe([...unknown, ...(valid ? [] : (validate.errors ?? []).map(toIssue))]));
  };
}

function toIssue(e: Parameters<typeof describeError>[0]): VariableIssue {
  const [variable = '', ...rest] = errorSubject(e);
  const problem = describeError(e);
  if (variable === '') return { variable, message: `variables ${problem}` };
  return { variable, message: rest.length > 0 ? `${fieldPath(rest)} ${problem}` : problem };
}

/** `["items", "0", "name"]` → `items[0].name`: how a person would point at a nested field. */
function fieldPath(segments: string[]): string {
  return segments.reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc === '' ? s : `${acc}.${s}`), '');
}

function dedupe(issues: VariableIssue[]): VariableIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.variable}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const fail = (issues: VariableIssue[]): VariablesResult => ({ ok: false, issues });

function hasLongString(v: unknown, max: number): boolean {
  if (typeof v === 'string') return v.length > max && codePoints(v) > max;
  if (Array.isArray(v)) return v.some((x) => hasLongString(x, max));
  if (typeof v === 'object' && v !== null) return Object.values(v).some((x) => hasLongString(x, max));
  return false;
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const encoder = new TextEncoder();
const utf8Bytes = (s: string): number => encoder.encode(s).length;

/** One line for an error body: `topic: must be at most 200 characters; tone: must be one of formal, casual`. */
export function describeVariableIssues(issues: VariableIssue[]): string {
  return issues.map((i) => (i.variable === '' ? i.message : `${i.variable}: ${i.message}`)).join('; ');
}
