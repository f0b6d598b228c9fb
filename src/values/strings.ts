/**
 * Fixed-length and variable-length strings. The padding rules reproduce what h5py returns, which
 * is what the HDF5 library's string conversion plus numpy make of the stored bytes:
 *  - nullterm: up to the first NUL;
 *  - nullpad: trailing NULs stripped (numpy), embedded NULs kept;
 *  - spacepad: trailing spaces stripped (the library's spacepad -> nullpad conversion), then trailing NULs.
 * Text is decoded as UTF-8 whatever the charset says (ASCII is a subset, and files labelled ASCII
 * often hold UTF-8); bytes that are not valid UTF-8 decode as Latin-1 and are marked undecodable.
 */
import type { StringPadding } from '../format/types.js';
import { markUndecodable } from './column.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** The end of the string's content within `b[start, end)` under a padding rule. */
export function contentEnd(b: Uint8Array, start: number, end: number, padding: StringPadding): number {
  if (padding === 'nullterm') {
    for (let i = start; i < end; i++) if (b[i] === 0) return i;
    return end;
  }
  let e = end;
  if (padding === 'spacepad') while (e > start && b[e - 1] === 0x20) e--;
  while (e > start && b[e - 1] === 0) e--;
  return e;
}

/**
 * Decodes `raw` as text into out[index]. ASCII-only bytes (the common case) skip the TextDecoder.
 */
function decodeInto(out: string[], index: number, raw: Uint8Array): void {
  let ascii = true;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    let s = '';
    // fromCharCode takes its arguments on the stack: chunk long strings.
    for (let i = 0; i < raw.length; i += 8192) s += String.fromCharCode(...raw.subarray(i, i + 8192));
    out[index] = s;
    return;
  }
  try {
    out[index] = utf8.decode(raw);
  } catch {
    out[index] = latin1.decode(raw);
    markUndecodable(out, index, raw);
  }
}

/** `count` fixed-length strings of `size` bytes each. */
export function decodeFixedStrings(bytes: Uint8Array, count: number, size: number, padding: StringPadding): string[] {
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const start = i * size;
    decodeInto(out, i, bytes.subarray(start, contentEnd(bytes, start, start + size, padding)));
  }
  return out;
}

/**
 * Variable-length strings from their heap objects (each already cut to its stored length).
 * h5py hands these over as C strings, so the text ends at the first NUL whatever the padding.
 */
export function decodeVlenStrings(objects: Uint8Array[]): string[] {
  const out = new Array<string>(objects.length);
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i]!;
    decodeInto(out, i, o.subarray(0, contentEnd(o, 0, o.length, 'nullterm')));
  }
  return out;
}
