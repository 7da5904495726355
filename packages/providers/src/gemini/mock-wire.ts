/**
 * The deterministic answers of the mock Gemini server, as plain values so they can be checked without a
 * socket. Tokens are counted in words (plus 3 per content, 258 per image, as Gemini counts an image), so a
 * test can predict every number.
 */
import { createHash } from 'node:crypto';
import type { CheckedRequest } from './mock-validate';
import { countWords, replyPieces } from '../openai/mock-wire';
import type { GeminiCandidate, GeminiFunctionCall, GeminiPart, GeminiResponse, GeminiUsageMetadata } from './wire';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export { countWords, replyPieces };

export interface GeminiMockPlan {
  model: string;
  responseId: string;
  candidateCount: number;
  /** A thought summary, sent only when `includeThoughts` asked for it (thinking is billed either way). */
  thought: string | null;
  includeThoughts: boolean;
  pieces: string[];
  functionCall: GeminiFunctionCall | null;
  thoughtSignature: string | null;
  finishReason: 'STOP' | 'MAX_TOKENS';
  usage: GeminiUsageMetadata;
}

function partTokens(part: Obj): number {
  if (typeof part.text === 'string') return countWords(part.text);
  if (part.inlineData || part.fileData) return 258;
  if (isObj(part.functionCall)) return 1 + countWords(JSON.stringify(part.functionCall.args ?? {}));
  if (isObj(part.functionResponse)) return 1 + countWords(JSON.stringify(part.functionResponse.response ?? {}));
  return 0;
}

const partsOf = (content: Obj | undefined): Obj[] => (content && Array.isArray(content.parts) ? (content.parts as Obj[]) : []);

/** Arguments for a declared function, filled from its schema: strings get the user's words. */
function argumentsFor(parameters: unknown, userText: string): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  if (!isObj(parameters) || !isObj(parameters.properties)) return args;
  const required = Array.isArray(parameters.required) ? parameters.required : Object.keys(parameters.properties);
  for (const name of required) {
    const schema = (parameters.properties as Obj)[String(name)];
    const type = isObj(schema) ? String(schema.type ?? '').toLowerCase() : '';
    if (type === 'number' || type === 'integer') args[String(name)] = 1;
    else if (type === 'boolean') args[String(name)] = true;
    else if (type === 'array') args[String(name)] = [];
    else if (type === 'object') args[String(name)] = {};
    else args[String(name)] = isObj(schema) && Array.isArray(schema.enum) ? schema.enum[0] : userText;
  }
  return args;
}

/**
 * The answer: when the last user turn returns function results, "Result: name=json …"; when functions are
 * declared (and calling is not NONE), a call to the first allowed one; else "Echo: " + the last user text (as
 * `{"echo": …}` when JSON was asked for). A model name containing `cached` reports half the prompt cached;
 * a `thinkingConfig` with a non-zero budget makes the model think.
 */
export function planGemini(model: string, req: CheckedRequest): GeminiMockPlan {
  let prompt = partsOf(req.systemInstruction).reduce((n, p) => n + partTokens(p), 0);
  for (const content of req.contents) prompt += 3 + partsOf(content).reduce((n, p) => n + partTokens(p), 0);
  const lastUser = [...req.contents].reverse().find((c) => c.role !== 'model');
  const userParts = partsOf(lastUser);
  const userText = userParts.map((p) => (typeof p.text === 'string' ? p.text : '')).filter(Boolean).join(' ');
  const results = userParts.map((p) => p.functionResponse).filter(isObj);

  const config = req.generationConfig;
  const thinking = isObj(config.thinkingConfig) ? config.thinkingConfig : null;
  const thinks = thinking !== null && thinking.thinkingBudget !== 0;
  const thought = thinks ? `Thinking about "${userText}".` : null;
  const mode = req.toolConfig?.mode ?? 'AUTO';

  let pieces: string[] = [];
  let functionCall: GeminiFunctionCall | null = null;
  let finishReason: GeminiMockPlan['finishReason'] = 'STOP';
  if (results.length === 0 && req.functions.length > 0 && mode !== 'NONE') {
    const name = req.toolConfig?.allowedFunctionNames?.[0] ?? String(req.functions[0]!.name);
    const declared = req.functions.find((f) => f.name === name);
    functionCall = { name, args: argumentsFor(declared?.parameters, userText) };
  } else {
    const reply =
      results.length > 0
        ? `Result: ${results.map((r) => `${String(r.name)}=${JSON.stringify(r.response)}`).join(' ')}`
        : config.responseMimeType === 'application/json'
          ? JSON.stringify({ echo: userText })
          : `Echo: ${userText}`;
    pieces = replyPieces(reply);
    const max = typeof config.maxOutputTokens === 'number' ? config.maxOutputTokens : undefined;
    if (max !== undefined && pieces.length > max) {
      pieces = pieces.slice(0, max);
      finishReason = 'MAX_TOKENS';
    }
  }

  const candidateCount = typeof config.candidateCount === 'number' ? config.candidateCount : 1;
  const answerTokens = functionCall ? 1 + countWords(JSON.stringify(functionCall.args)) : pieces.length;
  const cached = model.includes('cached') ? Math.floor(prompt / 2) : 0;
  const thoughts = thought ? countWords(thought) * candidateCount : 0;
  const usage: GeminiUsageMetadata = {
    promptTokenCount: prompt,
    candidatesTokenCount: answerTokens * candidateCount,
    totalTokenCount: prompt + answerTokens * candidateCount + thoughts,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }],
  };
  if (cached > 0) {
    usage.cachedContentTokenCount = cached;
    usage.cacheTokensDetails = [{ modality: 'TEXT', tokenCount: cached }];
  }
  if (thoughts > 0) usage.thoughtsTokenCount = thoughts;

  return {
    model,
    responseId: createHash('sha256').update(JSON.stringify([model, req.contents])).digest('base64url').slice(0, 23),
    candidateCount,
    thought,
    includeThoughts: thinking?.includeThoughts === true,
    pieces,
    functionCall,
    // Gemini signs a function call made after thinking; the signature must come back with the call.
    thoughtSignature: functionCall && thinks ? Buffer.from(`mock-signature:${functionCall.name}`).toString('base64') : null,
    finishReason,
    usage,
  };
}

