/**
 * Cooperative yielding. Work resolved from cache runs in microtasks, which never let timers
 * run: a long walk of cached groups (or a corrupt file that makes one look endless) would
 * starve the event loop, and a caller's AbortSignal.timeout could never fire. So long runs of
 * such work call `cooperate()`, which every SLICE_MS of busy time waits for one macrotask
 * (timers and I/O get their turn) and then honours the signal.
 */
import { throwIfAborted } from './errors.js';

/** Busy time between yields: short enough that a 100 ms timeout fires close to on time, long
 * enough that the yields (a MessageChannel round trip, a few microseconds) cost nothing measurable. */
export const SLICE_MS = 10;

let sliceStart = Date.now();

/** One macrotask: MessageChannel where it exists (no 4 ms clamp in browsers), else setTimeout. */
function macrotask(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof MessageChannel === 'undefined') {
      setTimeout(resolve, 0);
      return;
    }
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

/** True when the current slice of busy time is used up and the caller should `cooperate()`. */
export function sliceUsed(): boolean {
  // Decided once per synchronous run: reads a loop starts together (a level of a tree) all yield
  // or all go on, so a clock tick in the middle of the loop cannot split them into two waves.
  if (decision === null) {
    decision = Date.now() - sliceStart >= SLICE_MS;
    queueMicrotask(() => {
      decision = null;
    });
  }
  return decision;
}

let decision: boolean | null = null;

/**
 * Yields to the event loop when the slice is used up, then throws 'Aborted' if `signal` fired.
 * Cheap when the slice is not used up (one clock read).
 */
export async function cooperate(signal?: AbortSignal): Promise<void> {
  if (sliceUsed()) {
    // One yield shared by every caller that finds the slice used up: reads started in the same
    // tick (a whole level of a B-tree, say) resume in the same macrotask, so they still go out
    // together and coalesce, instead of one per macrotask.
    pending ??= macrotask().then(() => {
      sliceStart = Date.now();
      pending = null;
    });
    await pending;
  }
  throwIfAborted(signal);
}

let pending: Promise<void> | null = null;
