import type { PromptSpec } from './types';

export interface OperationOptions {
  operationId: string;
  summary: string;
  description?: string;
  /** How the gateway's event stream looks; the engine does not stream, so the caller that does may say. */
  streamDescription?: string;
}

const errorBody = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type'],
      properties: {
        message: { type: 'string' },
        type: { type: 'string' },
        param: { type: ['string', 'null'], description: 'The offending input, e.g. `variables.topic`.' },
        code: { type: ['string', 'null'] },
      },
    },
  },
} as const;

const usage = {
  type: 'object',
  required: ['input_tokens', 'output_tokens', 'total_tokens'],
  properties: {
    input_tokens: { type: 'integer', minimum: 0 },
    output_tokens: { type: 'integer', minimum: 0 },
    total_tokens: { type: 'integer', minimum: 0 },
    cache_read_tokens: { type: 'integer', minimum: 0 },
    cache_write_tokens: { type: 'integer', minimum: 0 },
    reasoning_tokens: { type: 'integer', minimum: 0 },
  },
} as const;

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorBody } },
});

/**
 * An OpenAPI 3.1 operation for calling the prompt. 3.1 schemas are JSON Schema 2020-12, the dialect prompts
 * are written in, so the author's schemas go in as they are. Tags are the caller's business.
 */
export function promptOperation(spec: PromptSpec, o: OperationOptions): Record<string, unknown> {
  const required = Array.isArray(spec.variables.required) && spec.variables.required.length > 0;
  const output = structuredClone(spec.outputSchema) ?? { type: 'string', description: 'The model\'s answer as text.' };
  const result = {
    type: 'object',
    required: ['id', 'output', 'model', 'usage', 'cost'],
    properties: {
      id: { type: 'string', description: 'The id of this call.' },
      output,
      model: { type: 'string', description: 'The model that answered.' },
      usage,
      cost: {
        type: 'object',
        required: ['micro_usd'],
        properties: { micro_usd: { type: 'integer', minimum: 0, description: 'Cost in millionths of a US dollar.' } },
      },
    },
  };
  return {
    operationId: o.operationId,
    summary: o.summary,
    description: o.description ?? `Runs this prompt on ${spec.model} with the given variables.`,
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            additionalProperties: false,
            ...(required ? { required: ['variables'] } : {}),
            properties: {
              variables: structuredClone(spec.variables),
              stream: { type: 'boolean', default: false, description: 'Send the output as server-sent events while it is generated.' },
            },
          },
        },
      },
    },
    responses: {
      '200': {
        description: `The prompt's output. With \`stream: true\` the response is \`text/event-stream\` instead. ${
          o.streamDescription ?? 'The stream carries the output as it is generated and ends with the same result object as the JSON response.'
        }`,
        content: {
          'application/json': { schema: result },
          'text/event-stream': { schema: { type: 'string', description: 'Server-sent events.' } },
        },
      },
      '400': errorResponse('The variables are invalid; `error.param` names the variable.'),
      '401': errorResponse('No valid API key.'),
      '403': errorResponse('The key\'s app has no active subscription to this service.'),
      '429': {
        ...errorResponse('A request, token or budget limit of the plan was reached.'),
        headers: { 'retry-after': { description: 'Seconds until the limit frees up.', schema: { type: 'integer' } } },
      },
      '502': errorResponse('The AI provider failed, or its output did not match the output schema after one repair attempt.'),
    },
  };
}
