import { H5Error } from '../../errors.js';
import type { FormatContext } from '../context.js';
import { cursor, isUndefinedAt, readDefinedAddress, readLength, skip, u16, u8 } from '../cursor.js';
import { localHeapString, readLocalHeap } from '../local-heap.js';

/**
 * The external data files message (spec IV.A.2.h, type 0x0007): a dataset's raw data lives in
 * other files, listed as slots of (name offset in a local heap, offset in that file, size).
 */

export interface ExternalFileEntry {
  /** Offset of the file name in the message's local heap. */
  nameOffset: number;
  /** Byte offset of the data within the external file. */
  offset: number;
  /** Bytes reserved in that file; null for H5F_UNLIMITED (the rest of the file, only allowed last). */
  size: number | null;
}

export interface ExternalFiles {
  heapAddress: number;
  entries: ExternalFileEntry[];
}

export function decodeExternalFiles(body: Uint8Array, ctx: FormatContext, address: number): ExternalFiles {
  const at = ctx.baseAddress + address;
  const c = cursor(body, ctx.baseAddress + address);
  const version = u8(c);
  if (version !== 1) throw new H5Error('Unsupported', `external data files message version ${version}`, { offset: at });
  skip(c, 3); // reserved
  const allocated = u16(c);
  const used = u16(c);
  if (used > allocated) throw new H5Error('Corrupt', `external file list uses ${used} of ${allocated} slots`, { offset: at });
  const heapAddress = readDefinedAddress(c, ctx.sizeOfOffsets, 'external file list heap');
  const L = ctx.sizeOfLengths;
  if (used * 3 * L > c.bytes.length - c.pos) throw new H5Error('Corrupt', `external file list of ${used} slots is truncated`, { offset: at });
  const entries: ExternalFileEntry[] = [];
  for (let i = 0; i < used; i++) {
    const nameOffset = readLength(c, L);
    const offset = readLength(c, L);
    let size: number | null;
    if (isUndefinedAt(c, L)) {
      skip(c, L);
      size = null;
    } else {
      size = readLength(c, L);
    }
    entries.push({ nameOffset, offset, size });
  }
  return { heapAddress, entries };
}

/** The message's entries with their file names looked up in its local heap. */
export async function readExternalFiles(
  ctx: FormatContext,
  body: Uint8Array,
  address: number,
): Promise<Array<ExternalFileEntry & { name: string }>> {
  const efl = decodeExternalFiles(body, ctx, address);
  const heap = await readLocalHeap(ctx, efl.heapAddress);
  return efl.entries.map((e) => ({ ...e, name: localHeapString(heap, e.nameOffset) }));
}
