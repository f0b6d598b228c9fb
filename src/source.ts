/**
 * The one I/O contract every layer speaks. Drivers (file, HTTP, S3, memory) implement it;
 * the block cache, coalescing, retries and statistics are wrappers that return it again.
 */
export interface ReadOptions {
  signal?: AbortSignal;
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

/** Each signal's subscribers, and the one 'abort' listener that calls them. */
const subscribers = new WeakMap<AbortSignal, { fns: Set<() => void>; listener: () => void }>();

/**
 * Calls `fn` once when `signal` aborts (the caller checks `signal.aborted` first); returns the
 * function that unsubscribes. Every subscriber of one signal shares a single 'abort' listener:
 * a walk's thousands of concurrent reads under one signal would otherwise add one each, and Node
 * prints a MaxListenersExceededWarning past 10.
 */
export function whenAborted(signal: AbortSignal, fn: () => void): () => void {
  let entry = subscribers.get(signal);
  if (!entry) {
    const fns = new Set<() => void>();
    const listener = () => {
      subscribers.delete(signal);
      for (const f of [...fns]) f();
    };
    entry = { fns, listener };
    subscribers.set(signal, entry);
    signal.addEventListener('abort', listener, { once: true });
  }
  const { fns, listener } = entry;
  // A wrapper per subscription: the same function subscribed twice is called twice, as with addEventListener.
  const call = () => fn();
  fns.add(call);
  return () => {
    if (!fns.delete(call) || fns.size || subscribers.get(signal)?.fns !== fns) return;
    // The last subscriber left: the signal keeps no listener of ours.
    subscribers.delete(signal);
    signal.removeEventListener('abort', listener);
  };
}
