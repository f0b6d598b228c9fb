/**
 * The global heap block for virtual datasets (spec III.F): the mapping list a virtual layout
 * message points at. Version 0 (HDF5 1.10-1.14) stores per mapping the source file name, the
 * source dataset name (NUL-terminated), the source selection and the virtual selection, then a
 * lookup3 checksum of the whole block. Version 1 (HDF5 2.0) puts a flags byte before each
 * mapping's names, so a name can be left out:
 *   bit 0  the source file name is that of an earlier mapping, whose index follows (Size of Lengths)
 *   bit 1  the source dataset name likewise
 *   bit 2  the source is this file ('.'): no file name is stored
 * libhdf5 2.0.0 writes version 1 only when some source is in the same file, and uses bit 2 alone.
 */
import { H5Error } from '../errors.js';
import { readSelection, type RegionSelection } from './region-selection.js';
import { verifyChecksum } from './checksum.js';
import type { FormatContext } from './context.js';
import { cstring, cursor, readLength, u8, type Cursor } from './cursor.js';

export interface VirtualMapping {
  /** The source file's name as stored ('.' for this file; may hold printf-style `%b`). */
  file: string;
  dataset: string;
  source: RegionSelection;
  virtual: RegionSelection;
}

const FILE_SHARED = 0x01;
const DATASET_SHARED = 0x02;
const SAME_FILE = 0x04;

/**
 * Decodes a mapping list heap object. `address` is the heap collection's address (relative to
 * the base address), used in error messages.
 */
export function decodeVirtualMappingList(obj: Uint8Array, ctx: Pick<FormatContext, 'baseAddress' | 'sizeOfLengths'>, address: number): VirtualMapping[] {
  const at = ctx.baseAddress + address;
  const c = cursor(obj, address);
  const version = u8(c);
  if (version > 1) throw new H5Error('Unsupported', `virtual dataset mapping list version ${version}`, { offset: at });
  verifyChecksum(obj, obj.length - 4, 'virtual dataset mapping list', at);
  const n = readLength(c, ctx.sizeOfLengths);
  if (n > obj.length) throw new H5Error('Corrupt', `virtual dataset lists ${n} mappings in ${obj.length} bytes`, { offset: at });
  const out: VirtualMapping[] = [];
  for (let i = 0; i < n; i++) {
    const flags = version >= 1 ? u8(c) : 0;
    if (flags & ~(FILE_SHARED | DATASET_SHARED | SAME_FILE) || (flags & FILE_SHARED && flags & SAME_FILE)) {
      throw new H5Error('Corrupt', `virtual dataset mapping ${i} has flags 0x${flags.toString(16)}`, { offset: at });
    }
    const file = flags & SAME_FILE ? '.' : flags & FILE_SHARED ? earlier(c, ctx, out, i, at).file : cstring(c, 'VDS source file name');
    const dataset = flags & DATASET_SHARED ? earlier(c, ctx, out, i, at).dataset : cstring(c, 'VDS source dataset name');
    const source = readSelection(c);
    const virtual = readSelection(c);
    out.push({ file, dataset, source, virtual });
  }
  return out;
}

/** The earlier mapping a shared name refers to. */
function earlier(c: Cursor, ctx: Pick<FormatContext, 'sizeOfLengths'>, list: VirtualMapping[], i: number, at: number): VirtualMapping {
  const k = readLength(c, ctx.sizeOfLengths);
  if (k >= i) throw new H5Error('Corrupt', `virtual dataset mapping ${i} shares a name with mapping ${k}`, { offset: at });
  return list[k]!;
}
