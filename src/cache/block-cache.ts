import { onAbort } from '../source.js';
import {
  DEFAULT_BLOCK_SIZE,
  DEFAULT_CACHE_BYTES,
  DEFAULT_CONCURRENCY,
  DEFAULT_LARGE_CONCURRENCY,
  DEFAULT_SMALL_GET_BYTES,
  DEFAULT_DIRECT_MAX_GAP,
  DEFAULT_DIRECT_MAX_REQUEST_BYTES,
  DEFAULT_INITIAL_READ_SIZE,
  DEFAULT_READ_AHEAD_BYTES,
  DEFAULT_METADATA_MAX_GAP,
  DEFAULT_METADATA_MAX_REQUEST_BYTES,
  DEFAULT_MAX_RANGES_PER_REQUEST,
  DEFAULT_READ_AROUND,
  DEFAULT_ROUND_TRIP_BYTES,
  DEFAULT_WAVE_HOLD_MS,
} from '../defaults.js';
import { H5Error, abortError, throwIfAborted, toH5Error } from '../errors.js';
import { checkRange } from '../drivers/memory.js';
import type { ByteRange, ByteSource, ReadOptions } from '../source.js';
import { coalesceRanges, readCoalesced, type RangeFetch } from './coalesce.js';
import { ByteLRU } from './lru.js';
import { PriorityLimit } from './priority-limit.js';
import { SharedRanges } from './shared-ranges.js';
import { ReadAheadMeter } from './read-ahead.js';
import { scheduleMacrotask } from './schedule.js';
import { isStatsSource, type IOStats } from './stats.js';

export interface BlockCacheOptions {
  /** The cache's granule: metadata is fetched and kept in aligned blocks of this size (default DEFAULT_BLOCK_SIZE). */
  blockSize?: number;
  /**
   * The aligned window a lone metadata read brings around itself (default DEFAULT_READ_AROUND,
   * or `blockSize` when that is given, so a cache built with a block size reads whole blocks).
   * n reads planned together bring at most roundTripBytes / n each.
   */
  readAround?: number;
  /** Bytes one round trip's time could carry; n reads planned together share it (DEFAULT_ROUND_TRIP_BYTES). */
  roundTripBytes?: number;
  /** Ranges per multi-range GET, where the source can (DEFAULT_MAX_RANGES_PER_REQUEST). */
  maxRangesPerRequest?: number;
  /**
   * GETs in flight for the small metadata ranges (up to 16 KiB) of a batch larger than
   * `concurrency`, on sources without multi-range GETs (default: the source's own
   * `smallRangeConcurrency`, DEFAULT_SMALL_RANGE_CONCURRENCY on S3, else `concurrency`).
   */
  smallRangeConcurrency?: number;
  /** Longest a metadata read waits for the GETs in flight to settle, to be planned with the rest of its wave (DEFAULT_WAVE_HOLD_MS). */
  waveHoldMs?: number;
  /** Bytes of blocks kept (default DEFAULT_CACHE_BYTES). */
  cacheBytes?: number;
  /** Missing blocks this close are fetched by one GET, gap included (DEFAULT_METADATA_MAX_GAP). */
  maxGap?: number;
  /** Largest GET of blocks (DEFAULT_METADATA_MAX_REQUEST_BYTES). */
  maxRequestBytes?: number;
  /** readDirect ranges this close share a GET (DEFAULT_DIRECT_MAX_GAP). */
  directMaxGap?: number;
  /** Largest GET of readDirect (DEFAULT_DIRECT_MAX_REQUEST_BYTES). */
  directMaxRequestBytes?: number;
  /** GETs in flight at once, blocks and direct reads together (DEFAULT_CONCURRENCY). */
  concurrency?: number;
  /** Of those, GETs above DEFAULT_SMALL_GET_BYTES in flight at once (DEFAULT_LARGE_CONCURRENCY, at most `concurrency`). */
  largeConcurrency?: number;
  /** Bytes readInitial() fetches by default (DEFAULT_INITIAL_READ_SIZE). */
  initialReadSize?: number;
  /**
   * Bytes one dataset read may hold for its chunks, counted: stored bytes fetched or fetching and
   * not yet consumed, plus the decode buffers of the chunks being decoded (DEFAULT_READ_AHEAD_BYTES).
   */
  readAheadBytes?: number;
}