function answerParts(plan: GeminiMockPlan, text: string, withThought: boolean, withCall: boolean): GeminiPart[] {
  const parts: GeminiPart[] = [];
  if (withThought && plan.thought && plan.includeThoughts) parts.push({ text: plan.thought, thought: true });
  if (text !== '') parts.push({ text });
  if (withCall && plan.functionCall) {
    const part: GeminiPart = { functionCall: plan.functionCall };
    if (plan.thoughtSignature) part.thoughtSignature = plan.thoughtSignature;
    parts.push(part);
  }
  return parts;
}

function response(plan: GeminiMockPlan, parts: GeminiPart[], finish: boolean, usage: GeminiUsageMetadata): GeminiResponse {
  const candidates: GeminiCandidate[] = [];
  for (let index = 0; index < plan.candidateCount; index++) {
    const candidate: GeminiCandidate = { content: { parts: parts.length > 0 ? parts : [{ text: '' }], role: 'model' }, index };
    if (finish) candidate.finishReason = plan.finishReason;
    if (finish && plan.functionCall) candidate.finishMessage = 'Model generated function call(s).';
    candidates.push(candidate);
  }
  return { candidates, usageMetadata: usage, modelVersion: plan.model, responseId: plan.responseId };
}

export function generateContentBody(plan: GeminiMockPlan): GeminiResponse {
  return response(plan, answerParts(plan, plan.pieces.join(''), true, true), true, plan.usage);
}

/**
 * The chunks of a streamed answer: the thought summary first, then two words per chunk, the last chunk with
 * the finish reason. Like Gemini, every chunk carries the usage so far (thoughts are counted from the start).
 */
export function streamChunks(plan: GeminiMockPlan): GeminiResponse[] {
  const chunks: GeminiResponse[] = [];
  const running = (answerTokens: number): GeminiUsageMetadata => {
    const usage = { ...plan.usage, candidatesTokenCount: answerTokens * plan.candidateCount };
    usage.totalTokenCount = (usage.promptTokenCount ?? 0) + usage.candidatesTokenCount + (usage.thoughtsTokenCount ?? 0);
    return usage;
  };
  if (plan.thought && plan.includeThoughts) chunks.push(response(plan, answerParts(plan, '', true, false), false, running(0)));
  if (plan.functionCall) {
    chunks.push(response(plan, answerParts(plan, '', false, true), true, plan.usage));
    return chunks;
  }
  for (let i = 0; i < plan.pieces.length; i += 2) {
    const last = i + 2 >= plan.pieces.length;
    const text = plan.pieces.slice(i, i + 2).join('');
    chunks.push(response(plan, answerParts(plan, text, false, false), last, last ? plan.usage : running(i + 2)));
  }
  if (plan.pieces.length === 0) chunks.push(response(plan, [], true, plan.usage));
  return chunks;
}

export const sseFrame = (value: unknown): string => `data: ${JSON.stringify(value)}\r\n\r\n`;
