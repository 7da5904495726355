/**
 * The DDSketch protobuf (DataDog's sketches-proto `DDSketch.proto`, the format `@datadog/sketches-js` writes
 * with `toProto` and reads with `fromProto`), read and written directly:
 *
 *   DDSketch     { IndexMapping mapping = 1; Store positiveValues = 2; Store negativeValues = 3; double zeroCount = 4; }
 *   IndexMapping { double gamma = 1; double indexOffset = 2; Interpolation interpolation = 3; }
 *   Store        { map<sint32, double> binCounts = 1; repeated double contiguousBinCounts = 2; sint32 contiguousBinIndexOffset = 3; }
 *
 * Rollup upserts and queries merge sketches all day; through protobufjs a merge of two 250-bin sketches took
 * ~40 µs, almost all of it decoding and encoding doubles one call at a time. Here they are copied as bytes.
 * `sketch.test.ts` checks this codec against the library's in both directions.
 */
export interface StoreMessage {
  /** Bin counts for keys `offset`, `offset + 1`, …; sparse `binCounts` entries are folded in on decoding. */
  counts: number[];
  offset: number;
}

export interface MappingMessage {
  gamma: number;
  indexOffset: number;
  interpolation: number;
}

export interface SketchMessage {
  mapping: MappingMessage;
  positive: StoreMessage;
  negative: StoreMessage;
  zeroCount: number;
}

const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
const FIXED32 = 5;

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated sketch');
      const byte = this.buf[this.pos++]!;
      // Past 2^53 a JS number cannot hold the value anyway; no field here comes near it.
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
      shift += 7;
    }
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new Error('truncated sketch');
    const value = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }

  /** The end of a length-delimited field starting here. */
  length(): number {
    const size = this.varint();
    const end = this.pos + size;
    if (end > this.end) throw new Error('truncated sketch');
    return end;
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === FIXED64) this.pos += 8;
    else if (wire === BYTES) this.pos = this.length();
    else if (wire === FIXED32) this.pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

const zigzagDecode = (n: number) => (n % 2 === 1 ? -(n + 1) / 2 : n / 2);
const zigzagEncode = (n: number) => (n < 0 ? -2 * n - 1 : 2 * n);

function readMapping(r: Reader, end: number): MappingMessage {
  const mapping: MappingMessage = { gamma: 0, indexOffset: 0, interpolation: 0 };
  while (r.pos < end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 1 && wire === FIXED64) mapping.gamma = r.double();
    else if (field === 2 && wire === FIXED64) mapping.indexOffset = r.double();
    else if (field === 3 && wire === VARINT) mapping.interpolation = r.varint();
    else r.skip(wire);
  }
  return mapping;
}

/**
 * The most bins a store may span. Every double maps to a key within about ±36,000 at 1% accuracy, so a wider
 * store can only come from a corrupt blob, whose far-apart keys would otherwise allocate billions of zeros.
 */
const maxStoreBins = 1 << 17;

function checkSpan(low: number, high: number): void {
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || high - low >= maxStoreBins) throw new Error('sketch bins out of range');
}

/** Throws, changing nothing, when `store` could not be widened to keys `from` … `to`. */
export function checkCover(store: StoreMessage, from: number, to: number): void {
  if (store.counts.length === 0) checkSpan(from, to);
  else checkSpan(Math.min(from, store.offset), Math.max(to, store.offset + store.counts.length - 1));
}

/** Widens `store` to hold keys `from` … `to` (inclusive) and returns it. */
function cover(store: StoreMessage, from: number, to: number): StoreMessage {
  checkCover(store, from, to);
  if (store.counts.length === 0) {
    store.offset = from;
  } else if (from < store.offset) {
    // Not unshift(...zeros): spreading tens of thousands of arguments overflows the stack.
    store.counts = new Array<number>(store.offset - from).fill(0).concat(store.counts);
    store.offset = from;
  }
  const counts = store.counts;
  while (counts.length <= to - store.offset) counts.push(0);
  return store;
}

/** Adds `count` at `key`. */
export function addCount(store: StoreMessage, key: number, count: number): void {
  if (!count) return;
  const index = key - store.offset;
  if (store.counts.length === 0 || index < 0 || index >= store.counts.length) cover(store, key, key);
  store.counts[key - store.offset]! += count;
}

/** Adds the counts of keys `offset`, `offset + 1`, … in one pass: a merge of two stores. */
export function addCounts(store: StoreMessage, offset: number, counts: readonly number[]): void {
  if (counts.length === 0) return;
  if (store.counts.length === 0) {
    checkCover(store, offset, offset + counts.length - 1);
    store.offset = offset;
    store.counts = counts.slice();
    return;
  }
  cover(store, offset, offset + counts.length - 1);
  const target = store.counts;
  const base = offset - store.offset;
  for (let i = 0; i < counts.length; i += 1) target[base + i]! += counts[i]!;
}

// Packed doubles are copied as bytes into a Float64Array, which reads them in the machine's byte order.
const littleEndian = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

