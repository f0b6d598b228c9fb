import { H5Error } from '../../errors.js';
import type { FormatContext } from '../context.js';
import { cursor, decodeText, skip, u32, u8 } from '../cursor.js';
import { MessageType } from '../types.js';

/**
 * Small per-object messages: modification time (old IV.A.2.o, 0x000E, and new IV.A.2.r, 0x0012),
 * the object comment (IV.A.2.n, 0x000D) and the object reference count (IV.A.2.w, 0x0016).
 */

/**
 * Seconds since the Unix epoch (UTC). `type` picks the encoding: the new message (0x0012) is a
 * version byte, 3 reserved bytes and a 32-bit count; the old one (0x000E) is "YYYYMMDDhhmmss"
 * in ASCII followed by 2 reserved bytes.
 */
export function decodeModificationTime(body: Uint8Array, ctx: FormatContext, address: number, type: number = MessageType.MTIME): number {
  const at = ctx.baseAddress + address;
  if (type === MessageType.MTIME_OLD) {
    if (body.length < 14) throw new H5Error('Corrupt', 'old modification time message is shorter than 14 bytes', { offset: at });
    const s = decodeText(body.subarray(0, 14), 'ascii');
    const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
    if (!m) throw new H5Error('Corrupt', `old modification time "${s}" is not YYYYMMDDhhmmss`, { offset: at });
    const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
    return Date.UTC(y, mo - 1, d, h, mi, se) / 1000;
  }
  const c = cursor(body, ctx.baseAddress + address);
  const version = u8(c);
  if (version !== 1) throw new H5Error('Unsupported', `modification time message version ${version}`, { offset: at });
  skip(c, 3); // reserved
  return u32(c);
}

/** The object comment: a NUL-terminated ASCII string (the whole body if the NUL is missing). */
export function decodeComment(body: Uint8Array, _ctx?: FormatContext, _address?: number): string {
  const end = body.indexOf(0);
  return decodeText(end < 0 ? body : body.subarray(0, end), 'utf-8');
}

/** The object reference count (v2 object headers keep it here instead of in the prefix). */
export function decodeRefCount(body: Uint8Array, ctx: FormatContext, address: number): number {
  const c = cursor(body, ctx.baseAddress + address);
  const version = u8(c);
  if (version !== 0) throw new H5Error('Unsupported', `reference count message version ${version}`, { offset: ctx.baseAddress + address });
  return u32(c);
}
