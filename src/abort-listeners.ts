/**
 * One 'abort' listener per signal, fanning out to every waiter.
 *
 * A read of many chunks waits on the caller's signal from dozens of places at once (queued block
 * reads, coalesced groups, retries). Each adding its own listener makes Node print
 * MaxListenersExceededWarning past 10; raising the limit needs `node:events`, which the core may
 * not import. So waiters register here, and the signal itself only ever sees one listener.
 */

type Waiters = Set<() => void>;

const waitersOf = new WeakMap<AbortSignal, Waiters>();

/**
 * Calls `fn` once when `signal` aborts. Returns a function that stops waiting (idempotent).
 * `fn` is not called if the signal has already aborted: check `signal.aborted` first.
 */
export function onAbort(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (!signal || signal.aborted) return noop;
  let waiters = waitersOf.get(signal);
  if (!waiters) {
    const set: Waiters = new Set();
    waiters = set;
    waitersOf.set(signal, set);
    const fire = (): void => {
      waitersOf.delete(signal);
      for (const w of [...set]) w();
      set.clear();
    };
    signal.addEventListener('abort', fire, { once: true });
  }
  // A fresh wrapper per call, so the same `fn` registered twice is two waiters.
  const waiter = (): void => fn();
  waiters.add(waiter);
  const own = waiters;
  return () => {
    own.delete(waiter);
  };
}

function noop(): void {}
