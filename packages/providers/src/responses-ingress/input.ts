import { fail, isObject, type Json } from './validation';

/**
 * Responses `input` (a string, or items: messages, function calls and their outputs, earlier reasoning) as
 * unified chat messages. A Responses conversation is a flat list of items where chat nests tool calls inside
 * the assistant message: consecutive `function_call` items join the assistant turn before them.
 */


function imagePart(part: Json, param: string): Json {
  if (typeof part.image_url === 'string' && part.image_url) {
    const image: Json = { url: part.image_url };
    if (typeof part.detail === 'string' && part.detail !== 'auto') image.detail = part.detail;
    return { type: 'image_url', image_url: image };
  }
  if (part.file_id != null) return fail(`${param}.file_id`, "file ids name files in OpenAI's Files API, which this gateway does not reach; send the image as image_url (a URL or a data: URL)");
  return fail(`${param}.image_url`, 'is required');
}

function filePart(part: Json, param: string): Json {
  if (part.file_url != null) return fail(`${param}.file_url`, 'is not supported: send the file as file_data');
  const file: Json = {};
  for (const key of ['file_data', 'file_id', 'filename']) if (typeof part[key] === 'string') file[key] = part[key];
  if (!file.file_data && !file.file_id) return fail(`${param}.file_data`, 'is required');
  return { type: 'file', file };
}

/** A user, system or developer message's content as chat content parts. */
function inputContent(content: unknown, param: string): string | Json[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return fail(param, 'must be a string or an array of content parts');
  return content.map((part: unknown, i) => {
    const p = `${param}.${i}`;
    if (!isObject(part)) return fail(p, 'must be a content part');
    switch (part.type) {
      case 'input_text':
      // Earlier assistant turns resent as easy messages carry output_text parts.
      case 'output_text':
        return { type: 'text', text: String(part.text ?? '') };
      case 'input_image':
        return imagePart(part, p);
      case 'input_file':
        return filePart(part, p);
      default:
        return fail(`${p}.type`, `'${String(part.type)}' is not supported: use input_text, input_image or input_file`);
    }
  });
}

const textOnly = (parts: string | Json[]): string | Json[] =>
  typeof parts === 'string' || !parts.every((p) => p.type === 'text') ? parts : parts.map((p) => p.text as string).join('');

/** An assistant message (an earlier output item, or an easy message with role assistant) as chat text. */
function assistantText(content: unknown, param: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return fail(param, 'must be a string or an array of content parts');
  return content
    .map((part: unknown, i) => {
      if (!isObject(part)) return fail(`${param}.${i}`, 'must be a content part');
      if (part.type === 'output_text' || part.type === 'input_text') return String(part.text ?? '');
      // A refusal was the assistant's answer; the model reads it back as what it said.
      if (part.type === 'refusal') return String(part.refusal ?? '');
      return fail(`${param}.${i}.type`, `'${String(part.type)}' is not an assistant content part`);
    })
    .join('');
}

function toolOutput(output: unknown, param: string): string | Json[] {
  if (typeof output === 'string') return output;
  if (!Array.isArray(output)) return fail(param, 'must be a string or an array of content parts');
  return output.map((part: unknown, i) => {
    if (isObject(part) && part.type === 'input_text') return { type: 'text', text: String(part.text ?? '') };
    // Chat tool messages carry text only; an image result has no faithful translation.
    return fail(`${param}.${i}.type`, 'function call outputs are translated as text: only input_text parts are supported');
  });
}

/**
 * `history` is the stored conversation `previous_response_id` names: items the gateway stored itself, read
 * before this call's input as one list (a stored tool call joins the same assistant turn).
 */
export function translateInput(input: unknown, history: unknown[] = []): Json[] {
  if (typeof input === 'string') input = [{ role: 'user', content: input }];
  else if (!Array.isArray(input) || input.length === 0) return fail('input', 'is required: a string or a non-empty array of input items');
  const messages: Json[] = [];
  const lastAssistant = (): Json => {
    const last = messages.at(-1);
    if (last?.role === 'assistant') return last;
    const fresh: Json = { role: 'assistant', content: null };
    messages.push(fresh);
    return fresh;
  };
  [...history, ...(input as unknown[])].forEach((item: unknown, at) => {
    const i = at - history.length;
    const param = i < 0 ? 'previous_response_id' : `input.${i}`;
    if (!isObject(item)) return fail(param, 'must be an input item');
    const type = item.type ?? 'message';
    switch (type) {
      case 'message': {
        const role = item.role;
        if (role === 'assistant') {
          // A new assistant message starts a new turn, even right after another one's tool calls.
          messages.push({ role: 'assistant', content: assistantText(item.content, `${param}.content`) });
        } else if (role === 'user' || role === 'system' || role === 'developer') {
          // Developer messages are chat's system messages for every provider (OpenAI reads them alike).
          messages.push({ role: role === 'user' ? 'user' : 'system', content: textOnly(inputContent(item.content, `${param}.content`)) });
        } else fail(`${param}.role`, "must be 'user', 'assistant', 'system' or 'developer'");
        return;
      }
      case 'function_call': {
        if (typeof item.call_id !== 'string' || !item.call_id) fail(`${param}.call_id`, 'is required');
        if (typeof item.name !== 'string' || !item.name) fail(`${param}.name`, 'is required');
        const turn = lastAssistant();
        const calls = (turn.tool_calls as Json[] | undefined) ?? [];
        calls.push({ id: item.call_id, type: 'function', function: { name: item.name, arguments: typeof item.arguments === 'string' ? item.arguments : '{}' } });
        turn.tool_calls = calls;
        return;
      }
      case 'function_call_output':
        if (typeof item.call_id !== 'string' || !item.call_id) fail(`${param}.call_id`, 'is required');
        messages.push({ role: 'tool', tool_call_id: item.call_id, content: textOnly(toolOutput(item.output, `${param}.output`)) });
        return;
      case 'reasoning':
        // Earlier reasoning (the Agents SDK resends it): chat providers take no reasoning input, and each
        // reasons afresh, so it is left out rather than passed off as something the assistant said.
        return;
      case 'item_reference':
        // The gateway's response store replaces each reference by the item before translation; one left here
        // had no store to resolve it.
        return fail(`${param}.type`, 'item references need stored responses, which are not available here: send the items themselves');
      default:
        // A stored answer's built-in tool calls (web_search_call, …) were the provider's own steps; their
        // results are in the answer's message, so a continuation leaves them out like reasoning.
        if (i < 0 && typeof type === 'string' && type.endsWith('_call')) return;
        return fail(`${param}.type`, `'${String(type)}' is not supported: use message, function_call, function_call_output or reasoning items`);
    }
  });
  if (messages.length === 0) fail('input', 'holds no message to answer');
  return messages;
}
