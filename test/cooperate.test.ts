/**
 * Issue 15: long runs of work resolved from cache must let timers run. Each loop below repeats a
 * read whose every step is served from cache (after the first): vlen decoding through the global
 * heap, an element-wise virtual dataset read, a chunked read, a symbol-table and a fractal-heap
 * listing. Without cooperative yielding these ran in microtasks and an AbortSignal.timeout could
 * not fire; each must now end with 'Timeout' (an AbortSignal.timeout) soon after its 100 ms signal.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { open } from '../src/node.js';
import type { Dataset, Group } from '../src/api/objects.js';
import { failure } from './helpers/failure.js';

const FIX = join(import.meta.dirname, '..', 'fixtures');

/** Repeats `step` until it throws or 5 s pass (a loop that never yields runs out the 5 s with the signal unfired). */
async function spin(step: (signal: AbortSignal) => Promise<unknown>): Promise<{ code: string; ms: number; rounds: number }> {
  const signal = AbortSignal.timeout(100);
  const t0 = Date.now();
  let rounds = 0;
  const run = async () => {
    while (Date.now() - t0 < 5000) {
      await step(signal);
      rounds++;
    }
    return 'never aborted';
  };
  const e = await failure(run());
  return { code: e.code, ms: Date.now() - t0, rounds };
}

describe('cached work yields to the event loop and honours a 100 ms signal', () => {
  const cases: [string, string, (f: Group, signal: AbortSignal) => Promise<unknown>][] = [
    ['vlen sequences (global heap)', 'dtypes_earliest.h5', async (f, signal) => ((await f.get('vlen/vlen_i4', { signal })) as Dataset).read(undefined, { signal })],
    ['vlen strings', 'dtypes_earliest.h5', async (f, signal) => ((await f.get('strings/vlen_utf8', { signal })) as Dataset).read(undefined, { signal })],
    ['element-wise virtual dataset (points)', 'vds_large.h5', async (f, signal) => ((await f.get('interleaved', { signal })) as Dataset).read({ points: [[1], [2], [3999]] }, { signal })],
    ['chunked dataset', 'vds_large.h5', async (f, signal) => ((await f.get('even', { signal })) as Dataset).read(undefined, { signal })],
    ['symbol table listing', 'groups_earliest.h5', (f, signal) => f.keys({ signal })],
    ['fractal heap listing', 'groups_latest.h5', (f, signal) => f.keys({ signal })],
  ];
  it.each(cases)('%s', async (_what, file, step) => {
    const f = await open(join(FIX, file));
    const out = await spin((signal) => step(f, signal));
    expect(out.code).toBe('Timeout');
    expect(out.rounds).toBeGreaterThan(0);
    // A generous bound, not a timing benchmark: without yielding the signal never fired.
    expect(out.ms).toBeLessThan(2000);
    await f.close();
  });
});
