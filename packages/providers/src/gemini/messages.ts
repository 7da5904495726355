/**
 * OpenAI chat messages → Gemini `systemInstruction` + `contents`.
 *
 * Gemini differs in ways that need more than a rename: system text lives outside the conversation; the roles
 * are only `user` and `model`; a function result must carry the function's NAME (OpenAI's tool message has
 * only the call id, so the name is found on the assistant tool call with that id, the latest one when a
 * client reuses ids across turns); and consecutive turns of one role are merged, as Gemini expects all the
 * function results of a turn in one content.
 */
import { untranslatable } from './request-error';
import type { GeminiContent, GeminiPart } from './wire';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface GeminiConversation {
  systemInstruction?: { parts: GeminiPart[] };
  contents: GeminiContent[];
}

const DATA_URL = /^data:([^;,]+)(?:;[^;,=]+=[^;,]*)*;base64,/;

/** Extension → MIME type for URLs Gemini fetches itself (`fileData` needs a type it cannot always guess). */
const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
  mp3: 'audio/mp3',
  wav: 'audio/wav',
  mp4: 'video/mp4',
};

function inlineData(dataUrl: string, param: string): GeminiPart {
  const match = DATA_URL.exec(dataUrl);
  if (!match) throw untranslatable(`'${param}' must be a base64 data URL.`, param);
  return { inlineData: { mimeType: match[1]!, data: dataUrl.slice(match[0].length) } };
}

function imagePart(url: string, param: string): GeminiPart {
  if (url.startsWith('data:')) return inlineData(url, param);
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  const mimeType = ext ? MIME_BY_EXTENSION[ext] : undefined;
  return { fileData: mimeType ? { mimeType, fileUri: url } : { fileUri: url } };
}

function contentPart(part: unknown, param: string): GeminiPart {
  if (!isObj(part)) throw untranslatable(`'${param}' must be an object.`, param);
  switch (part.type) {
    case 'text':
      return { text: String(part.text ?? '') };
    case 'image_url': {
      const url = isObj(part.image_url) ? part.image_url.url : undefined;
      if (typeof url !== 'string') throw untranslatable(`'${param}.image_url.url' must be a string.`, `${param}.image_url.url`);
      return imagePart(url, `${param}.image_url.url`);
    }
    case 'input_audio': {
      const audio = isObj(part.input_audio) ? part.input_audio : {};
      if (typeof audio.data !== 'string' || typeof audio.format !== 'string') {
        throw untranslatable(`'${param}.input_audio' needs 'data' and 'format'.`, `${param}.input_audio`);
      }
      return { inlineData: { mimeType: `audio/${audio.format}`, data: audio.data } };
    }
    case 'file': {
      const file = isObj(part.file) ? part.file : {};
      if (typeof file.file_data === 'string') return inlineData(file.file_data, `${param}.file.file_data`);
      throw untranslatable(
        `'${param}.file' must carry 'file_data' as a data URL: OpenAI file ids mean nothing to Gemini.`,
        `${param}.file`,
      );
    }
    default:
      throw untranslatable(`'${param}.type' ${JSON.stringify(part.type)} has no Gemini equivalent.`, `${param}.type`);
  }
}

function userParts(content: unknown, param: string): GeminiPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  if (Array.isArray(content)) return content.map((p, j) => contentPart(p, `${param}[${j}]`));
  if (content === null || content === undefined) return [];
  throw untranslatable(`'${param}' must be a string or an array of content parts.`, param);
}

/** Text-only content (system, assistant, tool): text and refusal parts; anything else cannot be said there. */
function textOf(content: unknown, param: string): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) throw untranslatable(`'${param}' must be a string or an array of text parts.`, param);
  return content
    .map((p, j) => {
      if (isObj(p) && p.type === 'text') return String(p.text ?? '');
      if (isObj(p) && p.type === 'refusal') return String(p.refusal ?? '');
      throw untranslatable(`'${param}[${j}]' must be a text part here.`, `${param}[${j}]`);
    })
    .join('');
}

