/**
 * Raw element bytes -> JavaScript values, for every HDF5 datatype class.
 *
 * Decoding is planned first and finished second: planning walks the elements once, decodes
 * everything that needs no I/O and collects every global heap ID (variable-length data, region
 * references) of the call; one readGlobalHeapObjects call then fetches them all (one wave, each
 * collection once), and finishing builds the columns. Nested variable-length data costs one more
 * such wave per level of nesting.
 *
 * Typed-array and opaque results may share memory with `bytes` (zero-copy views when the data is
 * already in native order and aligned): pass a buffer you own and do not reuse.
 */
import { H5Error } from '../errors.js';
import type { FormatContext } from '../format/context.js';
import { cursor, isUndefinedAt, readAddress, uint } from '../format/cursor.js';
import { readGlobalHeapId, readGlobalHeapObjects, type GlobalHeapId } from '../format/global-heap.js';
import type { Datatype } from '../format/types.js';
import {
  checkBytes,
  elementsPerItem,
  sliceColumn,
  type Column,
  type CompoundColumn,
} from './column.js';
import { ObjectReference, RegionReference } from './reference.js';
import { decodeFloats } from './floats.js';
import { decodeIntegers } from './integers.js';
import { readSelection } from '../format/region-selection.js';
import { decodeFixedStrings, decodeVlenStrings } from './strings.js';

/** Builds the column once the heap objects requested during planning have arrived. */
type Finish = (objects: Uint8Array[]) => Promise<Column>;

const ready =
  (col: Column): Finish =>
  async () =>
    col;

/**
 * Decodes `count` elements of `dtype` from `bytes` (at least count * dtype.size bytes).
 * See column.ts for the shape each datatype class decodes to; arrays decode to their base type
 * over count x prod(dims) elements (callers append the dims to the shape).
 */
export async function decodeValues(ctx: FormatContext, bytes: Uint8Array, dtype: Datatype, count: number): Promise<Column> {
  checkBytes(bytes, count, dtype.size, `${dtype.class} datatype`);
  const ids: GlobalHeapId[] = [];
  const finish = plan(ctx, bytes, dtype, count, ids);
  const objects = ids.length ? await readGlobalHeapObjects(ctx, ids) : [];
  return finish(objects);
}

function plan(ctx: FormatContext, bytes: Uint8Array, dt: Datatype, count: number, ids: GlobalHeapId[]): Finish {
  switch (dt.class) {
    case 'integer':
      return ready(decodeIntegers(bytes, count, dt));
    case 'bitfield':
      return ready(decodeIntegers(bytes, count, { ...dt, signed: false }));
    case 'time':
      // The time class carries no sign; like C's time_t it is read as signed.
      return ready(decodeIntegers(bytes, count, { size: dt.size, order: dt.order, signed: true, bitOffset: 0, precision: dt.precision }));
    case 'float':
      return ready(decodeFloats(bytes, count, dt));
    case 'complex':
      // Real and imaginary parts are two floats of the base type back to back: one float column of 2 x count.
      return ready({ kind: 'complex', count, data: decodeFloats(bytes, 2 * count, dt.base) });
    case 'string':
      return ready(decodeFixedStrings(bytes, count, dt.size, dt.padding));
    case 'opaque':
      return ready({ kind: 'opaque', tag: dt.tag, size: dt.size, count, bytes: bytes.subarray(0, count * dt.size) });
    case 'enum':
      if (dt.base.size !== dt.size) throw new H5Error('Corrupt', `enum of ${dt.size} bytes over a base of ${dt.base.size} bytes`);
      return plan(ctx, bytes, dt.base, count, ids);
    case 'array': {
      const n = dt.dims.reduce((a, b) => a * b, 1);
      if (n * dt.base.size !== dt.size) {
        throw new H5Error('Corrupt', `array type of ${dt.size} bytes holds ${n} elements of ${dt.base.size} bytes`);
      }
      return plan(ctx, bytes, dt.base, count * n, ids);
    }
    case 'compound':
      return planCompound(ctx, bytes, dt, count, ids);
    case 'vlen':
      return planVlen(ctx, bytes, dt, count, ids);
    case 'reference':
      return dt.kind === 'object' ? ready(objectReferences(bytes, count, dt.size)) : planRegions(ctx, bytes, dt.size, count, ids);
  }
}

/** Copies one member's bytes out of each compound element into a contiguous buffer. */
function gather(bytes: Uint8Array, count: number, stride: number, offset: number, size: number): Uint8Array {
  if (offset === 0 && size === stride) return bytes.subarray(0, count * size);
  const out = new Uint8Array(count * size);
  if (size > 16) {
    for (let i = 0; i < count; i++) out.set(bytes.subarray(i * stride + offset, i * stride + offset + size), i * size);
    return out;
  }
  // Small members: a plain byte loop beats creating a subarray per element.
  for (let i = 0, from = offset, to = 0; i < count; i++, from += stride - size) {
    for (let j = 0; j < size; j++) out[to++] = bytes[from++]!;
  }
  return out;
}

