/**
 * The one I/O contract every layer speaks. Drivers (file, HTTP, S3, memory) implement it;
 * the block cache, coalescing, retries and statistics are wrappers that return it again.
 */
export interface ReadOptions {
  signal?: AbortSignal;
  /**
   * Optional, for drivers that stream: called as the response arrives with the bytes received so
   * far from `offset` on (a view that only grows; the final result holds the same bytes), so a
   * caller can use the start of a long range before its end arrives. Drivers may ignore it.
   */
  onBytes?: (received: Uint8Array) => void;
}

export interface ByteSource {
  /** A stable identity for the bytes (URL or path); caches key on it. Never contains credentials. */
  readonly key: string;
  /**
   * Total size in bytes once known. Drivers learn it on open or from the first response
   * (Content-Range), so it may be undefined before the first read.
   */
  readonly size: number | undefined;
  /**
   * Reads `length` bytes at `offset`. The result is shorter than `length` only when the range
   * runs past the end of the object (a short read at EOF); it is never longer.
   */
  read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array>;
  /**
   * Optional: many ranges in ONE request (an HTTP multi-range GET), each result as read() would
   * return it. Only sources that can do it have it; wrappers pass it through. A source whose
   * server turns out not to support it still answers (with one request per range) and then
   * reports `multiRange === false`.
   */
  readRanges?(ranges: readonly ByteRange[], options?: ReadOptions): Promise<Uint8Array[]>;
  /** With readRanges: false once the server was seen not to serve multi-range requests. */
  readonly multiRange?: boolean | undefined;
  /**
   * Optional: how many small GETs at once suit a source that has no readRanges but prices and
   * limits requests, not connections (S3). The block cache uses it for big batches of small
   * metadata ranges; without it, its `concurrency` bounds every GET.
   */
  readonly smallRangeConcurrency?: number;
  /** Learns the size if it is not known yet (HEAD or a 1-byte GET). */
  getSize?(options?: ReadOptions): Promise<number>;
  /** Releases handles and connections. Safe to call twice. */
  close?(): Promise<void>;
}

/** A byte range, [offset, offset + length). */
export interface ByteRange {
  offset: number;
  length: number;
}

/**
 * One 'abort' listener per signal, fanning out to every waiter.
 *
 * A read of many chunks waits on the caller's signal from dozens of places at once (queued block
 * reads, coalesced groups, retries). Each adding its own listener makes Node print
 * MaxListenersExceededWarning past 10; raising the limit needs `node:events`, which the core may
 * not import. So waiters register here, and the signal itself only ever sees one listener.
 */

interface Waiters {
  fns: Set<() => void>;
  fire: () => void;
}

const waitersOf = new WeakMap<AbortSignal, Waiters>();

/**
 * Calls `fn` once when `signal` aborts. Returns a function that stops waiting (idempotent); when
 * the last waiter leaves, the signal keeps no listener of ours. `fn` is not called if the signal
 * has already aborted: check `signal.aborted` first.
 */
export function onAbort(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (!signal || signal.aborted) return noop;
  let entry = waitersOf.get(signal);
  if (!entry) {
    const fns = new Set<() => void>();
    const fire = (): void => {
      waitersOf.delete(signal);
      for (const w of [...fns]) w();
      fns.clear();
    };
    entry = { fns, fire };
    waitersOf.set(signal, entry);
    signal.addEventListener('abort', fire, { once: true });
  }
  // A fresh wrapper per call, so the same `fn` registered twice is two waiters.
  const waiter = (): void => fn();
  const { fns, fire } = entry;
  fns.add(waiter);
  return () => {
    if (!fns.delete(waiter) || fns.size || waitersOf.get(signal)?.fns !== fns) return;
    waitersOf.delete(signal);
    signal.removeEventListener('abort', fire);
  };
}

/**
 * A controller that aborts, with `parent`'s reason, when `parent` does (at once if it already
 * has): the child signal a group of related reads shares. `release()` stops following `parent`.
 */
export function followAbort(parent: AbortSignal | undefined): { controller: AbortController; release: () => void } {
  const controller = new AbortController();
  const forward = (): void => controller.abort(parent!.reason);
  if (parent?.aborted) forward();
  return { controller, release: onAbort(parent, forward) };
}

function noop(): void {}
