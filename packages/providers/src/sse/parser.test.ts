import { describe, expect, it } from 'vitest';
import { createSseParser, formatSseData } from './parser';
import type { SseEvent } from './parser';

const chunk = (delta: object, finish: string | null = null): string =>
  JSON.stringify({
    id: 'chatcmpl-AbC123',
    object: 'chat.completion.chunk',
    created: 1_730_000_000,
    model: 'gpt-4o-mini-2024-07-18',
    system_fingerprint: 'fp_0ba0d124f1',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    usage: null,
  });

// A stream as OpenAI sends it, plus a keep-alive comment and non-ASCII content (2-, 3- and 4-byte characters).
const OPENAI_STREAM = [
  `data: ${chunk({ role: 'assistant', content: '', refusal: null })}\n\n`,
  `data: ${chunk({ content: 'Héllo' })}\n\n`,
  ': keep-alive\n\n',
  `data: ${chunk({ content: ' 世界' })}\n\n`,
  `data: ${chunk({ content: ' 👋🏽' })}\n\n`,
  `data: ${chunk({}, 'stop')}\n\n`,
  `data: ${JSON.stringify({
    id: 'chatcmpl-AbC123',
    object: 'chat.completion.chunk',
    created: 1_730_000_000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [],
    usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
  })}\n\n`,
  'data: [DONE]\n\n',
].join('');

const encoder = new TextEncoder();

function parseChunks(chunks: Array<Uint8Array | string>): SseEvent[] {
  const p = createSseParser();
  const out: SseEvent[] = [];
  for (const c of chunks) out.push(...p.push(c));
  out.push(...p.end());
  return out;
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let prev = 0;
  for (const cut of [...cuts, bytes.length]) {
    parts.push(bytes.subarray(prev, cut));
    prev = cut;
  }
  return parts;
}

// Deterministic so a failure can be replayed.
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const fields = (events: SseEvent[]) => events.map(({ raw: _raw, ...rest }) => rest);

describe('createSseParser on an OpenAI stream', () => {
  const bytes = encoder.encode(OPENAI_STREAM);
  const whole = parseChunks([bytes]);

  it('parses every event and the keep-alive, with raw text that reassembles the stream', () => {
    expect(whole).toHaveLength(8);
    expect(whole[2]).toEqual({ comment: true, data: '', raw: ': keep-alive\n\n' });
    const content = whole
      .filter((e) => !e.comment && e.data !== '[DONE]')
      .map((e) => JSON.parse(e.data) as { choices: Array<{ delta: { content?: string } }> })
      .map((c) => c.choices[0]?.delta.content ?? '')
      .join('');
    expect(content).toBe('Héllo 世界 👋🏽');
    expect(whole[7]).toEqual({ data: '[DONE]', raw: 'data: [DONE]\n\n' });
    expect(whole.map((e) => e.raw).join('')).toBe(OPENAI_STREAM);
  });

  it('gives identical events when split in two at every byte boundary', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(parseChunks(splitAt(bytes, [cut])), `cut at ${cut}`).toEqual(whole);
    }
  });

  it('gives identical events when fed one byte at a time', () => {
    expect(parseChunks(splitAt(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)))).toEqual(whole);
  });

  it('gives identical events for random chunk sizes', () => {
    const rand = prng(42);
    for (let round = 0; round < 300; round++) {
      const cuts: number[] = [];
      let pos = 0;
      for (;;) {
        pos += 1 + Math.floor(rand() * 40);
        if (pos >= bytes.length) break;
        cuts.push(pos);
      }
      expect(parseChunks(splitAt(bytes, cuts)), `round ${round}`).toEqual(whole);
    }
  });

  it('gives identical events when fed as strings split at every code unit', () => {
    for (let cut = 0; cut <= OPENAI_STREAM.length; cut++) {
      expect(parseChunks([OPENAI_STREAM.slice(0, cut), OPENAI_STREAM.slice(cut)])).toEqual(whole);
    }
  });
});

describe('line endings', () => {
  const crlf = OPENAI_STREAM.replace(/\n/g, '\r\n');
  const cr = OPENAI_STREAM.replace(/\n/g, '\r');
  const expected = fields(parseChunks([OPENAI_STREAM]));

  for (const [name, text] of [
    ['CRLF', crlf],
    ['CR', cr],
  ] as const) {
    it(`parses a ${name} stream split at every byte boundary like the LF stream`, () => {
      const bytes = encoder.encode(text);
      for (let cut = 0; cut <= bytes.length; cut++) {
        const events = parseChunks(splitAt(bytes, [cut]));
        expect(fields(events), `cut at ${cut}`).toEqual(expected);
        // Only the LF of the final CRLF, when the cut falls just before it, has no block left to join.
        const lostTail = name === 'CRLF' && cut === bytes.length - 1 ? '\n' : '';
        expect(events.map((e) => e.raw).join('') + lostTail, `cut at ${cut}`).toBe(text);
      }
    });
  }

  it('does not read the LF of a CRLF split across chunks as a second blank line', () => {
    const p = createSseParser();
    expect(p.push('data: a\r\n\r')).toEqual([{ data: 'a', raw: 'data: a\r\n\r' }]);
    // An LF opening a chunk after a chunk-final CR completes that line ending: it is no blank line of its own.
    expect(p.push('\ndata: b\r')).toEqual([]);
    expect(p.push('\n')).toEqual([]);
    expect(p.push('\r\n')).toEqual([{ data: 'b', raw: '\ndata: b\r\n\r\n' }]);
  });

  it('treats mixed endings within one stream alike', () => {
    expect(fields(parseChunks(['data: 1\r\ndata: 2\rdata: 3\n\r\n']))).toEqual([{ data: '1\n2\n3' }]);
  });
});

