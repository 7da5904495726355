/**
 * How much answer text a caller received, read from what the gateway sent it, so a call whose provider
 * reported no usable usage (a stream cut mid-way, counts that are garbage) is billed for the output it
 * delivered rather than for nothing.
 *
 * It reads the JSON string values that carry generated text in every format the gateway answers in: OpenAI
 * chunks and answers (`content`, `refusal`, `arguments`, `reasoning_content`), Anthropic (`text`, `thinking`,
 * `partial_json`), the Responses API (`delta`, `text`) and prompt APIs (`text`). A regular expression over
 * text already in memory: no JSON is parsed again, nothing is held but an unfinished line.
 */
const textValue = /"(?:content|text|delta|arguments|partial_json|thinking|reasoning_content|refusal)":"((?:[^"\\]|\\.)*)"/g;

/**
 * Responses API events that repeat text already sent as deltas (`response.output_text.done`, the whole
 * answer in `response.completed`, …): counting them would bill the answer twice or more.
 */
const restatingEvent = /"type":"response\.[a-z_.]*(?:done|completed|incomplete|failed)"/;

/** Characters of generated text in one line or body (escapes count as written: a slight overestimate). */
export function answerTextChars(text: string): number {
  let chars = 0;
  for (const match of text.matchAll(textValue)) chars += match[1]!.length;
  return chars;
}

/**
 * Tokens of a text of this many characters, at the ratio the limit step's request estimate uses (about 3 per
 * token: English runs nearer 4, code and other scripts fewer), so an estimated call is billed like its
 * reservation was made.
 */
export const estimatedTokensOfChars = (chars: number): number => Math.ceil(chars / 3);

const maxPartialLine = 65_536;

/** Output tokens of a whole answer body, estimated from its text. */
export const deliveredTokensOf = (body: string | Uint8Array): number =>
  estimatedTokensOfChars(answerTextChars(typeof body === 'string' ? body : Buffer.from(body).toString('utf8')));

/** Counts the answer text of a stream as it is relayed; SSE lines split across pieces are joined first. */
export class DeliveredTextCounter {
  #chars = 0;
  #partial = '';

  push(piece: string): void {
    const text = this.#partial + piece;
    const lastBreak = text.lastIndexOf('\n');
    this.#partial = text.slice(lastBreak + 1);
    // A line never ends on a stream that sends no line breaks: counted as it is rather than held without bound.
    if (this.#partial.length > maxPartialLine) {
      this.#chars += answerTextChars(this.#partial);
      this.#partial = '';
    }
    if (lastBreak < 0) return;
    for (const line of text.slice(0, lastBreak).split('\n')) {
      if (line.length > 0 && !restatingEvent.test(line)) this.#chars += answerTextChars(line);
    }
  }

  /** The output tokens delivered so far, estimated. */
  get tokens(): number {
    return estimatedTokensOfChars(this.#chars);
  }
}
