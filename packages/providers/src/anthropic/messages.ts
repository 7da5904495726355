/**
 * OpenAI chat messages → Anthropic `system` + `messages`. Anthropic keeps the system prompt outside the
 * conversation, has no `tool` role (tool output is a `tool_result` block in a user turn) and wants user and
 * assistant turns to alternate, so consecutive turns of one role are merged.
 *
 * Dropped on purpose: a message's `name` (Anthropic has no participant names), an image's `detail` (Anthropic
 * sizes images itself) and an assistant message's `audio` reference.
 */
import type {
  ContentBlockParam,
  ImageBlockParam,
  MessageParam,
  TextBlockParam,
  ToolResultBlockParam,
} from '@anthropic-ai/sdk/resources/messages';
import { UnsupportedParameterError } from '../adapter';
import { appendTurn } from '../turns';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface TranslatedMessages {
  system: string | TextBlockParam[] | undefined;
  messages: MessageParam[];
}

const invalid = (param: string, message: string) => new UnsupportedParameterError(param, message);

// Clients that target Anthropic through OpenAI-format gateways (OpenRouter, LiteLLM) mark cache breakpoints
// with Anthropic's own `cache_control` on a content part; keeping it is what makes their prompt caching work.
function textBlock(text: string, part?: Obj): TextBlockParam {
  const block: TextBlockParam = { type: 'text', text };
  if (part && isObj(part.cache_control)) block.cache_control = part.cache_control as unknown as TextBlockParam['cache_control'];
  return block;
}

const DATA_URL = /^data:(image\/(?:png|jpeg|gif|webp));base64,(.*)$/s;

function imageBlock(part: Obj, param: string): ImageBlockParam {
  const url = isObj(part.image_url) ? part.image_url.url : undefined;
  if (typeof url !== 'string') throw invalid(`${param}.image_url.url`, `'${param}.image_url.url' must be a string.`);
  const data = DATA_URL.exec(url);
  if (data) {
    const mediaType = data[1] as 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data: data[2]! } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw invalid(
    `${param}.image_url.url`,
    `'${param}.image_url.url' must be an http(s) URL or a base64 data URL of a PNG, JPEG, GIF or WebP image.`,
  );
}

/** Text-only content (system, developer and tool messages): a string or `text` parts. */
function textBlocks(content: unknown, param: string): TextBlockParam[] {
  if (typeof content === 'string') return content === '' ? [] : [textBlock(content)];
  if (!Array.isArray(content)) throw invalid(param, `'${param}' must be a string or an array of text parts.`);
  return content.map((part, j) => {
    if (!isObj(part) || part.type !== 'text' || typeof part.text !== 'string') {
      throw invalid(`${param}[${j}]`, `'${param}[${j}]' must be a text part; this message type takes text only.`);
    }
    return textBlock(part.text, part);
  });
}

function userBlocks(content: unknown, param: string): ContentBlockParam[] {
  if (typeof content === 'string') return content === '' ? [] : [textBlock(content)];
  if (!Array.isArray(content)) throw invalid(param, `'${param}' must be a string or an array of content parts.`);
  const blocks: ContentBlockParam[] = [];
  content.forEach((part, j) => {
    const p = `${param}[${j}]`;
    if (!isObj(part)) throw invalid(p, `'${p}' must be a content part object.`);
    if (part.type === 'text' && typeof part.text === 'string') {
      if (part.text !== '') blocks.push(textBlock(part.text, part));
    } else if (part.type === 'image_url') {
      blocks.push(imageBlock(part, p));
    } else {
      throw invalid(`${p}.type`, `Content parts of type '${String(part.type)}' are not supported by Anthropic models; send text or image_url parts.`);
    }
  });
  return blocks;
}

function toolUseInput(args: unknown, param: string): Record<string, unknown> {
  if (args === undefined || args === null || args === '') return {};
  if (typeof args !== 'string') throw invalid(param, `'${param}' must be a JSON string.`);
  let input: unknown;
  try {
    input = JSON.parse(args);
  } catch {
    throw invalid(param, `'${param}' is not valid JSON.`);
  }
  if (!isObj(input)) throw invalid(param, `'${param}' must be a JSON object; Anthropic tool inputs are objects.`);
  return input;
}

