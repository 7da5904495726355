/**
 * Nesting limits for the JSON (and YAML) the gateway and the portal accept. Deeply nested input costs far more
 * than its size suggests: JSON.parse of a 10 MB body that is one 5,000,000-deep array holds the event loop for
 * seconds, and every recursive step after it (JSON.stringify when a document is stored, YAML's composer and
 * stringifier) overflows the stack long before the body limit is reached. A limit on depth, checked before
 * anything parses, keeps both bounded.
 */

/**
 * Every JSON body of the gateway's APIs (`/v1/*`, prompt APIs) and of the portal's API. Chat bodies nest a
 * handful of levels, plus a JSON schema (tools, structured output) that providers themselves cap at 5 to 10
 * object levels (two JSON levels each): 64 leaves room for several times that.
 */
export const maxJsonDepth = 64;

/**
 * OpenAPI documents imported into the portal, JSON or YAML: inline request and response schemas nest deeper
 * than a chat body, and a document is read once per import, not once per call.
 */
export const maxOpenApiDepth = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Counts how deep JSON text nests while its bytes arrive, chunk by chunk, without parsing it: one pass that
 * only tracks strings (so a `[` inside one is text) and brackets, carried across chunk boundaries. It says
 * nothing about validity: JSON.parse still judges that, and only once the depth is known to be safe. Bytes of
 * multi-byte UTF-8 characters are all >= 0x80, so they never look like a quote or a bracket.
 */
export class JsonDepthGauge {
  #depth = 0;
  #inString = false;
  /** The previous chunk ended on a backslash inside a string: the next byte is escaped. */
  #escaped = false;
  #exceeded = false;

  constructor(readonly limit: number) {}

  /** True once the text so far has opened more than `limit` arrays and objects inside each other. */
  get exceeded(): boolean {
    return this.#exceeded;
  }

  /** Takes the next bytes; false as soon as the limit is passed (later bytes need not be pushed). */
  push(chunk: Uint8Array): boolean {
    if (this.#exceeded) return false;
    const n = chunk.length;
    if (n === 0) return true;
    const limit = this.limit;
    let depth = this.#depth;
    let inString = this.#inString;
    let i = inString && this.#escaped ? 1 : 0;
    this.#escaped = false;
    // One loop with the string scan inlined: this runs over every byte of every /v1 body, so no call per string.
    for (; i < n; i++) {
      if (inString) {
        while (i < n) {
          const c = chunk[i]!;
          if (c === QUOTE) break;
          i += c === BACKSLASH ? 2 : 1;
        }
        if (i >= n) {
          // The chunk ended inside the string; past its end exactly when its last byte was an escaping backslash.
          this.#escaped = i > n;
          break;
        }
        inString = false;
        continue;
      }
      const c = chunk[i]!;
      if (c === QUOTE) inString = true;
      else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
        if (++depth > limit) {
          this.#exceeded = true;
          return false;
        }
      } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
    }
    this.#depth = depth;
    this.#inString = inString;
    return true;
  }
}

/** Whole text at once (a body already read): true when it nests deeper than `limit`. */
export function jsonNestsDeeperThan(text: string | Uint8Array, limit: number): boolean {
  return !new JsonDepthGauge(limit).push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
}
