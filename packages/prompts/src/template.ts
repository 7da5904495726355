import type { PromptMessage } from './types';

/** `{{name}}` or `{{ name }}`; the name is what a JSON Schema property must be called to be usable. */
export const PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g;
/** Something written like a placeholder whose name is not valid — almost always a typo the author wants to hear about. */
const PLACEHOLDER_LOOKALIKE = /\{\{\s*([^{}\s][^{}\n]{0,99}?)\s*\}\}/g;

/** Placeholder names in one text, in order of appearance (repeats included). */
export function namesIn(text: string): string[] {
  return Array.from(text.matchAll(PLACEHOLDER), (m) => m[1]!);
}

/** `{{...}}` spans in a text that look like placeholders but are not valid ones. */
export function malformedPlaceholders(text: string): string[] {
  return Array.from(text.matchAll(PLACEHOLDER_LOOKALIKE))
    .filter((m) => !PLACEHOLDER_NAME.test(m[1]!.trim()))
    .map((m) => m[0]);
}

/** `{{ topic }}` → `{{topic}}`, so stored versions and their diffs do not vary with the author's spacing. */
export function normalisePlaceholders(text: string): string {
  return text.replace(PLACEHOLDER, (_whole, name: string) => `{{${name}}}`);
}

export function uniqueNames(messages: PromptMessage[]): string[] {
  const seen = new Set<string>();
  for (const m of messages) for (const name of namesIn(m.content)) seen.add(name);
  return [...seen];
}

/**
 * One pass per message: String.replace walks the template text once and never re-reads what the callback
 * returned, so a value that itself contains `{{other}}` stays literal. This is the whole injection defence for
 * templating; do not "improve" it into a loop.
 */
export function renderMessages(messages: PromptMessage[], values: Record<string, unknown>): PromptMessage[] {
  return messages.map((m) => {
    if (!m.content.includes('{{')) return m;
    let replaced = false;
    const content = m.content.replace(PLACEHOLDER, (_whole, name: string) => {
      replaced = true;
      return asText(Object.hasOwn(values, name) ? values[name] : undefined);
    });
    return replaced ? { role: m.role, content } : m;
  });
}

/** An optional variable the caller left out (and with no default) renders as nothing rather than "undefined". */
function asText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}
