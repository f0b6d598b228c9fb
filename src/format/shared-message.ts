import { H5Error } from '../errors.js';
import type { FormatContext } from './context.js';
import { bytes, cursor, readDefinedAddress, skip, u8 } from './cursor.js';
import { ATTR_SHARED_DATASPACE, ATTR_SHARED_DATATYPE, splitAttributeMessage } from './messages/attribute.js';
import { MSG_FLAG_SHARED, findMessages, readObjectHeader } from './object-header.js';
import { readSohmMessage, SOHM_HEAP_ID_LENGTH, type SohmTable } from './sohm.js';
import { MessageType, type HeaderMessage } from './types.js';

/**
 * Shared messages (spec IV.A.2, "shared message" bodies): a message whose flag bit 1 is set
 * holds not its body but where the body lives. Version 1: version, type, 6 reserved bytes, then
 * an old symbol table entry (a heap offset of sizeOfLengths bytes, then the object header address).
 * Version 2: version, type, address. Version 3: version, type, then for type 1 (SOHM) an 8-byte
 * fractal heap ID, for type 2 (committed) the object header address.
 */

export type SharedBody = { kind: 'sohm'; heapId: Uint8Array } | { kind: 'committed'; address: number };

/** H5O_SHARE_TYPE_SOHM and H5O_SHARE_TYPE_COMMITTED. */
const SHARE_TYPE_SOHM = 1;
const SHARE_TYPE_COMMITTED = 2;

/** A committed datatype is one hop away; anything deeper is a loop in hostile input. */
const MAX_SHARE_HOPS = 8;

export interface ResolvedHeaderMessage extends HeaderMessage {
  /** Where the body came from when the message was shared. */
  sharedFrom?: SharedBody;
}

export function decodeSharedBody(body: Uint8Array, ctx: FormatContext, address: number): SharedBody {
  const at = ctx.baseAddress + address;
  const c = cursor(body, ctx.baseAddress + address);
  const version = u8(c);
  const type = u8(c);
  if (version === 1) {
    skip(c, 6); // reserved
    skip(c, ctx.sizeOfLengths); // the symbol table entry's name offset: unused
    return { kind: 'committed', address: readDefinedAddress(c, ctx.sizeOfOffsets, 'shared message object header') };
  }
  if (version === 2) return { kind: 'committed', address: readDefinedAddress(c, ctx.sizeOfOffsets, 'shared message object header') };
  if (version !== 3) throw new H5Error('Unsupported', `shared message version ${version}`, { offset: at });
  if (type === SHARE_TYPE_SOHM) return { kind: 'sohm', heapId: bytes(c, SOHM_HEAP_ID_LENGTH).slice() };
  if (type === SHARE_TYPE_COMMITTED) return { kind: 'committed', address: readDefinedAddress(c, ctx.sizeOfOffsets, 'shared message object header') };
  throw new H5Error('Corrupt', `shared message type ${type}`, { offset: at });
}

/**
 * The real message behind `msg`. Unshared messages come back unchanged, except attribute
 * messages whose datatype or dataspace part is shared (v2/v3 flags): their body is rebuilt
 * with the real parts so decodeAttributeMessage can decode it. `sohm` supplies the file's
 * shared message table, fetched only when a message lives in the SOHM heap.
 */
export async function resolveSharedMessage(
  ctx: FormatContext,
  msg: HeaderMessage,
  sohm: () => Promise<SohmTable | null>,
): Promise<ResolvedHeaderMessage> {
  let out: ResolvedHeaderMessage = msg;
  if (msg.flags & MSG_FLAG_SHARED) out = await resolveBody(ctx, msg.type, msg, sohm, 0);
  if (out.type === MessageType.ATTRIBUTE) out = await resolveAttributeParts(ctx, out, sohm);
  return out;
}