/** The cache's own counters, plus the wrapped StatsSource's (requests, bytes, waves) if any. */
export interface BlockCacheStats extends Partial<IOStats> {
  /** Blocks found in the cache. */
  hits: number;
  /** Blocks not in the cache (fetched, or joined to a fetch in flight). */
  misses: number;
  /** Blocks dropped to respect the byte bound. */
  evictions: number;
  blocksCached: number;
  bytesCached: number;
  /** GETs this cache issued (blocks and direct reads). */
  fetches: number;
  /** readDirect ranges asked for, how many the cached blocks served, and how many joined an identical range in flight. */
  directRanges: number;
  directFromCache: number;
  directShared: number;
  /**
   * The most bytes the file's dataset reads held at once for their chunks (stored bytes fetched
   * and not yet consumed, plus the decode buffers in use; the outputs are not counted), since open
   * or resetStats(). One read holds at most max(readAheadBytes, its largest chunk stored + decoded).
   */
  readAheadPeakBytes: number;
}

/** One GET of consecutive blocks, shared by every read waiting for any of them. */
interface BlockFetch {
  first: number;
  count: number;
  controller: AbortController;
  waiters: Set<PendingRead>;
  done: boolean;
}

/** A read() waiting for the next flush or for block fetches. */
interface PendingRead {
  offset: number;
  end: number;
  signal: AbortSignal | undefined;
  /** Block data by (block index - first block of the read). */
  parts: (Uint8Array | undefined)[];
  waitingOn: Set<BlockFetch>;
  settled: boolean;
  resolve(bytes: Uint8Array): void;
  reject(error: unknown): void;
  stopWaiting?: () => void;
  /** Planned at the next turn even while other metadata GETs are in flight (readNow). */
  now?: boolean;
}

const EMPTY = new Uint8Array(0);
/** Turns in a row without a new read after which a batch of reads is planned. */
const QUIET_HOPS = 2;
/** The longest an adaptive hold grows (see holdMs). */
const MAX_WAVE_HOLD_MS = 10_000;
/** The largest metadata range that counts as small for smallRangeConcurrency. */
const SMALL_RANGE = 16 * 1024;

/**
 * A cache of fixed-size, aligned metadata blocks over a ByteSource, returning a ByteSource.
 * Reads issued in the same turn are planned together: their missing blocks are merged into as
 * few GETs as the gap and size limits allow, GETs of blocks already in flight are shared, and
 * all GETs run under one concurrency limit, metadata GETs ahead of queued chunk GETs (see
 * priority-limit.ts). Chunk data goes through readDirect, which bypasses the blocks so it never
 * evicts metadata. Results are views into cached memory: do not mutate.
 */
export class BlockCache implements ByteSource {
  readonly key: string;
  readonly blockSize: number;
  private readonly lru: ByteLRU<number, Uint8Array>;
  private readonly inflight = new Map<number, BlockFetch>();
  private queue: PendingRead[] = [];
  private flushScheduled = false;
  private readonly limit: PriorityLimit;
  /** Small metadata ranges of a big batch, where the source cannot put many in one GET. */
  private readonly smallLimit: PriorityLimit;
  private learnedSize: number | undefined;
  private readonly opts: Required<BlockCacheOptions>;
  private counters = { hits: 0, misses: 0, fetches: 0, directRanges: 0, directFromCache: 0, directShared: 0, evictions0: 0 };
  private readonly directInflight = new SharedRanges();
  /** What dataset reads hold for their chunks (cache/read-ahead.ts counts into it). */
  readonly readAheadMeter = new ReadAheadMeter();

  constructor(readonly source: ByteSource, options: BlockCacheOptions = {}) {
    this.opts = {
      blockSize: options.blockSize ?? DEFAULT_BLOCK_SIZE,
      readAround: options.readAround ?? options.blockSize ?? DEFAULT_READ_AROUND,
      roundTripBytes: options.roundTripBytes ?? DEFAULT_ROUND_TRIP_BYTES,
      maxRangesPerRequest: options.maxRangesPerRequest ?? DEFAULT_MAX_RANGES_PER_REQUEST,
      waveHoldMs: options.waveHoldMs ?? DEFAULT_WAVE_HOLD_MS,
      smallRangeConcurrency: options.smallRangeConcurrency ?? source.smallRangeConcurrency ?? options.concurrency ?? DEFAULT_CONCURRENCY,
      cacheBytes: options.cacheBytes ?? DEFAULT_CACHE_BYTES,
      maxGap: options.maxGap ?? DEFAULT_METADATA_MAX_GAP,
      maxRequestBytes: options.maxRequestBytes ?? DEFAULT_METADATA_MAX_REQUEST_BYTES,
      directMaxGap: options.directMaxGap ?? DEFAULT_DIRECT_MAX_GAP,
      directMaxRequestBytes: options.directMaxRequestBytes ?? DEFAULT_DIRECT_MAX_REQUEST_BYTES,
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      largeConcurrency: options.largeConcurrency ?? Math.min(DEFAULT_LARGE_CONCURRENCY, options.concurrency ?? DEFAULT_CONCURRENCY),
      initialReadSize: options.initialReadSize ?? DEFAULT_INITIAL_READ_SIZE,
      readAheadBytes: options.readAheadBytes ?? DEFAULT_READ_AHEAD_BYTES,
    };
    for (const [name, value] of Object.entries(this.opts)) {
      const positive = name === 'blockSize' || name.endsWith('oncurrency') || name.endsWith('RequestBytes') || ['readAheadBytes', 'readAround', 'roundTripBytes', 'maxRangesPerRequest'].includes(name);
      if (!Number.isSafeInteger(value) || value < 0 || (positive && value === 0)) {
        throw new H5Error('Invalid', `block cache option ${name} must be a ${positive ? 'positive' : 'non-negative'} integer, got ${value}`, { source: source.key });
      }
    }
    this.key = source.key;
    this.blockSize = this.opts.blockSize;
    this.lru = new ByteLRU(this.opts.cacheBytes, (b) => b.byteLength);
    this.limit = new PriorityLimit(this.opts.concurrency, this.opts.largeConcurrency);
    this.smallLimit = new PriorityLimit(this.opts.smallRangeConcurrency);
  }

