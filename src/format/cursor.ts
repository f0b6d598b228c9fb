import { H5Error } from '../errors.js';

/**
 * A read position over a byte buffer, with free functions to decode little-endian fields.
 * `base` is the HDF5 address of bytes[0], so errors can name the file offset involved.
 */
export interface Cursor {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos: number;
  readonly base: number;
}

export function cursor(bytes: Uint8Array, base = 0, pos = 0): Cursor {
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), pos, base };
}

/** The HDF5 "undefined address" (all bits set) decodes to this, in one place: readAddress. */
export const UNDEFINED_ADDRESS = null;

function need(c: Cursor, n: number, what: string): void {
  if (n < 0 || c.pos + n > c.bytes.length) {
    throw new H5Error('Corrupt', `truncated ${what}: need ${n} bytes at position ${c.pos} of ${c.bytes.length}`, {
      offset: c.base + c.pos,
    });
  }
}

export function remaining(c: Cursor): number {
  return c.bytes.length - c.pos;
}

export function skip(c: Cursor, n: number): void {
  need(c, n, 'skip');
  c.pos += n;
}

export function u8(c: Cursor): number {
  need(c, 1, 'u8');
  return c.bytes[c.pos++]!;
}

export function u16(c: Cursor): number {
  need(c, 2, 'u16');
  const v = c.view.getUint16(c.pos, true);
  c.pos += 2;
  return v;
}

export function u32(c: Cursor): number {
  need(c, 4, 'u32');
  const v = c.view.getUint32(c.pos, true);
  c.pos += 4;
  return v;
}

export function i32(c: Cursor): number {
  need(c, 4, 'i32');
  const v = c.view.getInt32(c.pos, true);
  c.pos += 4;
  return v;
}

export function u64big(c: Cursor): bigint {
  need(c, 8, 'u64');
  const v = c.view.getBigUint64(c.pos, true);
  c.pos += 8;
  return v;
}

/**
 * An unsigned little-endian integer of `size` bytes (1..8) as a number; values beyond
 * Number.MAX_SAFE_INTEGER are a 'Corrupt' error rather than a silently rounded offset.
 */
export function uint(c: Cursor, size: number, what = 'integer'): number {
  need(c, size, what);
  let v = 0;
  let mul = 1;
  for (let i = 0; i < size; i++) {
    v += c.bytes[c.pos + i]! * mul;
    mul *= 256;
  }
  if (!Number.isSafeInteger(v)) {
    throw new H5Error('Corrupt', `${what} does not fit in 53 bits`, { offset: c.base + c.pos });
  }
  c.pos += size;
  return v;
}

/** True when the next `size` bytes are all 0xFF: the HDF5 undefined address / length. */
export function isUndefinedAt(c: Cursor, size: number): boolean {
  need(c, size, 'address');
  for (let i = 0; i < size; i++) if (c.bytes[c.pos + i] !== 0xff) return false;
  return true;
}

/** An address of `size` bytes; the undefined address (all ones) becomes null. */
export function readAddress(c: Cursor, size: number): number | null {
  if (isUndefinedAt(c, size)) {
    c.pos += size;
    return UNDEFINED_ADDRESS;
  }
  return uint(c, size, 'address');
}

/** An address that must be defined. */
export function readDefinedAddress(c: Cursor, size: number, what: string): number {
  const at = c.base + c.pos;
  const a = readAddress(c, size);
  if (a === null) throw new H5Error('Corrupt', `${what} has the undefined address`, { offset: at });
  return a;
}

/** A length field of `size` bytes. */
export function readLength(c: Cursor, size: number): number {
  return uint(c, size, 'length');
}

export function bytes(c: Cursor, n: number): Uint8Array {
  need(c, n, 'bytes');
  const out = c.bytes.subarray(c.pos, c.pos + n);
  c.pos += n;
  return out;
}

/** Checks a 4-byte ASCII signature such as 'OHDR'. */
export function signature(c: Cursor, sig: string, what: string): void {
  const at = c.base + c.pos;
  need(c, sig.length, what);
  for (let i = 0; i < sig.length; i++) {
    if (c.bytes[c.pos + i] !== sig.charCodeAt(i)) {
      throw new H5Error('Corrupt', `bad ${what} signature: expected ${sig}`, { offset: at });
    }
  }
  c.pos += sig.length;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const latin1 = new TextDecoder('latin1');

/** A NUL-terminated string starting at the cursor; the cursor moves past the NUL. */
export function cstring(c: Cursor, what = 'string'): string {
  const start = c.pos;
  const end = c.bytes.indexOf(0, start);
  if (end < 0) throw new H5Error('Corrupt', `unterminated ${what}`, { offset: c.base + start });
  c.pos = end + 1;
  return utf8.decode(c.bytes.subarray(start, end));
}

/** Decodes bytes as UTF-8 (default) or ASCII/latin1. */
export function decodeText(b: Uint8Array, charset: 'ascii' | 'utf-8' = 'utf-8'): string {
  return charset === 'utf-8' ? utf8.decode(b) : latin1.decode(b);
}

/** Advances to the next multiple of `n` relative to `from` (default: start of buffer). */
export function align(c: Cursor, n: number, from = 0): void {
  const rel = c.pos - from;
  const pad = (n - (rel % n)) % n;
  skip(c, pad);
}
