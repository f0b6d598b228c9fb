import type { ByteRange } from '../source.js';

/**
 * Fetches `ranges` in order with at most `budget` bytes of them fetched-or-fetching and not yet
 * consumed, calling `consume` for each as soon as it arrives; resolves once every range was
 * consumed and rejects with the first failure (no new fetches start after it).
 *
 * This bounds a large read's working set: without it, a fast source (a local file, an in-region
 * S3 bucket) delivers compressed chunks faster than they inflate, and the whole dataset's stored
 * bytes pile up waiting. Refills start once half the budget is free and take up to the whole
 * budget, so each `fetch` call gets a batch large enough for its ranges to be coalesced.
 * A single range larger than the budget is fetched alone.
 */
export function readAhead(
  ranges: readonly ByteRange[],
  budget: number,
  fetch: (batch: ByteRange[]) => Promise<Uint8Array>[],
  consume: (bytes: Uint8Array, index: number) => void | Promise<void>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let outstanding = 0;
    let pending = 0;
    let failed = false;
    const fail = (e: unknown) => {
      if (!failed) {
        failed = true;
        reject(e);
      }
    };
    const pump = () => {
      if (failed) return;
      if (next >= ranges.length) {
        if (pending === 0) resolve();
        return;
      }
      if (outstanding > budget / 2) return;
      const start = next;
      let bytes = 0;
      while (next < ranges.length && ((next === start && outstanding === 0) || outstanding + bytes + ranges[next]!.length <= budget)) {
        bytes += ranges[next]!.length;
        next++;
      }
      if (next === start) return;
      const batch = ranges.slice(start, next);
      let promises: Promise<Uint8Array>[];
      try {
        promises = fetch(batch);
      } catch (e) {
        fail(e);
        return;
      }
      outstanding += bytes;
      pending += batch.length;
      promises.forEach((p, k) => {
        p.then((b) => consume(b, start + k)).then(() => {
          outstanding -= batch[k]!.length;
          pending--;
          pump();
        }, fail);
      });
    };
    pump();
  });
}
