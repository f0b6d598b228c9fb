import { cooperate } from '../cooperate.js';
import { H5Error } from '../errors.js';
import { verifyChecksum } from './checksum.js';
import { memo, readAt, type FormatContext } from './context.js';
import { cursor, readAddress, readLength, skip, u16, u32, u8, uint, type Cursor } from './cursor.js';
import { MessageType, type HeaderMessage, type ObjectHeader } from './types.js';

/**
 * Object headers (spec IV.A): version 1 (a 16-byte prefix, messages 8-byte aligned) and
 * version 2 ('OHDR' prefix, 'OCHK' continuation chunks, lookup3 checksums). Continuation
 * blocks named in one chunk are fetched together, one wave per level of continuation.
 */

/** Message flag bit 1: the body is a shared-message body (see shared-message.ts). */
export const MSG_FLAG_SHARED = 0x02;
/**
 * Message flag bit 3: fail on an unknown type when opening for write. A read-only reader
 * may ignore it (H5O_MSG_FLAG_FAIL_IF_UNKNOWN_AND_OPEN_FOR_WRITE).
 */
export const MSG_FLAG_FAIL_IF_UNKNOWN_WRITE = 0x08;
/** Message flag bit 5: software that did not know the type modified the object (H5O_MSG_FLAG_WAS_UNKNOWN). */
export const MSG_FLAG_WAS_UNKNOWN = 0x20;
/** Message flag bit 7: fail on an unknown type always (H5O_MSG_FLAG_FAIL_IF_UNKNOWN_ALWAYS). */
export const MSG_FLAG_FAIL_IF_UNKNOWN_ALWAYS = 0x80;

/**
 * The metadata cache image message (0x0018, HDF5 1.10, superblock extension only). Known here so
 * the extension's header parses; readSuperblockExtension refuses it, because metadata written
 * into a cache image is not at its home addresses.
 */
export const MESSAGE_TYPE_CACHE_IMAGE = 0x18;

/** Highest message type the library writes. */
const LAST_KNOWN_TYPE = MESSAGE_TYPE_CACHE_IMAGE;

/**
 * First read of a header: most dataset and group headers fit in 512 bytes, so one read usually
 * brings chunk 0 whole (v2 prefixes are at most 4+1+1+16+4+8 = 34 bytes). Where the file's headers
 * turn out larger, later first reads are sized by them (see firstReadSize).
 */
const FIRST_READ = 512;
/** The largest adaptive first read, and how many recent headers it looks back on. */
const MAX_FIRST_READ = 16 * 1024;
const RECENT_HEADERS = 64;

/** Per file (keyed by the context's shared parse cache): chunk-0 sizes of the headers read last. */
const recentSizes = new WeakMap<object, number[]>();

/**
 * The first read's size: FIRST_READ, or the largest chunk 0 among the file's last RECENT_HEADERS
 * headers when that is larger (rounded up to 64 bytes, at most MAX_FIRST_READ). A walk reads a
 * level's headers together, so headers like the siblings read before them come in one read
 * instead of two waves; it never goes below FIRST_READ, so a level of small headers after a
 * level of large ones costs bytes, not a wave.
 */
function firstReadSize(ctx: FormatContext): number {
  const sizes = recentSizes.get(ctx.parsed);
  if (!sizes?.length) return FIRST_READ;
  return Math.min(MAX_FIRST_READ, Math.max(FIRST_READ, Math.ceil(Math.max(...sizes) / 64) * 64));
}

function noteChunk0(ctx: FormatContext, size: number): void {
  let sizes = recentSizes.get(ctx.parsed);
  if (!sizes) recentSizes.set(ctx.parsed, (sizes = []));
  sizes.push(size);
  if (sizes.length > RECENT_HEADERS) sizes.shift();
}
/** The v1 prefix: version, reserved, message count, reference count, chunk size, 4 bytes to align to 8. */
const V1_PREFIX = 16;

export interface ObjectHeaderChunk {
  /** HDF5 address of the chunk's first byte (the 'OCHK' signature in v2; the messages in v1). */
  address: number;
  /** Bytes in the chunk (v2: including signature/prefix and checksum). */
  size: number;
}

