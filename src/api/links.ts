/**
 * A group's links, whichever of the three ways the file stores them: an old-style symbol table
 * (v1 B-tree + local heap + symbol table nodes), link messages in the header (compact), or a
 * fractal heap indexed by v2 B-trees (dense).
 */
import { H5Error } from '../errors.js';
import { lookup3 } from '../format/checksum.js';
import type { FormatContext } from '../format/context.js';
import { findBTreeV2Records, readBTreeV2Header, readBTreeV2Records, type BTreeV2Record } from '../format/btree-v2.js';
import { readFractalHeapHeader, readHeapObjects } from '../format/fractal-heap.js';
import { localHeapString, readLocalHeap } from '../format/local-heap.js';
import { decodeLinkMessage } from '../format/messages/link.js';
import { decodeLinkInfo, decodeSymbolTableMessage, type LinkInfo } from '../format/messages/group.js';
import { findMessages } from '../format/object-header.js';
import { lookupSymbolTable, readGroupSymbolTable, type SymbolTableEntry } from '../format/symbol-table.js';
import { MessageType, type Link, type ObjectHeader } from '../format/types.js';

const utf8 = new TextEncoder();

/** How a group stores its links. */
export type LinkStorage = 'symbol_table' | 'compact' | 'dense';

export function linkStorage(ctx: FormatContext, oh: ObjectHeader): LinkStorage {
  if (findMessages(oh, MessageType.SYMBOL_TABLE).length) return 'symbol_table';
  const info = linkInfoOf(oh, ctx);
  return info && info.fractalHeapAddress !== null ? 'dense' : 'compact';
}

function linkInfoOf(oh: ObjectHeader, ctx: FormatContext): LinkInfo | null {
  const m = findMessages(oh, MessageType.LINK_INFO)[0];
  return m ? decodeLinkInfo(m.body, ctx, m.address) : null;
}

function symbolEntryLink(ctx: FormatContext, name: string, e: SymbolTableEntry, heap: Awaited<ReturnType<typeof readLocalHeap>> | null): Link {
  if (e.cacheType === 2 && e.softLinkOffset !== undefined && heap) {
    return { name, kind: 'soft', target: localHeapString(heap, e.softLinkOffset) };
  }
  return { name, kind: 'hard', address: e.objectHeaderAddress };
}

/** Compares names as HDF5 orders them: by their UTF-8 bytes. */
export function compareNames(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/**
 * Every link of the group whose header is `oh`, ordered as h5py lists them: by creation order
 * where the group tracks it, otherwise by name.
 */
export async function readLinks(ctx: FormatContext, oh: ObjectHeader): Promise<{ links: Link[]; creationOrdered: boolean }> {
  const stab = findMessages(oh, MessageType.SYMBOL_TABLE)[0];
  if (stab) {
    const { btreeAddress, heapAddress } = decodeSymbolTableMessage(stab.body, ctx, stab.address);
    const [entries, heap] = await Promise.all([readGroupSymbolTable(ctx, btreeAddress, heapAddress), readLocalHeap(ctx, heapAddress)]);
    const links = entries.map(({ name, entry }) => symbolEntryLink(ctx, name, entry, heap));
    return { links: links.sort((a, b) => compareNames(a.name, b.name)), creationOrdered: false };
  }
  const info = linkInfoOf(oh, ctx);
  let links: Link[];
  if (info && info.fractalHeapAddress !== null) {
    if (info.nameIndexAddress === null) throw new H5Error('Corrupt', 'dense group without a name index', { offset: ctx.baseAddress + oh.address });
    const [heap, tree] = await Promise.all([
      readFractalHeapHeader(ctx, info.fractalHeapAddress),
      readBTreeV2Header(ctx, info.nameIndexAddress),
    ]);
    const records = await readBTreeV2Records(ctx, tree);
    const ids = records.map((r) => heapIdOf(r));
    const objects = await readHeapObjects(ctx, heap, ids);
    links = objects.map((body) => decodeLinkMessage(body, ctx, oh.address));
  } else {
    links = findMessages(oh, MessageType.LINK).map((m) => decodeLinkMessage(m.body, ctx, m.address));
  }
  const creationOrdered = info?.maxCreationOrder !== undefined && links.every((l) => l.creationOrder !== undefined);
  if (creationOrdered) links.sort((a, b) => a.creationOrder! - b.creationOrder!);
  else links.sort((a, b) => compareNames(a.name, b.name));
  const seen = new Set<string>();
  for (const l of links) {
    if (seen.has(l.name)) throw new H5Error('Corrupt', `group has two links named "${l.name}"`, { offset: ctx.baseAddress + oh.address });
    seen.add(l.name);
  }
  return { links, creationOrdered };
}

function heapIdOf(r: BTreeV2Record): Uint8Array {
  if ('heapId' in r) return r.heapId;
  throw new H5Error('Corrupt', `unexpected v2 B-tree record type ${r.type} in a group index`);
}

/** One link by name, reading only what the group's index needs to find it. */
export async function lookupLink(ctx: FormatContext, oh: ObjectHeader, name: string): Promise<Link | null> {
  const stab = findMessages(oh, MessageType.SYMBOL_TABLE)[0];
  if (stab) {
    const { btreeAddress, heapAddress } = decodeSymbolTableMessage(stab.body, ctx, stab.address);
    const [entry, heap] = await Promise.all([lookupSymbolTable(ctx, btreeAddress, heapAddress, name), readLocalHeap(ctx, heapAddress)]);
    return entry ? symbolEntryLink(ctx, name, entry, heap) : null;
  }
  const info = linkInfoOf(oh, ctx);
  if (info && info.fractalHeapAddress !== null && info.nameIndexAddress !== null) {
    const hash = lookup3(utf8.encode(name));
    const [heap, tree] = await Promise.all([readFractalHeapHeader(ctx, info.fractalHeapAddress), readBTreeV2Header(ctx, info.nameIndexAddress)]);
    const candidates = await findBTreeV2Records(ctx, tree, (r) => {
      const h = 'nameHash' in r ? r.nameHash : 0;
      return hash < h ? -1 : hash > h ? 1 : 0;
    });
    if (!candidates.length) return null;
    const objects = await readHeapObjects(ctx, heap, candidates.map(heapIdOf));
    for (const body of objects) {
      const link = decodeLinkMessage(body, ctx, oh.address);
      if (link.name === name) return link;
    }
    return null;
  }
  for (const m of findMessages(oh, MessageType.LINK)) {
    const link = decodeLinkMessage(m.body, ctx, m.address);
    if (link.name === name) return link;
  }
  return null;
}
