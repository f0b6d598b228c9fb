import { H5Error } from '../errors.js';
import { whenAborted } from '../source.js';

/**
 * Runs related tasks (one call's opens or reads) in parallel under one child signal: the first
 * failure aborts the others, so their GETs stop instead of running on unobserved, and is what
 * the call rejects with. The caller's own signal aborts them all too.
 */
export async function together<T>(signal: AbortSignal | undefined, tasks: ReadonlyArray<(signal: AbortSignal) => Promise<T>>): Promise<T[]> {
  const child = new AbortController();
  const forward = () => child.abort(signal!.reason);
  let offAbort: (() => void) | undefined;
  if (signal?.aborted) forward();
  else if (signal) offAbort = whenAborted(signal, forward);
  try {
    return await Promise.all(
      tasks.map((task) =>
        task(child.signal).catch((e: unknown) => {
          if (!child.signal.aborted) child.abort(new H5Error('Aborted', 'a related read failed', { cause: e }));
          throw e;
        }),
      ),
    );
  } finally {
    offAbort?.();
  }
}