/** An object header with the details only some callers need. */
export interface ObjectHeaderDetail extends ObjectHeader {
  chunks: ObjectHeaderChunk[];
  /** v2 flag bit 4: attribute storage phase change values (else the library defaults 8 / 6). */
  maxCompactAttributes?: number;
  minDenseAttributes?: number;
}

/**
 * The object header at `address`: all its chunks, checksums verified, NIL and unknown
 * messages dropped (an unknown message flagged "fail if unknown always" is 'Unsupported'),
 * memo'd per file.
 */
export function readObjectHeader(ctx: FormatContext, address: number): Promise<ObjectHeaderDetail> {
  return memo(ctx, 'object-header', address, async () => {
    const oh = await readObjectHeaderRaw(ctx, address);
    for (const m of oh.messages) {
      if (m.type > LAST_KNOWN_TYPE && m.flags & MSG_FLAG_FAIL_IF_UNKNOWN_ALWAYS) {
        throw new H5Error('Unsupported', `object header has unknown message type ${m.type} flagged "must understand"`, {
          offset: ctx.baseAddress + m.address,
        });
      }
    }
    return { ...oh, messages: oh.messages.filter((m) => m.type !== MessageType.NIL && m.type <= LAST_KNOWN_TYPE) };
  });
}

/** Every message of the given type, in header order. */
export function findMessages(oh: ObjectHeader, type: number): HeaderMessage[] {
  return oh.messages.filter((m) => m.type === type);
}

/**
 * The object header with every message as stored, NIL and unknown types included, in the
 * order the library loads them (chunk by chunk, continuations queued as they are met).
 * Not memo'd: for tools and tests; readers use readObjectHeader.
 */
export async function readObjectHeaderRaw(ctx: FormatContext, address: number): Promise<ObjectHeaderDetail> {
  const head = await readPrefix(ctx, address);
  if (head[0] === 0x4f && head[1] === 0x48 && head[2] === 0x44 && head[3] === 0x52) return readV2(ctx, address, head); // 'OHDR'
  if (head[0] === 1) return readV1(ctx, address, head);
  throw new H5Error('Corrupt', `no object header at address ${address} (first byte 0x${head[0]!.toString(16)})`, {
    offset: ctx.baseAddress + address,
    source: ctx.source.key,
  });
}

/** Up to firstReadSize() bytes: a short read is fine, a small header may sit at the very end of the file. */
async function readPrefix(ctx: FormatContext, address: number): Promise<Uint8Array> {
  await cooperate(ctx.signal);
  const abs = ctx.baseAddress + address;
  if (!Number.isSafeInteger(abs) || address < 0) {
    throw new H5Error('Corrupt', `object header at a bad address ${address}`, { offset: abs, source: ctx.source.key });
  }
  const out = await ctx.source.read(abs, firstReadSize(ctx), { signal: ctx.signal });
  // Enough to tell the versions apart; a shorter prefix field read below fails as 'Corrupt' by itself.
  if (out.length < 8) {
    throw new H5Error('Corrupt', `object header at address ${address} runs past the end of the file`, { offset: abs, source: ctx.source.key });
  }
  return out;
}

async function readV1(ctx: FormatContext, address: number, head: Uint8Array): Promise<ObjectHeaderDetail> {
  const c = cursor(head, ctx.baseAddress + address);
  skip(c, 2); // version, reserved
  u16(c); // message count: the library does not enforce it either (merged NIL messages change it)
  const referenceCount = u32(c);
  const chunk0Size = u32(c);
  const chunk0 = { address: address + V1_PREFIX, size: chunk0Size };
  noteChunk0(ctx, V1_PREFIX + chunk0Size);
  const bytes0 =
    V1_PREFIX + chunk0Size <= head.length
      ? head.subarray(V1_PREFIX, V1_PREFIX + chunk0Size)
      : await readAt(ctx, chunk0.address, chunk0Size, 'object header');
  const result: ObjectHeaderDetail = { address, version: 1, flags: 0, referenceCount, messages: [], chunks: [] };
  await walkChunks(ctx, result, { ...chunk0, bytes: bytes0 }, (chunk, isFirst) => parseChunkV1(ctx, chunk, isFirst));
  return result;
}

