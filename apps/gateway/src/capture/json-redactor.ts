import { redactedValue, type RedactRules } from '@tollgate/domain';

const placeholder = JSON.stringify(redactedValue);

export interface RedactedText {
  text: string;
  /** False when the input stopped being JSON: the text then ends where it did, and nothing after is kept. */
  valid: boolean;
}

/** Path rules still matching inside a container: [rule index, index of the segment its children must match]. */
type Active = ReadonlyArray<readonly [number, number]>;

interface Frame {
  array: boolean;
  active: Active;
  /** The next array index, or the key of the object member being read. */
  index: number;
  key: string;
}

const TRUNCATED = -1;
const INVALID = -2;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isPrimitiveChar = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x2e || c === 0x2b || c === 0x2d;
const primitive = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)$/;

/** The end of the string starting at `i` (its opening quote), or TRUNCATED. */
function skipString(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  return TRUNCATED;
}

/** The end of a number or literal starting at `i`; a cut-off one at the end of the input is TRUNCATED. */
function skipPrimitive(s: string, i: number): number {
  let j = i;
  while (j < s.length && isPrimitiveChar(s.charCodeAt(j))) j++;
  if (j === s.length) return TRUNCATED;
  return j > i && primitive.test(s.slice(i, j)) ? j : INVALID;
}

/** The end of any value starting at `i`. Inside a skipped container only strings and brackets matter. */
function skipValue(s: string, i: number): number {
  const first = s.charCodeAt(i);
  if (first === 0x22) return skipString(s, i);
  if (first !== 0x7b && first !== 0x5b) return skipPrimitive(s, i);
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x22) {
      j = skipString(s, j);
      if (j < 0) return TRUNCATED;
      j--;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (--depth === 0) return j + 1;
    }
  }
  return TRUNCATED;
}

const keyOf = (literal: string): string => {
  if (!literal.includes('\\')) return literal.slice(1, -1);
  try {
    return JSON.parse(literal) as string;
  } catch {
    return literal.slice(1, -1);
  }
};

/**
 * Replaces the values the rules name with `"[REDACTED]"` in JSON text, in one pass over the text: the rest is
 * copied as it was (no re-serialisation), a body cut at the capture limit is still redacted up to its end,
 * and nesting costs no stack. The input is at most the capture limit, so the work is bounded by it too.
 */
export function redactJsonText(input: string, rules: RedactRules): RedactedText {
  const out: string[] = [];
  let copied = 0;
  const stack: Frame[] = [];
  const rootActive: Active = rules.paths.map((_, r) => [r, 0] as const);
  type Mode = 'value' | 'valueOrClose' | 'after' | 'key' | 'keyOrClose' | 'colon';
  let mode: Mode = 'value';
  let i = 0;

  const finish = (end: number, valid: boolean): RedactedText => {
    out.push(input.slice(copied, end));
    return { text: out.join(''), valid };
  };
  /** What a child value of `top` is: redacted, or read with the rules that still match inside it. */
  const descend = (top: Frame): { redact: boolean; active: Active } => {
    const key = top.array ? String(top.index) : top.key;
    let redact = !top.array && rules.keys.has(key);
    const active: Array<readonly [number, number]> = [];
    for (const [r, s] of top.active) {
      const path = rules.paths[r]!;
      if (path[s] !== '*' && path[s] !== key) continue;
      if (s + 1 === path.length) redact = true;
      else active.push([r, s + 1]);
    }
    return { redact, active };
  };

  for (;;) {
    while (i < input.length && isSpace(input.charCodeAt(i))) i++;
    if (i >= input.length) return finish(input.length, true);
    const c = input.charCodeAt(i);
    const top = stack[stack.length - 1];

    if ((mode === 'valueOrClose' && c === 0x5d) || (mode === 'keyOrClose' && c === 0x7d)) {
      stack.pop();
      mode = 'after';
      i++;
      continue;
    }
    if (mode === 'value' || mode === 'valueOrClose') {
      const { redact, active } = top ? descend(top) : { redact: false, active: rootActive };
      if (top?.array) top.index++;
      if (redact) {
        const end = skipValue(input, i);
        out.push(input.slice(copied, i), placeholder);
        if (end === TRUNCATED) return { text: out.join(''), valid: true };
        if (end === INVALID) return { text: out.join(''), valid: false };
        copied = end;
        i = end;
        mode = 'after';
      } else if ((c === 0x7b || c === 0x5b) && (active.length > 0 || rules.keys.size > 0)) {
        stack.push({ array: c === 0x5b, active, index: 0, key: '' });
        mode = c === 0x5b ? 'valueOrClose' : 'keyOrClose';
        i++;
      } else {
        // Nothing inside can match: the whole value is copied as it is.
        const end = skipValue(input, i);
        if (end === TRUNCATED) return finish(input.length, true);
        if (end === INVALID) return finish(i, false);
        i = end;
        mode = 'after';
      }
    } else if (mode === 'after') {
      if (!top) return finish(i, false);
      if (c === 0x2c) mode = top.array ? 'value' : 'key';
      else if (c === (top.array ? 0x5d : 0x7d)) stack.pop();
      else return finish(i, false);
      i++;
    } else if (mode === 'key' || mode === 'keyOrClose') {
      if (c !== 0x22 || !top) return finish(i, false);
      const end = skipString(input, i);
      if (end === TRUNCATED) return finish(input.length, true);
      top.key = keyOf(input.slice(i, end));
      i = end;
      mode = 'colon';
    } else {
      if (c !== 0x3a) return finish(i, false);
      mode = 'value';
      i++;
    }
  }
}

/**
 * Redacts the JSON data of each server-sent event; other lines (`event:`, `id:`, comments, `data: [DONE]`)
 * are kept. An event's data may be spread over several `data:` lines, which a client joins with a line break
 * before parsing: they are redacted as that one text, or a value on the line after its key would pass. The
 * last event may be cut at the capture limit: its data is redacted up to the cut.
 */
export function redactSseText(input: string, rules: RedactRules): RedactedText {
  let valid = true;
  // Even indexes are lines, odd ones the line breaks after them.
  const parts = input.split(/(\r\n|\r|\n)/);
  let dataLines: number[] = [];
  const endEvent = () => {
    const leads = dataLines.map((p) => (parts[p]!.startsWith('data: ') ? 6 : 5));
    const data = dataLines.map((p, k) => parts[p]!.slice(leads[k])).join('\n');
    if (data !== '' && data !== '[DONE]') {
      const redacted = redactJsonText(data, rules);
      valid &&= redacted.valid;
      // JSON strings hold no raw line break, so the redacted text splits back into at most as many lines;
      // lines left over (a redacted value spanned them, or the text stopped being JSON) go with their breaks.
      const pieces = redacted.text.split('\n');
      dataLines.forEach((p, k) => {
        if (k < pieces.length) parts[p] = parts[p]!.slice(0, leads[k]) + pieces[k];
        else parts[p] = parts[p + 1] = '';
      });
    }
    dataLines = [];
  };
  for (let p = 0; p < parts.length; p += 2) {
    const line = parts[p]!;
    if (line === '') endEvent();
    else if (line.startsWith('data:')) dataLines.push(p);
  }
  endEvent();
  return { text: parts.join(''), valid };
}
