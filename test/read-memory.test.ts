import { describe, expect, it } from 'vitest';
import { open, type Dataset } from '../src/node.js';
import { inflateImplementation } from '../src/filters/inflate.js';

/** fixtures/memory/readahead.h5 (scripts/make_memory_fixtures.py): 64 chunks of 512 float32 per dataset. */
const FILE = new URL('../fixtures/memory/readahead.h5', import.meta.url).pathname;
const CHUNK = 512 * 4;
/** What one chunk may count: its stored bytes (at most a chunk, plus deflate's few bytes of framing) and one decode buffer (a chunk plus the reader's slack). */
const ONE_CHUNK = CHUNK + 64 + CHUNK + 1024;
const BUDGET = 12_000;

async function readWhole(name: string, readAheadBytes?: number): Promise<{ data: Float32Array; peak: number; batches: number }> {
  const f = await open(FILE, readAheadBytes ? { cache: { readAheadBytes } } : {});
  try {
    const ds = (await f.get(name)) as Dataset;
    const before = f.stats();
    const data = (await ds.read()).data as Float32Array;
    const s = f.stats();
    return { data, peak: s.readAheadPeakBytes, batches: s.directRanges - before.directRanges };
  } finally {
    await f.close();
  }
}

describe('a whole-dataset read holds at most its byte budget (stored chunks plus decode buffers, counted)', () => {
  for (const name of ['/smooth', '/noisy']) {
    it(`${name}: 64 chunks (256 KiB of output) through a ${BUDGET}-byte budget never count more than the budget plus one chunk`, async () => {
      const free = await readWhole(name);
      const bounded = await readWhole(name, BUDGET);
      expect(bounded.data).toEqual(free.data);
      expect(bounded.batches).toBe(64);
      expect(bounded.peak).toBeLessThanOrEqual(BUDGET + ONE_CHUNK);
      // Unbounded (the default 64 MiB), every stored chunk is fetched at once (over 40 chunks' worth
      // of bytes, stored at ~75%): the budget is what bounds the read above.
      expect(free.peak).toBeGreaterThan(40 * CHUNK);
      // The decode buffer is counted, not only the stored bytes: with a budget of one byte each
      // chunk goes alone, and holds its stored bytes (under a chunk) plus a chunk-sized buffer.
      const alone = await readWhole(name, 1);
      expect(alone.data).toEqual(free.data);
      expect(alone.peak).toBeGreaterThan(CHUNK + 1024);
      expect(alone.peak).toBeLessThanOrEqual(ONE_CHUNK);
    });
  }

  it('/plain (no filter) counts stored bytes only: nothing is decoded', async () => {
    const free = await readWhole('/plain');
    expect(free.peak).toBe(64 * CHUNK);
    const bounded = await readWhole('/plain', BUDGET);
    expect(bounded.data).toEqual(free.data);
    expect(bounded.peak).toBeLessThanOrEqual(BUDGET);
  });

  it('the counter starts afresh at resetStats(); a one-chunk read counts one chunk', async () => {
    const f = await open(FILE, { cache: { readAheadBytes: BUDGET } });
    const ds = (await f.get('/noisy')) as Dataset;
    await ds.read();
    expect(f.stats().readAheadPeakBytes).toBeGreaterThan(0);
    f.resetStats();
    expect(f.stats().readAheadPeakBytes).toBe(0);
    await ds.read({ hyperslice: [[0, 10]] });
    expect(f.stats().readAheadPeakBytes).toBeLessThanOrEqual(ONE_CHUNK);
    await f.close();
  });

  it('in Node, chunks inflate on node:zlib\'s thread pool, and the values are the output buffer itself, not a copy', async () => {
    const { data } = await readWhole('/smooth', BUDGET);
    expect(inflateImplementation()).toBe('node:zlib thread pool');
    // One buffer of exactly the selection's bytes: the decoded chunks were copied once, into it,
    // and the float32 values are a view of it (no copy when the file's byte order is the machine's).
    expect(data.buffer.byteLength).toBe(32768 * 4);
    expect(data.byteOffset).toBe(0);
  });
});