async function readV2(ctx: FormatContext, address: number, head: Uint8Array): Promise<ObjectHeaderDetail> {
  const abs = ctx.baseAddress + address;
  const c = cursor(head, ctx.baseAddress + address);
  skip(c, 4); // 'OHDR'
  const version = u8(c);
  if (version !== 2) throw new H5Error('Unsupported', `object header version ${version}`, { offset: abs });
  const flags = u8(c);
  // Bits 0-1 chunk-0 size width, 2 attribute creation order tracked, 3 indexed, 4 phase change values, 5 times.
  if (flags & 0xc0) throw new H5Error('Corrupt', `unknown object header flags 0x${flags.toString(16)}`, { offset: abs });
  const result: ObjectHeaderDetail = { address, version: 2, flags, referenceCount: 1, messages: [], chunks: [] };
  if (flags & 0x20) {
    const access = u32(c);
    const modification = u32(c);
    const change = u32(c);
    const birth = u32(c);
    result.times = { access, modification, change, birth };
  }
  if (flags & 0x10) {
    result.maxCompactAttributes = u16(c);
    result.minDenseAttributes = u16(c);
  }
  const size0 = uint(c, 1 << (flags & 0x03), 'object header chunk size');
  const prefix = c.pos;
  const total = prefix + size0 + 4;
  noteChunk0(ctx, total);
  const bytes0 = total <= head.length ? head.subarray(0, total) : await readAt(ctx, address, total, 'object header');
  await walkChunks(ctx, result, { address, size: total, bytes: bytes0 }, (chunk, isFirst) =>
    parseChunkV2(ctx, chunk, isFirst ? prefix : 4, isFirst, (flags & 0x04) !== 0),
  );
  for (const m of result.messages) {
    if (m.type === MessageType.REFCOUNT && !(m.flags & MSG_FLAG_SHARED)) {
      const rc = cursor(m.body, ctx.baseAddress + m.address);
      if (u8(rc) === 0) result.referenceCount = u32(rc);
    }
  }
  return result;
}

interface LoadedChunk extends ObjectHeaderChunk {
  bytes: Uint8Array;
}

/** A chunk's messages plus the continuation blocks it names. */
interface ParsedChunk {
  messages: HeaderMessage[];
  continuations: ObjectHeaderChunk[];
}

/**
 * Parses chunk 0, then every continuation block it names (fetched together), then theirs...
 * Each wave is one Promise.all; a block named twice is a cycle ('Corrupt').
 */
async function walkChunks(
  ctx: FormatContext,
  result: ObjectHeaderDetail,
  first: LoadedChunk,
  parse: (chunk: LoadedChunk, isFirst: boolean) => ParsedChunk,
): Promise<void> {
  const seen = new Set<number>([first.address]);
  let wave: LoadedChunk[] = [first];
  let isFirst = true;
  let continuations = 0;
  while (wave.length > 0) {
    const next: ObjectHeaderChunk[] = [];
    for (const chunk of wave) {
      const parsed = parse(chunk, isFirst);
      isFirst = false;
      result.chunks.push({ address: chunk.address, size: chunk.size });
      for (const m of parsed.messages) result.messages.push(m);
      if (result.messages.length > ctx.limits.maxHeaderMessages) {
        throw new H5Error('Limit', `object header has more than ${ctx.limits.maxHeaderMessages} messages`, {
          offset: ctx.baseAddress + result.address,
        });
      }
      for (const cont of parsed.continuations) {
        if (seen.has(cont.address)) {
          throw new H5Error('Corrupt', `object header continuation loops back to chunk at address ${cont.address}`, {
            offset: ctx.baseAddress + chunk.address,
          });
        }
        seen.add(cont.address);
        if (++continuations > ctx.limits.maxContinuations) {
          throw new H5Error('Limit', `object header has more than ${ctx.limits.maxContinuations} continuation blocks`, {
            offset: ctx.baseAddress + result.address,
          });
        }
        next.push(cont);
      }
    }
    wave = await Promise.all(
      next.map(async (n) => ({ ...n, bytes: await readAt(ctx, n.address, n.size, 'object header continuation block') })),
    );
  }
}

