import { H5Error, abortError } from '../errors.js';
import { whenAborted, type ByteRange } from '../source.js';

/** Fetches new ranges together under `signal`, one promise per range (readCoalesced's shape). */
export type BatchFetch = (ranges: ByteRange[], signal: AbortSignal) => Promise<Uint8Array>[];

interface Batch {
  controller: AbortController;
  /** Reads still waiting on any range of this batch. */
  waiters: number;
  keys: string[];
}

interface Entry {
  bytes: Promise<Uint8Array>;
  batch: Batch;
}

/**
 * Chunk-data ranges in flight, shared by every read that asks for the same bytes meanwhile (two
 * overlapping selections of one dataset in a readDatasets call, or two callers): one GET, not
 * two. A batch's GETs are aborted only when every read waiting on them has been aborted; a
 * caller's own abort rejects its promise at once.
 */
export class SharedRanges {
  private readonly inflight = new Map<string, Entry>();

  /** One promise per range; `shared` counts the ranges that joined a fetch already in flight. */
  read(ranges: readonly ByteRange[], signal: AbortSignal | undefined, fetch: BatchFetch): { results: Promise<Uint8Array>[]; shared: number } {
    const batch: Batch = { controller: new AbortController(), waiters: 0, keys: [] };
    const fresh: ByteRange[] = [];
    const settle: Array<{ resolve(b: Uint8Array): void; reject(e: unknown): void }> = [];
    let shared = 0;
    const entries = ranges.map((r) => {
      const key = `${r.offset}:${r.length}`;
      const existing = this.inflight.get(key);
      if (existing) {
        shared++;
        return existing;
      }
      const bytes = new Promise<Uint8Array>((resolve, reject) => settle.push({ resolve, reject }));
      const entry: Entry = { bytes, batch };
      const forget = () => {
        if (this.inflight.get(key) === entry) this.inflight.delete(key);
      };
      bytes.then(forget, forget);
      this.inflight.set(key, entry);
      batch.keys.push(key);
      fresh.push(r);
      return entry;
    });
    if (fresh.length) {
      let got: Promise<Uint8Array>[];
      try {
        got = fetch(fresh, batch.controller.signal);
      } catch (e) {
        got = fresh.map(() => Promise.reject(e));
      }
      got.forEach((p, k) => p.then(settle[k]!.resolve, settle[k]!.reject));
    }
    return { results: entries.map((e) => this.attach(e, signal)), shared };
  }

  private attach(entry: Entry, signal: AbortSignal | undefined): Promise<Uint8Array> {
    const batch = entry.batch;
    batch.waiters++;
    return new Promise<Uint8Array>((resolve, reject) => {
      let done = false;
      let offAbort: (() => void) | undefined;
      const leave = (aborted: boolean) => {
        done = true;
        offAbort?.();
        if (--batch.waiters === 0 && aborted) {
          // Nobody wants these bytes any more: stop the GETs, and let later reads start afresh.
          for (const key of batch.keys) if (this.inflight.get(key)?.batch === batch) this.inflight.delete(key);
          batch.controller.abort(new H5Error('Aborted', 'every read waiting for these bytes was aborted'));
        }
      };
      const onAbort = () => {
        if (done) return;
        leave(true);
        reject(abortError(signal));
      };
      if (signal?.aborted) return onAbort();
      if (signal) offAbort = whenAborted(signal, onAbort);
      entry.bytes.then(
        (b) => {
          if (done) return;
          leave(false);
          resolve(b);
        },
        (e: unknown) => {
          if (done) return;
          leave(false);
          reject(e);
        },
      );
    });
  }
}