function readPacked(r: Reader, stop: number): number[] {
  const n = (stop - r.pos) / 8;
  if (!Number.isInteger(n)) throw new Error('truncated sketch');
  if (!littleEndian) {
    const out: number[] = [];
    while (r.pos < stop) out.push(r.double());
    return out;
  }
  const doubles = new Float64Array(n);
  new Uint8Array(doubles.buffer).set(r.buf.subarray(r.pos, stop));
  r.pos = stop;
  // A plain loop: Array.from over a typed array takes the iterator path, ten times slower.
  const out = new Array<number>(n);
  for (let i = 0; i < n; i += 1) out[i] = doubles[i]!;
  return out;
}

function readStore(r: Reader, end: number): StoreMessage {
  let contiguous: number[] = [];
  let offset = 0;
  const sparse: Array<[number, number]> = [];
  while (r.pos < end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 2 && wire === BYTES) {
      const stop = r.length();
      const counts = readPacked(r, stop);
      if (contiguous.length === 0) contiguous = counts;
      else for (const count of counts) contiguous.push(count);
    } else if (field === 2 && wire === FIXED64) contiguous.push(r.double());
    else if (field === 3 && wire === VARINT) offset = zigzagDecode(r.varint());
    else if (field === 1 && wire === BYTES) {
      const stop = r.length();
      let key = 0;
      let count = 0;
      while (r.pos < stop) {
        const entryTag = r.varint();
        if (entryTag === (1 << 3) + VARINT) key = zigzagDecode(r.varint());
        else if (entryTag === (2 << 3) + FIXED64) count = r.double();
        else r.skip(entryTag & 7);
      }
      sparse.push([key, count]);
    } else r.skip(wire);
  }
  const store: StoreMessage = { counts: contiguous, offset };
  for (const [key, count] of sparse) addCount(store, key, count);
  return store;
}

export function decodeSketchMessage(bytes: Uint8Array): SketchMessage {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader(buf, 0, buf.length);
  const sketch: SketchMessage = {
    mapping: { gamma: 0, indexOffset: 0, interpolation: 0 },
    positive: { counts: [], offset: 0 },
    negative: { counts: [], offset: 0 },
    zeroCount: 0,
  };
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === BYTES && field >= 1 && field <= 3) {
      const end = r.length();
      if (field === 1) sketch.mapping = readMapping(r, end);
      else if (field === 2) sketch.positive = readStore(r, end);
      else sketch.negative = readStore(r, end);
      r.pos = end;
    } else if (field === 4 && wire === FIXED64) sketch.zeroCount = r.double();
    else r.skip(wire);
  }
  return sketch;
}

const varintSize = (n: number) => {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size += 1;
  }
  return size;
};

class Writer {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(n: number): void {
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  double(value: number): void {
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }
}

const mappingSize = (m: MappingMessage) => 9 + 9 + (m.interpolation ? 1 + varintSize(m.interpolation) : 0);
/** A store as written: only the contiguous form, offset first as the library does. */
const storeSize = (s: StoreMessage) =>
  (s.counts.length ? 1 + varintSize(s.counts.length * 8) + s.counts.length * 8 : 0) + (s.offset ? 1 + varintSize(zigzagEncode(s.offset)) : 0);

function writeStore(w: Writer, field: number, s: StoreMessage): void {
  w.varint((field << 3) | BYTES);
  w.varint(storeSize(s));
  if (s.counts.length) {
    w.varint((2 << 3) | BYTES);
    w.varint(s.counts.length * 8);
    // Most rollup sketches hold a handful of bins, where a typed-array copy costs more than it saves.
    if (littleEndian && s.counts.length > 32) {
      w.buf.set(new Uint8Array(Float64Array.from(s.counts).buffer), w.pos);
      w.pos += s.counts.length * 8;
    } else for (const count of s.counts) w.double(count);
  }
  if (s.offset) {
    w.varint((3 << 3) | VARINT);
    w.varint(zigzagEncode(s.offset));
  }
}

export function encodeSketchMessage(sketch: SketchMessage): Buffer {
  const m = sketch.mapping;
  const size =
    1 + varintSize(mappingSize(m)) + mappingSize(m) +
    1 + varintSize(storeSize(sketch.positive)) + storeSize(sketch.positive) +
    1 + varintSize(storeSize(sketch.negative)) + storeSize(sketch.negative) +
    (sketch.zeroCount ? 9 : 0);
  const w = new Writer(Buffer.allocUnsafe(size));
  w.varint((1 << 3) | BYTES);
  w.varint(mappingSize(m));
  w.varint((1 << 3) | FIXED64);
  w.double(m.gamma);
  w.varint((2 << 3) | FIXED64);
  w.double(m.indexOffset);
  if (m.interpolation) {
    w.varint((3 << 3) | VARINT);
    w.varint(m.interpolation);
  }
  writeStore(w, 2, sketch.positive);
  writeStore(w, 3, sketch.negative);
  if (sketch.zeroCount) {
    w.varint((4 << 3) | FIXED64);
    w.double(sketch.zeroCount);
  }
  return w.buf;
}
