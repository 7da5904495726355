/**
 * The mock OpenAI server's Responses API (`POST /v1/responses`), whole and streamed, in OpenAI's wire format:
 * the Response object and the `response.*` event sequence, typed with the openai SDK's own types. Answers are
 * deterministic, as the chat endpoint's: "Echo: " + the last user text (or the last function call output).
 * - function tools (and a tool choice other than `none`) while the input does not end with a function call
 *   output: function calls — the named one, else the first two (one when `parallel_tool_calls` is false);
 * - a `web_search` tool: a `web_search_call` item (the search "ran") before the message;
 * - `text.format` json_schema / json_object: JSON, the user's text when it is JSON, else `{}`;
 * - `max_output_tokens` below the reply's word count: the reply cut there, `status: incomplete`;
 * - o-series models: a reasoning item and 5 reasoning tokens; `…cached…` models: half the input cached.
 */
import type { Response, ResponseOutputItem, ResponseStreamEvent, ResponseUsage } from 'openai/resources/responses/responses';
import { sampleFromSchema } from '../mock-schema';
import { countWords, jsonAnswer, randomId, replyPieces } from './mock-wire';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A request the mock cannot take: the status and OpenAI's words, naming the parameter. */
export interface ResponsesProblem {
  param: string;
  message: string;
}

const itemText = (item: Json): string => {
  if (typeof item.content === 'string') return item.content;
  if (Array.isArray(item.content)) {
    return item.content
      .filter((p): p is Json => isObj(p) && typeof p.text === 'string')
      .map((p) => p.text as string)
      .join(' ');
  }
  if (item.type === 'function_call_output') return typeof item.output === 'string' ? item.output : JSON.stringify(item.output ?? '');
  if (item.type === 'function_call') return String(item.arguments ?? '');
  return '';
};

export interface ResponsesPlan {
  model: string;
  said: string;
  pieces: string[];
  calls: Array<{ name: string; arguments: string }>;
  webSearch: boolean;
  reasoning: number;
  incomplete: boolean;
  usage: ResponseUsage;
}

/** Validates what OpenAI would refuse outright and plans the answer; a problem is a 400 naming the field. */
export function planResponse(body: Json): ResponsesPlan | ResponsesProblem {
  if (typeof body.model !== 'string' || !body.model) return { param: 'model', message: "Missing required parameter: 'model'." };
  const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : body.input;
  if (!Array.isArray(input) || input.length === 0) return { param: 'input', message: "Missing required parameter: 'input'." };
  if (!input.every(isObj)) return { param: 'input', message: "Invalid 'input': expected an array of input items." };
  const max = body.max_output_tokens;
  if (max != null && !(Number.isInteger(max) && (max as number) >= 16)) {
    return { param: 'max_output_tokens', message: `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got ${JSON.stringify(max)} instead.` };
  }
  const items = input as Json[];
  const last = items.at(-1)!;
  const lastUser = [...items].reverse().find((i) => (i.type ?? 'message') === 'message' && i.role === 'user');
  const answersTool = last.type === 'function_call_output';
  const said = answersTool ? itemText(last) : lastUser ? itemText(lastUser) : '';
  const tools = Array.isArray(body.tools) ? (body.tools as unknown[]).filter(isObj) : [];
  const functions = tools.filter((t) => t.type === 'function');
  const choice = body.tool_choice ?? 'auto';
  let calls: ResponsesPlan['calls'] = [];
  if (functions.length && choice !== 'none' && !answersTool) {
    const named = isObj(choice) && choice.type === 'function' ? functions.filter((t) => t.name === choice.name) : functions.slice(0, body.parallel_tool_calls === false ? 1 : 2);
    calls = named.map((t) => {
      const args = sampleFromSchema(t.parameters, said);
      return { name: String(t.name), arguments: JSON.stringify(isObj(args) ? args : {}) };
    });
  }
  const format = isObj(body.text) && isObj(body.text.format) ? body.text.format.type : undefined;
  let pieces = calls.length ? [] : replyPieces(format === 'json_schema' || format === 'json_object' ? jsonAnswer(said) : `Echo: ${said}`);
  const incomplete = typeof max === 'number' && pieces.length > max;
  if (incomplete) pieces = pieces.slice(0, max as number);
  const model = body.model;
  const reasoning = /^o\d/.test(model) ? 5 : 0;
  let input_tokens = countWords(typeof body.instructions === 'string' ? body.instructions : '');
  for (const item of items) input_tokens += countWords(itemText(item)) + 3;
  const cached = model.includes('cached') ? Math.floor(input_tokens / 2) : 0;
  const output_tokens = pieces.length + reasoning + calls.reduce((n, c) => n + Math.ceil(c.arguments.length / 4), 0);
  return {
    model,
    said,
    pieces,
    calls,
    webSearch: tools.some((t) => t.type === 'web_search' || t.type === 'web_search_preview'),
    reasoning,
    incomplete,
    usage: {
      input_tokens,
      input_tokens_details: { cached_tokens: cached, cache_write_tokens: 0 },
      output_tokens,
      output_tokens_details: { reasoning_tokens: reasoning },
      total_tokens: input_tokens + output_tokens,
    },
  };
}

