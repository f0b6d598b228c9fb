import { onAbort } from '../source.js';
import {
  DEFAULT_BLOCK_SIZE,
  DEFAULT_CACHE_BYTES,
  DEFAULT_CONCURRENCY,
  DEFAULT_DIRECT_MAX_GAP,
  DEFAULT_DIRECT_MAX_REQUEST_BYTES,
  DEFAULT_INITIAL_READ_SIZE,
  DEFAULT_READ_AHEAD_BYTES,
  DEFAULT_METADATA_MAX_GAP,
  DEFAULT_METADATA_MAX_REQUEST_BYTES,
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
  /** Metadata block size in bytes (default DEFAULT_BLOCK_SIZE). */
  blockSize?: number;
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
}

const EMPTY = new Uint8Array(0);

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
  private learnedSize: number | undefined;
  private readonly opts: Required<BlockCacheOptions>;
  private counters = { hits: 0, misses: 0, fetches: 0, directRanges: 0, directFromCache: 0, directShared: 0, evictions0: 0 };
  private readonly directInflight = new SharedRanges();
  /** What dataset reads hold for their chunks (cache/read-ahead.ts counts into it). */
  readonly readAheadMeter = new ReadAheadMeter();

  constructor(readonly source: ByteSource, options: BlockCacheOptions = {}) {
    this.opts = {
      blockSize: options.blockSize ?? DEFAULT_BLOCK_SIZE,
      cacheBytes: options.cacheBytes ?? DEFAULT_CACHE_BYTES,
      maxGap: options.maxGap ?? DEFAULT_METADATA_MAX_GAP,
      maxRequestBytes: options.maxRequestBytes ?? DEFAULT_METADATA_MAX_REQUEST_BYTES,
      directMaxGap: options.directMaxGap ?? DEFAULT_DIRECT_MAX_GAP,
      directMaxRequestBytes: options.directMaxRequestBytes ?? DEFAULT_DIRECT_MAX_REQUEST_BYTES,
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      initialReadSize: options.initialReadSize ?? DEFAULT_INITIAL_READ_SIZE,
      readAheadBytes: options.readAheadBytes ?? DEFAULT_READ_AHEAD_BYTES,
    };
    for (const [name, value] of Object.entries(this.opts)) {
      const positive = name === 'blockSize' || name === 'concurrency' || name.endsWith('RequestBytes') || name === 'readAheadBytes';
      if (!Number.isSafeInteger(value) || value < 0 || (positive && value === 0)) {
        throw new H5Error('Invalid', `block cache option ${name} must be a ${positive ? 'positive' : 'non-negative'} integer, got ${value}`, { source: source.key });
      }
    }
    this.key = source.key;
    this.blockSize = this.opts.blockSize;
    this.lru = new ByteLRU(this.opts.cacheBytes, (b) => b.byteLength);
    this.limit = new PriorityLimit(this.opts.concurrency);
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
    try {
      checkRange(offset, length, this.key);
      throwIfAborted(options?.signal);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.enqueue(offset, length, options?.signal);
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
    const fetchRange: RangeFetch = (offset, length, signal) =>
      this.limit.run('data', async () => {
        // The caller may have aborted while this GET sat in the concurrency queue.
        throwIfAborted(signal);
        try {
          return await this.fetchFromSource(offset, length, signal);
        } catch (e) {
          throw toH5Error(e, 'Network', `reading bytes ${offset}-${offset + length}`, { source: this.key, offset });
        }
      });
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
    for (const f of new Set(this.inflight.values())) f.controller.abort(new H5Error('Aborted', 'the source was closed', { source: this.key }));
    this.inflight.clear();
    this.lru.clear();
    await this.source.close?.();
  }

  // ---- reads of blocks ----

  private enqueue(offset: number, length: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
    const size = this.size;
    let end = offset + length;
    if (length === 0 || (size !== undefined && offset >= size)) return Promise.resolve(EMPTY);
    if (size !== undefined) end = Math.min(end, size);
    const cached = this.fromCache(offset, end);
    if (cached) return Promise.resolve(cached);
    return new Promise<Uint8Array>((resolve, reject) => {
      const read: PendingRead = { offset, end, signal, parts: [], waitingOn: new Set(), settled: false, resolve, reject };
      if (signal) {
        read.stopWaiting = onAbort(signal, () => this.abortRead(read));
      }
      this.queue.push(read);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        scheduleMacrotask(() => this.flush());
      }
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

  /** Plans every read collected this turn: missing blocks become as few GETs as allowed. */
  private flush(): void {
    this.flushScheduled = false;
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
    const indices = [...missing.keys()].sort((a, b) => a - b);
    const groups = coalesceRanges(
      indices.map((i) => ({ offset: i * B, length: B })),
      { maxGap: this.opts.maxGap, maxRequestBytes: Math.max(B, this.opts.maxRequestBytes) },
    );
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
      for (const m of group.members) for (const read of missing.get(indices[m]!)!) this.wait(read, fetch);
      void this.limit.run('metadata', () => this.runFetch(fetch));
    }
    for (const read of batch) if (!read.settled && read.waitingOn.size === 0) this.complete(read);
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
    let blocks: Uint8Array[];
    try {
      // Every waiter may have left while this GET sat in the concurrency queue.
      throwIfAborted(fetch.controller.signal);
      const bytes = length === 0 ? EMPTY : await this.fetchFromSource(start, length, fetch.controller.signal);
      blocks = [];
      for (let k = 0; k < fetch.count; k++) {
        const from = k * B;
        const block = from >= bytes.byteLength ? EMPTY : ownedCopy(bytes, from, Math.min(from + B, bytes.byteLength));
        blocks.push(block);
        if (block.byteLength > 0) this.lru.set(fetch.first + k, block);
      }
    } catch (e) {
      this.endFetch(fetch);
      const error = toH5Error(e, 'Network', `reading bytes ${start}-${start + length}`, { source: this.key, offset: start });
      for (const read of fetch.waiters) this.fail(read, error);
      return;
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
  private async fetchFromSource(offset: number, length: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
    this.counters.fetches++;
    const bytes = await this.source.read(offset, length, { signal });
    if (bytes.byteLength > length) {
      throw new H5Error('Network', `the source returned ${bytes.byteLength} bytes for a ${length}-byte range`, { source: this.key, offset });
    }
    if (bytes.byteLength < length && this.learnedSize === undefined) this.learnedSize = offset + bytes.byteLength;
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
