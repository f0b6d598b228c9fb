import { followAbort } from '../source.js';
import { H5Error } from '../errors.js';

/**
 * Runs related tasks (one call's opens or reads) in parallel under one child signal: the first
 * failure aborts the others, so their GETs stop instead of running on unobserved, and is what
 * the call rejects with. The caller's own signal aborts them all too.
 */
export async function together<T>(signal: AbortSignal | undefined, tasks: ReadonlyArray<(signal: AbortSignal) => Promise<T>>): Promise<T[]> {
  const { controller: child, release } = followAbort(signal);
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
    release();
  }
}
