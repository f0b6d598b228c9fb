/**
 * Every I/O default coh5 uses, in one place, each with the reason for its value.
 *
 * The numbers are sized for the worst common case, a file on S3 read from outside its region:
 * ~50 ms to the first byte of a GET and ~100 Mbit/s (~12.5 MB/s) per connection. One round trip
 * therefore costs as much time as ~600 KiB of transfer; fetching a few extra KiB is nearly free,
 * a request made in sequence after another is not. Every value can be overridden per source.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Metadata block size. HDF5 metadata (object headers, B-tree nodes, heaps) is many small
 * structures written near each other; one 64 KiB block usually brings a structure's neighbours
 * too. At 100 Mbit/s a 64 KiB block costs ~5 ms of transfer, a tenth of a round trip, so a larger
 * block wastes little time, while a smaller one (4 KiB) would turn one object header walk into
 * several sequential GETs. Larger blocks (1 MiB+) start to cost real time on small files.
 */
export const DEFAULT_BLOCK_SIZE = 64 * KiB;

/**
 * Bytes of metadata blocks kept per source. 64 MiB holds the whole metadata of all but huge
 * files (a B-tree of 100k chunks is ~5 MiB) and is small next to a browser tab or a Lambda.
 */
export const DEFAULT_CACHE_BYTES = 64 * MiB;

/**
 * Metadata reads planned together are merged across gaps up to this many bytes (two blocks).
 * Transferring 128 KiB costs ~10 ms, a fifth of a round trip, and saves a request and a
 * concurrency slot; the gap blocks are cached too and are likely metadata neighbours.
 */
export const DEFAULT_METADATA_MAX_GAP = 128 * KiB;

/**
 * The largest single GET of metadata blocks. Longer merged runs are split into parallel GETs in
 * the same wave, because one S3 connection tops out at ~100 Mbit/s while parallel connections
 * each get their own bandwidth; AWS recommends 8-16 MiB per ranged GET.
 */
export const DEFAULT_METADATA_MAX_REQUEST_BYTES = 8 * MiB;

/**
 * Chunk (raw data) ranges separated by at most this many bytes are read by one GET. A gap of
 * 64 KiB costs ~5 ms of transfer; a separate GET costs a request charge and a concurrency slot,
 * which, once the slots are full, becomes a later wave.
 */
export const DEFAULT_DIRECT_MAX_GAP = 64 * KiB;

/**
 * The largest single GET of chunk data: 16 MiB, the top of AWS's recommended 8-16 MiB ranged-GET
 * size. Larger merged runs split into parallel GETs, and a single chunk larger than this is
 * fetched in parallel parts and joined.
 */
export const DEFAULT_DIRECT_MAX_REQUEST_BYTES = 16 * MiB;

/**
 * GETs in flight per source. 16 connections at ~100 Mbit/s each approach the bandwidth of a
 * typical cloud VM, and a 100-chunk read takes 7 waves rather than 13 at 8. Browsers on HTTP/1.1
 * queue beyond 6 per host anyway, which is harmless; HTTP/2 endpoints take all 16 at once.
 */
export const DEFAULT_CONCURRENCY = 16;

/**
 * Bytes one dataset read may hold for its chunks, counted: the stored bytes fetched (or
 * fetching) and not yet consumed, plus the decode buffers of the chunks being decoded (a chunk's
 * size each, two for a multi-stage pipeline; at most 4 chunks decode at once, and room for them is
 * set aside first). The output itself is not counted. Without a cap, a fast source delivers a
 * large read's compressed chunks faster than they inflate and the whole dataset's stored bytes
 * pile up (bench/ workload h: 1.7 GB of working set for a 1 GiB read from a local file). 64 MiB
 * leaves 48 MiB of stored read-ahead beside big.h5's four 4 MiB decode buffers, enough to keep
 * every core inflating; at 100 Mbit/s it is five seconds of transfer, far above the ~625 KB a
 * 50 ms round trip needs to keep the link busy, and a read of up to ~60 MiB of stored chunks goes
 * out in one wave. The most one read holds is max(this, its largest chunk stored + decoded).
 */
export const DEFAULT_READ_AHEAD_BYTES = 64 * MiB;

/**
 * The first read on open: one GET of the first 64 KiB. It brings the superblock (at 0, or after a
 * user block of 512, 1024, ... bytes), the root group's object header and, usually, the headers
 * of the datasets created first and, in paged files, the start of the first metadata page, in ONE
 * round trip. Measured (bench/, 50 ms RTT, 100 Mbit/s): 64 KiB needs the same waves as 1 MiB on
 * ordinary, paged and libver-latest h5py files, while 1 MiB costs ~80 ms of transfer (1.6 round
 * trips) and multiplies the bytes of a small read by 4 (1.40 MB vs 0.42 MB for one 286 KB chunk).
 * The HDF5 library's S3 driver reads 16 MiB; tune per source for files whose metadata sits in a
 * large first page.
 */
export const DEFAULT_INITIAL_READ_SIZE = 64 * KiB;

/** Requests kept in a StatsSource's log; old entries drop off so long runs stay bounded. */
export const DEFAULT_STATS_LOG_ENTRIES = 10_000;
