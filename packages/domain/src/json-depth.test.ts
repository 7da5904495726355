import { describe, expect, it } from 'vitest';
import { JsonDepthGauge, jsonNestsDeeperThan } from './json-depth';

const nested = (levels: number, inner = '1') => '['.repeat(levels) + inner + ']'.repeat(levels);

describe('JsonDepthGauge', () => {
  it('passes text exactly at the limit and refuses one level more', () => {
    expect(jsonNestsDeeperThan(nested(64), 64)).toBe(false);
    expect(jsonNestsDeeperThan(nested(65), 64)).toBe(true);
    expect(jsonNestsDeeperThan(`{"a":${nested(62, '{}')}}`, 64)).toBe(false);
    expect(jsonNestsDeeperThan(`{"a":${nested(63, '{}')}}`, 64)).toBe(true);
  });

  it('counts depth, not the number of brackets: siblings do not add up', () => {
    expect(jsonNestsDeeperThan(JSON.stringify(Array.from({ length: 1000 }, () => [[[1]]])), 4)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ a: '[[[[[[[[[[{{{{{{', b: 'say \\"[[[[[[[[[[\\" \\\\', c: '"[[[[[[[[[["' });
    expect(jsonNestsDeeperThan(text, 1)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify({ a: 'x\\', b: [[1]] }), 2)).toBe(true);
  });

  it('gives the same answer however the bytes are cut into chunks (strings and escapes across the cut)', () => {
    const text = Buffer.from(JSON.stringify({ s: 'é \\" [[[ \\\\', t: [[['"[']]], u: '\\\\\\"[' }));
    const whole = (limit: number) => jsonNestsDeeperThan(text, limit);
    for (const limit of [3, 4, 5]) {
      for (let cut = 0; cut <= text.length; cut++) {
        for (const size of [1, 2, 3]) {
          const gauge = new JsonDepthGauge(limit);
          const chunks = [text.subarray(0, cut), ...Array.from({ length: Math.ceil((text.length - cut) / size) }, (_, k) => text.subarray(cut + k * size, cut + (k + 1) * size))];
          for (const chunk of chunks) gauge.push(chunk);
          expect(gauge.exceeded, `limit ${limit}, cut ${cut}, size ${size}`).toBe(whole(limit));
        }
      }
    }
    expect(whole(4)).toBe(false);
    expect(whole(3)).toBe(true);
  });

  it('stops at the first byte past the limit: later chunks are not looked at', () => {
    const gauge = new JsonDepthGauge(64);
    expect(gauge.push(Buffer.from('['.repeat(65)))).toBe(false);
    expect(gauge.push(Buffer.from(']'.repeat(65)))).toBe(false);
  });
});
