/**
 * The decoded shapes of HDF5 structures that cross file boundaries inside src/format/.
 * Names follow the HDF5 File Format Specification (version 4.0 covers HDF5 2.0).
 */

export type ByteOrder = '<' | '>';

export type Datatype =
  | { class: 'integer'; size: number; order: ByteOrder; signed: boolean; bitOffset: number; precision: number }
  | {
      class: 'float';
      size: number;
      /** 'vax' is the VAX mixed-endian order (byte order bits 0 and 6 both set). */
      order: ByteOrder | 'vax';
      bitOffset: number;
      precision: number;
      signLocation: number;
      exponentLocation: number;
      exponentSize: number;
      mantissaLocation: number;
      mantissaSize: number;
      exponentBias: number;
      /** 0 no normalization, 1 msb always set, 2 msb implied (IEEE). */
      mantissaNormalization: number;
      /** Padding bits (low, high, internal) set to 1 rather than 0. */
      padding: number;
    }
  | { class: 'time'; size: number; order: ByteOrder; precision: number }
  | { class: 'string'; size: number; padding: StringPadding; charset: Charset }
  | { class: 'bitfield'; size: number; order: ByteOrder; bitOffset: number; precision: number }
  | { class: 'opaque'; size: number; tag: string }
  | { class: 'compound'; size: number; members: CompoundMember[] }
  | { class: 'reference'; size: number; kind: 'object' | 'region' }
  | { class: 'enum'; size: number; base: Datatype; members: EnumMember[] }
  | {
      class: 'vlen';
      /** Size of one stored element: 4 (length) + a global heap ID (offset size + 4). */
      size: number;
      kind: 'sequence' | 'string';
      base: Datatype;
      padding: StringPadding;
      charset: Charset;
    }
  | { class: 'array'; size: number; dims: number[]; base: Datatype }
  /** HDF5 2.0's complex class: real then imaginary part, each of the float type `base` (size = 2 x base.size). */
  | { class: 'complex'; size: number; base: Extract<Datatype, { class: 'float' }> };

export type StringPadding = 'nullterm' | 'nullpad' | 'spacepad';
export type Charset = 'ascii' | 'utf-8';

export interface CompoundMember {
  name: string;
  /** Byte offset of the member within one compound element. */
  offset: number;
  type: Datatype;
}

export interface EnumMember {
  name: string;
  /** The value in the base type: a number, or a bigint for 64-bit bases. */
  value: number | bigint;
}

export type Dataspace =
  | { kind: 'scalar' }
  | { kind: 'null' }
  /** `maxDims` entries are null where the dimension is unlimited. */
  | { kind: 'simple'; dims: number[]; maxDims: (number | null)[] };

export interface FilterSpec {
  id: number;
  name?: string;
  /** Bit 0: the filter is optional. */
  flags: number;
  clientData: number[];
}

export interface FillValue {
  /** 'default' = zeros; 'undefined' = no fill value was set; 'user' = `value` holds the bytes. */
  status: 'undefined' | 'default' | 'user';
  value?: Uint8Array;
  allocTime?: 'early' | 'late' | 'incremental';
  fillTime?: 'alloc' | 'never' | 'ifset';
}

export type ChunkIndexInfo =
  | { type: 'btree-v1'; address: number | null }
  | { type: 'single'; address: number | null; filteredSize?: number; filterMask?: number }
  | { type: 'implicit'; address: number | null }
  | {
      type: 'fixed-array';
      address: number | null;
      /** log2 of the maximum number of elements in a data block page. */
      pageBits: number;
    }
  | {
      type: 'extensible-array';
      address: number | null;
      maxBits: number;
      indexElements: number;
      minPointers: number;
      minElements: number;
      pageBits: number;
    }
  | { type: 'btree-v2'; address: number | null; nodeSize: number; splitPercent: number; mergePercent: number };

export type Layout =
  | { class: 'compact'; data: Uint8Array }
  | { class: 'contiguous'; address: number | null; size: number }
  | {
      class: 'chunked';
      /** Chunk dimensions in elements, WITHOUT the trailing element-size dimension of v1-3 messages. */
      chunkDims: number[];
      /** Size in bytes of one element as the layout message records it. */
      elementSize: number;
      index: ChunkIndexInfo;
      /** Layout v4 flag: partial edge chunks are not filtered. */
      dontFilterPartialEdgeChunks: boolean;
      version: number;
    }
  | { class: 'virtual'; heapAddress: number | null; heapIndex: number };

/** One chunk as a chunk index records it. */
export interface ChunkRecord {
  /** Chunk offset in dataset elements, per dimension. */
  offset: number[];
  address: number;
  /** Stored (possibly filtered) size in bytes. */
  size: number;
  filterMask: number;
}

export type Link =
  | { name: string; kind: 'hard'; address: number; creationOrder?: number; charset?: Charset }
  | { name: string; kind: 'soft'; target: string; creationOrder?: number; charset?: Charset }
  | { name: string; kind: 'external'; file: string; path: string; creationOrder?: number; charset?: Charset }
  | { name: string; kind: 'user'; linkType: number; data: Uint8Array; creationOrder?: number; charset?: Charset };

/** An attribute message, decoded but with its value still raw. */
export interface AttributeMessage {
  name: string;
  datatype: Datatype;
  dataspace: Dataspace;
  /** The raw value bytes (element count x datatype size). */
  value: Uint8Array;
  /** HDF5 address of `value`, for error messages. */
  valueAddress: number;
  creationOrder?: number;
  charset?: Charset;
}

/** One header message, with its body still raw. Shared messages are resolved by the reader. */
export interface HeaderMessage {
  type: number;
  flags: number;
  /** Creation order (v2 headers that track it). */
  creationOrder?: number;
  body: Uint8Array;
  /** HDF5 address of body[0]. */
  address: number;
}

export interface ObjectHeader {
  address: number;
  version: 1 | 2;
  messages: HeaderMessage[];
  /** v2 flags: bit 2 attribute creation order tracked, bit 3 indexed, bit 5 times stored. */
  flags: number;
  times?: { access: number; modification: number; change: number; birth: number };
  referenceCount: number;
}

/** Header message type numbers from the specification (IV.A.2). */
export const MessageType = {
  NIL: 0x0,
  DATASPACE: 0x1,
  LINK_INFO: 0x2,
  DATATYPE: 0x3,
  FILL_VALUE_OLD: 0x4,
  FILL_VALUE: 0x5,
  LINK: 0x6,
  EXTERNAL_FILES: 0x7,
  LAYOUT: 0x8,
  BOGUS: 0x9,
  GROUP_INFO: 0xa,
  FILTER_PIPELINE: 0xb,
  ATTRIBUTE: 0xc,
  COMMENT: 0xd,
  MTIME_OLD: 0xe,
  SOHM_TABLE: 0xf,
  CONTINUATION: 0x10,
  SYMBOL_TABLE: 0x11,
  MTIME: 0x12,
  BTREE_K: 0x13,
  DRIVER_INFO: 0x14,
  ATTRIBUTE_INFO: 0x15,
  REFCOUNT: 0x16,
  FSINFO: 0x17,
} as const;
