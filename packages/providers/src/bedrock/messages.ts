/**
 * OpenAI chat messages → Bedrock Converse `system` + `messages`. Like Anthropic, Converse keeps the system
 * prompt outside the conversation, has no `tool` role (tool output is a `toolResult` block in a user turn) and
 * wants user and assistant turns to alternate, so consecutive turns of one role are merged.
 *
 * Dropped on purpose: a message's `name` and an image's `detail` (Converse has neither).
 */
import { UnsupportedParameterError } from '../adapter';
import { appendTurn } from '../turns';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A Converse content block; only the shapes this module writes. */
export type ContentBlock =
  | { text: string }
  | { image: { format: string; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: Obj } }
  | { toolResult: { toolUseId: string; content: Array<{ text: string }> } };

export interface ConverseMessage {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

const invalid = (param: string, message: string) => new UnsupportedParameterError(param, message);

const DATA_URL = /^data:image\/(png|jpeg|gif|webp);base64,(.*)$/s;

// Converse takes image bytes (base64 in JSON) or an S3 location, never an http URL: fetching one for the
// caller would make the gateway a URL fetcher, so such an image is refused with the reason.
function imageBlock(part: Obj, param: string): ContentBlock {
  const url = isObj(part.image_url) ? part.image_url.url : undefined;
  if (typeof url !== 'string') throw invalid(`${param}.image_url.url`, `'${param}.image_url.url' must be a string.`);
  const data = DATA_URL.exec(url);
  if (!data) throw invalid(`${param}.image_url.url`, `Bedrock models take images as base64 data URLs of PNG, JPEG, GIF or WebP images only.`);
  return { image: { format: data[1]!, source: { bytes: data[2]! } } };
}

function textOnly(content: unknown, param: string): string[] {
  if (typeof content === 'string') return content === '' ? [] : [content];
  if (!Array.isArray(content)) throw invalid(param, `'${param}' must be a string or an array of text parts.`);
  return content.map((part, j) => {
    if (!isObj(part) || part.type !== 'text' || typeof part.text !== 'string') throw invalid(`${param}[${j}]`, `'${param}[${j}]' must be a text part.`);
    return part.text;
  }).filter((t) => t !== '');
}

function userBlocks(content: unknown, param: string): ContentBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  if (!Array.isArray(content)) throw invalid(param, `'${param}' must be a string or an array of content parts.`);
  const blocks: ContentBlock[] = [];
  content.forEach((part, j) => {
    const p = `${param}[${j}]`;
    if (isObj(part) && part.type === 'text' && typeof part.text === 'string') {
      // Converse refuses empty text blocks.
      if (part.text !== '') blocks.push({ text: part.text });
    } else if (isObj(part) && part.type === 'image_url') blocks.push(imageBlock(part, p));
    else throw invalid(`${p}.type`, `Content parts of type '${String(isObj(part) ? part.type : part)}' are not supported by Bedrock models; send text or image_url parts.`);
  });
  return blocks;
}

function toolInput(args: unknown, param: string): Obj {
  if (args === undefined || args === null || args === '') return {};
  let input: unknown;
  try {
    input = typeof args === 'string' ? JSON.parse(args) : undefined;
  } catch {
    throw invalid(param, `'${param}' is not valid JSON.`);
  }
  if (!isObj(input)) throw invalid(param, `'${param}' must be a JSON object string; Bedrock tool inputs are objects.`);
  return input;
}

function assistantBlocks(m: Obj, param: string): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  if (typeof m.content === 'string' || Array.isArray(m.content)) {
    const parts = typeof m.content === 'string' ? [m.content] : m.content.map((part, j) => {
      // A refusal the model gave earlier is, to Bedrock, just something the assistant said.
      const text = isObj(part) && part.type === 'text' ? part.text : isObj(part) && part.type === 'refusal' ? part.refusal : undefined;
      if (typeof text !== 'string') throw invalid(`${param}.content[${j}]`, `'${param}.content[${j}]' must be a text or refusal part.`);
      return text;
    });
    for (const text of parts) if (text !== '') blocks.push({ text });
  } else if (m.content !== null && m.content !== undefined) {
    throw invalid(`${param}.content`, `'${param}.content' must be a string, an array of parts, or null.`);
  }
  if (m.tool_calls !== undefined && m.tool_calls !== null) {
    if (!Array.isArray(m.tool_calls)) throw invalid(`${param}.tool_calls`, `'${param}.tool_calls' must be an array.`);
    m.tool_calls.forEach((call, k) => {
      const p = `${param}.tool_calls[${k}]`;
      if (!isObj(call) || call.type !== 'function' || !isObj(call.function) || typeof call.id !== 'string' || typeof call.function.name !== 'string') {
        throw invalid(p, `'${p}' must be a function tool call with a string 'id' and 'function.name'.`);
      }
      blocks.push({ toolUse: { toolUseId: call.id, name: call.function.name, input: toolInput(call.function.arguments, `${p}.function.arguments`) } });
    });
  }
  return blocks;
}

export function translateMessages(input: readonly unknown[]): { system: Array<{ text: string }>; messages: ConverseMessage[] } {
  const system: Array<{ text: string }> = [];
  const messages: ConverseMessage[] = [];
  const push = (role: 'user' | 'assistant', blocks: ContentBlock[]) => appendTurn(messages, role, blocks);
  input.forEach((m, i) => {
    const param = `messages[${i}]`;
    if (!isObj(m)) throw invalid(param, `'${param}' must be an object.`);
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(...textOnly(m.content, `${param}.content`).map((text) => ({ text })));
        break;
      case 'user':
        push('user', userBlocks(m.content, `${param}.content`));
        break;
      case 'assistant':
        push('assistant', assistantBlocks(m, param));
        break;
      case 'tool': {
        if (typeof m.tool_call_id !== 'string') throw invalid(`${param}.tool_call_id`, `'${param}.tool_call_id' is required.`);
        const texts = textOnly(m.content, `${param}.content`);
        push('user', [{ toolResult: { toolUseId: m.tool_call_id, content: (texts.length > 0 ? texts : ['']).map((text) => ({ text })) } }]);
        break;
      }
      default:
        throw invalid(`${param}.role`, `'${param}.role' must be one of system, developer, user, assistant, tool.`);
    }
  });
  return { system, messages };
}
