import { H5Error } from '../../errors.js';
import type { FormatContext } from '../context.js';
import { bytes, cursor, decodeText, readAddress, readDefinedAddress, readLength, u16, u8 } from '../cursor.js';

/**
 * Messages of the superblock extension: B-tree 'K' values (IV.A.2.t, 0x0013), driver info
 * (IV.A.2.u, 0x0014), file space info (IV.A.2.x, 0x0017) and the shared message table
 * (IV.A.2.p, 0x000F).
 */

export interface BTreeK {
  chunkInternalK: number;
  groupInternalK: number;
  groupLeafK: number;
}

export function decodeBTreeK(body: Uint8Array, ctx: FormatContext, address: number): BTreeK {
  const c = cursor(body, ctx.baseAddress + address);
  const version = u8(c);
  if (version !== 0) throw new H5Error('Unsupported', `B-tree K message version ${version}`, { offset: ctx.baseAddress + address });
  const chunkInternalK = u16(c);
  const groupInternalK = u16(c);
  const groupLeafK = u16(c);
  return { chunkInternalK, groupInternalK, groupLeafK };
}

export interface DriverInfo {
  /** The 8-character driver identification, e.g. "NCSAmult" or "NCSAfami". */
  driver: string;
  data: Uint8Array;
}

export function decodeDriverInfo(body: Uint8Array, ctx: FormatContext, address: number): DriverInfo {
  const c = cursor(body, ctx.baseAddress + address);
  const version = u8(c);
  if (version !== 0) throw new H5Error('Unsupported', `driver info message version ${version}`, { offset: ctx.baseAddress + address });
  const driver = decodeText(bytes(c, 8), 'ascii');
  const size = u16(c);
  return { driver, data: bytes(c, size).slice() };
}

export type FileSpaceStrategy = 'fsm_aggr' | 'page' | 'aggr' | 'none';

export interface FileSpaceInfo {
  version: number;
  strategy: FileSpaceStrategy;
  /** Free-space managers are kept in the file across closes. */
  persist: boolean;
  /** Smallest free-space section the managers track. */
  threshold: number;
  /** Page size for paged aggregation (version 1; the library default 4096 otherwise). */
  pageSize: number;
  pageEndMetaThreshold?: number;
  /** End of allocated space before the free-space managers' own blocks (version 1). */
  eoaPreFreeSpace?: number | null;
  /** Addresses of the persistent free-space managers, in library order. */
  managerAddresses: (number | null)[];
}

/** The library's default file space page size (H5F_FILE_SPACE_PAGE_SIZE_DEF). */
const DEFAULT_PAGE_SIZE = 4096;
const STRATEGIES: FileSpaceStrategy[] = ['fsm_aggr', 'page', 'aggr', 'none'];

export function decodeFileSpaceInfo(body: Uint8Array, ctx: FormatContext, address: number): FileSpaceInfo {
  const at = ctx.baseAddress + address;
  const c = cursor(body, ctx.baseAddress + address);
  const version = u8(c);
  const L = ctx.sizeOfLengths;
  const O = ctx.sizeOfOffsets;
  if (version === 0) {
    // HDF5 1.10.0's encoding: 1 all-persist, 2 all, 3 aggregators+VFD, 4 VFD; mapped as the library maps them.
    const old = u8(c);
    const threshold = readLength(c, L);
    const mapped: Record<number, [FileSpaceStrategy, boolean]> = { 1: ['fsm_aggr', true], 2: ['fsm_aggr', false], 3: ['aggr', false], 4: ['none', false] };
    const m = mapped[old];
    if (!m) throw new H5Error('Corrupt', `file space strategy ${old}`, { offset: at });
    const managerAddresses: (number | null)[] = [];
    if (m[1]) for (let i = 0; i < 6; i++) managerAddresses.push(readAddress(c, O)); // one per H5FD_mem_t type
    return { version, strategy: m[0], persist: m[1], threshold, pageSize: DEFAULT_PAGE_SIZE, managerAddresses };
  }
  if (version !== 1) throw new H5Error('Unsupported', `file space info message version ${version}`, { offset: at });
  const s = u8(c);
  const strategy = STRATEGIES[s];
  if (!strategy) throw new H5Error('Corrupt', `file space strategy ${s}`, { offset: at });
  const persist = u8(c) !== 0;
  const threshold = readLength(c, L);
  const pageSize = readLength(c, L);
  const pageEndMetaThreshold = u16(c);
  const eoaPreFreeSpace = readAddress(c, O);
  const managerAddresses: (number | null)[] = [];
  if (persist) for (let i = 0; i < 12; i++) managerAddresses.push(readAddress(c, O)); // small- and large-section managers per page type
  return { version, strategy, persist, threshold, pageSize, pageEndMetaThreshold, eoaPreFreeSpace, managerAddresses };
}

export interface SohmTableMessage {
  tableAddress: number;
  indexCount: number;
}

export function decodeSohmTable(body: Uint8Array, ctx: FormatContext, address: number): SohmTableMessage {
  const c = cursor(body, ctx.baseAddress + address);
  const version = u8(c);
  if (version !== 0) throw new H5Error('Unsupported', `shared message table message version ${version}`, { offset: ctx.baseAddress + address });
  const tableAddress = readDefinedAddress(c, ctx.sizeOfOffsets, 'shared object header message table');
  const indexCount = u8(c);
  return { tableAddress, indexCount };
}
