/**
 * The request checks the mock Gemini server makes, with Gemini's own wording, so a translation bug (an
 * unknown field, a JSON-Schema keyword Gemini rejects, a wrong role) fails a test the way it would fail
 * against the real API.
 */
import type { GeminiErrorBody } from './wire';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export class GeminiHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: GeminiErrorBody,
  ) {
    super(body.error.message);
  }
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
};

export function geminiError(code: number, message: string, details?: Array<Record<string, unknown>>, status?: string): GeminiHttpError {
  const error: GeminiErrorBody['error'] = { code, message, status: status ?? STATUS_NAMES[code] ?? 'UNKNOWN' };
  if (details) error.details = details;
  return new GeminiHttpError(code, { error });
}

export const invalidArgument = (message: string, field?: string): GeminiHttpError =>
  geminiError(
    400,
    message,
    field === undefined
      ? undefined
      : [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field, description: message }] }],
  );

const unknownName = (name: string, at: string | null): GeminiHttpError => {
  const where = at ? ` at '${at}'` : '';
  return invalidArgument(`Invalid JSON payload received. Unknown name "${name}"${where}: Cannot find field.`, at ? `${at}.${name}` : name);
};

const TOP_LEVEL = new Set(['contents', 'systemInstruction', 'tools', 'toolConfig', 'generationConfig', 'safetySettings', 'cachedContent']);
const GENERATION_CONFIG = new Set([
  'temperature', 'topP', 'topK', 'maxOutputTokens', 'stopSequences', 'candidateCount', 'seed', 'presencePenalty',
  'frequencyPenalty', 'responseMimeType', 'responseSchema', 'responseLogprobs', 'logprobs', 'thinkingConfig',
]);
const FLOAT_FIELDS: Record<string, string> = { temperature: 'temperature', topP: 'top_p', presencePenalty: 'presence_penalty', frequencyPenalty: 'frequency_penalty' };
const INT_FIELDS: Record<string, string> = { maxOutputTokens: 'max_output_tokens', candidateCount: 'candidate_count', seed: 'seed', topK: 'top_k' };
/** The OpenAPI 3.0 subset Gemini's `Schema` accepts. */
const SCHEMA_KEYS = new Set([
  'type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required',
  'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering',
  'default', 'items', 'minimum', 'maximum',
]);

function checkSchema(schema: unknown, at: string): void {
  if (!isObj(schema)) return;
  for (const [key, value] of Object.entries(schema)) {
    if (!SCHEMA_KEYS.has(key)) throw unknownName(key, at);
    if (key === 'properties' && isObj(value)) {
      for (const [name, sub] of Object.entries(value)) checkSchema(sub, `${at}.properties[${JSON.stringify(name)}].value`);
    } else if (key === 'items') {
      checkSchema(value, `${at}.items`);
    } else if (key === 'anyOf' && Array.isArray(value)) {
      value.forEach((sub, i) => checkSchema(sub, `${at}.any_of[${i}]`));
    }
  }
}

function checkGenerationConfig(config: unknown): void {
  if (config === undefined) return;
  if (!isObj(config)) throw invalidArgument("Invalid value at 'generation_config': expected an object.", 'generation_config');
  for (const [key, value] of Object.entries(config)) {
    if (!GENERATION_CONFIG.has(key)) throw unknownName(key, 'generation_config');
    if (key in FLOAT_FIELDS && typeof value !== 'number') {
      throw invalidArgument(`Invalid value at 'generation_config.${FLOAT_FIELDS[key]}' (TYPE_FLOAT), ${JSON.stringify(value)}`, `generation_config.${FLOAT_FIELDS[key]}`);
    }
    if (key in INT_FIELDS && !Number.isInteger(value)) {
      throw invalidArgument(`Invalid value at 'generation_config.${INT_FIELDS[key]}' (TYPE_INT32), ${JSON.stringify(value)}`, `generation_config.${INT_FIELDS[key]}`);
    }
  }
  if (config.stopSequences !== undefined && (!Array.isArray(config.stopSequences) || config.stopSequences.length > 5)) {
    throw invalidArgument("Invalid value at 'generation_config.stop_sequences': at most 5 strings.", 'generation_config.stop_sequences');
  }
  if (config.responseSchema !== undefined && config.responseMimeType !== 'application/json') {
    throw invalidArgument('* GenerateContentRequest.generation_config.response_mime_type: must be application/json when response_schema is set.\n', 'generation_config.response_mime_type');
  }
  checkSchema(config.responseSchema, 'generation_config.response_schema');
  if (config.thinkingConfig !== undefined) {
    const thinking = config.thinkingConfig;
    if (!isObj(thinking)) throw invalidArgument("Invalid value at 'generation_config.thinking_config'.", 'generation_config.thinking_config');
    for (const key of Object.keys(thinking)) {
      if (key !== 'thinkingBudget' && key !== 'includeThoughts') throw unknownName(key, 'generation_config.thinking_config');
    }
  }
}

