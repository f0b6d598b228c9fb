import type { ByteRange } from '../source.js';

/**
 * The bytes a file's dataset reads hold for the read-ahead, counted: stored chunk bytes fetched
 * or fetching and not yet consumed, plus the decode buffers reserved for them. `peak` is the
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
  /** Bytes each range holds until consumed, its stored length included (default: its length). */
  costs?: readonly number[];
  /** Where the held bytes are counted as well (the file's meter). */
  meter?: ReadAheadMeter;
}

/**
 * Fetches `ranges` in order with at most `budget` counted bytes held at once, calling `consume`
 * for each as soon as it arrives; resolves once every range was consumed and rejects with the
 * first failure (no new fetches start after it).
 *
 * This bounds a large read's working set by design: without it, a fast source (a local file, an
 * in-region S3 bucket) delivers compressed chunks faster than they inflate, and the whole
 * dataset's stored bytes pile up waiting. A range's cost (its stored bytes plus the decode
 * buffers its consumer will allocate) is held from the moment it is asked for. The stored part
 * of a batch is released only when every range of the batch was consumed, because a batch's
 * ranges are views into the same coalesced GET buffers, which live until their last view does;
 * the rest of a range's cost is released as soon as it was consumed.
 *
 * Batches take up to a quarter of the budget, and as many start at once as fit (a refill waits
 * for a batch's worth of room), so a refill overlaps the decoding of the batches before it and each `fetch` call still gets ranges enough
 * to coalesce. A single range costing more than the budget is fetched alone, so the most ever
 * held is max(budget, the costliest range).
 */
export function readAhead(
  ranges: readonly ByteRange[],
  budget: number,
  fetch: (batch: ByteRange[]) => Promise<Uint8Array>[],
  consume: (bytes: Uint8Array, index: number) => void | Promise<void>,
  options: ReadAheadOptions = {},
): Promise<void> {
  const cost = (i: number) => Math.max(options.costs?.[i] ?? 0, ranges[i]!.length);
  const meter = options.meter;
  const batchBudget = Math.max(1, Math.floor(budget / 4));
  return new Promise((resolve, reject) => {
    let next = 0;
    let held = 0;
    let pending = 0;
    let failed = false;
    const hold = (n: number) => {
      held += n;
      meter?.hold(n);
    };
    const release = (n: number) => {
      held -= n;
      meter?.release(n);
    };
    const fail = (e: unknown) => {
      if (!failed) {
        failed = true;
        // What the failed read still counts is no longer the meter's: its buffers are dropped.
        meter?.release(held);
        held = 0;
        reject(e);
      }
    };
    const startBatch = (): boolean => {
      const start = next;
      let bytes = 0;
      while (next < ranges.length) {
        const c = cost(next);
        const alone = next === start && held === 0;
        if (!alone && (held + bytes + c > budget || (next > start && bytes + c > batchBudget))) break;
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
      hold(bytes);
      pending += batch.length;
      let stored = 0;
      for (const r of batch) stored += r.length;
      let left = batch.length;
      promises.forEach((p, k) => {
        p.then((b) => consume(b, start + k)).then(() => {
          if (failed) return;
          // The range's decode reservation goes now; the batch's stored bytes with its last range.
          release(cost(start + k) - batch[k]!.length);
          if (--left === 0) release(stored);
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
      // A refill waits for room for a whole batch (or the next range, if costlier), so GETs stay
      // coalesced instead of trickling out one chunk per consumed chunk.
      while (next < ranges.length && !failed && (held === 0 || budget - held >= Math.min(batchBudget, cost(next))) && startBatch());
    };
    pump();
  });
}
