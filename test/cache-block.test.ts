import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BlockCache, withBlockCache, type BlockCacheOptions } from '../src/cache/block-cache.js';
import { withStats } from '../src/cache/stats.js';
import { isH5Error } from '../src/errors.js';
import { RecordingSource, patternBytes, type RecordingSourceOptions } from './helpers/recording-source.js';

const B = 1024;
const data = patternBytes(64 * B);

/** driver -> stats -> cache, as coh5 stacks them. */
function stack(options: BlockCacheOptions = {}, sourceOptions: RecordingSourceOptions = {}, bytes = data) {
  const source = new RecordingSource(bytes, { delayMs: 2, ...sourceOptions });
  const stats = withStats(source);
  const cache = withBlockCache(stats, { blockSize: B, maxGap: 0, ...options });
  const gets = () => source.requests.map((r) => [r.offset, r.length]);
  return { source, stats, cache, gets };
}

const expected = (offset: number, length: number, bytes = data) => bytes.slice(offset, Math.min(offset + length, bytes.length));
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return isH5Error(e) ? e.code : `not an H5Error: ${String(e)}`;
  }
}

describe('BlockCache: planning reads into GETs', () => {
  it('one read fetches its aligned block in one GET, then serves it from the cache', async () => {
    const { cache, gets } = stack();
    expect(await cache.read(100, 50)).toEqual(expected(100, 50));
    expect(gets()).toEqual([[0, B]]);
    expect(await cache.read(0, B)).toEqual(expected(0, B));
    expect(gets()).toHaveLength(1);
    expect(cache.stats).toMatchObject({ requests: 1, bytesTransferred: B, waves: 1, hits: 1, misses: 1, blocksCached: 1, bytesCached: B });
  });

  it('two adjacent reads in the same tick make one GET', async () => {
    const { cache, gets } = stack();
    const [a, b] = await Promise.all([cache.read(10, 20), cache.read(B + 5, 30)]);
    expect(a).toEqual(expected(10, 20));
    expect(b).toEqual(expected(B + 5, 30));
    expect(gets()).toEqual([[0, 2 * B]]);
  });

  it('reads started by several async functions in the same turn join one plan', async () => {
    const { cache, gets } = stack();
    // Each caller reaches its read after a different number of awaits, as parsers of different
    // structures do; a microtask flush would plan the first read alone.
    const walk = async (offset: number, depth: number) => {
      for (let i = 0; i < depth; i++) await Promise.resolve();
      return cache.read(offset, 8);
    };
    const out = await Promise.all([walk(0, 0), walk(B, 5), walk(2 * B + 100, 50)]);
    expect(out[2]).toEqual(expected(2 * B + 100, 8));
    expect(gets()).toEqual([[0, 3 * B]]);
    expect(cache.stats.waves).toBe(1);
  });

  it('reads separated by a gap up to maxGap make one GET, the gap included', async () => {
    const { cache, gets } = stack({ maxGap: 2 * B });
    await Promise.all([cache.read(0, 10), cache.read(3 * B, 10)]);
    expect(gets()).toEqual([[0, 4 * B]]);
    expect(cache.stats.blocksCached).toBe(4); // the gap blocks are cached too
  });

  it('reads separated by a larger gap make two GETs in ONE wave', async () => {
    const { cache, gets } = stack({ maxGap: 2 * B });
    await Promise.all([cache.read(0, 10), cache.read(4 * B, 10)]);
    expect(gets()).toEqual([
      [0, B],
      [4 * B, B],
    ]);
    expect(cache.stats).toMatchObject({ requests: 2, waves: 1, maxInFlight: 2 });
  });

  it('a read issued after another completed is wave 2', async () => {
    const { cache } = stack();
    await cache.read(0, 10);
    await cache.read(10 * B, 10);
    expect(cache.stats).toMatchObject({ requests: 2, waves: 2 });
  });

  it('maxRequestBytes splits a long run into parallel GETs', async () => {
    const { cache, gets } = stack({ maxRequestBytes: 4 * B });
    expect(await cache.read(100, 10 * B - 200)).toEqual(expected(100, 10 * B - 200));
    expect(gets()).toEqual([
      [0, 4 * B],
      [4 * B, 4 * B],
      [8 * B, 2 * B],
    ]);
    expect(cache.stats.waves).toBe(1);
  });

  it('readMany plans all ranges at once', async () => {
    const { cache, gets } = stack({ maxGap: B });
    const ranges = [
      { offset: 6 * B, length: 10 },
      { offset: 0, length: 10 },
      { offset: 2 * B, length: 2 * B },
      { offset: 40 * B, length: 0 },
    ];
    const out = await cache.readMany(ranges);
    ranges.forEach((r, i) => expect(out[i]).toEqual(expected(r.offset, r.length)));
    expect(gets()).toEqual([
      [0, 4 * B],
      [6 * B, B],
    ]);
  });

  it('a GET in flight is shared: two readers of one block cause one GET', async () => {
    const { cache, gets } = stack({}, { delayMs: 20 });
    const first = cache.read(0, 10);
    await nextTurn(); // the first GET is planned and in flight
    expect(gets()).toEqual([[0, B]]);
    const second = cache.read(500, 100);
    expect(await second).toEqual(expected(500, 100));
    expect(await first).toEqual(expected(0, 10));
    expect(gets()).toEqual([[0, B]]);
    expect(cache.stats).toMatchObject({ misses: 2, hits: 0, requests: 1 });
  });

  it('serves reads larger than the whole cache', async () => {
    const { cache, gets } = stack({ cacheBytes: 2 * B });
    expect(await cache.read(0, 8 * B)).toEqual(expected(0, 8 * B));
    expect(gets()).toEqual([[0, 8 * B]]);
    expect(cache.stats.bytesCached).toBe(2 * B);
  });
});