function planCompound(
  ctx: FormatContext,
  bytes: Uint8Array,
  dt: Extract<Datatype, { class: 'compound' }>,
  count: number,
  ids: GlobalHeapId[],
): Finish {
  const finishes = dt.members.map((m) => {
    if (m.offset < 0 || m.offset + m.type.size > dt.size) {
      throw new H5Error('Corrupt', `compound member ${m.name} (${m.type.size} bytes at offset ${m.offset}) overruns its ${dt.size}-byte compound`);
    }
    return plan(ctx, gather(bytes, count, dt.size, m.offset, m.type.size), m.type, count, ids);
  });
  return async (objects) => {
    const cols = await Promise.all(finishes.map((f) => f(objects)));
    const fields: Record<string, Column> = Object.create(null);
    dt.members.forEach((m, i) => (fields[m.name] = cols[i]!));
    const col: CompoundColumn = { kind: 'compound', count, fields, dtype: dt };
    return col;
  };
}

/**
 * Variable-length elements: a 4-byte length (elements for sequences, bytes for strings) and a
 * global heap ID. Zero-length elements (including never-written ones, all zero bytes) fetch nothing.
 */
function planVlen(ctx: FormatContext, bytes: Uint8Array, dt: Extract<Datatype, { class: 'vlen' }>, count: number, ids: GlobalHeapId[]): Finish {
  const O = ctx.sizeOfOffsets;
  if (dt.size !== 4 + O + 4) throw new H5Error('Corrupt', `variable-length elements of ${dt.size} bytes (expected ${4 + O + 4})`);
  const c = cursor(bytes);
  const lengths = new Array<number>(count);
  const slots = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    c.pos = i * dt.size;
    lengths[i] = uint(c, 4, 'variable-length element length');
    const id = readGlobalHeapId(c, O);
    if (lengths[i] === 0) slots[i] = -1;
    else slots[i] = ids.push(id) - 1;
  }
  const unit = dt.kind === 'string' ? 1 : dt.base.size;
  return async (objects) => {
    const parts = new Array<Uint8Array>(count);
    let total = 0;
    for (let i = 0; i < count; i++) {
      if (slots[i] === -1) {
        parts[i] = new Uint8Array(0);
        continue;
      }
      const need = lengths[i]! * unit;
      const obj = objects[slots[i]!]!;
      if (obj.length < need) {
        throw new H5Error('Corrupt', `variable-length element ${i} claims ${need} bytes, its heap object has ${obj.length}`);
      }
      parts[i] = obj.subarray(0, need);
      total += need;
    }
    if (dt.kind === 'string') return decodeVlenStrings(parts);
    const all = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    const flat = await decodeValues(ctx, all, dt.base, total / unit);
    // An array-typed base holds prod(dims) column elements per sequence element.
    const per = elementsPerItem(dt.base);
    const out: Column[] = [];
    let first = 0;
    for (let i = 0; i < count; i++) {
      out.push(sliceColumn(flat, first * per, (first + lengths[i]!) * per));
      first += lengths[i]!;
    }
    return out;
  };
}

/** Object references: the referenced object header's address; 0 or the undefined address is a null reference. */
function objectReferences(bytes: Uint8Array, count: number, size: number): (ObjectReference | null)[] {
  if (size > 8) throw new H5Error('Unsupported', `object references of ${size} bytes (HDF5 1.12+ references are not supported)`);
  const c = cursor(bytes);
  const refs: (ObjectReference | null)[] = [];
  for (let i = 0; i < count; i++) {
    c.pos = i * size;
    const a = readAddress(c, size);
    refs.push(a === 0 || a === null ? null : new ObjectReference(a));
  }
  return refs;
}

/**
 * Dataset region references: a global heap ID whose object holds the dataset's object header
 * address and then a serialized selection. An ID naming no collection is a null reference.
 */
function planRegions(ctx: FormatContext, bytes: Uint8Array, size: number, count: number, ids: GlobalHeapId[]): Finish {
  const O = ctx.sizeOfOffsets;
  if (size !== O + 4) throw new H5Error('Unsupported', `region references of ${size} bytes (expected ${O + 4}; HDF5 1.12+ references are not supported)`);
  const c = cursor(bytes);
  const slots: number[] = [];
  for (let i = 0; i < count; i++) {
    c.pos = i * size;
    const id = readGlobalHeapId(c, O);
    slots.push(id.collectionAddress <= 0 && id.index === 0 ? -1 : ids.push(id) - 1);
  }
  return async (objects) =>
    slots.map((slot, i): RegionReference | null => {
      if (slot === -1) return null;
      const obj = objects[slot]!;
      const oc = cursor(obj);
      if (obj.length < O) throw new H5Error('Corrupt', `region reference ${i} has a heap object of ${obj.length} bytes`);
      if (isUndefinedAt(oc, O)) return null;
      const address = uint(oc, O, 'region reference address');
      if (address === 0) return null;
      return new RegionReference(address, readSelection(oc));
    });
}

/** An enum's name -> value mapping, in member order. */
export function enumMapping(dtype: Datatype): Record<string, number | bigint> {
  if (dtype.class !== 'enum') throw new H5Error('Invalid', `not an enum datatype: ${dtype.class}`);
  const out: Record<string, number | bigint> = {};
  for (const m of dtype.members) Object.defineProperty(out, m.name, { value: m.value, enumerable: true, writable: true, configurable: true });
  return out;
}
