/**
 * Serialized dataspace selections (H5S_select_serialize), as region references store them after
 * the referenced object's address: none, all, points (versions 1-2) and hyperslabs (versions 1-3,
 * regular and irregular). Plus what one wants to know about a selection: its element count,
 * bounds, blocks (as the library lists them) and whether it is a regular hyperslab.
 */
import { H5Error } from '../errors.js';
import { cursor, isUndefinedAt, skip, u16, u32, u8, uint, type Cursor } from './cursor.js';

/** A regular hyperslab per dimension; `count`/`block` are Infinity where unlimited (virtual datasets only). */
export interface RegularHyperslab {
  start: number[];
  stride: number[];
  count: number[];
  block: number[];
}

/** A block of a hyperslab: inclusive corners. */
export interface Block {
  start: number[];
  end: number[];
}

export type RegionSelection =
  | { type: 'none' }
  | { type: 'all' }
  | { type: 'points'; rank: number; points: number[][] }
  /** Exactly one of `regular` (stored regular, versions 2-3) and `blocks` (stored as a block list) is set. */
  | { type: 'hyperslabs'; rank: number; regular: RegularHyperslab | null; blocks: Block[] | null };

const SEL_NONE = 0;
const SEL_POINTS = 1;
const SEL_HYPERSLABS = 2;
const SEL_ALL = 3;
/** H5S_HYPER_REGULAR: the hyperslab is stored as start/stride/count/block. */
const FLAG_REGULAR = 0x01;
/** The library's H5S_MAX_RANK. */
const MAX_RANK = 32;

/** An enc_size-byte unsigned value; all ones means unlimited where `unlimited` is allowed. */
function encoded(c: Cursor, size: number, unlimited = false): number {
  if (unlimited && isUndefinedAt(c, size)) {
    skip(c, size);
    return Infinity;
  }
  if (size === 2) return u16(c);
  if (size === 4) return u32(c);
  return uint(c, 8, 'selection coordinate');
}

function checkEncSize(size: number, at: number): void {
  if (size !== 2 && size !== 4 && size !== 8) throw new H5Error('Corrupt', `selection coordinates of ${size} bytes`, { offset: at });
}

function readRank(c: Cursor): number {
  const at = c.base + c.pos;
  const rank = u32(c);
  if (rank < 1 || rank > MAX_RANK) throw new H5Error('Corrupt', `selection of rank ${rank}`, { offset: at });
  return rank;
}

/** Checks that `n` items of `bytesEach` fit in what remains, before allocating for them. */
function checkCount(c: Cursor, n: number, bytesEach: number, what: string): void {
  if (n * bytesEach > c.bytes.length - c.pos) {
    throw new H5Error('Corrupt', `${n} ${what} do not fit in the ${c.bytes.length - c.pos} bytes left`, { offset: c.base + c.pos });
  }
}

/** Decodes one serialized selection at the cursor. */
export function readSelection(c: Cursor): RegionSelection {
  const at = c.base + c.pos;
  const type = u32(c);
  const version = u32(c);
  switch (type) {
    case SEL_NONE:
    case SEL_ALL:
      if (version !== 1) throw new H5Error('Unsupported', `${type === SEL_ALL ? 'all' : 'none'} selection version ${version}`, { offset: at });
      skip(c, 8); // reserved, length
      return { type: type === SEL_ALL ? 'all' : 'none' };
    case SEL_POINTS: {
      let enc = 4;
      if (version === 1) skip(c, 8); // reserved, length
      else if (version === 2) enc = u8(c);
      else throw new H5Error('Unsupported', `point selection version ${version}`, { offset: at });
      checkEncSize(enc, at);
      const rank = readRank(c);
      const n = encoded(c, enc);
      checkCount(c, n, rank * enc, 'selected points');
      const points: number[][] = [];
      for (let i = 0; i < n; i++) {
        const p: number[] = [];
        for (let d = 0; d < rank; d++) p.push(encoded(c, enc));
        points.push(p);
      }
      return { type: 'points', rank, points };
    }
    case SEL_HYPERSLABS:
      return readHyperslab(c, version, at);
    default:
      throw new H5Error('Corrupt', `unknown selection type ${type}`, { offset: at });
  }
}

function readHyperslab(c: Cursor, version: number, at: number): RegionSelection {
  let flags = 0;
  let enc = 4;
  if (version === 1) skip(c, 8); // reserved, length
  else if (version === 2) {
    flags = u8(c);
    skip(c, 4); // length
    enc = 8;
  } else if (version === 3) {
    flags = u8(c);
    enc = u8(c);
  } else throw new H5Error('Unsupported', `hyperslab selection version ${version}`, { offset: at });
  if (flags & ~FLAG_REGULAR) throw new H5Error('Corrupt', `unknown hyperslab selection flags ${flags}`, { offset: at });
  checkEncSize(enc, at);
  const rank = readRank(c);
  if (flags & FLAG_REGULAR) {
    const regular: RegularHyperslab = { start: [], stride: [], count: [], block: [] };
    for (let d = 0; d < rank; d++) {
      regular.start.push(encoded(c, enc));
      regular.stride.push(encoded(c, enc));
      regular.count.push(encoded(c, enc, true));
      regular.block.push(encoded(c, enc, true));
    }
    return { type: 'hyperslabs', rank, regular, blocks: null };
  }
  const n = encoded(c, enc);
  checkCount(c, n, 2 * rank * enc, 'hyperslab blocks');
  const blocks: Block[] = [];
  for (let i = 0; i < n; i++) {
    const start: number[] = [];
    const end: number[] = [];
    for (let d = 0; d < rank; d++) start.push(encoded(c, enc));
    for (let d = 0; d < rank; d++) end.push(encoded(c, enc));
    for (let d = 0; d < rank; d++) {
      if (end[d]! < start[d]!) throw new H5Error('Corrupt', `hyperslab block ends before it starts`, { offset: at });
    }
    blocks.push({ start, end });
  }
  return { type: 'hyperslabs', rank, regular: null, blocks };
}

/** Decodes a selection from bytes (e.g. a region reference's heap object after the address). */
export function decodeSelection(bytes: Uint8Array, base = 0): RegionSelection {
  return readSelection(cursor(bytes, base));
}
