/**
 * OpenAI function parameters and `json_schema` response formats are JSON Schema; Gemini's `Schema` is a
 * subset of OpenAPI 3.0 and answers 400 "Unknown name …" for keywords outside it. Callers' schemas (zod,
 * Pydantic, OpenAI strict mode) carry such keywords routinely, so they are rewritten here, by the explicit
 * rules below and nothing else:
 *
 * - the keywords in {@link UNSUPPORTED_SCHEMA_KEYS} are removed (none changes what a valid value looks like
 *   except `additionalProperties`/`patternProperties`/`unevaluatedProperties`, which Gemini cannot express);
 * - local `$ref`s (`#/$defs/X`, `#/definitions/X`) are inlined and the definitions removed;
 * - `type: ['string', 'null']` becomes `type: 'string', nullable: true`; several non-null types become `anyOf`;
 * - `const: 'x'` becomes `enum: ['x']`; `oneOf` becomes `anyOf` (Gemini has no exclusive union);
 * - a string `format` other than `enum` and `date-time` (the only ones Gemini accepts) is removed.
 *
 * Property names are data, not keywords: a property called `examples` survives.
 */
import { untranslatable } from './request-error';

export const UNSUPPORTED_SCHEMA_KEYS: readonly string[] = Object.freeze([
  '$schema',
  '$id',
  '$comment',
  'additionalProperties',
  'unevaluatedProperties',
  'patternProperties',
  'examples',
]);

const STRING_FORMATS = new Set(['enum', 'date-time']);
const MAX_REF_DEPTH = 16;

type Schema = Record<string, unknown>;
const isObj = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `param` names the schema's place in the caller's request, for the error when it cannot be translated. */
export function toGeminiSchema(schema: unknown, param: string): Schema {
  if (!isObj(schema)) throw untranslatable(`'${param}' must be a JSON Schema object.`, param);
  const defs: Schema = { ...(isObj(schema.definitions) ? schema.definitions : {}), ...(isObj(schema.$defs) ? schema.$defs : {}) };
  return convert(schema, defs, param, 0);
}

function resolveRef(ref: unknown, defs: Schema, param: string): Schema {
  const match = typeof ref === 'string' ? /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref) : null;
  const target = match ? defs[decodeURIComponent(match[1]!)] : undefined;
  if (!isObj(target)) {
    throw untranslatable(`'${param}' uses $ref ${JSON.stringify(ref)}, which is not a local definition.`, param);
  }
  return target;
}

function convert(input: Schema, defs: Schema, param: string, depth: number): Schema {
  if (depth > MAX_REF_DEPTH) {
    throw untranslatable(`'${param}' is recursive (through $ref); Gemini schemas cannot be.`, param);
  }
  let schema = input;
  if ('$ref' in schema) {
    // Siblings of $ref (a description, say) refine the referenced schema.
    const { $ref, ...siblings } = schema;
    schema = { ...resolveRef($ref, defs, param), ...siblings };
    depth += 1;
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (UNSUPPORTED_SCHEMA_KEYS.includes(key) || key === '$defs' || key === 'definitions') continue;
    switch (key) {
      case 'properties':
        out.properties = isObj(value)
          ? Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, child(sub, defs, param, depth)]))
          : value;
        break;
      case 'items':
      case 'not':
        out[key] = child(value, defs, param, depth);
        break;
      case 'anyOf':
      case 'oneOf':
        out.anyOf = Array.isArray(value) ? value.map((sub) => child(sub, defs, param, depth)) : value;
        break;
      case 'allOf':
        out.allOf = Array.isArray(value) ? value.map((sub) => child(sub, defs, param, depth)) : value;
        break;
      case 'const':
        if (typeof value === 'string') out.enum = [value];
        else out.const = value;
        break;
      default:
        out[key] = value;
    }
  }
  if (Array.isArray(out.type)) widenTypeArray(out);
  if (typeof out.format === 'string' && out.type === 'string' && !STRING_FORMATS.has(out.format)) delete out.format;
  return out;
}

const child = (value: unknown, defs: Schema, param: string, depth: number): unknown =>
  isObj(value) ? convert(value, defs, param, depth) : value;

function widenTypeArray(out: Schema): void {
  const types = (out.type as unknown[]).filter((t) => t !== 'null');
  if ((out.type as unknown[]).length !== types.length) out.nullable = true;
  if (types.length === 1) {
    out.type = types[0];
  } else if (types.length === 0) {
    delete out.type;
  } else {
    delete out.type;
    out.anyOf = types.map((type) => ({ type }));
  }
}
