/**
 * Redaction rules of body capture, shared by the portal (which validates them) and the gateway (which applies
 * them), so both read a rule the same way:
 * - a dotted path from the body's root, with `*` for any key or array index: `messages.*.content`;
 * - a single key name, matched at any depth: `api_key`.
 */
export const maxRedactRules = 50;
export const redactedValue = '[REDACTED]';

const segment = '(?:[A-Za-z0-9_$-]{1,64}|\\*)';
const rulePattern = new RegExp(`^${segment}(?:\\.${segment}){0,15}$`);

/** Why `rule` is not a redaction rule, or null when it is one. */
export function redactRuleProblem(rule: string): string | null {
  if (rule === '*') return 'a lone * would redact every field; turn capture off instead';
  if (!rulePattern.test(rule)) return 'use key names (letters, digits, _ - $) and * joined by dots, e.g. messages.*.content, or one key name, e.g. api_key';
  return null;
}

export interface RedactRules {
  /** Rules with a dot: matched from the root, segment by segment (`*` matches any key or index). */
  paths: string[][];
  /** Rules without one: the key is redacted wherever it appears in an object. */
  keys: Set<string>;
}

export function parseRedactRules(rules: readonly string[]): RedactRules {
  const paths: string[][] = [];
  const keys = new Set<string>();
  for (const rule of rules) {
    if (redactRuleProblem(rule)) continue;
    if (rule.includes('.')) paths.push(rule.split('.'));
    else keys.add(rule);
  }
  return { paths, keys };
}
