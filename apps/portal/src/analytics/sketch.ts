import { DDSketch } from '@datadog/sketches-js';
import { addCount, addCounts, checkCover, decodeSketchMessage, encodeSketchMessage, type MappingMessage, type SketchMessage } from './sketch-proto';

/**
 * Latency and TTFT quantiles come from DDSketches: a quantile read from a sketch is within this relative
 * error of the exact one (1%: a true p99 of 800 ms reads between 792 and 808), however many sketches were
 * merged on the way — minutes into hours, dimension sets into a series. See docs/adr/0013.
 */
export const sketchRelativeAccuracy = 0.01;

export type Sketch = DDSketch;

export const newSketch = (): Sketch => new DDSketch({ relativeAccuracy: sketchRelativeAccuracy });

// Every sketch Tollgate writes has the library's mapping for this accuracy; its key for a value is the bin
// `accept` counts the value in, exactly as the library's own `accept` would.
const mapping = newSketch().mapping;
const ourMapping: MappingMessage = { gamma: mapping.gamma, indexOffset: 0, interpolation: 0 };

const sameMapping = (a: MappingMessage, b: MappingMessage) => a.gamma === b.gamma && a.indexOffset === b.indexOffset && a.interpolation === b.interpolation;

/**
 * A sketch built from values and from stored sketches, merged by adding bin counts — DDSketch's merge for
 * sketches of one mapping. It works on the protobuf message rather than through the library's objects, whose
 * decoding rebuilds the store bin by bin and whose store re-centres itself as it grows (six times slower);
 * merging is what every rollup upsert and every query does. Quantiles are read by the library (`sketch()`).
 */
export class SketchBuilder {
  private readonly message: SketchMessage = { mapping: ourMapping, positive: { counts: [], offset: 0 }, negative: { counts: [], offset: 0 }, zeroCount: 0 };
  private empty = true;

  accept(value: number): this {
    if (value > mapping.minPossible) addCount(this.message.positive, mapping.key(value), 1);
    else if (value < -mapping.minPossible) addCount(this.message.negative, mapping.key(-value), 1);
    else this.message.zeroCount += 1;
    this.empty = false;
    return this;
  }

  add(bytes: Uint8Array | null): this {
    return bytes ? this.addMessage(decodeSketchMessage(bytes)) : this;
  }

  /**
   * Like `add`, but a stored sketch that cannot be read (corrupt, or of another accuracy) is left out, and
   * false says so: one bad row must cost its quantiles, not fail every query and batch that touches it.
   * Nothing is changed by a sketch that is refused: decoding and the checks come before any bin is added.
   */
  addReadable(bytes: Uint8Array | null): boolean {
    try {
      this.add(bytes);
      return true;
    } catch {
      return false;
    }
  }

  merge(other: SketchBuilder): this {
    return other.empty ? this : this.addMessage(other.message);
  }

  private addMessage(other: SketchMessage): this {
    if (!sameMapping(this.message.mapping, other.mapping)) throw new Error('sketches of different relative accuracy cannot be merged');
    const { positive, negative } = this.message;
    // Both checked before either is added to, so a refused sketch leaves this one as it was.
    for (const [mine, theirs] of [[positive, other.positive], [negative, other.negative]] as const) {
      if (theirs.counts.length) checkCover(mine, theirs.offset, theirs.offset + theirs.counts.length - 1);
    }
    addCounts(positive, other.positive.offset, other.positive.counts);
    addCounts(negative, other.negative.offset, other.negative.counts);
    this.message.zeroCount += other.zeroCount;
    this.empty = false;
    return this;
  }

  /** The DDSketch protobuf; null when nothing was added. */
  encode(): Buffer | null {
    return this.empty ? null : encodeSketchMessage(this.message);
  }

  /** The library's sketch, to read quantiles from; null when nothing was added. */
  sketch(): Sketch | null {
    return this.empty ? null : DDSketch.fromProto(encodeSketchMessage(this.message));
  }
}

/**
 * Both sketches as one; either may be absent (a rollup row with no streamed call has no TTFT sketch). The
 * writer calls it as (stored, new): a stored sketch that cannot be read is replaced by the new one rather
 * than failing the upsert, which would refuse the whole batch of call records, and every retry of it.
 */
export function mergeEncoded(stored: Uint8Array | null, added: Uint8Array | null): Buffer | null {
  if (!stored || !added) return stored ? Buffer.from(stored) : added ? Buffer.from(added) : null;
  const merged = new SketchBuilder().add(added);
  merged.addReadable(stored);
  return merged.encode();
}

/** The value at quantile `q` (0..1), or null when the sketch holds nothing. */
export function quantileOf(sketch: Sketch | null, q: number): number | null {
  if (!sketch || sketch.count === 0) return null;
  return sketch.getValueAtQuantile(q);
}
