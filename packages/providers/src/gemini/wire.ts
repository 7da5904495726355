/**
 * The parts of the Gemini API's wire format (generativelanguage.googleapis.com, v1beta, REST JSON, camelCase)
 * the adapter and the mock speak. There is no Gemini SDK in the project, so these are written from the API
 * reference; only fields the gateway reads or writes are listed.
 */

export interface GeminiFunctionCall {
  name: string;
  args?: Record<string, unknown>;
  /** Newer API versions may send one; Gemini 2.5 usually does not. */
  id?: string;
}

export interface GeminiFunctionResponse {
  name: string;
  /** Must be a JSON object: by convention `{ output }` or `{ error }`, else the whole object is the output. */
  response: Record<string, unknown>;
  id?: string;
}

export interface GeminiPart {
  text?: string;
  /** The part is a thought summary, not answer text (only with `thinkingConfig.includeThoughts`). */
  thought?: boolean;
  /** Opaque; must be sent back with the part it came on for multi-turn function calling with thinking. */
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: GeminiFunctionCall;
  functionResponse?: GeminiFunctionResponse;
}

export interface GeminiContent {
  role?: 'user' | 'model';
  parts: GeminiPart[];
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
}

export interface GeminiTool {
  functionDeclarations: GeminiFunctionDeclaration[];
}

export interface GeminiToolConfig {
  functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] };
}

export interface GeminiThinkingConfig {
  thinkingBudget?: number;
  includeThoughts?: boolean;
}

export interface GeminiGenerationConfig {
  temperature?: unknown;
  topP?: unknown;
  maxOutputTokens?: unknown;
  stopSequences?: unknown;
  candidateCount?: unknown;
  seed?: unknown;
  presencePenalty?: unknown;
  frequencyPenalty?: unknown;
  responseMimeType?: string;
  responseSchema?: Record<string, unknown>;
  thinkingConfig?: GeminiThinkingConfig;
  [field: string]: unknown;
}

export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: GeminiPart[] };
  tools?: GeminiTool[];
  toolConfig?: GeminiToolConfig;
  generationConfig?: GeminiGenerationConfig;
  [field: string]: unknown;
}

export interface GeminiUsageMetadata {
  /** All input tokens, cached ones included. */
  promptTokenCount?: number;
  /** Answer tokens, thoughts excluded. */
  candidatesTokenCount?: number;
  /** The part of `promptTokenCount` read from the cache. */
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
  totalTokenCount?: number;
  promptTokensDetails?: Array<{ modality: string; tokenCount: number }>;
  cacheTokensDetails?: Array<{ modality: string; tokenCount: number }>;
}

export interface GeminiCandidate {
  content?: { role?: string; parts?: GeminiPart[] };
  /** Absent until the candidate is finished (streams carry it on the last chunk). */
  finishReason?: string;
  index?: number;
  finishMessage?: string;
}

export interface GeminiResponse {
  candidates?: GeminiCandidate[];
  promptFeedback?: { blockReason?: string };
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
}

/** Google's API error shape (google.rpc.Status in JSON). */
export interface GeminiErrorBody {
  error: {
    code: number;
    message: string;
    status: string;
    details?: Array<Record<string, unknown>>;
  };
}
