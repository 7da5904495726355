import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';

const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

const baseOptions = {
  allErrors: true,
  coerceTypes: false,
  strictSchema: false,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  strictNumbers: true,
  logger: false,
} as const;

/**
 * A fresh Ajv per compiled schema: user schemas may carry `$id`s that would collide in a shared instance, and
 * a long-lived instance caches every schema it ever compiled. Such an instance skips the meta-schemas
 * (compiling them is most of an Ajv's start-up cost); schemas reach it only after `schemaProblems` checked
 * them against the meta-schema on the one shared instance below.
 *
 * strictSchema is off so OpenAPI-style annotations (`example`, `x-*`, `nullable`) do not make a schema
 * unusable; formats outside the small set below are then annotations only.
 */
export function newAjv(opts: { useDefaults: boolean }): Ajv2020 {
  const ajv = new Ajv2020({ ...baseOptions, useDefaults: opts.useDefaults, meta: false, validateSchema: false });
  for (const [name, check] of Object.entries(formats)) ajv.addFormat(name, check);
  return ajv;
}

/** Only ever validates schemas against the 2020-12 meta-schema; it compiles no user schema, so it caches nothing. */
let metaChecker: Ajv2020 | undefined;
const metaAjv = (): Ajv2020 => (metaChecker ??= new Ajv2020({ ...baseOptions }));

// Deliberately loose checks: they catch obvious garbage in variables, not RFC corner cases.
const formats: Record<string, RegExp | ((s: string) => boolean)> = {
  date: /^\d{4}-\d{2}-\d{2}$/,
  time: /^\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[zZ]|[+-]\d{2}:\d{2})?$/,
  'date-time': (s) => /^\d{4}-\d{2}-\d{2}[tT ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[zZ]|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)),
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  uri: (s) => /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s) && URL.canParse(s),
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
};

export interface SchemaProblem { pointer: string; message: string }

/**
 * Why a schema cannot be used, or [] when it compiles. Problems carry a JSON pointer into the schema so the
 * caller can name the exact keyword.
 */
export function schemaProblems(schema: Record<string, unknown>): SchemaProblem[] {
  const declared = schema.$schema;
  if (declared !== undefined && declared !== DIALECT && declared !== `${DIALECT}#`) {
    return [{ pointer: '/$schema', message: `only JSON Schema 2020-12 (${DIALECT}) is supported` }];
  }
  const meta = metaAjv();
  if (!meta.validateSchema(schema)) {
    // The meta-schema reports one failure several times through anyOf branches; the first per place is the useful one.
    const seen = new Set<string>();
    const out: SchemaProblem[] = [];
    for (const e of meta.errors ?? []) {
      if (seen.has(e.instancePath)) continue;
      seen.add(e.instancePath);
      out.push({ pointer: e.instancePath, message: metaMessage(e) });
    }
    return out;
  }
  try {
    newAjv({ useDefaults: false }).compile(schema);
    return [];
  } catch (err) {
    return [{ pointer: '', message: (err as Error).message }];
  }
}

function metaMessage(e: ErrorObject): string {
  if (e.keyword === 'enum') return `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
  return e.message ?? 'is invalid';
}

export function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** A readable sentence for one validation error, without the location. */
export function describeError(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': return 'is required';
    case 'type': return `must be ${listOf(([] as string[]).concat(p.type as string | string[]).map(article), 'or')}`;
    case 'enum': return `must be one of ${(p.allowedValues as unknown[]).map(show).join(', ')}`;
    case 'const': return `must be ${show(p.allowedValue)}`;
    case 'maxLength': return `must be at most ${plural(p.limit as number, 'character')}`;
    case 'minLength': return `must be at least ${plural(p.limit as number, 'character')}`;
    case 'maximum': return `must be at most ${p.limit}`;
    case 'minimum': return `must be at least ${p.limit}`;
    case 'exclusiveMaximum': return `must be less than ${p.limit}`;
    case 'exclusiveMinimum': return `must be greater than ${p.limit}`;
    case 'multipleOf': return `must be a multiple of ${p.multipleOf}`;
    case 'pattern': return `must match the pattern ${p.pattern}`;
    case 'format': return `must be a valid ${p.format}`;
    case 'maxItems': return `must have at most ${plural(p.limit as number, 'item')}`;
    case 'minItems': return `must have at least ${plural(p.limit as number, 'item')}`;
    case 'uniqueItems': return 'must not contain duplicate items';
    case 'maxProperties': return `must have at most ${plural(p.limit as number, 'field')}`;
    case 'minProperties': return `must have at least ${plural(p.limit as number, 'field')}`;
    case 'additionalProperties': return 'is not allowed';
    case 'unevaluatedProperties': return 'is not allowed';
    default: return e.message ?? 'is invalid';
  }
}

/**
 * The instance path an error is about, as pointer segments. For required/additionalProperties Ajv reports
 * the parent object; the offending property is a better subject.
 */
export function errorSubject(e: ErrorObject): string[] {
  const at = decodePointer(e.instancePath);
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'required') return [...at, String(p.missingProperty)];
  if (e.keyword === 'additionalProperties') return [...at, String(p.additionalProperty)];
  if (e.keyword === 'unevaluatedProperties') return [...at, String(p.unevaluatedProperty)];
  return at;
}

const article = (t: string): string =>
  t === 'null' ? 'null' : t === 'integer' || t === 'object' || t === 'array' ? `an ${t}` : `a ${t}`;
const listOf = (items: string[], joiner: string): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${joiner} ${items[items.length - 1]}`;
const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;
const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
