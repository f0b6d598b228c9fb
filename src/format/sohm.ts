import { H5Error } from '../errors.js';
import { readBTreeV2Header, readBTreeV2Records, type BTreeV2Record } from './btree-v2.js';
import { verifyChecksum } from './checksum.js';
import { memo, readAt, type FormatContext } from './context.js';
import { cursor, readAddress, signature, u16, u32, u8, uint, bytes } from './cursor.js';
import { readFractalHeapHeader, readHeapObjects } from './fractal-heap.js';
import { decodeSohmTable } from './messages/extension.js';
import { findMessages, readObjectHeader } from './object-header.js';
import type { Superblock } from './superblock.js';
import { MessageType } from './types.js';

/**
 * Shared object header messages (spec III.H): a table ('SMTB', named by the superblock
 * extension's shared message table message) of indexes, one per group of message types. Each
 * index is a list ('SMLI') or a v2 B-tree (record type 7) of the shared messages, and has its
 * own fractal heap holding the encoded messages. An object header refers to a shared message
 * by its 8-byte fractal heap ID.
 */

export interface SohmIndex {
  version: number;
  kind: 'list' | 'btree';
  /** Message types stored in this index (from the H5O_SHMESG_*_FLAG bits in messageTypeFlags). */
  messageTypes: number[];
  messageTypeFlags: number;
  minMessageSize: number;
  /** Above this many messages a list becomes a B-tree; below btreeMin a B-tree becomes a list. */
  listMax: number;
  btreeMin: number;
  messageCount: number;
  indexAddress: number | null;
  heapAddress: number | null;
}

export interface SohmTable {
  address: number;
  indexes: SohmIndex[];
}

/** One shared message as an index records it. */
export type SohmRecord =
  | { location: 'heap'; hash: number; refCount: number; heapId: Uint8Array }
  | { location: 'object-header'; hash: number; messageType: number; index: number; objectHeaderAddress: number };

/**
 * An index's message type flags (H5O_SHMESG_*_FLAG) are 1 << message type: 0x2 dataspace, 0x8 datatype,
 * 0x20 fill value, 0x800 filter pipeline, 0x1000 attribute; all of them is 0x182a (H5O_SHMESG_ALL_FLAG).
 */
const SHAREABLE_TYPES = [MessageType.DATASPACE, MessageType.DATATYPE, MessageType.FILL_VALUE, MessageType.FILTER_PIPELINE, MessageType.ATTRIBUTE];
const ALL_FLAGS = 0x182a;

/** The library allows at most 8 indexes (H5O_SHMESG_MAX_NINDEXES). */
const MAX_INDEXES = 8;
/** Bytes of a SOHM fractal heap ID (H5O_FHEAP_ID_LEN). */
export const SOHM_HEAP_ID_LENGTH = 8;

export function readSohmTable(ctx: FormatContext, address: number, indexCount: number): Promise<SohmTable> {
  return memo(ctx, 'sohm-table', address, async () => {
    const at = ctx.baseAddress + address;
    if (indexCount < 1 || indexCount > MAX_INDEXES) {
      throw new H5Error('Corrupt', `shared message table with ${indexCount} indexes`, { offset: at });
    }
    const O = ctx.sizeOfOffsets;
    const entrySize = 1 + 1 + 2 + 4 + 2 + 2 + 2 + 2 * O;
    const size = 4 + indexCount * entrySize + 4;
    const buf = await readAt(ctx, address, size, 'shared message table');
    verifyChecksum(buf, size - 4, 'shared message table', at);
    const c = cursor(buf, ctx.baseAddress + address);
    signature(c, 'SMTB', 'shared message table');
    const indexes: SohmIndex[] = [];
    for (let i = 0; i < indexCount; i++) {
      const version = u8(c);
      const kindByte = u8(c);
      if (version !== 0) throw new H5Error('Unsupported', `shared message index version ${version}`, { offset: at });
      if (kindByte > 1) throw new H5Error('Corrupt', `shared message index type ${kindByte}`, { offset: at });
      const messageTypeFlags = u16(c);
      // H5Pset_shared_mesg_index refuses only flags numerically above ALL_FLAGS, so bits of types
      // that cannot be shared (0x1f, say) occur in real files; they select nothing.
      if (messageTypeFlags > ALL_FLAGS) {
        throw new H5Error('Corrupt', `shared message index type flags 0x${messageTypeFlags.toString(16)}`, { offset: at });
      }
      const messageTypes = SHAREABLE_TYPES.filter((t) => messageTypeFlags & (1 << t));
      const minMessageSize = u32(c);
      const listMax = u16(c);
      const btreeMin = u16(c);
      const messageCount = u16(c);
      const indexAddress = readAddress(c, O);
      const heapAddress = readAddress(c, O);
      indexes.push({
        version,
        kind: kindByte === 0 ? 'list' : 'btree',
        messageTypes,
        messageTypeFlags,
        minMessageSize,
        listMax,
        btreeMin,
        messageCount,
        indexAddress,
        heapAddress,
      });
    }
    return { address, indexes };
  });
}