describe('multi-byte characters', () => {
  it('decodes a 4-byte emoji split at every byte inside it', () => {
    const bytes = encoder.encode('data: 👋 ok\n\n');
    const start = 'data: '.length;
    for (let cut = start; cut <= start + 4; cut++) {
      expect(parseChunks(splitAt(bytes, [cut]))).toEqual([{ data: '👋 ok', raw: 'data: 👋 ok\n\n' }]);
    }
  });

  it('keeps bytes held by the decoder ahead of a following string chunk', () => {
    const bytes = encoder.encode('data: é');
    expect(parseChunks([bytes.subarray(0, bytes.length - 1), bytes.subarray(bytes.length - 1), '\n\n'])).toEqual([
      { data: 'é', raw: 'data: é\n\n' },
    ]);
  });

  it('strips a leading byte-order mark', () => {
    expect(parseChunks([new Uint8Array([0xef, 0xbb]), encoder.encode('\u00bf').subarray(1), 'data: x\n\n'])).toEqual([
      { data: 'x', raw: 'data: x\n\n' },
    ]);
    expect(parseChunks(['\uFEFFdata: y\n\n'])).toEqual([{ data: 'y', raw: 'data: y\n\n' }]);
  });
});

describe('fields', () => {
  it('joins multi-line data with \\n', () => {
    expect(parseChunks(['data: {"a":\ndata: 1}\n\n'])).toEqual([{ data: '{"a":\n1}', raw: 'data: {"a":\ndata: 1}\n\n' }]);
  });

  it('strips exactly one space after the colon', () => {
    expect(fields(parseChunks(['data:x\n\ndata:  y\n\ndata:\n\n']))).toEqual([{ data: 'x' }, { data: ' y' }, { data: '' }]);
  });

  it('reads a line without a colon as a field with an empty value', () => {
    expect(fields(parseChunks(['data\ndata\n\n', 'event\ndata: z\n\n']))).toEqual([{ data: '\n' }, { data: 'z' }]);
  });

  it('reads event, id and retry; the last event id carries over', () => {
    const text = 'event: message_start\nid: 7\nretry: 3000\ndata: {}\n\nevent: ping\ndata: {}\n\nid\ndata: 1\n\n';
    expect(fields(parseChunks([text]))).toEqual([
      { event: 'message_start', id: '7', retry: 3000, data: '{}' },
      { event: 'ping', id: '7', data: '{}' },
      { data: '1' },
    ]);
  });

  it('ignores an id holding NUL, a retry that is not digits, and unknown fields', () => {
    expect(fields(parseChunks(['id: 1\nretry: 5s\nfoo: bar\ndata: a\n\nid: 2\0\ndata: b\n\n']))).toEqual([
      { id: '1', data: 'a' },
      { id: '1', data: 'b' },
    ]);
  });
});

describe('comments and blocks without data', () => {
  it('returns comment-only blocks as comments and keeps comments inside an event out of its data', () => {
    const text = ':ok\n\n: ping\n: pong\n\ndata: a\n: note\ndata: b\n\n';
    expect(parseChunks([text])).toEqual([
      { comment: true, data: '', raw: ':ok\n\n' },
      { comment: true, data: '', raw: ': ping\n: pong\n\n' },
      { data: 'a\nb', raw: 'data: a\n: note\ndata: b\n\n' },
    ]);
  });

  it('returns a block of only id/retry fields as a comment, and drops its event type', () => {
    expect(parseChunks(['event: x\nretry: 10\n\ndata: y\n\n'])).toEqual([
      { comment: true, data: '', retry: 10, raw: 'event: x\nretry: 10\n\n' },
      { data: 'y', raw: 'data: y\n\n' },
    ]);
  });

  it('carries blank lines that end no block into the next block raw', () => {
    expect(parseChunks(['\n\n\ndata: a\n\n\n'])).toEqual([{ data: 'a', raw: '\n\n\ndata: a\n\n' }]);
  });
});

describe('end of stream', () => {
  it('discards an unterminated last block', () => {
    const p = createSseParser();
    expect(p.push('data: a\n\ndata: b\n')).toEqual([{ data: 'a', raw: 'data: a\n\n' }]);
    expect(p.end()).toEqual([]);
  });

  it('refuses input after end', () => {
    const p = createSseParser();
    p.end();
    expect(() => p.push('data: a\n\n')).toThrow(/after end/);
  });
});

describe('formatSseData', () => {
  it('writes one data line per line and a blank line', () => {
    expect(formatSseData('{"a":1}')).toBe('data: {"a":1}\n\n');
    expect(formatSseData('a\nb\r\nc\rd')).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n');
    expect(formatSseData('')).toBe('data: \n\n');
  });

  it('round-trips through the parser, leading spaces included', () => {
    for (const data of ['[DONE]', '', ' lead', 'multi\nline\n', 'x:y']) {
      expect(parseChunks([formatSseData(data)])[0]?.data).toBe(data.replace(/\r\n|\r/g, '\n'));
    }
  });
});
