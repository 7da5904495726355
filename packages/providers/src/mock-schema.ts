/**
 * Deterministic values shaped by a JSON schema, for the mock providers: tool inputs and structured-output
 * answers must parse against the caller's schema (the SDKs' `parse` helpers validate them), and a test must be
 * able to predict them. Strings carry the caller's words so a test can see the answer belongs to its request.
 */

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A local `$ref` (`#/$defs/name`, `#/definitions/name`) resolved against the root schema, else undefined. */
function resolveRef(ref: unknown, root: Json): unknown {
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return undefined;
  let at: unknown = root;
  for (const part of ref.slice(2).split('/')) at = isObj(at) ? at[part] : undefined;
  return at;
}

// Recursion is bounded: a self-referencing schema (a tree type) gets `null` below this depth.
const MAX_DEPTH = 8;

function sample(schema: unknown, text: string, root: Json, depth: number): unknown {
  if (!isObj(schema) || depth > MAX_DEPTH) return null;
  if (schema.$ref !== undefined) return sample(resolveRef(schema.$ref, root), text, root, depth + 1);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const variants = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : Array.isArray(schema.allOf) ? schema.allOf : null;
  if (variants) {
    // A nullable field (`anyOf: [X, {type: null}]`) gets a real X, the more telling answer.
    const chosen = variants.find((v) => !(isObj(v) && v.type === 'null')) ?? variants[0];
    return sample(chosen, text, root, depth + 1);
  }
  const type = Array.isArray(schema.type) ? (schema.type.find((t) => t !== 'null') ?? 'null') : schema.type;
  switch (type) {
    case 'object': {
      const out: Json = {};
      const props = isObj(schema.properties) ? schema.properties : {};
      for (const [name, prop] of Object.entries(props)) out[name] = sample(prop, text, root, depth + 1);
      return out;
    }
    case 'array': {
      const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
      return Array.from({ length: Math.max(min, 1) }, () => sample(schema.items, text, root, depth + 1));
    }
    case 'string':
      return schema.format === 'date-time' ? '2025-01-01T00:00:00Z' : schema.format === 'date' ? '2025-01-01' : text;
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 42;
    case 'boolean':
      return true;
    default:
      return null;
  }
}

/** A value that validates against `schema` (the subset providers accept for structured output and tools). */
export function sampleFromSchema(schema: unknown, text: string): unknown {
  return sample(schema, text, isObj(schema) ? schema : {}, 0);
}