  /** Counted bytes (stored chunks plus decode buffers) one dataset read may hold. */
  get readAheadBytes(): number {
    return this.opts.readAheadBytes;
  }

  /** The source's size, or the size learned from a short read at EOF. */
  get size(): number | undefined {
    return this.source.size ?? this.learnedSize;
  }

  read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    return this.checkedRead(offset, length, options, false);
  }

  /**
   * Like read(), but planned at the next turn even while other metadata GETs are in flight, not
   * held for the wave they belong to: for a read known in advance to be needed, such as the rest
   * of open()'s first read, which must go out beside its head, not after it.
   */
  readNow(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    return this.checkedRead(offset, length, options, true);
  }

  private checkedRead(offset: number, length: number, options: ReadOptions | undefined, now: boolean): Promise<Uint8Array> {
    try {
      checkRange(offset, length, this.key);
      throwIfAborted(options?.signal);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.enqueue(offset, length, options?.signal, now);
  }

  /** Reads many ranges planned as one batch (with any other reads of this turn). */
  readMany(ranges: readonly ByteRange[], options?: ReadOptions): Promise<Uint8Array[]> {
    try {
      for (const r of ranges) checkRange(r.offset, r.length, this.key);
      throwIfAborted(options?.signal);
    } catch (e) {
      return Promise.reject(e);
    }
    return Promise.all(ranges.map((r) => this.enqueue(r.offset, r.length, options?.signal)));
  }

  /**
   * The first read on open: one GET of the first `length` bytes (rounded up to whole blocks),
   * kept as blocks, so the superblock and the metadata after it cost one round trip.
   */
  async readInitial(length = this.opts.initialReadSize, options?: ReadOptions): Promise<Uint8Array> {
    const rounded = Math.max(1, Math.ceil(length / this.blockSize)) * this.blockSize;
    const bytes = await this.read(0, rounded, options);
    return bytes.subarray(0, Math.min(length, bytes.byteLength));
  }

  /**
   * Inserts bytes the caller already holds (read at `offset`). Only whole blocks are kept, plus
   * the last partial block when it ends exactly at the known end of the file.
   */
  prime(offset: number, bytes: Uint8Array): void {
    checkRange(offset, bytes.byteLength, this.key);
    const B = this.blockSize;
    const end = offset + bytes.byteLength;
    const size = this.size;
    for (let i = Math.ceil(offset / B); i * B < end; i++) {
      const blockEnd = (i + 1) * B;
      if (blockEnd <= end || end === size) {
        this.lru.set(i, bytes.slice(i * B - offset, Math.min(blockEnd, end) - offset));
      }
    }
  }

  /** The cached blocks in file order, as views (for a persistent metadata cache; do not mutate). */
  cachedBlocks(): Array<{ offset: number; bytes: Uint8Array }> {
    return [...this.lru.keys()].sort((a, b) => a - b).map((i) => ({ offset: i * this.blockSize, bytes: this.lru.peek(i)! }));
  }

  /** Chunk data: fetched around the block cache, all ranges at once, merged across small gaps. */
  readDirect(ranges: readonly ByteRange[], options?: ReadOptions): Promise<Uint8Array[]> {
    try {
      return Promise.all(this.readDirectRanges(ranges, options));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Like readDirect, but calls `onRange` for each range as soon as its GET arrives, so decoding
   * one chunk overlaps downloading the next. Resolves when every range was delivered and every
   * `onRange` (which may be async) settled; rejects with the first failure.
   */
  async readDirectEach(
    ranges: readonly ByteRange[],
    onRange: (bytes: Uint8Array, index: number) => void | Promise<void>,
    options?: ReadOptions,
  ): Promise<void> {
    const promises = this.readDirectRanges(ranges, options);
    await Promise.all(promises.map((p, i) => p.then((bytes) => onRange(bytes, i))));
  }

  /** One promise per range, each settling as soon as its own GET does. Throws on bad ranges. */
  readDirectRanges(ranges: readonly ByteRange[], options?: ReadOptions): Promise<Uint8Array>[] {
    for (const r of ranges) checkRange(r.offset, r.length, this.key);
    throwIfAborted(options?.signal);
    this.counters.directRanges += ranges.length;
    const results: (Promise<Uint8Array> | undefined)[] = new Array(ranges.length);
    const toFetch: number[] = [];
    ranges.forEach((r, i) => {
      const size = this.size;
      if (r.length === 0 || (size !== undefined && r.offset >= size)) {
        results[i] = Promise.resolve(EMPTY);
        return;
      }
      const cached = this.fromCache(r.offset, r.offset + r.length);
      if (cached) {
        this.counters.directFromCache++;
        results[i] = Promise.resolve(cached);
      } else toFetch.push(i);
    });
    const fetchRange: RangeFetch = (offset, length, signal, onBytes) =>
      this.limit.run(
        'data',
        async () => {
          // The caller may have aborted while this GET sat in the concurrency queue.
          throwIfAborted(signal);
          try {
            return await this.fetchFromSource(offset, length, signal, onBytes);
          } catch (e) {
            throw toH5Error(e, 'Network', `reading bytes ${offset}-${offset + length}`, { source: this.key, offset });
          }
        },
        length > DEFAULT_SMALL_GET_BYTES,
      );
    const { results: fetched, shared } = this.directInflight.read(toFetch.map((i) => ranges[i]!), options?.signal, (fresh, signal) =>
      readCoalesced(fresh, { maxGap: this.opts.directMaxGap, maxRequestBytes: this.opts.directMaxRequestBytes, size: this.size }, fetchRange, signal),
    );
    this.counters.directShared += shared;
    toFetch.forEach((i, k) => (results[i] = fetched[k]));
    return results as Promise<Uint8Array>[];
  }

  get stats(): BlockCacheStats {
    const io = isStatsSource(this.source) ? { ...this.source.stats } : {};
    const { hits, misses, fetches, directRanges, directFromCache, directShared, evictions0 } = this.counters;
    return {
      ...io,
      hits,
      misses,
      evictions: this.lru.evictions - evictions0,
      blocksCached: this.lru.size,
      bytesCached: this.lru.bytes,
      fetches,
      directRanges,
      directFromCache,
      directShared,
      readAheadPeakBytes: this.readAheadMeter.peak,
    };
  }

  /** Zeroes the counters here and in a wrapped StatsSource; cached blocks stay. */
  resetStats(): void {
    this.counters = { hits: 0, misses: 0, fetches: 0, directRanges: 0, directFromCache: 0, directShared: 0, evictions0: this.lru.evictions };
    this.readAheadMeter.reset();
    if (isStatsSource(this.source)) this.source.resetStats();
  }

  async getSize(options?: ReadOptions): Promise<number> {
    const known = this.size;
    if (known !== undefined) return known;
    if (!this.source.getSize) throw new H5Error('Unsupported', 'this source cannot report its size', { source: this.key });
    const size = await this.source.getSize(options);
    this.learnedSize ??= size;
    return size;
  }

  /** Drops the cache, cancels GETs in flight and closes the source. */
  async close(): Promise<void> {
    if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    for (const f of new Set(this.inflight.values())) f.controller.abort(new H5Error('Aborted', 'the source was closed', { source: this.key }));
    this.inflight.clear();
    this.lru.clear();
    await this.source.close?.();
  }

  // ---- reads of blocks ----

  private enqueue(offset: number, length: number, signal: AbortSignal | undefined, now = false): Promise<Uint8Array> {
    const size = this.size;
    let end = offset + length;
    if (length === 0 || (size !== undefined && offset >= size)) return Promise.resolve(EMPTY);
    if (size !== undefined) end = Math.min(end, size);
    const cached = this.fromCache(offset, end);
    if (cached) return Promise.resolve(cached);
    return new Promise<Uint8Array>((resolve, reject) => {
      const read: PendingRead = { offset, end, signal, parts: [], waitingOn: new Set(), settled: false, resolve, reject, now };
      if (signal) {
        read.stopWaiting = onAbort(signal, () => this.abortRead(read));
      }
      if (this.joinInFlight(read)) return;
      this.queue.push(read);
      if (this.queue.length === 1) this.queuedAt = Date.now();
      this.scheduleFlush();
    });
  }

  /** The bytes of [offset, end) if every block is cached (counting hits), else undefined. */
  private fromCache(offset: number, end: number): Uint8Array | undefined {
    const B = this.blockSize;
    const first = Math.floor(offset / B);
    const last = Math.floor((end - 1) / B);
    const parts: Uint8Array[] = [];
    for (let i = first; i <= last; i++) {
      const block = this.lru.peek(i);
      if (!block) return undefined;
      parts.push(block);
      if (block.byteLength < B) break; // a short block is the end of the file
    }
    for (let i = first; i < first + parts.length; i++) this.lru.get(i);
    this.counters.hits += parts.length;
    return this.assemble(offset, end, first, parts);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    scheduleMacrotask(() => this.maybeFlush());
  }

  /**
   * Waves, not turns (issue 20): a level of a tree is thousands of reads started as the GETs of
   * the level before arrive, one GET's worth at a time. Planned as they come, each arrival's
   * follow-ups would be a GET of their own and a round trip later than the rest of the level.
   * So reads wait while metadata GETs are in flight (at most `waveHoldMs`), then, if a GET
   * arrived since the last plan, until QUIET_HOPS turns in a row pass without a new read (parsing
   * what arrived, thousands of headers, starts reads over many turns; at most `waveHoldMs` more),
   * and are planned together. Reads whose blocks are all on their way join those GETs at once.
   */
  private maybeFlush(): void {
    this.flushScheduled = false;
    if (this.queue.length === 0) return;
    const waited = Date.now() - this.queuedAt;
    const hold = this.holdMs();
    if (this.fetchesInFlight > 0 && waited < hold && !this.queue.some((r) => r.now)) {
      // Planned when the last GET in flight settles, or when the hold runs out.
      this.holdTimer ??= setTimeout(() => {
        this.holdTimer = undefined;
        this.scheduleFlush();
      }, hold - waited);
      return;
    }
    if (!this.arrived || !this.bigWave) {
      // Nothing arrived since the last plan, or only a few GETs' worth: the reads were started
      // together, in one turn, with nothing much to parse before the next ones.
      this.flush();
      return;
    }
    if (this.quietSince === 0) this.quietSince = Date.now();
    if (this.queue.length !== this.seenQueued) this.quietHops = 0;
    else this.quietHops++;
    if (this.quietHops < QUIET_HOPS && Date.now() - this.quietSince < hold) {
      this.seenQueued = this.queue.length;
      this.scheduleFlush();
      return;
    }
    this.flush();
  }

  /** The slowest recent metadata GET (ms), decaying by a quarter per GET. */
  private recentGetMs = 0;

  /**
   * How long reads may be held for their wave: waveHoldMs, or twice the slowest recent GET on a
   * link slower than that (a satellite link's 1 s round trip must not split every wave in two),
   * never past 10 s.
   */
  private holdMs(): number {
    return Math.min(Math.max(this.opts.waveHoldMs, 2 * this.recentGetMs), Math.max(this.opts.waveHoldMs, MAX_WAVE_HOLD_MS));
  }

  /** When the first read of the current queue arrived (Date.now()). */
  private queuedAt = 0;
  /** Whether the last plan had more runs than connections: its arrival takes parsing, over many turns. */
  private bigWave = false;
  /** Whether a metadata GET settled since the last plan (its bytes may be being parsed into more reads). */
  private arrived = false;
  /** Metadata GETs started (or queued for a slot) and not yet settled. */
  private fetchesInFlight = 0;
  private holdTimer: ReturnType<typeof setTimeout> | undefined;
  /** The quiet-turn check: queue length at the previous turn, turns waited, since when. */
  private seenQueued = 0;
  private quietHops = 0;
  private quietSince = 0;

  /** Runs one metadata GET under the concurrency limit, counted while in flight. */
  private startFetch(run: () => Promise<void>, bytes: number, limit = this.limit): void {
    this.fetchesInFlight++;
    const started = Date.now();
    // A large GET also needs one of the limit's few large slots (see PriorityLimit).
    void limit.run('metadata', run, bytes > DEFAULT_SMALL_GET_BYTES).finally(() => {
      // The slowest recent GET, decaying: a link's round trip, so the hold can outlast it.
      this.recentGetMs = Math.max(Date.now() - started, this.recentGetMs * 0.75);
      this.arrived = true;
      if (--this.fetchesInFlight === 0 && this.queue.length) this.scheduleFlush();
    });
  }

  /** Plans every read collected: missing blocks become as few GETs as allowed. */
  private flush(): void {
    if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.seenQueued = 0;
    this.quietHops = 0;
    this.quietSince = 0;
    this.arrived = false;
    const batch = this.queue;
    this.queue = [];
    const B = this.blockSize;
    const missing = new Map<number, PendingRead[]>();
    const size = this.size;
    for (const read of batch) {
      if (read.settled) continue;
      if (size !== undefined) {
        if (read.offset >= size) {
          this.settle(read, EMPTY);
          continue;
        }
        read.end = Math.min(read.end, size);
      }
      this.attach(read, missing);
    }
    const indices = this.withWindows([...missing.keys()].sort((a, b) => a - b));
    const groups = coalesceRanges(
      indices.map((i) => ({ offset: i * B, length: B })),
      { maxGap: Math.min(this.opts.maxGap, this.share), maxRequestBytes: Math.max(B, this.opts.maxRequestBytes) },
    );
    const fetches: BlockFetch[] = [];
    for (const group of groups) {
      const fetch: BlockFetch = {
        first: group.offset / B,
        count: group.length / B,
        controller: new AbortController(),
        waiters: new Set(),
        done: false,
      };
      // Gap blocks already in flight elsewhere keep their own fetch; this one only adds a copy.
      for (let i = fetch.first; i < fetch.first + fetch.count; i++) if (!this.inflight.has(i)) this.inflight.set(i, fetch);
      for (const m of group.members) for (const read of missing.get(indices[m]!) ?? []) this.wait(read, fetch);
      fetches.push(fetch);
    }
    this.dispatch(fetches);
    for (const read of batch) if (!read.settled && read.waitingOn.size === 0) this.complete(read);
  }

  /** Bytes each read of the batch being planned may bring beyond its own: roundTripBytes / reads. */
  private share = Infinity;

  /**
   * The missing blocks plus, around each run of them, the rest of its aligned window: a lone read
   * brings `readAround` bytes, n runs planned together roundTripBytes / n each (rounded down to a
   * power of two), so a batch of thousands of small structures brings little beyond them.
   * Blocks cached or in flight are left out. Sets `share` for the gap of this batch.
   */
  private withWindows(indices: number[]): number[] {
    const B = this.blockSize;
    let runs = 0;
    for (let k = 0; k < indices.length; k++) if (k === 0 || indices[k]! !== indices[k - 1]! + 1) runs++;
    this.share = runs ? this.opts.roundTripBytes / runs : Infinity;
    const window = Math.min(this.opts.readAround, 2 ** Math.floor(Math.log2(Math.max(1, this.share))));
    const W = Math.floor(window / B);
    if (W <= 1) return indices;
    const out = new Set(indices);
    const size = this.size;
    let lastWindow = -1;
    for (const i of indices) {
      const w = Math.floor(i / W);
      if (w === lastWindow) continue;
      lastWindow = w;
      for (let j = w * W; j < (w + 1) * W; j++) {
        if (size !== undefined && j * B >= size) break;
        if (!out.has(j) && !this.inflight.has(j) && !this.lru.peek(j)) out.add(j);
      }
    }
    return out.size === indices.length ? indices : [...out].sort((a, b) => a - b);
  }

  /**
   * Starts the planned GETs. Where the source takes many ranges per request (HTTP multi-range)
   * and the batch has more runs than connections, runs are packed into at most `concurrency`
   * requests of up to maxRangesPerRequest ranges each, in address order; otherwise one GET each.
   */
  private dispatch(fetches: BlockFetch[]): void {
    // Stays set while a big plan's GETs are still out: a small plan in between does not end the wave.
    this.bigWave = (this.bigWave && this.fetchesInFlight > 0) || fetches.length > this.opts.concurrency;
    const many = this.source.readRanges !== undefined && this.source.multiRange !== false && this.source.size !== undefined;
    // Packed into at most largeConcurrency requests: a pack is bandwidth-bound like any large GET,
    // and fewer, fuller requests cost less (S3-style request charges, server work).
    const per = Math.min(this.opts.maxRangesPerRequest, Math.ceil(fetches.length / this.opts.largeConcurrency));
    const B = this.blockSize;
    if (!many || per <= 1) {
      // Without multi-range (S3, local files), a big batch of small ranges gets more connections.
      const wide = !many && fetches.length > this.opts.concurrency;
      for (const fetch of fetches) {
        const limit = wide && fetch.count * B <= SMALL_RANGE ? this.smallLimit : this.limit;
        this.startFetch(() => this.runFetch(fetch), fetch.count * B, limit);
      }
      return;
    }
    let pack: BlockFetch[] = [];
    let bytes = 0;
    for (const fetch of fetches) {
      const length = fetch.count * B;
      if (pack.length && (pack.length >= per || bytes + length > this.opts.maxRequestBytes)) {
        const p = pack;
        this.startFetch(() => this.runPack(p), bytes);
        pack = [];
        bytes = 0;
      }
      pack.push(fetch);
      bytes += length;
    }
    if (pack.length) this.startFetch(() => this.runPack(pack), bytes);
  }

  /** One multi-range GET for several fetches; cancelled only when every one of them was. */
  private async runPack(pack: BlockFetch[]): Promise<void> {
    const live = pack.filter((f) => !f.controller.signal.aborted);
    if (live.length <= 1) {
      if (live.length) await this.runFetch(live[0]!);
      return;
    }
    const B = this.blockSize;
    const size = this.size!;
    const controller = new AbortController();
    let left = live.length;
    const stops = live.map((f) =>
      onAbort(f.controller.signal, () => {
        if (--left === 0) controller.abort(f.controller.signal.reason);
      }),
    );
    const ranges = live.map((f) => ({ offset: f.first * B, length: Math.max(0, Math.min(f.count * B, size - f.first * B)) }));
    let parts: Uint8Array[];
    try {
      this.counters.fetches++;
      parts = await this.source.readRanges!(ranges, { signal: controller.signal });
      if (parts.length !== ranges.length || parts.some((p, k) => p.byteLength > ranges[k]!.length)) {
        throw new H5Error('Network', `the source answered ${parts.length} ranges for ${ranges.length}`, { source: this.key });
      }
    } catch (e) {
      for (const f of live) this.failFetch(f, e, ranges[0]!.offset, 0);
      return;
    } finally {
      for (const stop of stops) stop();
    }
    live.forEach((f, k) => this.deliver(f, parts[k]!));
  }

  /** Takes each block of `read` from the cache, or waits on its GET in flight, or lists it in `missing`. */
  private attach(read: PendingRead, missing: Map<number, PendingRead[]>): void {
    const B = this.blockSize;
    const first = Math.floor(read.offset / B);
    const last = Math.floor((read.end - 1) / B);
    for (let i = first; i <= last; i++) {
      const block = this.lru.get(i);
      if (block) {
        this.counters.hits++;
        read.parts[i - first] = block;
        if (block.byteLength < B) break;
        continue;
      }
      this.counters.misses++;
      const shared = this.inflight.get(i);
      if (shared) this.wait(read, shared);
      else {
        const readers = missing.get(i);
        if (readers) readers.push(read);
        else missing.set(i, [read]);
      }
    }
  }

  /**
   * A read whose every block is cached or already on its way joins those GETs now rather than
   * waiting to be planned with its wave: it adds no request. False (nothing done) otherwise.
   */
  private joinInFlight(read: PendingRead): boolean {
    if (this.inflight.size === 0) return false;
    const B = this.blockSize;
    for (let i = Math.floor(read.offset / B); i <= Math.floor((read.end - 1) / B); i++) {
      if (!this.inflight.has(i) && !this.lru.peek(i)) return false;
    }
    this.attach(read, new Map());
    if (read.waitingOn.size === 0) this.complete(read);
    return true;
  }

  private wait(read: PendingRead, fetch: BlockFetch): void {
    read.waitingOn.add(fetch);
    fetch.waiters.add(read);
  }

  private async runFetch(fetch: BlockFetch): Promise<void> {
    const B = this.blockSize;
    const start = fetch.first * B;
    let length = fetch.count * B;
    const size = this.size;
    if (size !== undefined) length = Math.max(0, Math.min(length, size - start));
    let bytes: Uint8Array;
    try {
      // Every waiter may have left while this GET sat in the concurrency queue.
      throwIfAborted(fetch.controller.signal);
      bytes = length === 0 ? EMPTY : await this.fetchFromSource(start, length, fetch.controller.signal);
    } catch (e) {
      this.failFetch(fetch, e, start, length);
      return;
    }
    this.deliver(fetch, bytes);
  }

  private failFetch(fetch: BlockFetch, e: unknown, start: number, length: number): void {
    this.endFetch(fetch);
    const error = toH5Error(e, 'Network', `reading bytes ${start}-${start + length}`, { source: this.key, offset: start });
    for (const read of fetch.waiters) this.fail(read, error);
  }

  /** Caches a fetch's bytes as blocks and completes the reads that waited only for it. */
  private deliver(fetch: BlockFetch, bytes: Uint8Array): void {
    const B = this.blockSize;
    const blocks: Uint8Array[] = [];
    for (let k = 0; k < fetch.count; k++) {
      const from = k * B;
      const block = from >= bytes.byteLength ? EMPTY : ownedCopy(bytes, from, Math.min(from + B, bytes.byteLength));
      blocks.push(block);
      if (block.byteLength > 0) this.lru.set(fetch.first + k, block);
    }
    this.endFetch(fetch);
    for (const read of fetch.waiters) {
      const first = Math.floor(read.offset / B);
      const last = Math.floor((read.end - 1) / B);
      for (let i = Math.max(first, fetch.first); i <= Math.min(last, fetch.first + fetch.count - 1); i++) {
        read.parts[i - first] ??= blocks[i - fetch.first];
      }
      read.waitingOn.delete(fetch);
      if (read.waitingOn.size === 0) this.complete(read);
    }
  }

  private endFetch(fetch: BlockFetch): void {
    fetch.done = true;
    for (let i = fetch.first; i < fetch.first + fetch.count; i++) {
      if (this.inflight.get(i) === fetch) this.inflight.delete(i);
    }
  }

  /** One GET to the source; learns the size from a short read (the EOF contract). */
  private async fetchFromSource(offset: number, length: number, signal: AbortSignal | undefined, onBytes?: ReadOptions['onBytes']): Promise<Uint8Array> {
    this.counters.fetches++;
    const bytes = await this.source.read(offset, length, onBytes ? { signal, onBytes } : { signal });
    if (bytes.byteLength > length) {
      throw new H5Error('Network', `the source returned ${bytes.byteLength} bytes for a ${length}-byte range`, { source: this.key, offset });
    }
    // An empty read past the end only bounds the size (open's two first GETs may answer in either
    // order); the shortest end seen is the size.
    if (bytes.byteLength < length) this.learnedSize = Math.min(this.learnedSize ?? Infinity, offset + bytes.byteLength);
    return bytes;
  }

  private complete(read: PendingRead): void {
    const first = Math.floor(read.offset / this.blockSize);
    const parts: Uint8Array[] = [];
    for (const part of read.parts) {
      if (!part || part.byteLength === 0) break; // no block: past the end of the file
      parts.push(part);
      if (part.byteLength < this.blockSize) break;
    }
    this.settle(read, this.assemble(read.offset, read.end, first, parts));
  }

  /** [offset, end) out of consecutive blocks from `first`; a view when one block holds it all. */
  private assemble(offset: number, end: number, first: number, parts: Uint8Array[]): Uint8Array {
    const B = this.blockSize;
    const available = first * B + parts.reduce((n, p) => n + p.byteLength, 0);
    end = Math.min(end, available);
    if (end <= offset) return EMPTY;
    if (parts.length === 1 || Math.floor((end - 1) / B) === first) {
      return parts[0]!.subarray(offset - first * B, end - first * B);
    }
    const out = new Uint8Array(end - offset);
    parts.forEach((part, k) => {
      const blockStart = (first + k) * B;
      const from = Math.max(offset, blockStart);
      const to = Math.min(end, blockStart + part.byteLength);
      if (to > from) out.set(part.subarray(from - blockStart, to - blockStart), from - offset);
    });
    return out;
  }

  /** One waiter's abort rejects only it; a fetch is cancelled when its last waiter leaves. */
  private abortRead(read: PendingRead): void {
    this.fail(read, abortError(read.signal));
  }

  private settle(read: PendingRead, bytes: Uint8Array): void {
    if (read.settled) return;
    this.release(read);
    read.resolve(bytes);
  }

  private fail(read: PendingRead, error: unknown): void {
    if (read.settled) return;
    this.release(read);
    read.reject(error);
  }

  /** Detaches a settled read from its fetches, cancelling any fetch nobody waits for any more. */
  private release(read: PendingRead): void {
    read.settled = true;
    for (const fetch of read.waitingOn) {
      fetch.waiters.delete(read);
      if (fetch.waiters.size === 0 && !fetch.done) {
        this.endFetch(fetch);
        fetch.controller.abort(abortError(read.signal));
      }
    }
    read.waitingOn.clear();
    read.stopWaiting?.();
  }
}

/** Wraps a source in a BlockCache. */
export function withBlockCache(source: ByteSource, options: BlockCacheOptions = {}): BlockCache {
  return new BlockCache(source, options);
}

/**
 * A block's own copy of its bytes: a view into a larger response would keep the whole response
 * (or a driver's whole buffer) alive while the LRU counts only the block.
 */
function ownedCopy(bytes: Uint8Array, from: number, to: number): Uint8Array {
  if (from === 0 && to === bytes.byteLength && bytes.byteOffset === 0 && bytes.buffer.byteLength === to) return bytes;
  return bytes.slice(from, to);
}