function parseArguments(args: unknown, param: string): Record<string, unknown> {
  if (args === undefined || args === null || args === '') return {};
  if (isObj(args)) return args;
  if (typeof args === 'string') {
    try {
      const parsed: unknown = JSON.parse(args);
      if (isObj(parsed)) return parsed;
    } catch {
      // reported below
    }
  }
  throw untranslatable(`'${param}' must be a JSON object encoded as a string.`, param);
}

/** Gemini wants an object; OpenAI tool results are text, often JSON. */
function functionResult(content: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(content);
    if (isObj(parsed)) return parsed;
  } catch {
    // plain text
  }
  // Gemini's convention: `output` holds the result when the response is not itself the output object.
  return { output: content };
}

function googleSignature(call: Obj): string | undefined {
  const extra = isObj(call.extra_content) ? call.extra_content : undefined;
  const google = extra && isObj(extra.google) ? extra.google : undefined;
  return typeof google?.thought_signature === 'string' ? google.thought_signature : undefined;
}

export function toGeminiConversation(messages: readonly unknown[]): GeminiConversation {
  const system: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const namesById = new Map<string, string>();

  const push = (role: 'user' | 'model', parts: GeminiPart[]): void => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };

  messages.forEach((message, i) => {
    const param = `messages[${i}]`;
    if (!isObj(message)) throw untranslatable(`'${param}' must be an object.`, param);
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOf(message.content, `${param}.content`);
        if (text !== '') system.push({ text });
        return;
      }
      case 'user':
        push('user', userParts(message.content, `${param}.content`));
        return;
      case 'assistant':
        push('model', assistantParts(message, param, namesById));
        return;
      case 'tool': {
        const id = message.tool_call_id;
        const name = typeof id === 'string' ? namesById.get(id) : undefined;
        if (name === undefined) {
          throw untranslatable(
            `'${param}.tool_call_id' ${JSON.stringify(id)} answers no tool call of an earlier assistant message.`,
            `${param}.tool_call_id`,
          );
        }
        push('user', [{ functionResponse: { name, response: functionResult(textOf(message.content, `${param}.content`)) } }]);
        return;
      }
      case 'function': {
        if (typeof message.name !== 'string') throw untranslatable(`'${param}.name' is required.`, `${param}.name`);
        push('user', [{ functionResponse: { name: message.name, response: functionResult(textOf(message.content, `${param}.content`)) } }]);
        return;
      }
      default:
        throw untranslatable(`'${param}.role' ${JSON.stringify(message.role)} has no Gemini equivalent.`, `${param}.role`);
    }
  });

  return system.length > 0 ? { systemInstruction: { parts: system }, contents } : { contents };
}

function assistantParts(message: Obj, param: string, namesById: Map<string, string>): GeminiPart[] {
  const parts: GeminiPart[] = [];
  const text = textOf(message.content, `${param}.content`);
  if (text !== '') parts.push({ text });
  const calls = message.tool_calls;
  if (calls !== undefined && calls !== null && !Array.isArray(calls)) {
    throw untranslatable(`'${param}.tool_calls' must be an array.`, `${param}.tool_calls`);
  }
  (calls ?? []).forEach((call: unknown, j: number) => {
    const where = `${param}.tool_calls[${j}]`;
    const fn = isObj(call) && isObj(call.function) ? call.function : undefined;
    if (!isObj(call) || !fn || typeof fn.name !== 'string') {
      throw untranslatable(`'${where}' must be a function tool call with a name.`, where);
    }
    if (typeof call.id === 'string') namesById.set(call.id, fn.name);
    const part: GeminiPart = { functionCall: { name: fn.name, args: parseArguments(fn.arguments, `${where}.function.arguments`) } };
    const signature = googleSignature(call);
    if (signature) part.thoughtSignature = signature;
    parts.push(part);
  });
  // The pre-tools API: one `function_call`, answered by a `function` message that names the function itself.
  if (isObj(message.function_call) && typeof message.function_call.name === 'string') {
    const { name, arguments: args } = message.function_call;
    parts.push({ functionCall: { name, args: parseArguments(args, `${param}.function_call.arguments`) } });
  }
  return parts;
}
