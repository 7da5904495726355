/** Caps applied to every prompt call, whatever the prompt's own schema says. */
export interface PromptLimits {
  /** The serialised `variables` object, in UTF-8 bytes. */
  maxRequestBytes: number;
  /** Any single string inside the variables, in Unicode code points (the unit JSON Schema's maxLength counts). */
  maxStringVariableChars: number;
  /** Messages in a template. */
  maxMessages: number;
  /** Characters in one template message; keeps stored versions and snapshots small. */
  maxMessageChars: number;
}

export const promptLimits: Readonly<PromptLimits> = Object.freeze({
  maxRequestBytes: 256 * 1024,
  maxStringVariableChars: 20_000,
  maxMessages: 50,
  maxMessageChars: 100_000,
});