function checkContents(contents: unknown): Obj[] {
  if (contents === undefined || (Array.isArray(contents) && contents.length === 0)) {
    throw invalidArgument('* GenerateContentRequest.contents: contents is not specified\n', 'contents');
  }
  if (!Array.isArray(contents)) throw invalidArgument("Invalid value at 'contents': expected a list.", 'contents');
  contents.forEach((content: unknown, i) => {
    if (!isObj(content)) throw invalidArgument(`Invalid value at 'contents[${i}]'.`, `contents[${i}]`);
    if (content.role !== undefined && content.role !== 'user' && content.role !== 'model') {
      throw invalidArgument('Please use a valid role: user, model.', `contents[${i}].role`);
    }
    if (!Array.isArray(content.parts) || content.parts.length === 0) {
      throw invalidArgument(`* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.\n`, `contents[${i}].parts`);
    }
    content.parts.forEach((part: unknown, j) => {
      if (!isObj(part) || Object.keys(part).filter((k) => k !== 'thought' && k !== 'thoughtSignature').length !== 1) {
        throw invalidArgument(`* GenerateContentRequest.contents[${i}].parts[${j}].data: required oneof field 'data' must have one initialized field\n`, `contents[${i}].parts[${j}]`);
      }
      const fr = part.functionResponse;
      if (fr !== undefined && (!isObj(fr) || typeof fr.name !== 'string' || fr.name === '' || !isObj(fr.response))) {
        throw invalidArgument(`* GenerateContentRequest.contents[${i}].parts[${j}].function_response.name: Name cannot be empty.\n`, `contents[${i}].parts[${j}].function_response`);
      }
    });
  });
  return contents as Obj[];
}

/** The functions the request declares, after checking tools and toolConfig as Gemini does. */
function checkTools(tools: unknown, toolConfig: unknown): Obj[] {
  const declared: Obj[] = [];
  if (tools !== undefined) {
    if (!Array.isArray(tools)) throw invalidArgument("Invalid value at 'tools': expected a list.", 'tools');
    tools.forEach((tool: unknown, i) => {
      if (!isObj(tool)) throw invalidArgument(`Invalid value at 'tools[${i}]'.`, `tools[${i}]`);
      for (const key of Object.keys(tool)) {
        if (key !== 'functionDeclarations') throw unknownName(key, `tools[${i}]`);
      }
      const decls = Array.isArray(tool.functionDeclarations) ? tool.functionDeclarations : [];
      decls.forEach((d: unknown, j) => {
        const at = `tools[${i}].function_declarations[${j}]`;
        if (!isObj(d) || typeof d.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/.test(d.name)) {
          throw invalidArgument(`* GenerateContentRequest.${at}.name: Invalid function name.\n`, `${at}.name`);
        }
        for (const key of Object.keys(d)) {
          if (key !== 'name' && key !== 'description' && key !== 'parameters') throw unknownName(key, at);
        }
        checkSchema(d.parameters, `${at}.parameters`);
        declared.push(d);
      });
    });
  }
  if (toolConfig !== undefined) {
    const fcc = isObj(toolConfig) && isObj(toolConfig.functionCallingConfig) ? toolConfig.functionCallingConfig : null;
    if (!fcc || !['AUTO', 'ANY', 'NONE', 'VALIDATED'].includes(String(fcc.mode))) {
      throw invalidArgument("Invalid value at 'tool_config.function_calling_config.mode'.", 'tool_config.function_calling_config.mode');
    }
    if (fcc.allowedFunctionNames !== undefined && fcc.mode !== 'ANY') {
      throw invalidArgument(
        '* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: allowed_function_names may only be set when mode is ANY.\n',
        'tool_config.function_calling_config.allowed_function_names',
      );
    }
  }
  return declared;
}

export interface CheckedRequest {
  contents: Obj[];
  systemInstruction?: Obj;
  /** The declared functions, in order. */
  functions: Obj[];
  toolConfig?: { mode: string; allowedFunctionNames?: string[] };
  generationConfig: Obj;
}

export function checkGenerateContentRequest(body: unknown): CheckedRequest {
  if (!isObj(body)) throw invalidArgument('Invalid JSON payload received. Expected an object.');
  for (const key of Object.keys(body)) {
    if (!TOP_LEVEL.has(key)) throw unknownName(key, null);
  }
  checkGenerationConfig(body.generationConfig);
  const contents = checkContents(body.contents);
  const functions = checkTools(body.tools, body.toolConfig);
  const fcc = isObj(body.toolConfig) ? (body.toolConfig.functionCallingConfig as CheckedRequest['toolConfig']) : undefined;
  const checked: CheckedRequest = { contents, functions, generationConfig: isObj(body.generationConfig) ? body.generationConfig : {} };
  if (isObj(body.systemInstruction)) checked.systemInstruction = body.systemInstruction;
  if (fcc) checked.toolConfig = fcc;
  return checked;
}