/** The file's SOHM table, found through the superblock extension (null when the file has none). */
export async function readFileSohmTable(ctx: FormatContext, sb: Pick<Superblock, 'extensionAddress'>): Promise<SohmTable | null> {
  if (sb.extensionAddress === null) return null;
  const ext = await readObjectHeader(ctx, sb.extensionAddress);
  const msg = findMessages(ext, MessageType.SOHM_TABLE)[0];
  if (!msg) return null;
  const t = decodeSohmTable(msg.body, ctx, msg.address);
  return readSohmTable(ctx, t.tableAddress, t.indexCount);
}

function sohmFlagOf(messageType: number): number {
  // The old fill value message shares the fill value index (H5SM__type_to_flag).
  const t = messageType === MessageType.FILL_VALUE_OLD ? MessageType.FILL_VALUE : messageType;
  return SHAREABLE_TYPES.includes(t as (typeof SHAREABLE_TYPES)[number]) ? 1 << t : 0;
}

/** The index holding messages of `messageType`. */
export function sohmIndexFor(table: SohmTable, messageType: number): SohmIndex | undefined {
  const flag = sohmFlagOf(messageType);
  return flag ? table.indexes.find((ix) => ix.messageTypeFlags & flag) : undefined;
}

/** The encoded message a SOHM heap ID names, from the fractal heap of the index for its type. */
export async function readSohmMessage(ctx: FormatContext, table: SohmTable, messageType: number, heapId: Uint8Array): Promise<Uint8Array> {
  const index = sohmIndexFor(table, messageType);
  if (!index) {
    throw new H5Error('Corrupt', `shared message of type ${messageType} but no shared message index holds that type`, {
      offset: ctx.baseAddress + table.address,
    });
  }
  if (index.heapAddress === null) {
    throw new H5Error('Corrupt', 'shared message index has no fractal heap', { offset: ctx.baseAddress + table.address });
  }
  const heap = await readFractalHeapHeader(ctx, index.heapAddress);
  const [body] = await readHeapObjects(ctx, heap, [heapId]);
  return body!;
}

/** Every record of one index: the list is read whole, the B-tree breadth-first. */
export async function readSohmIndexRecords(ctx: FormatContext, index: SohmIndex): Promise<SohmRecord[]> {
  if (index.indexAddress === null || index.messageCount === 0) return [];
  if (index.kind === 'btree') {
    const header = await readBTreeV2Header(ctx, index.indexAddress);
    if (header.type !== 7) {
      throw new H5Error('Corrupt', `shared message index B-tree has record type ${header.type}`, { offset: ctx.baseAddress + header.address });
    }
    const records = await readBTreeV2Records(ctx, header);
    return records.map((r) => fromBTreeRecord(r));
  }
  return readSohmList(ctx, index);
}

function fromBTreeRecord(r: BTreeV2Record): SohmRecord {
  if (r.type !== 7) throw new H5Error('Corrupt', `shared message index holds a type ${r.type} record`);
  if (r.location === 'heap') return { location: 'heap', hash: r.hash, refCount: r.refCount, heapId: r.heapId };
  return { location: 'object-header', hash: r.hash, messageType: r.messageType, index: r.index, objectHeaderAddress: r.objectHeaderAddress };
}

/** A list index: 'SMLI', then messageCount fixed-size slots, then the checksum (room is reserved for listMax slots). */
function readSohmList(ctx: FormatContext, index: SohmIndex): Promise<SohmRecord[]> {
  const address = index.indexAddress!;
  return memo(ctx, 'sohm-list', address, async () => {
    const at = ctx.baseAddress + address;
    const O = ctx.sizeOfOffsets;
    // Slot: location (1), hash (4), then the larger of heap (ref count 4 + heap ID 8) and object header (1+1+2+O) forms.
    const slot = 1 + 4 + Math.max(4 + SOHM_HEAP_ID_LENGTH, 4 + O);
    if (index.messageCount > index.listMax) {
      throw new H5Error('Corrupt', `shared message list holds ${index.messageCount} of ${index.listMax} messages`, { offset: at });
    }
    // The block has room for listMax slots, but the checksum follows the used ones (H5SM__cache_list_verify_chksum).
    const size = 4 + index.messageCount * slot + 4;
    const buf = await readAt(ctx, address, size, 'shared message list');
    verifyChecksum(buf, size - 4, 'shared message list', at);
    const c = cursor(buf, ctx.baseAddress + address);
    signature(c, 'SMLI', 'shared message list');
    const out: SohmRecord[] = [];
    for (let i = 0; i < index.messageCount; i++) {
      c.pos = 4 + i * slot;
      const location = u8(c);
      const hash = u32(c);
      if (location === 0) {
        const refCount = u32(c);
        out.push({ location: 'heap', hash, refCount, heapId: bytes(c, SOHM_HEAP_ID_LENGTH).slice() });
      } else if (location === 1) {
        u8(c); // reserved
        const messageType = u8(c);
        const idx = u16(c);
        const objectHeaderAddress = uint(c, O, 'object header address');
        out.push({ location: 'object-header', hash, messageType, index: idx, objectHeaderAddress });
      } else {
        throw new H5Error('Corrupt', `shared message location ${location}`, { offset: at + c.pos });
      }
    }
    return out;
  });
}
