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
 * The metadata cache's granule: what it fetches and keeps is whole aligned 512-byte blocks.
 * Metadata reads are sized by the format (a header chunk, a heap, a B-tree node: issue 20), so
 * the granule only rounds their ends; 512 bytes wastes at most a few hundred bytes per structure
 * while keeping the cache's bookkeeping small (a 64 MiB cache is 131,072 blocks).
 */
export const DEFAULT_BLOCK_SIZE = 512;

/**
 * What a round trip's time could carry instead: ~50 ms at ~100 Mbit/s is 625,000 bytes. A batch
 * of n metadata reads planned together shares it: each read may bring up to this / n bytes around
 * it and merge with a neighbour across a gap of that much, at no cost in time. One read alone
 * still brings its DEFAULT_READ_AROUND window (its neighbours, often the next thing asked for);
 * 4,000 header reads of a level bring ~156 bytes each beyond what they asked, not the data
 * between them (issue 20: h5py writes each dataset's header beside its chunks).
 */
export const DEFAULT_ROUND_TRIP_BYTES = 625_000;

/**
 * The most a lone metadata read brings around itself: the aligned 64 KiB window that holds it.
 * At 100 Mbit/s 64 KiB costs ~5 ms, a tenth of a round trip, and often holds the next structure
 * asked for (a dataset's chunk index beside its header). Shrinks, by DEFAULT_ROUND_TRIP_BYTES / n,
 * when n reads are planned together.
 */
export const DEFAULT_READ_AROUND = 64 * KiB;

/**
 * Ranges per HTTP multi-range GET (`Range: bytes=a-b,c-d,...`). 256 ranges of a 100 MB file make
 * a ~5 KB header line, inside the 8 KB that common servers (nginx, Apache) and Node's 16 KB
 * accept; a level of 4,000 object headers is then 16 GETs, one wave at DEFAULT_CONCURRENCY.
 */
export const DEFAULT_MAX_RANGES_PER_REQUEST = 256;

/**
 * Longest a metadata read waits for the metadata GETs in flight to settle, so that it is planned
 * with the rest of its wave (the follow-ups of a whole tree level in one batch, not one batch per
 * arriving GET). A level of 4,000 headers takes ~0.3 s to arrive at 100 Mbit/s; a GET stalled
 * past this holds nobody up longer.
 */
export const DEFAULT_WAVE_HOLD_MS = 1000;

/**
 * GETs in flight for a big batch of small metadata ranges (a tree level's headers) where the
 * source cannot ask for many ranges in one GET: S3 does not serve multi-range requests, and
 * prices and limits GETs per request (5,500 per second per prefix), not per connection. 64
 * small GETs cost a round trip together; 4,000 headers are then ~63 waves instead of 250.
 */
export const DEFAULT_SMALL_RANGE_CONCURRENCY = 64;

/**
 * Bytes of metadata blocks kept per source. 64 MiB holds the whole metadata of all but huge
 * files (a B-tree of 100k chunks is ~5 MiB) and is small next to a browser tab or a Lambda.
 */
export const DEFAULT_CACHE_BYTES = 64 * MiB;

/**
 * Metadata reads planned together are merged across gaps up to this many bytes, and never more
 * than DEFAULT_ROUND_TRIP_BYTES / (reads planned together). Transferring 128 KiB costs ~10 ms,
 * a fifth of a round trip, and saves a request and a concurrency slot.
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
 * GETs in flight per source. Small GETs (metadata blocks, chunks of tens of KB) are latency-bound:
 * 50 datasets' headers, then their 50 chunks, each go out as one wave at 64, but as four waves
 * each at 16 (issue 14's 50-dataset read: 9 waves at 16). Node's fetch (undici) opens a connection
 * per request in flight to one origin without a cap (measured: 64 concurrent range GETs to one
 * HTTP/1.1 server ran on 64 sockets); browsers queue beyond 6 per host on HTTP/1.1, which is
 * harmless, and HTTP/2 endpoints take them all at once. S3 serves thousands of GETs per second
 * per prefix.
 */
export const DEFAULT_CONCURRENCY = 64;

/**
 * Of those, GETs larger than DEFAULT_SMALL_GET_BYTES in flight at once. Large GETs are
 * bandwidth-bound: 16 connections at ~100 Mbit/s each approach the bandwidth of a typical cloud
 * VM, and each holds its response in memory until it is decoded.
 */
export const DEFAULT_LARGE_CONCURRENCY = 16;

/**
 * A GET of at most this many bytes counts as small: at ~100 Mbit/s its transfer takes less than
 * a 50 ms round trip (the bandwidth-delay product is ~625 KB), so it is bound by latency.
 */
export const DEFAULT_SMALL_GET_BYTES = 512 * KiB;

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
 * The first read on open: 512 KiB, about one bandwidth-delay product (50 ms x 100 Mbit/s =
 * 625 KB), the most bytes that cost less than the round trip they may save. It goes out as two
 * GETs in the same round trip: the head (DEFAULT_INITIAL_HEAD_BYTES), parsed as soon as it
 * arrives, and the rest, which arrives while the reads the head asks for are already on their
 * way, so files that need nothing past the head pay almost nothing for it (the link is idle
 * during a round trip anyway). It brings the superblock (at 0, or after a user block), the root
 * group and, usually, the first datasets' headers and, in libver 'latest' files, their chunk
 * indexes, which h5py writes at ~256 KiB (bench/ 14-latest-first: 3 waves with 64 KiB, 2 with
 * this). A file no larger is read whole in one GET. The HDF5 library's S3 driver reads 16 MiB.
 */
export const DEFAULT_INITIAL_READ_SIZE = 512 * KiB;

/**
 * The head of the first read: one metadata block, which holds the superblock and the root
 * group's header in nearly every file, and takes ~5 ms to arrive after the first byte.
 */
export const DEFAULT_INITIAL_HEAD_BYTES = 64 * KiB;

/** Requests kept in a StatsSource's log; old entries drop off so long runs stay bounded. */
export const DEFAULT_STATS_LOG_ENTRIES = 10_000;

/**
 * A signed URL learned from a redirect is not used in its last 10 s: a GET sent then may reach
 * the store after expiry (the request's own time plus a few seconds of clock skew), and a
 * re-resolution costs one round trip, while a refused GET costs two.
 */
export const SIGNED_URL_EXPIRY_MARGIN_MS = 10_000;
