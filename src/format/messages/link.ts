import { H5Error } from '../../errors.js';
import type { FormatContext } from '../context.js';
import { bytes, cursor, decodeText, readDefinedAddress, u16, u64big, u8, uint } from '../cursor.js';
import type { Charset, Link } from '../types.js';

/**
 * A link name as the library can write it, or 'Corrupt': never empty, '.' or '..', never
 * containing '/'. A path splitter drops such components, so a group listing them would hand
 * back itself (or its parent) as its own member, and a walk would never end.
 */
export function checkLinkName(name: string, offset: number): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/')) {
    throw new H5Error('Corrupt', `link name ${JSON.stringify(name)} is not a valid name`, { offset });
  }
  return name;
}

/**
 * The link message (spec IV.A.2.g, type 0x0006): one link of a new-style (compact or dense)
 * group. Flags: bits 0-1 size of the name-length field (1, 2, 4, 8 bytes), bit 2 creation order
 * present, bit 3 link type present (else hard), bit 4 name character set present.
 */
export function decodeLinkMessage(body: Uint8Array, ctx: FormatContext, address: number): Link {
  const at = ctx.baseAddress + address;
  const c = cursor(body, ctx.baseAddress + address);
  const version = u8(c);
  if (version !== 1) throw new H5Error('Unsupported', `link message version ${version}`, { offset: at });
  const flags = u8(c);
  if (flags & ~0x1f) throw new H5Error('Corrupt', `link message flags 0x${flags.toString(16)}`, { offset: at });
  const linkType = flags & 0x08 ? u8(c) : 0;
  let creationOrder: number | undefined;
  if (flags & 0x04) {
    const v = u64big(c);
    // The library stores creation order as a signed 64-bit counter; beyond 2^53 it cannot be a real count.
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new H5Error('Corrupt', `link creation order ${v}`, { offset: at });
    creationOrder = Number(v);
  }
  let charset: Charset = 'ascii';
  if (flags & 0x10) {
    const cs = u8(c);
    if (cs > 1) throw new H5Error('Unsupported', `link name character set ${cs}`, { offset: at });
    charset = cs === 1 ? 'utf-8' : 'ascii';
  }
  const nameLength = uint(c, 1 << (flags & 0x03), 'link name length');
  // Names are UTF-8 or ASCII; decoding ASCII as UTF-8 is exact for valid ASCII.
  const name = checkLinkName(decodeText(bytes(c, nameLength), 'utf-8'), at);
  const common: { name: string; creationOrder?: number; charset: Charset } = { name, charset };
  if (creationOrder !== undefined) common.creationOrder = creationOrder;
  if (linkType === 0) {
    return { ...common, kind: 'hard', address: readDefinedAddress(c, ctx.sizeOfOffsets, `hard link "${name}"`) };
  }
  if (linkType === 1) {
    const len = u16(c);
    return { ...common, kind: 'soft', target: decodeText(bytes(c, len), 'utf-8') };
  }
  if (linkType === 64) {
    const len = u16(c);
    const data = bytes(c, len);
    if (len < 1) throw new H5Error('Corrupt', `external link "${name}" has no data`, { offset: at });
    // First byte: version (high nibble, 0) and flags (low nibble, 0); then two NUL-terminated strings.
    if (data[0]! >> 4 !== 0) {
      throw new H5Error('Unsupported', `external link "${name}" encoding version ${data[0]! >> 4}`, { offset: at });
    }
    const fileEnd = data.indexOf(0, 1);
    if (fileEnd < 0) throw new H5Error('Corrupt', `external link "${name}" file name is unterminated`, { offset: at });
    let pathEnd = data.indexOf(0, fileEnd + 1);
    if (pathEnd < 0) pathEnd = data.length;
    return {
      ...common,
      kind: 'external',
      file: decodeText(data.subarray(1, fileEnd), 'utf-8'),
      path: decodeText(data.subarray(fileEnd + 1, pathEnd), 'utf-8'),
    };
  }
  if (linkType >= 65) {
    const len = u16(c);
    return { ...common, kind: 'user', linkType, data: bytes(c, len).slice() };
  }
  // Types 2-63 are reserved for future built-in link classes.
  throw new H5Error('Corrupt', `link "${name}" has reserved link type ${linkType}`, { offset: at });
}
