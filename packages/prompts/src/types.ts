export interface PromptMessage { role: 'system' | 'user' | 'assistant'; content: string }

export interface PromptSpec {
  /** 1..50 messages; content may hold {{name}} placeholders. */
  messages: PromptMessage[];
  /** A JSON Schema (2020-12) of type "object" declaring the variables. */
  variables: Record<string, unknown>;
  /** A public model name served by the prompt's AI service. */
  model: string;
  /** Chat parameters passed through (temperature, top_p, max_tokens, …); never messages/model/stream. */
  parameters?: Record<string, unknown>;
  /** JSON Schema the output must match; null/absent = free text. */
  outputSchema?: Record<string, unknown> | null;
}

/** path like "messages.1.content" or "variables.properties.topic". */
export interface SpecIssue { path: string; message: string }

/** variable name ('' for the whole object). */
export interface VariableIssue { variable: string; message: string }

export interface SpecChange { path: string; change: 'added' | 'removed' | 'changed'; before?: unknown; after?: unknown }
