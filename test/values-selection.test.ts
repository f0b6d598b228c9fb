/**
 * Serialized selections (as region references store them), built byte by byte after
 * H5S__*_serialize: none, all, points v1/v2, hyperslabs v1/v2/v3 (regular and block lists);
 * then what the library would report about them (span-tree blocks, regularity, counts, bounds).
 */
import { describe, expect, it } from 'vitest';
import { decodeSelection, type RegionSelection } from '../src/format/region-selection.js';
import { regularBlocks, selectedCoordinates, selectionInfo, selectionShape } from '../src/format/region-info.js';

/** Little-endian byte writer. */
class W {
  parts: number[] = [];
  u8(v: number) {
    this.parts.push(v & 0xff);
    return this;
  }
  u(v: number | bigint, size: number) {
    let x = BigInt(v);
    for (let i = 0; i < size; i++) {
      this.parts.push(Number(x & 0xffn));
      x >>= 8n;
    }
    return this;
  }
  u32(v: number) {
    return this.u(v, 4);
  }
  bytes() {
    return new Uint8Array(this.parts);
  }
}

function hyperV1(rank: number, blocks: Array<[number[], number[]]>): Uint8Array {
  const w = new W().u32(2).u32(1).u32(0).u32(4 + 4 + 8 * rank * blocks.length).u32(rank).u32(blocks.length);
  for (const [s, e] of blocks) {
    s.forEach((x) => w.u32(x));
    e.forEach((x) => w.u32(x));
  }
  return w.bytes();
}