describe('BlockCache: eviction', () => {
  it('evicts least recently used blocks under the byte bound', async () => {
    const { cache, gets } = stack({ cacheBytes: 3 * B });
    await cache.read(0, 1); // block 0
    await cache.read(10 * B, 1); // block 10
    await cache.read(20 * B, 1); // block 20
    await cache.read(0, 1); // hit: 0 becomes most recent, 10 is now the least
    await cache.read(30 * B, 1); // evicts 10
    expect(cache.stats).toMatchObject({ evictions: 1, blocksCached: 3, bytesCached: 3 * B, hits: 1 });
    const before = gets().length;
    await cache.read(0, 1);
    await cache.read(20 * B, 1);
    expect(gets()).toHaveLength(before); // 0 and 20 survived
    await cache.read(10 * B, 1);
    expect(gets()).toHaveLength(before + 1); // 10 was evicted
    expect(gets().at(-1)).toEqual([10 * B, B]);
  });
});

describe('BlockCache: aborts', () => {
  it("one waiter's abort rejects only that waiter; the shared GET goes on", async () => {
    const { cache, source } = stack({}, { delayMs: 30 });
    const c1 = new AbortController();
    const r1 = cache.read(0, 10, { signal: c1.signal });
    const r2 = cache.read(20, 10);
    await nextTurn();
    c1.abort();
    expect(await codeOf(r1)).toBe('Aborted');
    expect(await r2).toEqual(expected(20, 10));
    expect(source.requests).toEqual([{ offset: 0, length: B, bytes: B, aborted: false }]);
    expect(cache.stats.blocksCached).toBe(1);
  });

  it('when every waiter aborts, the GET is cancelled and a later read fetches again', async () => {
    const { cache, source } = stack({}, { delayMs: 30 });
    const c1 = new AbortController();
    const c2 = new AbortController();
    const r1 = cache.read(0, 10, { signal: c1.signal });
    await nextTurn();
    const r2 = cache.read(20, 10, { signal: c2.signal }); // joins the GET in flight
    c1.abort();
    expect(source.requests[0]!.aborted).toBe(false);
    c2.abort();
    expect(await codeOf(r1)).toBe('Aborted');
    expect(await codeOf(r2)).toBe('Aborted');
    await new Promise((r) => setTimeout(r, 5));
    expect(source.requests).toEqual([{ offset: 0, length: B, bytes: -1, aborted: true }]);
    expect(await cache.read(0, 10)).toEqual(expected(0, 10));
    expect(source.requests).toHaveLength(2);
  });

  it('an already aborted signal rejects without a request; an abort before the flush plans nothing', async () => {
    const { cache, source } = stack();
    expect(await codeOf(cache.read(0, 1, { signal: AbortSignal.abort() }))).toBe('Aborted');
    const c = new AbortController();
    const r = cache.read(0, 1, { signal: c.signal });
    c.abort();
    expect(await codeOf(r)).toBe('Aborted');
    await nextTurn();
    expect(source.requests).toHaveLength(0);
  });

  it('a GET waiting for a concurrency slot is skipped once all its waiters left', async () => {
    const { cache, source } = stack({ concurrency: 1 }, { delayMs: 20 });
    const first = cache.read(0, 1);
    const c = new AbortController();
    const queued = cache.read(10 * B, 1, { signal: c.signal });
    await nextTurn();
    c.abort();
    expect(await codeOf(queued)).toBe('Aborted');
    await first;
    await nextTurn();
    expect(source.requests.map((r) => r.offset)).toEqual([0]);
  });
});

