/**
 * Variable-length data and references through real global heap collections (GCOL) laid out in a
 * buffer byte by byte as the spec describes them: nested sequences (one heap wave per level),
 * compounds of sequences sharing one wave, empty and null elements, region and object
 * references, and heap objects too short for what an element claims.
 */
import { describe, expect, it } from 'vitest';
import { MemorySource } from '../src/drivers/memory.js';
import type { FormatContext } from '../src/format/context.js';
import { DEFAULT_LIMITS } from '../src/format/limits.js';
import type { Datatype } from '../src/format/types.js';
import type { ByteSource, ReadOptions } from '../src/source.js';
import { compoundRecords, type Column } from '../src/values/column.js';
import { decodeValues } from '../src/values/decode.js';
import { ObjectReference, RegionReference } from '../src/values/reference.js';
import { toOracleValue } from './helpers/oracle.js';

const O = 8;
const L = 8;
const i4: Datatype = { class: 'integer', size: 4, order: '<', signed: true, bitOffset: 0, precision: 32 };
const seq = (base: Datatype): Datatype => ({ class: 'vlen', size: 4 + O + 4, kind: 'sequence', base, padding: 'nullterm', charset: 'ascii' });
const str: Datatype = {
  class: 'vlen',
  size: 16,
  kind: 'string',
  base: { class: 'integer', size: 1, order: '<', signed: false, bitOffset: 0, precision: 8 },
  padding: 'nullterm',
  charset: 'utf-8',
};

function le(v: number | bigint, size: number): number[] {
  let x = BigInt(v);
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
  }
  return out;
}
const pad8 = (n: number) => Math.ceil(n / 8) * 8;

/** A global heap collection holding `objects` as indexes 1..n, at least 4096 bytes like the library's. */
function gcol(objects: Uint8Array[]): Uint8Array {
  const body: number[] = [];
  objects.forEach((o, k) => {
    body.push(...le(k + 1, 2), ...le(1, 2), ...le(0, 4), ...le(o.length, L), ...o);
    while (body.length % 8) body.push(0);
  });
  const header = 16;
  const size = Math.max(4096, header + body.length + 16);
  const out = new Uint8Array(size);
  out.set([0x47, 0x43, 0x4f, 0x4c, 1, 0, 0, 0, ...le(size, L)]);
  out.set(body, header);
  // The free-space object (index 0) closes the collection.
  out.set([...le(0, 2), ...le(0, 2), ...le(0, 4), ...le(size - header - body.length, L)], header + body.length);
  return out;
}

/** One vlen element: length, collection address, object index. */
const vl = (length: number, address: number, index: number) => [...le(length, 4), ...le(address, O), ...le(index, 4)];
const ints = (...v: number[]) => new Uint8Array(v.flatMap((x) => le(x >>> 0, 4)));

class WaveSource implements ByteSource {
  readonly key = 'waves';
  reads: { offset: number; wave: number }[] = [];
  private finished = 0;
  constructor(private readonly inner: ByteSource) {}
  get size() {
    return this.inner.size;
  }
  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    const wave = this.finished + 1;
    this.reads.push({ offset, wave });
    const out = await this.inner.read(offset, length, options);
    await new Promise((r) => setImmediate(r));
    this.finished = Math.max(this.finished, wave);
    return out;
  }
}

/** A "file" of collections at the given addresses. */
function file(collections: Array<[number, Uint8Array]>): { ctx: FormatContext; source: WaveSource } {
  const end = Math.max(...collections.map(([a, c]) => a + c.length));
  const bytes = new Uint8Array(end);
  for (const [a, c] of collections) bytes.set(c, a);
  const source = new WaveSource(new MemorySource(bytes));
  return { source, ctx: { source, baseAddress: 0, sizeOfOffsets: O, sizeOfLengths: L, limits: DEFAULT_LIMITS, parsed: new Map() } };
}

const A = 4096;
const B = 3 * 4096;

