/**
 * Comparing decoded values with the corpus oracles (../shared/corpus/README.md, "JSON value
 * encoding"): toOracleValue turns a Column into that encoding, compareOracle lists differences
 * (floats with a relative tolerance; {first,last,sum,...} summaries against the full array), and
 * datatypeFromH5type builds a Datatype from an oracle `h5type`; openFile, objectDatatype and
 * compactAttributes read the real datatypes and attribute values from the file.
 */
import type { FormatContext } from '../../src/format/context.js';
import type { Limits } from '../../src/format/limits.js';
import { decodeAttributeMessage, decodeDatatypeMessage } from '../../src/format/messages/index.js';
import { findMessages, readObjectHeader } from '../../src/format/object-header.js';
import { resolveSharedMessage } from '../../src/format/shared-message.js';
import { readFileSohmTable, type SohmTable } from '../../src/format/sohm.js';
import { readSuperblock } from '../../src/format/superblock.js';
import { MessageType, type AttributeMessage, type Datatype } from '../../src/format/types.js';
import type { ByteSource } from '../../src/source.js';
import {
  arrayDims,
  columnDatatype,
  columnLength,
  elementsPerItem,
  nest,
  undecodableBytes,
  type Column,
  type TypedArray,
} from '../../src/values/column.js';
import { isReference, type Reference, type RegionReference } from '../../src/values/reference.js';
import { isH5pyBool, isH5pyComplex, memorySize } from '../../src/values/dtype-string.js';
import { selectionInfo } from '../../src/format/region-info.js';

// ---------------------------------------------------------------------------------------------
// Column -> oracle JSON encoding

export interface RefResolver {
  /**
   * A reference in the oracle's encoding, worked out beforehand (the encoding is synchronous):
   * {$ref, $ref_kind}, {$regionref, selection, values}, or {error} where h5py fails too.
   */
  encode(ref: Reference): unknown;
}

/** Every reference a column holds, at any depth (compound members, vlen elements, arrays). */
export function referencesIn(col: Column, out: Reference[] = []): Reference[] {
  if (Array.isArray(col)) {
    for (const x of col as unknown[]) {
      if (isReference(x)) out.push(x);
      else if (Array.isArray(x) || (x && typeof x === 'object' && 'kind' in x)) referencesIn(x as Column, out);
    }
  } else if (!ArrayBuffer.isView(col) && col.kind === 'compound') for (const f of Object.values(col.fields)) referencesIn(f, out);
  return out;
}