describe('decoding', () => {
  it('none and all', () => {
    expect(decodeSelection(new W().u32(0).u32(1).u32(0).u32(0).bytes())).toEqual({ type: 'none' });
    expect(decodeSelection(new W().u32(3).u32(1).u32(0).u32(0).bytes())).toEqual({ type: 'all' });
    expect(selectionInfo({ type: 'all' }, [2, 3])).toEqual({ type: 'all', npoints: 6, bounds: { start: [0, 0], end: [1, 2] } });
  });

  it('points, versions 1 and 2', () => {
    const v1 = new W().u32(1).u32(1).u32(0).u32(8 + 3 * 2 * 4).u32(2).u32(3);
    [[0, 0], [9, 9], [5, 1]].flat().forEach((x) => v1.u32(x));
    const sel = decodeSelection(v1.bytes());
    expect(sel).toEqual({ type: 'points', rank: 2, points: [[0, 0], [9, 9], [5, 1]] });
    expect(selectionInfo(sel, [10, 10])).toEqual({
      type: 'points',
      npoints: 3,
      points: [[0, 0], [9, 9], [5, 1]],
      bounds: { start: [0, 0], end: [9, 9] },
    });
    for (const enc of [2, 4, 8]) {
      const v2 = new W().u32(1).u32(2).u8(enc).u32(1).u(2, enc).u(7, enc).u(3, enc);
      expect(decodeSelection(v2.bytes())).toEqual({ type: 'points', rank: 1, points: [[7], [3]] });
    }
  });

  it('hyperslab version 1 block lists', () => {
    const sel = decodeSelection(hyperV1(2, [[[2, 3], [4, 6]]]));
    expect(sel).toEqual({ type: 'hyperslabs', rank: 2, regular: null, blocks: [{ start: [2, 3], end: [4, 6] }] });
  });

  it('hyperslab version 2 regular, with an unlimited count', () => {
    const w = new W().u32(2).u32(2).u8(1).u32(4 + 32 * 2).u32(2);
    w.u(0, 8).u(1, 8).u((1n << 64n) - 1n, 8).u(1, 8); // dim 0: start 0, stride 1, count unlimited, block 1
    w.u(0, 8).u(1, 8).u(1, 8).u(2, 8);
    const sel = decodeSelection(w.bytes()) as Extract<RegionSelection, { type: 'hyperslabs' }>;
    expect(sel.regular).toEqual({ start: [0, 0], stride: [1, 1], count: [Infinity, 1], block: [1, 2] });
    expect(() => regularBlocks(sel.regular!)).toThrow(/unlimited/);
    // Over an extent (a virtual dataset's current size) the unlimited count is cut to it.
    const info = selectionInfo(sel, [3, 2]);
    expect(info.regular).toEqual({ start: [0, 0], stride: [1, 1], count: [3, 1], block: [1, 2] });
    expect(info.npoints).toBe(6);
    expect(selectedCoordinates(info)).toEqual([[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [2, 1]]);
    // Unlimited strided blocks: the last one stops at the extent.
    const strided = selectionInfo({ type: 'hyperslabs', rank: 1, regular: { start: [1], stride: [4], count: [Infinity], block: [3] }, blocks: null }, [10]);
    expect(strided.blocks).toEqual([
      { start: [1], end: [3] },
      { start: [5], end: [7] },
      { start: [9], end: [9] },
    ]);
    expect(selectionInfo({ type: 'hyperslabs', rank: 1, regular: { start: [2], stride: [1], count: [1], block: [Infinity] }, blocks: null }, [5]).npoints).toBe(3);
  });

  it('hyperslab version 3, regular and block list, every coordinate size', () => {
    for (const enc of [2, 4, 8]) {
      const reg = new W().u32(2).u32(3).u8(1).u8(enc).u32(2);
      [0, 3, 4, 1, 0, 4, 3, 1].forEach((x) => reg.u(x, enc));
      const sel = decodeSelection(reg.bytes());
      expect(sel).toEqual({ type: 'hyperslabs', rank: 2, regular: { start: [0, 0], stride: [3, 4], count: [4, 3], block: [1, 1] }, blocks: null });
      const info = selectionInfo(sel, [10, 10]);
      expect(info.npoints).toBe(12);
      expect(info.blocks!.slice(0, 4).map((b) => b.start)).toEqual([[0, 0], [0, 4], [0, 8], [3, 0]]);
      expect(info.bounds).toEqual({ start: [0, 0], end: [9, 8] });
      expect(selectionShape(info, [10, 10])).toEqual([4, 3]);
      const list = new W().u32(2).u32(3).u8(0).u8(enc).u32(1).u(2, enc);
      [0, 1, 5, 6].forEach((x) => list.u(x, enc));
      expect(decodeSelection(list.bytes())).toEqual({
        type: 'hyperslabs',
        rank: 1,
        regular: null,
        blocks: [
          { start: [0], end: [1] },
          { start: [5], end: [6] },
        ],
      });
    }
  });

  it('rejects what the library would reject', () => {
    expect(() => decodeSelection(new W().u32(9).u32(1).u32(0).u32(0).bytes())).toThrow(/unknown selection type/);
    expect(() => decodeSelection(new W().u32(2).u32(4).bytes())).toThrow(/version 4/);
    expect(() => decodeSelection(new W().u32(2).u32(3).u8(2).u8(4).u32(1).bytes())).toThrow(/flags/);
    expect(() => decodeSelection(new W().u32(2).u32(3).u8(0).u8(3).u32(1).bytes())).toThrow(/3 bytes/);
    expect(() => decodeSelection(new W().u32(1).u32(1).u32(0).u32(0).u32(0).u32(0).bytes())).toThrow(/rank 0/);
    // A block count the remaining bytes cannot hold is refused before allocating.
    expect(() => decodeSelection(new W().u32(2).u32(1).u32(0).u32(0).u32(2).u32(0x7fffffff).bytes())).toThrow(/do not fit/);
    expect(() => decodeSelection(hyperV1(1, [[[5], [3]]]))).toThrow(/ends before it starts/);
    try {
      decodeSelection(new W().u32(9).u32(1).bytes());
    } catch (e) {
      expect(e).toMatchObject({ name: 'H5Error', code: 'Corrupt' });
    }
  });
});

describe('what the library reports about a block list', () => {
  it('merges adjacent rows into one block and finds it regular', () => {
    const info = selectionInfo(decodeSelection(hyperV1(2, [[[0, 0], [0, 9]], [[1, 0], [1, 9]]])), [4, 10]);
    expect(info.blocks).toEqual([{ start: [0, 0], end: [1, 9] }]);
    expect(info.regular).toEqual({ start: [0, 0], stride: [1, 1], count: [1, 1], block: [2, 10] });
    expect(info.npoints).toBe(20);
  });

  it('recognizes an evenly strided list (pyfive writes [0] and [2])', () => {
    const info = selectionInfo(decodeSelection(hyperV1(1, [[[0], [0]], [[2], [2]]])), [4]);
    expect(info.regular).toEqual({ start: [0], stride: [2], count: [2], block: [1] });
    expect(selectedCoordinates(info)).toEqual([[0], [2]]);
    expect(selectionShape(info, [4])).toEqual([2]);
  });

  it('keeps an L-shaped selection irregular, split into span-tree blocks', () => {
    const info = selectionInfo(decodeSelection(hyperV1(2, [[[0, 0], [3, 0]], [[0, 1], [1, 1]]])), [4, 4]);
    expect(info.regular).toBeUndefined();
    expect(info.blocks).toEqual([
      { start: [0, 0], end: [1, 1] },
      { start: [2, 0], end: [3, 0] },
    ]);
    expect(info.npoints).toBe(6);
    expect(info.bounds).toEqual({ start: [0, 0], end: [3, 1] });
    expect(selectionShape(info, [4, 4])).toEqual([6]);
    expect(selectedCoordinates(info)).toEqual([[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [3, 0]]);
  });

  it('counts overlapping blocks once', () => {
    const info = selectionInfo(decodeSelection(hyperV1(1, [[[0], [5]], [[3], [8]]])), [10]);
    expect(info.blocks).toEqual([{ start: [0], end: [8] }]);
    expect(info.npoints).toBe(9);
  });
});
