import { z } from 'zod';

/**
 * The subset of OpenAI's published Responses API reference (the Response object, its output items and usage,
 * and the streaming events) that the gateway's answers are checked against. Written from the reference, not
 * from the gateway's code, so a test fails when the gateway drifts from what OpenAI clients read.
 */

const outputText = z.object({
  type: z.literal('output_text'),
  text: z.string(),
  annotations: z.array(z.unknown()),
  logprobs: z.array(z.unknown()).optional(),
});
const refusal = z.object({ type: z.literal('refusal'), refusal: z.string() });
const itemStatus = z.enum(['in_progress', 'completed', 'incomplete']);

export const messageItem = z.object({
  type: z.literal('message'),
  id: z.string().min(1),
  role: z.literal('assistant'),
  status: itemStatus,
  content: z.array(z.discriminatedUnion('type', [outputText, refusal])),
});
export const functionCallItem = z.object({
  type: z.literal('function_call'),
  id: z.string().optional(),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  status: itemStatus.optional(),
});
export const reasoningItem = z.object({
  type: z.literal('reasoning'),
  id: z.string().min(1),
  summary: z.array(z.object({ type: z.literal('summary_text'), text: z.string() })),
  encrypted_content: z.string().nullable().optional(),
  status: itemStatus.optional(),
});
export const outputItem = z.discriminatedUnion('type', [messageItem, functionCallItem, reasoningItem]);

export const responseUsage = z.object({
  input_tokens: z.number().int().nonnegative(),
  input_tokens_details: z.object({ cached_tokens: z.number().int().nonnegative() }),
  output_tokens: z.number().int().nonnegative(),
  output_tokens_details: z.object({ reasoning_tokens: z.number().int().nonnegative() }),
  total_tokens: z.number().int().nonnegative(),
});

export const responseObject = z.object({
  id: z.string().startsWith('resp_'),
  object: z.literal('response'),
  created_at: z.number().int().positive(),
  status: z.enum(['completed', 'failed', 'in_progress', 'cancelled', 'queued', 'incomplete']),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  incomplete_details: z.object({ reason: z.enum(['max_output_tokens', 'content_filter']) }).nullable(),
  instructions: z.union([z.string(), z.array(z.unknown())]).nullable(),
  metadata: z.record(z.string(), z.string()).nullable(),
  model: z.string().min(1),
  output: z.array(outputItem),
  parallel_tool_calls: z.boolean(),
  temperature: z.number().nullable(),
  tool_choice: z.unknown(),
  tools: z.array(z.unknown()),
  top_p: z.number().nullable(),
  max_output_tokens: z.number().int().nullable().optional(),
  previous_response_id: z.string().nullable().optional(),
  usage: responseUsage.nullable().optional(),
});

const seq = { sequence_number: z.number().int().nonnegative() };
const at = { item_id: z.string().min(1), output_index: z.number().int().nonnegative() };

/** The stream events the gateway sends, each as the reference defines it. */
export const streamEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('response.created'), response: responseObject, ...seq }),
  z.object({ type: z.literal('response.in_progress'), response: responseObject, ...seq }),
  z.object({ type: z.literal('response.completed'), response: responseObject, ...seq }),
  z.object({ type: z.literal('response.incomplete'), response: responseObject, ...seq }),
  z.object({ type: z.literal('response.failed'), response: responseObject, ...seq }),
  z.object({ type: z.literal('response.output_item.added'), output_index: z.number().int(), item: outputItem, ...seq }),
  z.object({ type: z.literal('response.output_item.done'), output_index: z.number().int(), item: outputItem, ...seq }),
  z.object({ type: z.literal('response.content_part.added'), ...at, content_index: z.number().int(), part: z.discriminatedUnion('type', [outputText, refusal]), ...seq }),
  z.object({ type: z.literal('response.content_part.done'), ...at, content_index: z.number().int(), part: z.discriminatedUnion('type', [outputText, refusal]), ...seq }),
  z.object({ type: z.literal('response.output_text.delta'), ...at, content_index: z.number().int(), delta: z.string(), logprobs: z.array(z.unknown()), ...seq }),
  z.object({ type: z.literal('response.output_text.done'), ...at, content_index: z.number().int(), text: z.string(), logprobs: z.array(z.unknown()), ...seq }),
  z.object({ type: z.literal('response.function_call_arguments.delta'), ...at, delta: z.string(), ...seq }),
  z.object({ type: z.literal('response.function_call_arguments.done'), ...at, name: z.string(), arguments: z.string(), ...seq }),
  z.object({ type: z.literal('response.reasoning_summary_part.added'), ...at, summary_index: z.number().int(), part: z.object({ type: z.literal('summary_text'), text: z.string() }), ...seq }),
  z.object({ type: z.literal('response.reasoning_summary_part.done'), ...at, summary_index: z.number().int(), part: z.object({ type: z.literal('summary_text'), text: z.string() }), ...seq }),
  z.object({ type: z.literal('response.reasoning_summary_text.delta'), ...at, summary_index: z.number().int(), delta: z.string(), ...seq }),
  z.object({ type: z.literal('response.reasoning_summary_text.done'), ...at, summary_index: z.number().int(), text: z.string(), ...seq }),
  z.object({ type: z.literal('error'), code: z.string().nullable(), message: z.string(), param: z.string().nullable(), ...seq }),
]);
export type StreamEvent = z.infer<typeof streamEvent>;

/** OpenAI's error body on `/v1/*`. */
export const errorBody = z.object({ error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string().nullable() }) });