export interface ToOracleOptions {
  refs?: RefResolver;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function intOracle(v: number | bigint): number | string {
  if (typeof v === 'bigint') {
    const lim = BigInt(Number.MAX_SAFE_INTEGER);
    return v > lim || v < -lim ? v.toString() : Number(v);
  }
  return v;
}

function floatOracle(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function element(col: Column, dt: Datatype, i: number, opts: ToOracleOptions): unknown {
  switch (dt.class) {
    case 'array': {
      const dims = arrayDims(dt);
      const base = columnDatatype(dt);
      const per = elementsPerItem(dt);
      const flat: unknown[] = [];
      for (let k = 0; k < per; k++) flat.push(element(col, base, i * per + k, opts));
      return nest(flat, dims);
    }
    case 'enum': {
      const v = (col as TypedArray)[i]!;
      return isH5pyBool(dt) ? v !== 0 : intOracle(v);
    }
    case 'integer':
    case 'bitfield':
    case 'time':
      return intOracle((col as TypedArray)[i]!);
    case 'float':
      return floatOracle(Number((col as TypedArray)[i]!));
    case 'complex': {
      const c = col as Extract<Column, { kind: 'complex' }>;
      return { r: floatOracle(c.data[2 * i]!), i: floatOracle(c.data[2 * i + 1]!) };
    }
    case 'string': {
      const raw = undecodableBytes(col as string[])?.get(i);
      return raw ? { $bytes_hex: hex(raw) } : (col as string[])[i];
    }
    case 'vlen': {
      if (dt.kind === 'string') {
        const raw = undecodableBytes(col as string[])?.get(i);
        return raw ? { $bytes_hex: hex(raw) } : (col as string[])[i];
      }
      const seq = (col as Column[])[i]!;
      const out: unknown[] = [];
      const n = columnLength(seq) / elementsPerItem(dt.base);
      for (let k = 0; k < n; k++) out.push(element(seq, dt.base, k, opts));
      return out;
    }
    case 'compound': {
      const c = col as Extract<Column, { kind: 'compound' }>;
      const rec: Record<string, unknown> = {};
      for (const m of dt.members) {
        Object.defineProperty(rec, m.name, { value: element(c.fields[m.name]!, m.type, i, opts), enumerable: true });
      }
      return isH5pyComplex(dt) ? { r: rec.r, i: rec.i } : rec;
    }
    case 'opaque': {
      const c = col as Extract<Column, { kind: 'opaque' }>;
      const b = c.bytes.subarray(i * c.size, (i + 1) * c.size);
      // h5py turns opaque types tagged with a numpy string dtype back into bytes strings.
      if (/^NUMPY:\|S\d+$/.test(dt.tag)) {
        let e = b.length;
        while (e > 0 && b[e - 1] === 0) e--;
        try {
          return utf8.decode(b.subarray(0, e));
        } catch {
          return { $bytes_hex: hex(b.subarray(0, e)) };
        }
      }
      return hex(b);
    }
    case 'reference': {
      const r = (col as (Reference | null)[])[i];
      if (r === null || r === undefined) return null;
      if (opts.refs) return opts.refs.encode(r);
      return r.kind === 'object' ? { $ref_address: r.address } : { $regionref_address: r.address };
    }
  }
}

/** A region reference's selection the way the oracle describes it. */
export function selectionOracle(r: RegionReference, extent: number[]): Record<string, unknown> {
  const info = selectionInfo(r.selection, extent);
  const out: Record<string, unknown> = { type: info.type, extent, npoints: info.npoints };
  if (info.regular) out.regular_hyperslab = info.regular;
  if (info.blocks) out.blocks = info.blocks.map((b) => [b.start, b.end]);
  if (info.points) out.points = info.points;
  // The oracle gives bounds for point and hyperslab selections only.
  if (info.bounds && info.type !== 'all') out.bounds = [info.bounds.start, info.bounds.end];
  return out;
}


/** A decoded column of `dtype` values in the oracle's encoding, nested by `shape` ([] = scalar). */
export function toOracleValue(column: Column, dtype: Datatype, shape: number[], opts: ToOracleOptions = {}): unknown {
  const n = shape.reduce((a, b) => a * b, 1);
  const flat: unknown[] = [];
  for (let i = 0; i < n; i++) flat.push(element(column, dtype, i, opts));
  return nest(flat, shape);
}

// ---------------------------------------------------------------------------------------------
// Comparison

export interface CompareOptions {
  /** Relative tolerance for floats (default 1e-9; float data is exact, this only absorbs printing). */
  rtol?: number;
  /** Relative tolerance for summary sums (default 1e-6: summation order differs). */
  sumRtol?: number;
  /** Levels of `actual` to flatten against a summary (default: inferred from the summary's `first`). */
  depth?: number;
  /** Stop after this many differences (default 20). */
  maxDiffs?: number;
}

const SPECIAL = new Set(['NaN', 'Infinity', '-Infinity']);

function numeric(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return Number(v);
  return NaN;
}

function isSummary(e: Record<string, unknown>): boolean {
  return 'first' in e && 'last' in e && Object.keys(e).every((k) => ['first', 'last', 'sum', 'min', 'max', 'nan_count', 'field_sums', '$summary', 'shape'].includes(k));
}

function depthOf(x: unknown): number {
  let d = 0;
  while (Array.isArray(x)) {
    d++;
    x = x[0];
  }
  return d;
}

function flatten(x: unknown, levels: number): unknown[] {
  if (levels <= 0) return [x];
  return (x as unknown[]).flatMap((y) => flatten(y, levels - 1));
}

/** Human-readable differences between `actual` (oracle encoding) and the oracle's `expected`. */
export function compareOracle(actual: unknown, expected: unknown, opts: CompareOptions = {}): string[] {
  const diffs: string[] = [];
  const o = { rtol: opts.rtol ?? 1e-9, sumRtol: opts.sumRtol ?? 1e-6, max: opts.maxDiffs ?? 20, depth: opts.depth };
  const close = (a: number, e: number, rtol: number) =>
    a === e || (Number.isNaN(a) && Number.isNaN(e)) || Math.abs(a - e) <= rtol * Math.max(Math.abs(a), Math.abs(e));
  const show = (v: unknown) => {
    const s = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
    return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
  };
  const diff = (path: string, msg: string) => {
    if (diffs.length < o.max) diffs.push(`${path || '<root>'}: ${msg}`);
  };

  const cmp = (a: unknown, e: unknown, path: string): void => {
    if (diffs.length >= o.max) return;
    if (typeof e === 'number') {
      if (typeof a !== 'number') return diff(path, `expected ${show(e)}, got ${show(a)}`);
      const exact = Number.isInteger(a) && Number.isInteger(e);
      if (exact ? a !== e : !close(a, e, o.rtol)) diff(path, `expected ${show(e)}, got ${show(a)}`);
      return;
    }
    if (typeof e === 'string') {
      if (a === e) return;
      // A big integer may come back as a number when it is exactly representable.
      if (/^-?\d+$/.test(e) && typeof a === 'number' && Number.isInteger(a) && BigInt(a) === BigInt(e)) return;
      return diff(path, `expected ${show(e)}, got ${show(a)}`);
    }
    if (e === null || typeof e === 'boolean') {
      if (a !== e) diff(path, `expected ${show(e)}, got ${show(a)}`);
      return;
    }
    if (Array.isArray(e)) {
      if (!Array.isArray(a)) return diff(path, `expected a list of ${e.length}, got ${show(a)}`);
      if (a.length !== e.length) return diff(path, `expected ${e.length} items, got ${a.length}`);
      for (let i = 0; i < e.length; i++) cmp(a[i], e[i], `${path}[${i}]`);
      return;
    }
    if (typeof e === 'object') {
      const eo = e as Record<string, unknown>;
      if ('$unserialisable' in eo) return; // the oracle could not encode it: nothing to compare
      if ('error' in eo && Object.keys(eo).every((k) => k === 'error' || eo[k] === null)) {
        // h5py failed here ({error} or e.g. {$ref: null, error}): so must we (the messages differ).
        if (!(a && typeof a === 'object' && 'error' in a)) diff(path, `expected an error (${show(eo.error)}), got ${show(a)}`);
        return;
      }
      if (isSummary(eo) && Array.isArray(a)) return summary(a, eo, path);
      if (typeof a !== 'object' || a === null || Array.isArray(a)) return diff(path, `expected ${show(e)}, got ${show(a)}`);
      const ao = a as Record<string, unknown>;
      for (const k of Object.keys(eo)) {
        if (!(k in ao)) diff(`${path}.${k}`, `missing (expected ${show(eo[k])})`);
        else cmp(ao[k], eo[k], `${path}.${k}`);
      }
      for (const k of Object.keys(ao)) if (!(k in eo)) diff(`${path}.${k}`, `unexpected ${show(ao[k])}`);
      return;
    }
    diff(path, `cannot compare with ${show(e)}`);
  };

  const summary = (a: unknown[], e: Record<string, unknown>, path: string) => {
    const first = e.first as unknown[];
    const levels = o.depth ?? depthOf(a) - Math.max(0, depthOf(first) - 1);
    const flat = flatten(a, levels);
    cmp(flat.slice(0, first.length), first, `${path}.first`);
    const last = e.last as unknown[];
    cmp(flat.slice(Math.max(0, flat.length - last.length)), last, `${path}.last`);
    const nums = flat.map(numeric);
    if ('nan_count' in e) cmp(nums.filter(Number.isNaN).length, e.nan_count, `${path}.nan_count`);
    if ('sum' in e) {
      const s = nums.reduce((acc, v) => (Number.isNaN(v) ? acc : acc + v), 0);
      const es = numeric(e.sum);
      if (!close(s, es, o.sumRtol)) diff(`${path}.sum`, `expected ${show(e.sum)}, got ${s}`);
    }
    for (const [key, pick] of [
      ['min', (x: number, y: number) => x < y],
      ['max', (x: number, y: number) => x > y],
    ] as const) {
      if (!(key in e)) continue;
      // Compare extremes in the data's own encoding, so big integers stay exact.
      let best: unknown = undefined;
      for (const v of flat) {
        const n = numeric(v);
        if (Number.isNaN(n)) continue;
        if (best === undefined) best = v;
        else if (typeof v === 'string' && typeof best === 'string' && /^-?\d+$/.test(v) && /^-?\d+$/.test(best)) {
          if (key === 'min' ? BigInt(v) < BigInt(best) : BigInt(v) > BigInt(best)) best = v;
        } else if (pick(n, numeric(best))) best = v;
      }
      const ev = e[key];
      if (typeof best === 'boolean') best = best ? 1 : 0;
      if (typeof ev === 'number' && typeof best === 'string' && !SPECIAL.has(best)) best = Number(best);
      cmp(best, ev, `${path}.${key}`);
    }
    if (e.field_sums && typeof e.field_sums === 'object') {
      for (const [k, ev] of Object.entries(e.field_sums as Record<string, unknown>)) {
        const s = flat.reduce<number>((acc, rec) => {
          const v = numeric((rec as Record<string, unknown>)?.[k]);
          return Number.isNaN(v) ? acc : acc + v;
        }, 0);
        if (!close(s, numeric(ev), o.sumRtol)) diff(`${path}.field_sums.${k}`, `expected ${show(ev)}, got ${s}`);
      }
    }
  };

  cmp(actual, expected, '');
  return diffs;
}

// ---------------------------------------------------------------------------------------------
// Oracle h5type -> Datatype

/**
 * Builds the Datatype an oracle `h5type` describes. h5py reports compounds in the library's
 * in-memory layout, where a variable-length member takes 8 (string) or 16 (sequence) bytes
 * instead of the file's 4 + offsets + 4, and later members shift by the difference; the file
 * layout is recovered by undoing those shifts.
 */
export function datatypeFromH5type(h: any, sizeOfOffsets: number): Datatype {
  const O = sizeOfOffsets;
  const order = (x: string): '<' | '>' => (x === '>' ? '>' : '<');
  switch (h.class) {
    case 'integer':
      return { class: 'integer', size: h.size, order: order(h.order), signed: h.signed, bitOffset: h.bit_offset, precision: h.precision };
    case 'bitfield':
      return { class: 'bitfield', size: h.size, order: order(h.order), bitOffset: h.bit_offset ?? 0, precision: h.precision ?? h.size * 8 };
    case 'time':
      return { class: 'time', size: h.size, order: order(h.order), precision: h.precision ?? h.size * 8 };
    case 'complex':
      return { class: 'complex', size: h.size, base: datatypeFromH5type(h.base, O) as Extract<Datatype, { class: 'float' }> };
    case 'float': {
      // The oracle does not record the normalization: x87 extended stores its leading bit, which
      // libhdf5 describes as normalization 0 (none); the others imply it.
      const x87 = h.mant_size === 64 && h.exp_size === 15;
      return {
        class: 'float',
        size: h.size,
        order: h.order === '?' ? 'vax' : order(h.order),
        bitOffset: h.bit_offset,
        precision: h.precision,
        signLocation: h.sign_pos,
        exponentLocation: h.exp_pos,
        exponentSize: h.exp_size,
        mantissaLocation: h.mant_pos,
        mantissaSize: h.mant_size,
        exponentBias: h.exp_bias,
        mantissaNormalization: x87 ? 0 : 2,
        padding: 0,
      };
    }
    case 'string':
      if (h.variable) {
        return {
          class: 'vlen',
          size: 4 + O + 4,
          kind: 'string',
          base: { class: 'integer', size: 1, order: '<', signed: false, bitOffset: 0, precision: 8 },
          padding: h.padding,
          charset: h.charset,
        };
      }
      return { class: 'string', size: h.size, padding: h.padding, charset: h.charset };
    case 'opaque':
      return { class: 'opaque', size: h.size, tag: h.tag ?? '' };
    case 'reference':
      return { class: 'reference', size: h.kind === 'region' ? O + 4 : O, kind: h.kind };
    case 'vlen_sequence':
      return { class: 'vlen', size: 4 + O + 4, kind: 'sequence', base: datatypeFromH5type(h.base, O), padding: 'nullterm', charset: 'ascii' };
    case 'enum':
      return {
        class: 'enum',
        size: h.size,
        base: datatypeFromH5type(h.base, O),
        members: Object.entries(h.members as Record<string, number>).map(([name, value]) => ({ name, value })),
      };
    case 'array': {
      const base = datatypeFromH5type(h.base, O);
      return { class: 'array', size: (h.dims as number[]).reduce((a, b) => a * b, 1) * base.size, dims: h.dims, base };
    }
    case 'compound': {
      // h5py reports the in-memory layout (see memorySize): undo each member's size change.
      let shift = 0;
      const members = (h.members as any[]).map((m) => {
        const type = datatypeFromH5type(m.type, O);
        const member = { name: m.name as string, offset: (m.offset as number) + shift, type };
        shift += type.size - memorySize(type);
        return member;
      });
      return { class: 'compound', size: h.size + shift, members };
    }
  }
  throw new Error(`unknown h5type class ${h.class}`);
}

// ---------------------------------------------------------------------------------------------
// The real datatypes and compact attributes of a file (helper A's decoders)

export interface OpenedFile {
  ctx: FormatContext;
  /** The file's shared object header message table, fetched on first use. */
  sohm: () => Promise<SohmTable | null>;
}

/** A FormatContext from the file's superblock. */
export async function openFile(source: ByteSource, limits: Limits): Promise<OpenedFile> {
  const sb = await readSuperblock(source, { limits });
  const ctx: FormatContext = {
    source,
    baseAddress: sb.baseAddress,
    sizeOfOffsets: sb.sizeOfOffsets,
    sizeOfLengths: sb.sizeOfLengths,
    limits,
    parsed: new Map(),
  };
  let table: Promise<SohmTable | null> | undefined;
  return { ctx, sohm: () => (table ??= readFileSohmTable(ctx, sb)) };
}

/** The datatype message of the object header at `address` (shared/committed types resolved), or null. */
export async function objectDatatype(f: OpenedFile, address: number): Promise<Datatype | null> {
  const oh = await readObjectHeader(f.ctx, address);
  const msg = findMessages(oh, MessageType.DATATYPE)[0];
  if (!msg) return null;
  const r = await resolveSharedMessage(f.ctx, msg, f.sohm);
  return decodeDatatypeMessage(r.body, r.address);
}

/** The attributes stored in the object header itself (compact storage), decoded but with raw values. */
export async function compactAttributes(f: OpenedFile, address: number): Promise<AttributeMessage[]> {
  const oh = await readObjectHeader(f.ctx, address);
  const out: AttributeMessage[] = [];
  for (const msg of findMessages(oh, MessageType.ATTRIBUTE)) {
    const r = await resolveSharedMessage(f.ctx, msg, f.sohm);
    out.push(decodeAttributeMessage(r.body, f.ctx, r.address));
  }
  return out;
}