/** The plan's output items, finished, with fresh OpenAI-looking ids. */
function outputItems(plan: ResponsesPlan): ResponseOutputItem[] {
  const out: ResponseOutputItem[] = [];
  if (plan.reasoning) out.push({ id: randomId('rs_', 48), type: 'reasoning', summary: [] });
  if (plan.webSearch) out.push({ id: randomId('ws_', 48), type: 'web_search_call', status: 'completed', action: { type: 'search', query: plan.said } });
  if (!plan.calls.length) {
    const text = plan.pieces.join('');
    out.push({ id: randomId('msg_', 48), type: 'message', role: 'assistant', status: plan.incomplete ? 'incomplete' : 'completed', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] });
  }
  for (const call of plan.calls) {
    out.push({ id: randomId('fc_', 48), type: 'function_call', status: 'completed', call_id: randomId('call_', 24), name: call.name, arguments: call.arguments });
  }
  return out;
}

/** The Response object, repeating the request's fields as OpenAI's does. */
function responseOf(body: Json, plan: ResponsesPlan, id: string, status: Response['status'], output: ResponseOutputItem[], withUsage: boolean): Response {
  const text = output.flatMap((i) => (i.type === 'message' ? i.content : [])).map((p) => (p.type === 'output_text' ? p.text : '')).join('');
  return {
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    background: false,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: typeof body.instructions === 'string' ? body.instructions : null,
    max_output_tokens: typeof body.max_output_tokens === 'number' ? body.max_output_tokens : null,
    metadata: isObj(body.metadata) ? (body.metadata as Record<string, string>) : {},
    model: plan.model,
    output,
    output_text: text,
    parallel_tool_calls: body.parallel_tool_calls !== false,
    previous_response_id: typeof body.previous_response_id === 'string' ? body.previous_response_id : null,
    reasoning: { effort: null, summary: null, ...(isObj(body.reasoning) ? body.reasoning : {}) },
    service_tier: 'default',
    store: body.store !== false,
    temperature: typeof body.temperature === 'number' ? body.temperature : 1,
    text: isObj(body.text) ? (body.text as Response['text']) : { format: { type: 'text' } },
    tool_choice: (body.tool_choice ?? 'auto') as Response['tool_choice'],
    tools: (Array.isArray(body.tools) ? body.tools : []) as Response['tools'],
    top_p: typeof body.top_p === 'number' ? body.top_p : 1,
    truncation: 'disabled',
    usage: withUsage ? plan.usage : null,
  } as Response;
}

export function responseBody(body: Json, plan: ResponsesPlan): Response {
  return responseOf(body, plan, randomId('resp_', 48), plan.incomplete ? 'incomplete' : 'completed', outputItems(plan), true);
}

type Event = ResponseStreamEvent;
type Unnumbered<E> = E extends unknown ? Omit<E, 'sequence_number'> : never;

/** The stream's SSE frames, each `event: <type>` + data, numbered from 0; OpenAI sends no `[DONE]`. */
export function responseStreamFrames(body: Json, plan: ResponsesPlan): string[] {
  const id = randomId('resp_', 48);
  const items = outputItems(plan);
  const events: Array<Unnumbered<Event>> = [];
  events.push({ type: 'response.created', response: responseOf(body, plan, id, 'in_progress', [], false) });
  events.push({ type: 'response.in_progress', response: responseOf(body, plan, id, 'in_progress', [], false) });
  items.forEach((item, output_index) => {
    if (item.type === 'message') {
      events.push({ type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress', content: [] } });
      const where = { item_id: item.id, output_index, content_index: 0 };
      events.push({ type: 'response.content_part.added', ...where, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } });
      for (const delta of plan.pieces) events.push({ type: 'response.output_text.delta', ...where, delta, logprobs: [] });
      const text = plan.pieces.join('');
      events.push({ type: 'response.output_text.done', ...where, text, logprobs: [] });
      events.push({ type: 'response.content_part.done', ...where, part: { type: 'output_text', text, annotations: [], logprobs: [] } });
    } else if (item.type === 'function_call') {
      events.push({ type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress', arguments: '' } });
      for (let i = 0; i < item.arguments.length; i += 6) {
        events.push({ type: 'response.function_call_arguments.delta', item_id: item.id!, output_index, delta: item.arguments.slice(i, i + 6) });
      }
      events.push({ type: 'response.function_call_arguments.done', item_id: item.id!, output_index, name: item.name, arguments: item.arguments });
    } else if (item.type === 'web_search_call') {
      events.push({ type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress' } });
      for (const phase of ['in_progress', 'searching', 'completed'] as const) {
        events.push({ type: `response.web_search_call.${phase}`, item_id: item.id, output_index });
      }
    } else events.push({ type: 'response.output_item.added', output_index, item });
    events.push({ type: 'response.output_item.done', output_index, item });
  });
  const final = responseOf(body, plan, id, plan.incomplete ? 'incomplete' : 'completed', items, true);
  events.push(plan.incomplete ? { type: 'response.incomplete', response: final } : { type: 'response.completed', response: final });
  return events.map((e, sequence_number) => `event: ${e.type}\ndata: ${JSON.stringify({ ...e, sequence_number })}\n\n`);
}