describe('BlockCache: end of file', () => {
  const small = patternBytes(2500); // blocks: 1024, 1024, 452

  it('learns an unknown size from the short read, then clamps', async () => {
    const { cache, gets } = stack({}, { sizeUnknown: true }, small);
    expect(cache.size).toBeUndefined();
    const straddling = await cache.read(2000, 1000);
    expect(straddling).toEqual(expected(2000, 1000, small));
    expect(straddling.byteLength).toBe(500);
    expect(gets()).toEqual([[B, 2 * B]]); // blocks 1 and 2; the GET came back short
    expect(cache.size).toBe(2500);
    expect(await cache.read(3000, 10)).toEqual(new Uint8Array(0));
    expect(await cache.read(2400, 100)).toEqual(expected(2400, 100, small));
    expect(gets()).toHaveLength(1);
  });

  it('a read entirely past an unknown end returns an empty array', async () => {
    const { cache, gets } = stack({}, { sizeUnknown: true }, small);
    expect(await cache.read(10_000, 10)).toEqual(new Uint8Array(0));
    expect(gets()).toEqual([[9 * B, B]]);
    expect(cache.size).toBe(2500);
    expect(await cache.read(3 * B, 10)).toEqual(new Uint8Array(0));
    expect(gets()).toHaveLength(1);
  });

  it('a known size clamps GETs to the end of the file', async () => {
    const { cache, gets } = stack({}, {}, small);
    expect(await cache.read(0, 10_000)).toEqual(small);
    expect(gets()).toEqual([[0, 2500]]);
    expect(await cache.read(9000, 1)).toEqual(new Uint8Array(0));
    expect(gets()).toHaveLength(1);
  });
});

describe('BlockCache: initial read and priming', () => {
  it('readInitial fetches whole blocks in one GET and later reads hit them', async () => {
    const { cache, gets } = stack({ initialReadSize: 3000 });
    const head = await cache.readInitial();
    expect(head).toEqual(expected(0, 3000));
    expect(gets()).toEqual([[0, 3 * B]]);
    await Promise.all([cache.read(0, 8), cache.read(2500, 500), cache.read(3 * B - 1, 1)]);
    expect(gets()).toHaveLength(1);
  });

  it('readInitial of a file smaller than the read returns the whole file', async () => {
    const small = patternBytes(700);
    const { cache, gets } = stack({}, { sizeUnknown: true }, small);
    expect(await cache.readInitial(4096)).toEqual(small);
    expect(gets()).toEqual([[0, 4096]]);
    expect(cache.size).toBe(700);
  });

  it('prime keeps whole blocks (and a last block ending at EOF)', async () => {
    const { cache, gets } = stack();
    cache.prime(100, data.slice(100, 100 + 3 * B)); // covers block 1 and 2 fully
    expect(cache.stats.blocksCached).toBe(2);
    expect(await cache.read(B, 2 * B)).toEqual(expected(B, 2 * B));
    expect(gets()).toHaveLength(0);
    cache.prime(62 * B, data.slice(62 * B)); // to EOF: blocks 62 and 63
    expect(await cache.read(63 * B + 10, 5000)).toEqual(expected(63 * B + 10, 5000));
    expect(gets()).toHaveLength(0);
  });
});

describe('BlockCache: concurrency and failures', () => {
  it('never has more GETs in flight than the limit', async () => {
    const { cache, source } = stack({ concurrency: 2 }, { delayMs: 5 });
    await Promise.all([0, 10, 20, 30, 40, 50].map((b) => cache.read(b * B, 1)));
    expect(source.maxInFlight).toBe(2);
    expect(cache.stats).toMatchObject({ requests: 6, waves: 3 });
  });

  it('a failed GET rejects its readers only, is not cached, and is retried by the next read', async () => {
    const { cache, gets } = stack({}, { failAt: 10 * B + 5 });
    const [bad, good] = await Promise.allSettled([cache.read(10 * B, 10), cache.read(0, 10)]);
    expect(bad.status === 'rejected' && isH5Error(bad.reason) && bad.reason.code).toBe('Network');
    expect(good.status === 'fulfilled' && good.value).toEqual(expected(0, 10));
    expect(await codeOf(cache.read(10 * B, 10))).toBe('Network');
    expect(gets()).toHaveLength(3);
  });

  it('rejects bad ranges and bad options with Invalid', async () => {
    const { cache } = stack();
    expect(await codeOf(cache.read(-1, 10))).toBe('Invalid');
    expect(await codeOf(cache.read(0, 1.5))).toBe('Invalid');
    expect(() => new BlockCache(new RecordingSource(data), { blockSize: 0 })).toThrow(/blockSize/);
  });

  it('returns the right bytes for any mix of reads in one turn', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ offset: fc.nat(70 * B), length: fc.nat(5 * B) }), { minLength: 1, maxLength: 12 }),
        fc.record({
          maxGap: fc.nat(4 * B),
          maxRequestBytes: fc.integer({ min: 1, max: 8 * B }),
          cacheBytes: fc.nat(8 * B),
          concurrency: fc.integer({ min: 1, max: 4 }),
        }),
        fc.boolean(),
        async (ranges, options, sizeUnknown) => {
          const { cache } = stack(options, { delayMs: 0, sizeUnknown });
          const out = await Promise.all(ranges.map((r) => cache.read(r.offset, r.length)));
          ranges.forEach((r, i) => expect(out[i]).toEqual(expected(r.offset, r.length)));
          const again = await Promise.all(ranges.map((r) => cache.read(r.offset, r.length)));
          ranges.forEach((r, i) => expect(again[i]).toEqual(expected(r.offset, r.length)));
        },
      ),
      { numRuns: 40 },
    );
  });
});
