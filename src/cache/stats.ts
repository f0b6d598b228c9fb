import { DEFAULT_STATS_LOG_ENTRIES } from '../defaults.js';
import { H5Error } from '../errors.js';
import type { ByteRange, ByteSource, ReadOptions } from '../source.js';

/**
 * What a source was asked for. Latency over the network is paid per sequential round trip, so
 * besides requests and bytes this counts WAVES: a request's wave is 1 + the highest wave among
 * requests that had already completed when it started. Requests issued together share a wave; a
 * request that waited for another (for its data, or for a concurrency slot) lands in a later one.
 */
export interface IOStats {
  /** Requests started (including ones that failed). */
  requests: number;
  /** Requests that rejected (aborts included). */
  failures: number;
  /** Sum of the lengths asked for. */
  bytesRequested: number;
  /** Sum of the lengths returned (smaller than requested only at EOF or on failure). */
  bytesTransferred: number;
  /** The highest wave seen: the number of sequential round trips so far. */
  waves: number;
  /** Requests in flight now. */
  inFlight: number;
  /** The most requests ever in flight at once. */
  maxInFlight: number;
}

/** One request as the source saw it. */
export interface IORecord {
  offset: number;
  length: number;
  wave: number;
  /** Bytes returned; -1 while in flight or if it failed. */
  bytes: number;
  /** False while in flight; true once it resolved or rejected. */
  done: boolean;
  error?: string;
}

export interface StatsSource extends ByteSource {
  readonly stats: IOStats;
  /** The most recent requests, oldest first (bounded; see logLimit). */
  readonly log: readonly IORecord[];
  /** Zeroes the counters and the log; requests in flight finish without counting. */
  resetStats(): void;
  /** The wrapped driver. */
  readonly inner: ByteSource;
}

export interface StatsOptions {
  /** Requests kept in the log (default DEFAULT_STATS_LOG_ENTRIES). */
  logLimit?: number;
}

function emptyStats(): IOStats {
  return { requests: 0, failures: 0, bytesRequested: 0, bytesTransferred: 0, waves: 0, inFlight: 0, maxInFlight: 0 };
}

class StatsWrapper implements StatsSource {
  readonly key: string;
  /** Live counters; the same object for the wrapper's lifetime (resetStats zeroes it in place). */
  readonly stats: IOStats = emptyStats();
  private entries: IORecord[] = [];
  private maxCompletedWave = 0;
  /** Bumped by resetStats so completions of older requests do not touch the new counters. */
  private generation = 0;
  private readonly logLimit: number;

  /** Present only when the driver has it: one multi-range request, counted as one request. */
  readonly readRanges?: (ranges: readonly ByteRange[], options?: ReadOptions) => Promise<Uint8Array[]>;

  constructor(readonly inner: ByteSource, options: StatsOptions) {
    this.key = inner.key;
    this.logLimit = Math.max(0, options.logLimit ?? DEFAULT_STATS_LOG_ENTRIES);
    const many = inner.readRanges?.bind(inner);
    if (many) {
      this.readRanges = (ranges, options) => {
        const length = ranges.reduce((n, r) => n + r.length, 0);
        // The log names the first range's offset and the sum of the lengths.
        return this.track(ranges[0]?.offset ?? 0, length, () => many(ranges, options), (parts) => parts.reduce((n, p) => n + p.byteLength, 0));
      };
    }
  }

  get size(): number | undefined {
    return this.inner.size;
  }

  get multiRange(): boolean | undefined {
    return this.inner.multiRange;
  }

  get smallRangeConcurrency(): number | undefined {
    return this.inner.smallRangeConcurrency;
  }

  read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    return this.track(offset, length, () => this.inner.read(offset, length, options), (b) => b.byteLength);
  }

  private async track<T>(offset: number, length: number, run: () => Promise<T>, sizeOf: (result: T) => number): Promise<T> {
    const generation = this.generation;
    const stats = this.stats;
    const wave = this.maxCompletedWave + 1;
    const record: IORecord = { offset, length, wave, bytes: -1, done: false };
    stats.requests++;
    stats.bytesRequested += length;
    stats.waves = Math.max(stats.waves, wave);
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    if (this.logLimit > 0) {
      // Trim in batches so a long run does not shift the array on every request.
      if (this.entries.length >= this.logLimit * 2) this.entries = this.entries.slice(-this.logLimit);
      this.entries.push(record);
    }
    const finish = (): void => {
      record.done = true;
      if (generation !== this.generation) return;
      stats.inFlight--;
      this.maxCompletedWave = Math.max(this.maxCompletedWave, wave);
    };
    try {
      const result = await run();
      record.bytes = sizeOf(result);
      if (generation === this.generation) stats.bytesTransferred += record.bytes;
      finish();
      return result;
    } catch (e) {
      record.error = e instanceof Error ? e.message : String(e);
      if (generation === this.generation) stats.failures++;
      finish();
      throw e;
    }
  }

  get log(): readonly IORecord[] {
    return this.entries.length > this.logLimit ? this.entries.slice(-this.logLimit) : this.entries;
  }

  resetStats(): void {
    this.generation++;
    Object.assign(this.stats, emptyStats());
    this.entries = [];
    this.maxCompletedWave = 0;
  }

  async getSize(options?: ReadOptions): Promise<number> {
    if (this.inner.getSize) return this.inner.getSize(options);
    if (this.inner.size !== undefined) return this.inner.size;
    throw new H5Error('Unsupported', 'this source cannot report its size', { source: this.key });
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}

/**
 * Wraps a driver so every request it serves is counted. Place it directly above the driver
 * (below any cache), so it sees exactly the requests that reach the network.
 */
export function withStats(source: ByteSource, options: StatsOptions = {}): StatsSource {
  return new StatsWrapper(source, options);
}

/** Whether a source carries IOStats (was wrapped by withStats). */
export function isStatsSource(source: ByteSource): source is StatsSource {
  const s = source as Partial<StatsSource>;
  return typeof s.stats === 'object' && s.stats !== null && typeof s.resetStats === 'function';
}