function assistantBlocks(m: Obj, param: string): ContentBlockParam[] {
  const blocks: ContentBlockParam[] = [];
  // LiteLLM's convention for handing Anthropic thinking back: Anthropic requires the signed thinking block of
  // a tool-use turn when thinking is on, and it must come first.
  if (Array.isArray(m.thinking_blocks)) {
    m.thinking_blocks.forEach((b, k) => {
      if (isObj(b) && b.type === 'thinking' && typeof b.thinking === 'string' && typeof b.signature === 'string') {
        blocks.push({ type: 'thinking', thinking: b.thinking, signature: b.signature });
      } else if (isObj(b) && b.type === 'redacted_thinking' && typeof b.data === 'string') {
        blocks.push({ type: 'redacted_thinking', data: b.data });
      } else {
        throw invalid(`${param}.thinking_blocks[${k}]`, `'${param}.thinking_blocks[${k}]' must be a signed thinking or a redacted_thinking block.`);
      }
    });
  }
  const { content } = m;
  if (typeof content === 'string') {
    if (content !== '') blocks.push(textBlock(content));
  } else if (Array.isArray(content)) {
    content.forEach((part, j) => {
      const p = `${param}.content[${j}]`;
      // A refusal the model gave earlier is, to Anthropic, just something the assistant said.
      const text = isObj(part) && part.type === 'text' ? part.text : isObj(part) && part.type === 'refusal' ? part.refusal : undefined;
      if (typeof text !== 'string') throw invalid(p, `'${p}' must be a text or refusal part.`);
      if (text !== '') blocks.push(textBlock(text, part as Obj));
    });
  } else if (content !== null && content !== undefined) {
    throw invalid(`${param}.content`, `'${param}.content' must be a string, an array of parts, or null.`);
  }
  if (m.tool_calls !== undefined && m.tool_calls !== null) {
    if (!Array.isArray(m.tool_calls)) throw invalid(`${param}.tool_calls`, `'${param}.tool_calls' must be an array.`);
    m.tool_calls.forEach((call, k) => {
      const p = `${param}.tool_calls[${k}]`;
      if (!isObj(call) || call.type !== 'function' || !isObj(call.function)) {
        throw invalid(p, `'${p}' must be a function tool call; Anthropic models take function tools only.`);
      }
      if (typeof call.id !== 'string' || typeof call.function.name !== 'string') {
        throw invalid(p, `'${p}' needs a string 'id' and 'function.name'.`);
      }
      blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolUseInput(call.function.arguments, `${p}.function.arguments`) });
    });
  }
  return blocks;
}

function toolResultBlock(m: Obj, param: string): ToolResultBlockParam {
  if (typeof m.tool_call_id !== 'string') throw invalid(`${param}.tool_call_id`, `'${param}.tool_call_id' is required.`);
  const content = typeof m.content === 'string' ? m.content : textBlocks(m.content, `${param}.content`);
  return { type: 'tool_result', tool_use_id: m.tool_call_id, content };
}

/** A turn of a single unadorned text block reads more naturally (and byte-cheaper) as a plain string. */
function compact(content: ContentBlockParam[]): MessageParam['content'] {
  const only = content[0];
  if (content.length === 1 && only?.type === 'text' && only.cache_control === undefined) return only.text;
  return content;
}

export function translateMessages(input: readonly unknown[]): TranslatedMessages {
  const system: TextBlockParam[] = [];
  const turns: Array<{ role: 'user' | 'assistant'; content: ContentBlockParam[] }> = [];
  const push = (role: 'user' | 'assistant', blocks: ContentBlockParam[]) => appendTurn(turns, role, blocks);

  input.forEach((m, i) => {
    const param = `messages[${i}]`;
    if (!isObj(m)) throw invalid(param, `'${param}' must be an object.`);
    switch (m.role) {
      case 'system':
      case 'developer':
        // Anthropic has one system prompt, before the conversation: system messages anywhere are hoisted into it.
        system.push(...textBlocks(m.content, `${param}.content`));
        break;
      case 'user':
        push('user', userBlocks(m.content, `${param}.content`));
        break;
      case 'assistant':
        push('assistant', assistantBlocks(m, param));
        break;
      case 'tool':
        push('user', [toolResultBlock(m, param)]);
        break;
      case 'function':
        throw invalid(`${param}.role`, "The legacy 'function' role is not supported for Anthropic models; use tools and 'tool' messages.");
      default:
        throw invalid(`${param}.role`, `'${param}.role' must be one of system, developer, user, assistant, tool.`);
    }
  });

  const messages = turns.map(({ role, content }): MessageParam => {
    // Anthropic wants a user turn's tool results before anything else in it.
    const ordered = role === 'user' ? [...content.filter((b) => b.type === 'tool_result'), ...content.filter((b) => b.type !== 'tool_result')] : content;
    return { role, content: compact(ordered) };
  });
  const onlySystem = system[0];
  const systemOut =
    system.length === 0 ? undefined : system.length === 1 && onlySystem && onlySystem.cache_control === undefined ? onlySystem.text : system;
  return { system: systemOut, messages };
}
