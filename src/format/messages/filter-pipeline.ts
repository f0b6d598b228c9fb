import { H5Error } from '../../errors.js';
import type { FormatContext } from '../context.js';
import { bytes, cursor, decodeText, skip, u16, u32, u8 } from '../cursor.js';
import type { FilterSpec } from '../types.js';

/** The library's limit on filters in one pipeline (H5Z_MAX_NFILTERS). */
const MAX_FILTERS = 32;

/**
 * The filter pipeline message (spec IV.A.2.l, type 0x000B). Version 1 pads names to 8 bytes
 * and pads odd client-data counts with 4 bytes; version 2 stores a name only for ids >= 256
 * (the predefined filters 1-255 are known by number).
 */
export function decodeFilterPipeline(body: Uint8Array, ctx: FormatContext, address: number): FilterSpec[] {
  const c = cursor(body, ctx.baseAddress + address);
  const at = ctx.baseAddress + address;
  const version = u8(c);
  const n = u8(c);
  if (version !== 1 && version !== 2) throw new H5Error('Unsupported', `filter pipeline message version ${version}`, { offset: at });
  if (n > MAX_FILTERS) throw new H5Error('Corrupt', `filter pipeline with ${n} filters`, { offset: at });
  if (version === 1) skip(c, 6); // reserved
  const out: FilterSpec[] = [];
  for (let i = 0; i < n; i++) {
    const id = u16(c);
    const hasName = version === 1 || id >= 256;
    const nameLength = hasName ? u16(c) : 0;
    const flags = u16(c);
    const count = u16(c);
    if (version === 1 && nameLength % 8 !== 0) {
      throw new H5Error('Corrupt', `filter name length ${nameLength} is not a multiple of 8`, { offset: at });
    }
    const spec: FilterSpec = { id, flags, clientData: [] };
    if (nameLength > 0) {
      const raw = bytes(c, nameLength);
      const end = raw.indexOf(0);
      spec.name = decodeText(end < 0 ? raw : raw.subarray(0, end), 'ascii');
    }
    for (let k = 0; k < count; k++) spec.clientData.push(u32(c));
    if (version === 1 && count % 2 === 1) skip(c, 4); // pads the client data to 8 bytes
    out.push(spec);
  }
  return out;
}
