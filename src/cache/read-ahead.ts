import type { ByteRange } from '../source.js';

/**
 * The bytes a file's dataset reads hold for the read-ahead, counted: stored chunk bytes fetched
 * or fetching and not yet consumed, plus the decode buffers of chunks being decoded. `peak` is the
 * most held at once since the last reset (the file's stats() reports it as readAheadPeakBytes).
 */
export class ReadAheadMeter {
  inUse = 0;
  peak = 0;

  hold(bytes: number): void {
    this.inUse += bytes;
    if (this.inUse > this.peak) this.peak = this.inUse;
  }

  release(bytes: number): void {
    this.inUse -= bytes;
  }

  reset(): void {
    this.peak = this.inUse;
  }
}

export interface ReadAheadOptions {
  /** Bytes of decode buffers each range's consumer allocates (default none), counted while it runs. */
  decodeCosts?: readonly number[];
  /** Consumers that may decode at once (default DECODE_SLOTS). */
  decodeSlots?: number;
  /** Where the held bytes are counted as well (the file's meter). */
  meter?: ReadAheadMeter;
}

/**
 * Chunks decoded at once by one read: node:zlib's thread pool has 4 threads by default, and more
 * calls than threads only queue with their output buffers allocated.
 */
export const DECODE_SLOTS = 4;

/**
 * Fetches `ranges` in order with at most `budget` counted bytes held at once, calling `consume`
 * for each as soon as it arrives; resolves once every range was consumed and rejects with the
 * first failure (no new fetches start after it).
 *
 * This bounds a large read's working set by design: without it, a fast source (a local file, an
 * in-region S3 bucket) delivers compressed chunks faster than they inflate, and the whole
 * dataset's stored bytes pile up waiting. Two things are counted against the budget:
 *  - stored bytes, from the moment a range is asked for. A batch's are released only when every
 *    range of it was consumed, because its ranges are views into the same coalesced GET buffers,
 *    which live until their last view does;
 *  - decode buffers (`decodeCosts`), while a consumer runs. At most `decodeSlots` consumers with
 *    decode buffers run at once, and that many of the largest buffers are set aside from the
 *    budget first, so the stored read-ahead (what keeps a remote link busy) is the rest.
 *
 * Batches take up to a quarter of the stored budget, and as many start at once as fit (a refill
 * waits for a batch's worth of room), so a refill overlaps the decoding of the batches before it
 * and each `fetch` call still gets ranges enough to coalesce. A range that does not fit an empty
 * read-ahead is fetched alone, so the most ever held is max(budget, one range's stored bytes plus
 * its decode buffers).
 */
export function readAhead(
  ranges: readonly ByteRange[],
  budget: number,
  fetch: (batch: ByteRange[]) => Promise<Uint8Array>[],
  consume: (bytes: Uint8Array, index: number) => void | Promise<void>,
  options: ReadAheadOptions = {},
): Promise<void> {
  const meter = options.meter;
  const decodeCost = (i: number) => options.decodeCosts?.[i] ?? 0;
  let maxDecode = 0;
  for (let i = 0; i < ranges.length; i++) maxDecode = Math.max(maxDecode, decodeCost(i));
  // Decode buffers set aside: up to decodeSlots of the largest, at most half the budget.
  const slots = maxDecode > 0 ? Math.max(1, Math.min(options.decodeSlots ?? DECODE_SLOTS, Math.floor(budget / 2 / maxDecode))) : 0;
  const decodeBudget = slots * maxDecode;
  const storedBudget = Math.max(1, budget - decodeBudget);
  const batchBudget = Math.max(1, Math.floor(storedBudget / 4));
  return new Promise((resolve, reject) => {
    let next = 0;
    let stored = 0;
    let decoding = 0;
    let pending = 0;
    let failed = false;
    const waiting: Array<{ cost: number; start: () => void }> = [];
    const fail = (e: unknown) => {
      if (!failed) {
        failed = true;
        // What the failed read still counts is no longer the meter's: its buffers are dropped.
        meter?.release(stored + decoding);
        reject(e);
      }
    };
    const releaseStored = (n: number) => {
      if (failed) return;
      stored -= n;
      meter?.release(n);
    };
    /** Waits for room for `cost` bytes of decode buffers (a lone consumer always has room). */
    const acquireDecode = (cost: number): Promise<void> | void => {
      // After a failure nothing more is decoded, and nothing more counted.
      if (cost === 0 || failed) return;
      if (decoding === 0 || decoding + cost <= decodeBudget) {
        decoding += cost;
        meter?.hold(cost);
        return;
      }
      return new Promise((start) => waiting.push({ cost, start }));
    };
    const releaseDecode = (cost: number) => {
      if (cost === 0 || failed) return;
      decoding -= cost;
      meter?.release(cost);
      while (waiting.length && (decoding === 0 || decoding + waiting[0]!.cost <= decodeBudget)) {
        const w = waiting.shift()!;
        decoding += w.cost;
        meter?.hold(w.cost);
        w.start();
      }
    };
    const consumeOne = async (b: Uint8Array, i: number) => {
      const cost = decodeCost(i);
      await acquireDecode(cost);
      if (failed) return;
      try {
        await consume(b, i);
      } finally {
        releaseDecode(cost);
      }
    };
    const startBatch = (): boolean => {
      const start = next;
      let bytes = 0;
      while (next < ranges.length) {
        const c = ranges[next]!.length;
        const alone = next === start && stored === 0;
        if (!alone && (stored + bytes + c > storedBudget || (next > start && bytes + c > batchBudget))) break;
        bytes += c;
        next++;
      }
      if (next === start) return false;
      const batch = ranges.slice(start, next);
      let promises: Promise<Uint8Array>[];
      try {
        promises = fetch(batch);
      } catch (e) {
        fail(e);
        return false;
      }
      stored += bytes;
      meter?.hold(bytes);
      pending += batch.length;
      let left = batch.length;
      promises.forEach((p, k) => {
        p.then((b) => consumeOne(b, start + k)).then(() => {
          // The batch's stored bytes go with its last range (they share GET buffers).
          if (--left === 0) releaseStored(bytes);
          pending--;
          pump();
        }, fail);
      });
      return true;
    };
    const pump = () => {
      if (failed) return;
      if (next >= ranges.length) {
        if (pending === 0) resolve();
        return;
      }
      // A refill waits for room for a whole batch (or the next range, if larger), so GETs stay
      // coalesced instead of trickling out one chunk per consumed chunk.
      while (next < ranges.length && !failed && (stored === 0 || storedBudget - stored >= Math.min(batchBudget, ranges[next]!.length)) && startBatch());
    };
    pump();
  });
}
