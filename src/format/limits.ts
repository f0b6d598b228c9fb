/**
 * Resource limits for hostile input, checked before allocating. Every number is a default
 * a caller can override through open(..., { limits }).
 */
export interface Limits {
  /** Largest single metadata structure we will read (object header chunk, heap block, B-tree node). */
  maxMetadataBytes: number;
  /** Continuation blocks followed for one object header: the library never writes more than a few hundred. */
  maxContinuations: number;
  /** B-tree depth (v1 and v2): 2^16 entries per level make depth > 32 meaningless. */
  maxBTreeDepth: number;
  /** Soft/external link hops before we call it a loop (the HDF5 library's default nlinks is 16). */
  maxLinkHops: number;
  /** Bytes one dataset read may allocate for its result. */
  maxReadBytes: number;
  /** Bytes one decompressed chunk may have. */
  maxChunkBytes: number;
  /** Messages in one object header. */
  maxHeaderMessages: number;
}

export const DEFAULT_LIMITS: Limits = {
  // 64 MiB: the largest metadata the library writes (a fractal heap's direct block, a big local heap)
  // is far smaller; more is a corrupt length.
  maxMetadataBytes: 64 * 1024 * 1024,
  maxContinuations: 10_000,
  maxBTreeDepth: 32,
  maxLinkHops: 16,
  // 2 GiB: room for a full read of a 1 GB dataset, while a hostile file cannot make one read
  // allocate (and fill) the 4 GiB a typed array may reach. Raise it for bigger reads.
  maxReadBytes: 2 * 1024 * 1024 * 1024,
  // 1 GiB: HDF5 chunks are limited to 4 GiB by the format and rarely exceed a few MiB.
  maxChunkBytes: 1024 * 1024 * 1024,
  maxHeaderMessages: 1_000_000,
};
