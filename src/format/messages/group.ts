import { H5Error } from '../../errors.js';
import type { FormatContext } from '../context.js';
import { cursor, readAddress, readDefinedAddress, u16, u64big, u8 } from '../cursor.js';

/**
 * Group messages: link info (IV.A.2.c, 0x0002) and group info (IV.A.2.k, 0x000A) of new-style
 * groups, and the symbol table message (IV.A.2.q, 0x0011) of old-style groups.
 */

export interface LinkInfo {
  /** Present when link creation order is tracked (flag bit 0). */
  maxCreationOrder?: number;
  /** Dense storage: the fractal heap of link messages (null for compact groups). */
  fractalHeapAddress: number | null;
  /** Dense storage: the v2 B-tree (type 5) indexing names. */
  nameIndexAddress: number | null;
  /** Present (possibly null) when creation order is indexed (flag bit 1): the v2 B-tree of type 6. */
  creationOrderIndexAddress: number | null;
  creationOrderTracked: boolean;
  creationOrderIndexed: boolean;
}

export function decodeLinkInfo(body: Uint8Array, ctx: FormatContext, address: number): LinkInfo {
  const at = ctx.baseAddress + address;
  const c = cursor(body, ctx.baseAddress + address);
  const version = u8(c);
  if (version !== 0) throw new H5Error('Unsupported', `link info message version ${version}`, { offset: at });
  const flags = u8(c);
  if (flags & ~0x03) throw new H5Error('Corrupt', `link info flags 0x${flags.toString(16)}`, { offset: at });
  let maxCreationOrder: number | undefined;
  if (flags & 1) {
    const v = u64big(c);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new H5Error('Corrupt', `maximum link creation index ${v}`, { offset: at });
    maxCreationOrder = Number(v);
  }
  const O = ctx.sizeOfOffsets;
  const fractalHeapAddress = readAddress(c, O);
  const nameIndexAddress = readAddress(c, O);
  const creationOrderIndexAddress = flags & 2 ? readAddress(c, O) : null;
  const out: LinkInfo = {
    fractalHeapAddress,
    nameIndexAddress,
    creationOrderIndexAddress,
    creationOrderTracked: (flags & 1) !== 0,
    creationOrderIndexed: (flags & 2) !== 0,
  };
  if (maxCreationOrder !== undefined) out.maxCreationOrder = maxCreationOrder;
  return out;
}

export interface GroupInfo {
  /** Link phase change: most links kept compact, fewest kept dense (flag bit 0). */
  maxCompact?: number;
  minDense?: number;
  /** Estimates for sizing a new group's local heap (flag bit 1). */
  estimatedEntries?: number;
  estimatedNameLength?: number;
}

export function decodeGroupInfo(body: Uint8Array, ctx: FormatContext, address: number): GroupInfo {
  const at = ctx.baseAddress + address;
  const c = cursor(body, ctx.baseAddress + address);
  const version = u8(c);
  if (version !== 0) throw new H5Error('Unsupported', `group info message version ${version}`, { offset: at });
  const flags = u8(c);
  if (flags & ~0x03) throw new H5Error('Corrupt', `group info flags 0x${flags.toString(16)}`, { offset: at });
  const out: GroupInfo = {};
  if (flags & 1) {
    out.maxCompact = u16(c);
    out.minDense = u16(c);
  }
  if (flags & 2) {
    out.estimatedEntries = u16(c);
    out.estimatedNameLength = u16(c);
  }
  return out;
}

export function decodeSymbolTableMessage(body: Uint8Array, ctx: FormatContext, address: number): { btreeAddress: number; heapAddress: number } {
  const c = cursor(body, ctx.baseAddress + address);
  const O = ctx.sizeOfOffsets;
  const btreeAddress = readDefinedAddress(c, O, 'symbol table B-tree');
  const heapAddress = readDefinedAddress(c, O, 'symbol table local heap');
  return { btreeAddress, heapAddress };
}