describe('variable-length data', () => {
  it('sequences of sequences: one heap wave per level', async () => {
    // Level 2 (in collection B): the integer sequences.
    const inner = gcol([ints(1, 2, 3), ints(-7), ints(42, 43)]);
    // Level 1 (in collection A): sequences of vlen elements pointing into B.
    const outer = gcol([new Uint8Array([...vl(3, B, 1), ...vl(1, B, 2)]), new Uint8Array([...vl(0, 0, 0), ...vl(2, B, 3)])]);
    const { ctx, source } = file([
      [A, outer],
      [B, inner],
    ]);
    const elements = new Uint8Array([...vl(2, A, 1), ...vl(2, A, 2), ...vl(0, 0, 0)]);
    const col = (await decodeValues(ctx, elements, seq(seq(i4)), 3)) as Column[][];
    expect(col.map((s) => s.map((x) => Array.from(x as Int32Array)))).toEqual([[[1, 2, 3], [-7]], [[], [42, 43]], []]);
    expect(source.reads.map((r) => [r.offset, r.wave])).toEqual([
      [A, 1],
      [B, 2],
    ]);
  });

  it('all vlen members of a compound share one wave, and strings end at their first NUL', async () => {
    const heap = gcol([new TextEncoder().encode('héllo'), ints(5, 6), new Uint8Array([0x61, 0, 0x62]), ints(9)]);
    const { ctx, source } = file([[A, heap]]);
    const t: Datatype = {
      class: 'compound',
      size: 36,
      members: [
        { name: 'label', offset: 0, type: str },
        { name: 'vals', offset: 16, type: seq(i4) },
        { name: 'w', offset: 32, type: i4 },
      ],
    };
    const elements = new Uint8Array([...vl(6, A, 1), ...vl(2, A, 2), ...le(7, 4), ...vl(3, A, 3), ...vl(1, A, 4), ...le(8, 4)]);
    const col = await decodeValues(ctx, elements, t, 2);
    const recs = compoundRecords(col as Extract<Column, { kind: 'compound' }>);
    expect(recs.map((r) => [r.label, Array.from(r.vals as Int32Array), r.w])).toEqual([
      ['héllo', [5, 6], 7],
      ['a', [9], 8],
    ]);
    expect(source.reads).toEqual([{ offset: A, wave: 1 }]);
  });

  it('sequences of an array type keep whole array elements per sequence element', async () => {
    const pair: Datatype = { class: 'array', size: 8, dims: [2], base: i4 };
    const { ctx } = file([[A, gcol([ints(1, 2, 3, 4), ints(5, 6)])]]);
    const col = (await decodeValues(ctx, new Uint8Array([...vl(2, A, 1), ...vl(1, A, 2)]), seq(pair), 2)) as Column[];
    expect(col.map((c) => Array.from(c as Int32Array))).toEqual([[1, 2, 3, 4], [5, 6]]);
    expect(toOracleValue(col, seq(pair), [2])).toEqual([[[1, 2], [3, 4]], [[5, 6]]]);
  });

  it('an element claiming more than its heap object holds is Corrupt', async () => {
    const { ctx } = file([[A, gcol([ints(1)])]]);
    await expect(decodeValues(ctx, new Uint8Array(vl(5, A, 1)), seq(i4), 1)).rejects.toMatchObject({ code: 'Corrupt' });
  });

  it('an element naming a missing heap object is Corrupt', async () => {
    const { ctx } = file([[A, gcol([ints(1)])]]);
    await expect(decodeValues(ctx, new Uint8Array(vl(1, A, 9)), seq(i4), 1)).rejects.toMatchObject({ code: 'Corrupt' });
  });
});

describe('references', () => {
  it('object references: addresses, 0 and the undefined address are null', async () => {
    const { ctx } = file([[A, gcol([])]]);
    const bytes = new Uint8Array([...le(800, 8), ...le(0, 8), ...new Array(8).fill(0xff)]);
    const col = await decodeValues(ctx, bytes, { class: 'reference', size: 8, kind: 'object' }, 3);
    expect(col).toEqual([new ObjectReference(800), null, null]);
    expect((col as unknown[])[0]).toBeInstanceOf(ObjectReference);
  });

  it('region references: heap object = dataset address + serialized selection', async () => {
    const points = [...le(1, 4), ...le(1, 4), ...le(0, 4), ...le(16, 4), ...le(1, 4), ...le(2, 4), ...le(4, 4), ...le(1, 4)];
    const all = [...le(3, 4), ...le(1, 4), ...le(0, 4), ...le(0, 4)];
    const heap = gcol([new Uint8Array([...le(800, 8), ...points]), new Uint8Array([...le(960, 8), ...all])]);
    const { ctx, source } = file([[A, heap]]);
    const el = (addr: number, idx: number) => [...le(addr, 8), ...le(idx, 4)];
    const bytes = new Uint8Array([...el(A, 1), ...el(0, 0), ...el(A, 2)]);
    const col = await decodeValues(ctx, bytes, { class: 'reference', size: 12, kind: 'region' }, 3);
    expect(col).toEqual([new RegionReference(800, { type: 'points', rank: 1, points: [[4], [1]] }), null, new RegionReference(960, { type: 'all' })]);
    expect((col as unknown[])[2]).toBeInstanceOf(RegionReference);
    expect(source.reads).toHaveLength(1);
  });

  it('1.12-style references are refused, not misread', async () => {
    const { ctx } = file([[A, gcol([])]]);
    await expect(decodeValues(ctx, new Uint8Array(64), { class: 'reference', size: 64, kind: 'object' }, 1)).rejects.toMatchObject({
      code: 'Unsupported',
    });
  });
});
