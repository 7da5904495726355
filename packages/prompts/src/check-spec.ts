import { z } from 'zod';
import { decodePointer, describeError, errorSubject, newAjv, schemaProblems } from './json-schema';
import { promptLimits } from './limits';
import { malformedPlaceholders, namesIn, normalisePlaceholders, PLACEHOLDER_NAME } from './template';
import type { PromptSpec, SpecIssue } from './types';

const jsonObject = z.record(z.string(), z.unknown());

const specFields = {
  messages: z
    .array(
      z.strictObject({
        role: z.enum(['system', 'user', 'assistant']),
        content: z.string().min(1).max(promptLimits.maxMessageChars),
      }),
    )
    .min(1)
    .max(promptLimits.maxMessages),
  variables: jsonObject,
  model: z.string().trim().min(1).max(200),
  parameters: jsonObject.optional(),
  outputSchema: jsonObject.nullable().optional(),
};
const strictSpec = z.strictObject(specFields);
/** Used only to keep checking the rest of a spec that merely has an unknown key, so the author sees every issue at once. */
const lenientSpec = z.object(specFields);

/** The engine sets these itself; letting a prompt author set them would break rendering, streaming or parsing. */
const ENGINE_OWNED = ['messages', 'model', 'stream', 'stream_options', 'response_format'] as const;

/** Structural and semantic checks of a prompt definition. Never throws: every problem is an issue with a path. */
export function checkPromptSpec(input: unknown): { ok: true; spec: PromptSpec } | { ok: false; issues: SpecIssue[] } {
  const parsed = strictSpec.safeParse(input);
  const shapeIssues = parsed.success ? [] : parsed.error.issues.flatMap(zodIssue);
  const shaped = parsed.success ? parsed : lenientSpec.safeParse(input);
  if (!shaped.success) return { ok: false, issues: shapeIssues };
  const spec = shaped.data as PromptSpec;
  const issues = [...shapeIssues, ...variablesIssues(spec), ...placeholderIssues(spec), ...parameterIssues(spec), ...outputIssues(spec)];
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, spec: { ...spec, messages: spec.messages.map((m) => ({ role: m.role, content: normalisePlaceholders(m.content) })) } };
}

function zodIssue(i: z.core.$ZodIssue): SpecIssue[] {
  const at = i.path.map(String);
  if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ path: [...at, k].join('.'), message: 'is not a known field' }));
  return [{ path: at.join('.'), message: i.message }];
}

const issueAt = (prefix: string, pointer: string, message: string): SpecIssue => ({
  path: [prefix, ...decodePointer(pointer)].join('.'),
  message,
});

function variablesIssues(spec: PromptSpec): SpecIssue[] {
  const schema = spec.variables;
  if (schema.type !== 'object') return [{ path: 'variables.type', message: 'must be "object"' }];
  const problems = schemaProblems(schema);
  if (problems.length > 0) return problems.map((p) => issueAt('variables', p.pointer, p.message));
  const issues: SpecIssue[] = [];
  const props = declaredProperties(schema);
  for (const name of Object.keys(props)) {
    if (!PLACEHOLDER_NAME.test(name)) {
      issues.push({ path: `variables.properties.${name}`, message: 'a variable name must start with a letter or _ and hold only letters, digits and _ (at most 64)' });
    }
  }
  // Defaults are inserted into calls unchecked by Ajv, so a default that breaks its own schema must be caught here.
  const withDefaults: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(props)) {
    if (isObject(prop) && 'default' in prop) withDefaults[name] = prop.default;
  }
  if (Object.keys(withDefaults).length > 0) {
    const validate = newAjv({ useDefaults: false }).compile(schema);
    if (!validate(withDefaults)) {
      for (const e of validate.errors ?? []) {
        const [name] = errorSubject(e);
        if (e.keyword === 'required' || name === undefined || !(name in withDefaults)) continue;
        issues.push({ path: `variables.properties.${name}.default`, message: describeError(e) });
      }
    }
  }
  return issues;
}

function placeholderIssues(spec: PromptSpec): SpecIssue[] {
  const declared = declaredProperties(spec.variables);
  const issues: SpecIssue[] = [];
  spec.messages.forEach((m, i) => {
    const path = `messages.${i}.content`;
    for (const bad of new Set(malformedPlaceholders(m.content))) {
      issues.push({ path, message: `${bad} is not a valid placeholder: a name starts with a letter or _ and holds only letters, digits and _ (at most 64)` });
    }
    for (const name of new Set(namesIn(m.content))) {
      if (!Object.hasOwn(declared, name)) issues.push({ path, message: `uses {{${name}}}, which is not declared in variables.properties` });
    }
  });
  return issues;
}

function parameterIssues(spec: PromptSpec): SpecIssue[] {
  const params = spec.parameters ?? {};
  const issues: SpecIssue[] = [];
  for (const key of ENGINE_OWNED) {
    if (Object.hasOwn(params, key)) issues.push({ path: `parameters.${key}`, message: `is set by the prompt engine and cannot be a parameter` });
  }
  if (Object.hasOwn(params, 'n') && params.n !== 1) {
    issues.push({ path: 'parameters.n', message: 'a prompt returns one output; n must be 1 or absent' });
  }
  // The gateway refuses these below 1 as the caller's 400; in a prompt they are the publisher's to fix.
  for (const key of ['max_tokens', 'max_completion_tokens']) {
    const value = params[key];
    if (value !== undefined && value !== null && !(Number.isSafeInteger(value) && (value as number) >= 1)) {
      issues.push({ path: `parameters.${key}`, message: 'must be an integer of at least 1' });
    }
  }
  return issues;
}

function outputIssues(spec: PromptSpec): SpecIssue[] {
  if (spec.outputSchema == null) return [];
  return schemaProblems(spec.outputSchema).map((p) => issueAt('outputSchema', p.pointer, p.message));
}

export function declaredProperties(schema: Record<string, unknown>): Record<string, unknown> {
  return isObject(schema.properties) ? schema.properties : {};
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
