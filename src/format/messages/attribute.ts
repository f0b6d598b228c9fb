import { H5Error } from '../../errors.js';
import type { FormatContext } from '../context.js';
import { cursor, readAddress, skip, u16, u8, uint } from '../cursor.js';
import type { AttributeMessage, Charset, Dataspace, Datatype } from '../types.js';
import { dataspaceElements, decodeDataspace } from './dataspace.js';
import { decodeDatatypeMessage } from './datatype.js';

/**
 * The attribute message (spec IV.A.2.m, type 0x000C). Version 1 pads the name, datatype and
 * dataspace to multiples of 8 bytes; versions 2 and 3 do not, and have flags saying the datatype
 * (bit 0) or dataspace (bit 1) is a shared-message body instead of the message itself;
 * version 3 adds the name's character set.
 */

/** Flag bit 0: the datatype part is a shared-message body. */
export const ATTR_SHARED_DATATYPE = 0x01;
/** Flag bit 1: the dataspace part is a shared-message body. */
export const ATTR_SHARED_DATASPACE = 0x02;

/** The parts of an attribute message body, before decoding. */
export interface AttributeParts {
  version: number;
  flags: number;
  charset: Charset;
  /** Name bytes without the NUL terminator. */
  name: string;
  datatype: Uint8Array;
  dataspace: Uint8Array;
  /** Offsets of the datatype and dataspace parts and of the value within the body. */
  datatypeOffset: number;
  dataspaceOffset: number;
  valueOffset: number;
}

const utf8 = new TextDecoder('utf-8');

/** Splits an attribute message body into its parts (no datatype/dataspace decoding). */
export function splitAttributeMessage(body: Uint8Array, ctx: FormatContext, address: number): AttributeParts {
  const at = ctx.baseAddress + address;
  const c = cursor(body, ctx.baseAddress + address);
  const version = u8(c);
  if (version < 1 || version > 3) throw new H5Error('Unsupported', `attribute message version ${version}`, { offset: at });
  const flags = version === 1 ? (skip(c, 1), 0) : u8(c);
  if (flags & ~0x03) throw new H5Error('Corrupt', `attribute message flags 0x${flags.toString(16)}`, { offset: at });
  const nameSize = u16(c);
  const datatypeSize = u16(c);
  const dataspaceSize = u16(c);
  let charset: Charset = 'ascii';
  if (version === 3) {
    const cs = u8(c);
    if (cs > 1) throw new H5Error('Unsupported', `attribute name character set ${cs}`, { offset: at });
    charset = cs === 1 ? 'utf-8' : 'ascii';
  }
  // Version 1 pads each part to a multiple of 8 bytes (H5O_ALIGN_OLD).
  const pad = (n: number) => (version === 1 ? Math.ceil(n / 8) * 8 : n);
  const nameOffset = c.pos;
  const datatypeOffset = nameOffset + pad(nameSize);
  const dataspaceOffset = datatypeOffset + pad(datatypeSize);
  const valueOffset = dataspaceOffset + pad(dataspaceSize);
  if (valueOffset > body.length) {
    throw new H5Error('Corrupt', `attribute parts (${valueOffset} bytes) exceed the ${body.length}-byte message`, { offset: at });
  }
  let nameBytes = body.subarray(nameOffset, nameOffset + nameSize);
  const nul = nameBytes.indexOf(0);
  if (nul >= 0) nameBytes = nameBytes.subarray(0, nul);
  return {
    version,
    flags,
    charset,
    name: utf8.decode(nameBytes),
    datatype: body.subarray(datatypeOffset, datatypeOffset + datatypeSize),
    dataspace: body.subarray(dataspaceOffset, dataspaceOffset + dataspaceSize),
    datatypeOffset,
    dataspaceOffset,
    valueOffset,
  };
}

/**
 * Decodes an attribute message. A shared datatype or dataspace inside it (v2/v3 flags) must be
 * resolved first: resolveSharedMessage does so (it rewrites the body), or pass the resolved parts.
 */
export function decodeAttributeMessage(
  body: Uint8Array,
  ctx: FormatContext,
  address: number,
  resolved?: { datatype?: Datatype; dataspace?: Dataspace; creationOrder?: number },
): AttributeMessage {
  const at = ctx.baseAddress + address;
  const p = splitAttributeMessage(body, ctx, address);
  let datatype = resolved?.datatype;
  if (!datatype) {
    if (p.flags & ATTR_SHARED_DATATYPE) {
      throw new H5Error('Invalid', `attribute "${p.name}" has a shared datatype: pass the message through resolveSharedMessage first`, { offset: at });
    }
    datatype = decodeDatatypeMessage(p.datatype, address + p.datatypeOffset, ctx);
  }
  let dataspace = resolved?.dataspace;
  if (!dataspace) {
    if (p.flags & ATTR_SHARED_DATASPACE) {
      throw new H5Error('Invalid', `attribute "${p.name}" has a shared dataspace: pass the message through resolveSharedMessage first`, { offset: at });
    }
    dataspace = decodeDataspace(p.dataspace, ctx, address + p.dataspaceOffset);
  }
  const n = dataspaceElements(dataspace, at);
  const valueSize = n * datatype.size;
  if (!Number.isSafeInteger(valueSize) || p.valueOffset + valueSize > body.length) {
    throw new H5Error('Corrupt', `attribute "${p.name}" value of ${valueSize} bytes exceeds its ${body.length}-byte message`, { offset: at });
  }
  const out: AttributeMessage = {
    name: p.name,
    datatype,
    dataspace,
    value: body.subarray(p.valueOffset, p.valueOffset + valueSize),
    valueAddress: address + p.valueOffset,
    charset: p.charset,
  };
  if (resolved?.creationOrder !== undefined) out.creationOrder = resolved.creationOrder;
  return out;
}

/** The attribute info message (spec IV.A.2.v, type 0x0015): where dense attribute storage lives. */
export function decodeAttributeInfo(
  body: Uint8Array,
  ctx: FormatContext,
  address: number,
): { maxCreationOrder?: number; fractalHeapAddress: number | null; nameIndexAddress: number | null; creationOrderIndexAddress: number | null } {
  const at = ctx.baseAddress + address;
  const c = cursor(body, ctx.baseAddress + address);
  const version = u8(c);
  if (version !== 0) throw new H5Error('Unsupported', `attribute info message version ${version}`, { offset: at });
  const flags = u8(c);
  // Bit 0: creation order tracked; bit 1: creation order indexed.
  if (flags & ~0x03) throw new H5Error('Corrupt', `attribute info flags 0x${flags.toString(16)}`, { offset: at });
  const O = ctx.sizeOfOffsets;
  const maxCreationOrder = flags & 1 ? uint(c, 2, 'maximum creation index') : undefined;
  const fractalHeapAddress = readAddress(c, O);
  const nameIndexAddress = readAddress(c, O);
  const creationOrderIndexAddress = flags & 2 ? readAddress(c, O) : null;
  const out: ReturnType<typeof decodeAttributeInfo> = { fractalHeapAddress, nameIndexAddress, creationOrderIndexAddress };
  if (maxCreationOrder !== undefined) out.maxCreationOrder = maxCreationOrder;
  return out;
}
