/**
 * An incremental Server-Sent-Events parser (WHATWG HTML, "Parsing an event stream") for proxying provider
 * streams chunk by chunk: it never waits for more input than the current chunk, and it hands back the exact
 * text of every block so a proxy can forward a block byte-for-byte or drop it without re-serialising.
 */

/**
 * One block of the stream, up to and including the blank line that ended it.
 *
 * - A block with at least one `data` field is an event: `data` is the data lines joined with `\n`, `event`
 *   the `event` field if one was given (the spec's default type "message" is left implicit).
 * - A block without a `data` field (only `:` comments, like keep-alives, or only `id`/`retry`/unknown fields)
 *   dispatches nothing in a browser. It is still returned, with `comment: true` and `data: ''`, so a proxy can
 *   forward keep-alives; a consumer must check `comment` before reading `data`.
 *
 * `id` is the stream's last event id at the time of the block (it carries over between blocks, as in the
 * spec), or absent while none has been set. `retry` is the reconnection time this block itself set, if any.
 *
 * `raw` is the text as received. Blank lines that end no block (for example extra blank lines between events)
 * are prepended to the next block's `raw`. When a chunk ends between the `\r` and `\n` of a CRLF, the block is
 * returned at the `\r` without waiting, and the `\n` begins the next block's `raw`. So the `raw` of all blocks
 * concatenated is exactly the decoded input, minus a leading BOM and whatever follows the last complete block
 * when the stream ends (an unterminated block, or the LF of a final CRLF that arrived after its CR).
 */
export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
  retry?: number;
  comment?: true;
  raw: string;
}

export interface SseParser {
  /** Feeds the next chunk; returns the blocks it completed. Bytes may split UTF-8 characters anywhere. */
  push(chunk: Uint8Array | string): SseEvent[];
  /**
   * Ends the stream. Per the spec an unterminated last block is discarded, so this returns only what the
   * decoder still held (in practice nothing). `push` after `end` throws.
   */
  end(): SseEvent[];
}

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
const BOM = '\uFEFF';

export function createSseParser(): SseParser {
  const decoder = new TextDecoder('utf-8');
  let ended = false;
  let atStart = true;
  // A CR ended the last chunk: an LF opening the next chunk belongs to it, not to a new (blank) line.
  let skipLf = false;
  let partialLine = '';

  let raw = '';
  let hasFields = false;
  let data: string | undefined;
  let eventType = '';
  let lastEventId = '';
  let retry: number | undefined;

  const resetBlock = (): void => {
    hasFields = false;
    data = undefined;
    eventType = '';
    retry = undefined;
  };

  const dispatch = (out: SseEvent[]): void => {
    if (!hasFields) return; // a blank line that ends no block: its text stays in `raw` for the next block
    const ev: SseEvent = { data: data ?? '', raw };
    if (data === undefined) ev.comment = true;
    else if (eventType !== '') ev.event = eventType;
    if (lastEventId !== '') ev.id = lastEventId;
    if (retry !== undefined) ev.retry = retry;
    out.push(ev);
    raw = '';
    resetBlock();
  };

  const processField = (line: string): void => {
    hasFields = true;
    if (line.charCodeAt(0) === COLON) return;
    const colon = line.indexOf(':');
    let name: string;
    let value: string;
    if (colon === -1) {
      name = line;
      value = '';
    } else {
      name = line.slice(0, colon);
      const start = line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1;
      value = line.slice(start);
    }
    switch (name) {
      case 'data':
        data = data === undefined ? value : `${data}\n${value}`;
        break;
      case 'event':
        eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) lastEventId = value;
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored, as the spec requires
    }
  };

  const feed = (input: string): SseEvent[] => {
    const out: SseEvent[] = [];
    let text = input;
    if (text.length === 0) return out;
    if (atStart) {
      atStart = false;
      if (text.startsWith(BOM)) text = text.slice(1);
      if (text.length === 0) return out;
    }
    let lineStart = 0;
    if (skipLf) {
      skipLf = false;
      if (text.charCodeAt(0) === LF) {
        raw += '\n';
        lineStart = 1;
      }
    }
    const n = text.length;
    for (let i = lineStart; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c !== LF && c !== CR) continue;
      let next = i + 1;
      if (c === CR) {
        if (next < n) {
          if (text.charCodeAt(next) === LF) next++;
        } else {
          skipLf = true;
        }
      }
      const line = partialLine + text.slice(lineStart, i);
      raw += partialLine + text.slice(lineStart, next);
      partialLine = '';
      if (line.length === 0) dispatch(out);
      else processField(line);
      lineStart = next;
      i = next - 1;
    }
    if (lineStart < n) partialLine += text.slice(lineStart);
    return out;
  };

  return {
    push(chunk) {
      if (ended) throw new Error('SSE parser: push() after end()');
      if (typeof chunk === 'string') {
        // Bytes held back from an earlier binary chunk come first; mixing kinds is odd but must not reorder text.
        const held = decoder.decode();
        return feed(held + chunk);
      }
      return feed(decoder.decode(chunk, { stream: true }));
    },
    end() {
      if (ended) return [];
      ended = true;
      const out = feed(decoder.decode());
      partialLine = '';
      raw = '';
      resetBlock();
      return out;
    },
  };
}

/** Formats `data` as one SSE event: a `data:` line per line of `data` (any line ending), then a blank line. */
export function formatSseData(data: string): string {
  let out = '';
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}