function continuationOf(ctx: FormatContext, c: Cursor, minSize: number): ObjectHeaderChunk {
  const at = c.base + c.pos;
  const address = readAddress(c, ctx.sizeOfOffsets);
  const size = readLength(c, ctx.sizeOfLengths);
  if (address === null) throw new H5Error('Corrupt', 'object header continuation has the undefined address', { offset: at });
  if (size < minSize) throw new H5Error('Corrupt', `object header continuation of ${size} bytes`, { offset: at });
  return { address, size };
}

/** v1 chunk: messages of type(2) size(2) flags(1) reserved(3) body, each 8-byte aligned. */
function parseChunkV1(ctx: FormatContext, chunk: LoadedChunk, _isFirst: boolean): ParsedChunk {
  const { bytes } = chunk;
  const out: ParsedChunk = { messages: [], continuations: [] };
  let pos = 0;
  while (pos + 8 <= bytes.length) {
    const c = cursor(bytes, ctx.baseAddress + chunk.address, pos);
    const type = u16(c);
    const size = u16(c);
    const flags = u8(c);
    skip(c, 3);
    const start = c.pos;
    if (start + size > bytes.length) {
      throw new H5Error('Corrupt', `object header message of ${size} bytes overruns its chunk`, { offset: ctx.baseAddress + chunk.address + pos });
    }
    const body = bytes.subarray(start, start + size);
    out.messages.push({ type, flags, body, address: chunk.address + start });
    if (type === MessageType.CONTINUATION) out.continuations.push(continuationOf(ctx, cursor(body, ctx.baseAddress + chunk.address + start), 0));
    // Version 1 keeps every message 8-byte aligned within its chunk (H5O_ALIGN_OLD).
    pos = start + Math.ceil(size / 8) * 8;
  }
  return out;
}

/**
 * v2 chunk: checksum over everything before it; messages of type(1) size(2) flags(1)
 * [creation order(2)] body; trailing bytes too few for a message header are a gap.
 */
function parseChunkV2(ctx: FormatContext, chunk: LoadedChunk, start: number, isFirst: boolean, creationOrder: boolean): ParsedChunk {
  const { bytes } = chunk;
  const abs = ctx.baseAddress + chunk.address;
  if (!isFirst) {
    if (bytes[0] !== 0x4f || bytes[1] !== 0x43 || bytes[2] !== 0x48 || bytes[3] !== 0x4b) {
      throw new H5Error('Corrupt', 'bad object header continuation signature: expected OCHK', { offset: abs });
    }
  }
  const end = bytes.length - 4;
  verifyChecksum(bytes, end, isFirst ? 'object header' : 'object header continuation block', abs);
  const headerSize = creationOrder ? 6 : 4;
  const out: ParsedChunk = { messages: [], continuations: [] };
  let pos = start;
  while (pos + headerSize <= end) {
    const c = cursor(bytes, ctx.baseAddress + chunk.address, pos);
    const type = u8(c);
    const size = u16(c);
    const flags = u8(c);
    const msg: HeaderMessage = { type, flags, body: bytes, address: 0 };
    if (creationOrder) msg.creationOrder = u16(c);
    const bodyStart = c.pos;
    if (bodyStart + size > end) {
      throw new H5Error('Corrupt', `object header message of ${size} bytes overruns its chunk`, { offset: abs + pos });
    }
    msg.body = bytes.subarray(bodyStart, bodyStart + size);
    msg.address = chunk.address + bodyStart;
    out.messages.push(msg);
    if (type === MessageType.CONTINUATION) {
      // A v2 continuation block holds at least its 'OCHK' signature and checksum.
      out.continuations.push(continuationOf(ctx, cursor(msg.body, ctx.baseAddress + msg.address), 8));
    }
    pos = bodyStart + size;
  }
  return out;
}