async function resolveBody(
  ctx: FormatContext,
  type: number,
  msg: HeaderMessage,
  sohm: () => Promise<SohmTable | null>,
  hops: number,
): Promise<ResolvedHeaderMessage> {
  const at = ctx.baseAddress + msg.address;
  if (hops >= MAX_SHARE_HOPS) throw new H5Error('Corrupt', `shared message chain longer than ${MAX_SHARE_HOPS}`, { offset: at });
  const shared = decodeSharedBody(msg.body, ctx, msg.address);
  if (shared.kind === 'sohm') {
    const table = await sohm();
    if (!table) throw new H5Error('Corrupt', 'message shared in the SOHM heap, but the file has no shared message table', { offset: at });
    const body = await readSohmMessage(ctx, table, type, shared.heapId);
    const out: ResolvedHeaderMessage = { type, flags: msg.flags & ~MSG_FLAG_SHARED, body, address: msg.address, sharedFrom: shared };
    if (msg.creationOrder !== undefined) out.creationOrder = msg.creationOrder;
    return out;
  }
  const oh = await readObjectHeader(ctx, shared.address);
  const target = findMessages(oh, type)[0];
  if (!target) {
    throw new H5Error('Corrupt', `shared message points to object header ${shared.address}, which has no message of type ${type}`, {
      offset: at,
    });
  }
  const real = target.flags & MSG_FLAG_SHARED ? await resolveBody(ctx, type, target, sohm, hops + 1) : target;
  const out: ResolvedHeaderMessage = { type, flags: msg.flags & ~MSG_FLAG_SHARED, body: real.body, address: real.address, sharedFrom: shared };
  if (msg.creationOrder !== undefined) out.creationOrder = msg.creationOrder;
  return out;
}

/** Replaces shared datatype/dataspace parts of an attribute message with the real bodies. */
async function resolveAttributeParts(
  ctx: FormatContext,
  msg: ResolvedHeaderMessage,
  sohm: () => Promise<SohmTable | null>,
): Promise<ResolvedHeaderMessage> {
  const p = splitAttributeMessage(msg.body, ctx, msg.address);
  if (!(p.flags & (ATTR_SHARED_DATATYPE | ATTR_SHARED_DATASPACE))) return msg;
  const part = async (flag: number, type: number, raw: Uint8Array, offset: number) => {
    if (!(p.flags & flag)) return raw;
    const r = await resolveBody(ctx, type, { type, flags: MSG_FLAG_SHARED, body: raw, address: msg.address + offset }, sohm, 0);
    return r.body;
  };
  const [datatype, dataspace] = await Promise.all([
    part(ATTR_SHARED_DATATYPE, MessageType.DATATYPE, p.datatype, p.datatypeOffset),
    part(ATTR_SHARED_DATASPACE, MessageType.DATASPACE, p.dataspace, p.dataspaceOffset),
  ]);
  if (datatype.length > 0xffff || dataspace.length > 0xffff) {
    throw new H5Error('Unsupported', `attribute "${p.name}" has a shared part over 65535 bytes`, { offset: ctx.baseAddress + msg.address });
  }
  // Rebuild as an unpadded version 2/3 body (shared parts only exist from version 2 on).
  const head = headerLength(p.version);
  const nameBytes = msg.body.subarray(head, p.datatypeOffset);
  const value = msg.body.subarray(p.valueOffset);
  const out = new Uint8Array(head + nameBytes.length + datatype.length + dataspace.length + value.length);
  out[0] = p.version;
  out[1] = p.flags & ~(ATTR_SHARED_DATATYPE | ATTR_SHARED_DATASPACE);
  const dv = new DataView(out.buffer);
  dv.setUint16(2, nameBytes.length, true);
  dv.setUint16(4, datatype.length, true);
  dv.setUint16(6, dataspace.length, true);
  if (p.version === 3) out[8] = p.charset === 'utf-8' ? 1 : 0;
  let pos = head;
  for (const part of [nameBytes, datatype, dataspace, value]) {
    out.set(part, pos);
    pos += part.length;
  }
  // The rebuilt body no longer maps byte-for-byte onto the file: `address` stays the message's own, for errors.
  return { ...msg, body: out };
}

/** Bytes before the name in a version 2 (8) or 3 (9, with the charset) attribute message. */
function headerLength(version: number): number {
  return version === 3 ? 9 : 8;
}
