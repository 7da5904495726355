import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DDSketch } from '@datadog/sketches-js';
import { decodeSketchMessage } from './sketch-proto';
import { mergeEncoded, newSketch, quantileOf, SketchBuilder, sketchRelativeAccuracy } from './sketch';
import { random } from './test-world';

// The library's own protobuf codec, to check ours against it (it can write the sparse form ours must read).
const libraryCodec = (createRequire(import.meta.url)('@datadog/sketches-js/dist/ddsketch/proto/compiled') as {
  DDSketch: { encode(m: object): { finish(): Uint8Array }; decode(b: Uint8Array): { positiveValues: { contiguousBinCounts: number[]; contiguousBinIndexOffset: number }; zeroCount: number } };
}).DDSketch;

/** A long-tailed latency-like sample with zeros, deterministic. */
function sample(n: number, seed: number): number[] {
  const rnd = random(seed);
  return Array.from({ length: n }, (_, i) => (i % 50 === 0 ? 0 : Math.round(5 + rnd() ** 4 * 30_000)));
}

const exactQuantile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;
const within = (estimate: number | null, exact: number) => Math.abs(estimate! - exact) <= sketchRelativeAccuracy * exact + 1e-9;

describe('DDSketch protobuf codec and merge', () => {
  it('writes what the library reads: the same quantiles as the library fed the same values', () => {
    const values = sample(5_000, 7);
    const library = newSketch();
    const ours = new SketchBuilder();
    for (const v of values) {
      library.accept(v);
      ours.accept(v);
    }
    const read = DDSketch.fromProto(ours.encode()!);
    expect(read.count).toBe(values.length);
    for (const q of [0, 0.01, 0.5, 0.9, 0.95, 0.99, 1]) {
      expect(read.getValueAtQuantile(q)).toBeCloseTo(library.getValueAtQuantile(q), 6);
    }
    // And what the library writes, ours reads bin for bin.
    const fromLibrary = decodeSketchMessage(library.toProto());
    const fromOurs = decodeSketchMessage(ours.encode()!);
    const trim = (counts: number[]) => counts.slice(counts.findIndex((c) => c > 0), counts.findLastIndex((c) => c > 0) + 1);
    expect(trim(fromLibrary.positive.counts)).toEqual(fromOurs.positive.counts);
    expect(fromLibrary.positive.offset + fromLibrary.positive.counts.findIndex((c) => c > 0)).toBe(fromOurs.positive.offset);
    expect(fromLibrary.zeroCount).toBe(values.filter((v) => v === 0).length);
    expect(fromLibrary.mapping.gamma).toBe(fromOurs.mapping.gamma);
    const viaLibraryCodec = libraryCodec.decode(ours.encode()!);
    expect(viaLibraryCodec.positiveValues.contiguousBinCounts).toEqual(fromOurs.positive.counts);
    expect(viaLibraryCodec.positiveValues.contiguousBinIndexOffset).toBe(fromOurs.positive.offset);
  });

  it('merges parts into exactly the sketch of the whole, within 1% of the exact quantiles', () => {
    const parts = [sample(3_000, 1), sample(10, 2), sample(7_000, 3).map((v) => v * 3), [0, 0, 1]];
    const whole = new SketchBuilder();
    for (const part of parts) for (const v of part) whole.accept(v);
    const encodedParts = parts.map((part) => {
      const b = new SketchBuilder();
      for (const v of part) b.accept(v);
      return b.encode()!;
    });
    const merged = encodedParts.slice(1).reduce<Buffer>((acc, p) => mergeEncoded(acc, p)!, encodedParts[0]!);
    expect(decodeSketchMessage(merged)).toEqual(decodeSketchMessage(whole.encode()!));
    const sorted = parts.flat().sort((a, b) => a - b);
    const sketch = new SketchBuilder().add(merged).sketch();
    for (const q of [0.5, 0.95, 0.99]) expect(within(quantileOf(sketch, q), exactQuantile(sorted, q)), `p${q * 100}`).toBe(true);
    // Builder into builder is the same merge.
    const [first, ...rest] = encodedParts.map((p) => new SketchBuilder().add(p));
    for (const b of rest) first!.merge(b);
    expect(first!.encode()).toEqual(merged);
  });

  it('treats a missing sketch as empty', () => {
    const one = new SketchBuilder().accept(42).encode()!;
    expect(mergeEncoded(null, null)).toBeNull();
    expect(mergeEncoded(one, null)).toEqual(one);
    expect(mergeEncoded(null, one)).toEqual(one);
    expect(new SketchBuilder().add(null).encode()).toBeNull();
    expect(quantileOf(new SketchBuilder().sketch(), 0.5)).toBeNull();
  });

  it('reads the sparse bin form other writers use', () => {
    const mapping = newSketch().mapping.toProto();
    const sparse = libraryCodec.encode({ mapping, positiveValues: { binCounts: { 10: 2, 3: 1, 7: 4 } }, zeroCount: 1 }).finish();
    const decoded = decodeSketchMessage(sparse);
    expect(decoded.positive).toEqual({ offset: 3, counts: [1, 0, 0, 0, 4, 0, 0, 2] });
    expect(decoded.zeroCount).toBe(1);
    expect(DDSketch.fromProto(new SketchBuilder().add(sparse).encode()!).count).toBe(8);
  });

  it('refuses to merge sketches of another relative accuracy', () => {
    const coarse = new DDSketch({ relativeAccuracy: 0.05 });
    coarse.accept(100);
    expect(() => new SketchBuilder().accept(1).add(coarse.toProto())).toThrow(/relative accuracy/);
  });

  it('refuses a truncated sketch rather than reading garbage', () => {
    const bytes = new SketchBuilder().accept(5).accept(500).encode()!;
    expect(() => decodeSketchMessage(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated/);
  });
});
