import { describe, expect, it } from 'vitest';
import { withBlockCache, type BlockCacheOptions } from '../src/cache/block-cache.js';
import { withStats } from '../src/cache/stats.js';
import { isH5Error } from '../src/errors.js';
import { RecordingSource, patternBytes, type RecordingSourceOptions } from './helpers/recording-source.js';

const B = 1024;
const data = patternBytes(256 * B);
const expected = (offset: number, length: number) => data.slice(offset, Math.min(offset + length, data.length));

function stack(options: BlockCacheOptions = {}, sourceOptions: RecordingSourceOptions = {}) {
  const source = new RecordingSource(data, { delayMs: 2, ...sourceOptions });
  const cache = withBlockCache(withStats(source), { blockSize: B, maxGap: 0, directMaxGap: 100, ...options });
  const gets = () => source.requests.map((r) => [r.offset, r.length]);
  return { source, cache, gets };
}

describe('BlockCache.readDirect (chunk data)', () => {
  it('bypasses the block cache: metadata blocks survive a read larger than the cache', async () => {
    const { cache, gets } = stack({ cacheBytes: 4 * B });
    await Promise.all([cache.read(0, 10), cache.read(100 * B, 10)]);
    const { bytesCached, blocksCached } = cache.stats;
    const [chunk] = await cache.readDirect([{ offset: 10 * B, length: 50 * B }]);
    expect(chunk).toEqual(expected(10 * B, 50 * B));
    expect(cache.stats).toMatchObject({ bytesCached, blocksCached, evictions: 0 });
    await Promise.all([cache.read(0, 10), cache.read(100 * B, 10)]);
    expect(gets()).toEqual([
      [0, B],
      [100 * B, B],
      [10 * B, 50 * B],
    ]);
  });

  it('merges ranges closer than directMaxGap into one GET and keeps far ones in the same wave', async () => {
    const { cache, gets } = stack();
    const ranges = [
      { offset: 5000, length: 300 },
      { offset: 5350, length: 200 }, // 50 bytes after the first: same GET
      { offset: 50_000, length: 100 }, // far: its own GET, same wave
    ];
    const out = await cache.readDirect(ranges);
    ranges.forEach((r, i) => expect(out[i]).toEqual(expected(r.offset, r.length)));
    expect(gets()).toEqual([
      [5000, 550],
      [50_000, 100],
    ]);
    expect(cache.stats).toMatchObject({ requests: 2, waves: 1, blocksCached: 0 });
  });

  it('shares a range already in flight: two reads of the same bytes make one GET', async () => {
    const { cache, gets } = stack();
    const a = cache.readDirect([{ offset: 20 * B, length: 3000 }, { offset: 90 * B, length: 500 }]);
    const b = cache.readDirect([{ offset: 20 * B, length: 3000 }]);
    const [[a1, a2], [b1]] = await Promise.all([a, b]);
    expect(a1).toEqual(expected(20 * B, 3000));
    expect(b1).toEqual(expected(20 * B, 3000));
    expect(a2).toEqual(expected(90 * B, 500));
    expect(gets()).toEqual([
      [20 * B, 3000],
      [90 * B, 500],
    ]);
    expect(cache.stats).toMatchObject({ directRanges: 3, directShared: 1 });
    // Settled ranges are not kept: a later read fetches again.
    await cache.readDirect([{ offset: 20 * B, length: 3000 }]);
    expect(gets()).toHaveLength(3);
  });

  it('a shared GET survives one reader aborting, and stops when every reader has', async () => {
    const { cache, source } = stack({}, { delayMs: 30 });
    const first = new AbortController();
    const a = cache.readDirect([{ offset: 40 * B, length: 100 }], { signal: first.signal });
    const b = cache.readDirect([{ offset: 40 * B, length: 100 }]);
    first.abort();
    await expect(a).rejects.toMatchObject({ code: 'Aborted' });
    expect((await b)[0]).toEqual(expected(40 * B, 100));
    expect(source.requests).toHaveLength(1);
    expect(source.requests[0]!.aborted).toBe(false);

    const c1 = new AbortController();
    const c2 = new AbortController();
    const c = cache.readDirect([{ offset: 60 * B, length: 100 }], { signal: c1.signal });
    const d = cache.readDirect([{ offset: 60 * B, length: 100 }], { signal: c2.signal });
    await new Promise((r) => setTimeout(r, 5));
    c1.abort();
    c2.abort();
    await expect(c).rejects.toMatchObject({ code: 'Aborted' });
    await expect(d).rejects.toMatchObject({ code: 'Aborted' });
    await new Promise((r) => setTimeout(r, 40));
    expect(source.requests[1]).toMatchObject({ offset: 60 * B, aborted: true });
    // An abandoned range is forgotten at once: the next read starts its own GET.
    expect((await cache.readDirect([{ offset: 60 * B, length: 100 }]))[0]).toEqual(expected(60 * B, 100));
    expect(source.requests).toHaveLength(3);
  });

  it('serves a range held entirely in cached blocks without a GET', async () => {
    const { cache, gets } = stack();
    await cache.read(0, 2 * B);
    const out = await cache.readDirect([{ offset: 100, length: B }, { offset: 10 * B, length: 10 }]);
    expect(out[0]).toEqual(expected(100, B));
    expect(out[1]).toEqual(expected(10 * B, 10));
    expect(gets()).toEqual([
      [0, 2 * B],
      [10 * B, 10],
    ]);
    expect(cache.stats).toMatchObject({ directRanges: 2, directFromCache: 1 });
  });

  it('splits a range longer than directMaxRequestBytes into parallel GETs, and merges up to it', async () => {
    const { cache, gets } = stack({ directMaxRequestBytes: 16 * B });
    const [big] = await cache.readDirect([{ offset: 3, length: 40 * B }]);
    expect(big).toEqual(expected(3, 40 * B));
    expect(gets()).toEqual([
      [3, 16 * B],
      [3 + 16 * B, 16 * B],
      [3 + 32 * B, 8 * B],
    ]);
    expect(cache.stats.waves).toBe(1);
  });

  it('returns short reads at EOF and empty arrays past it', async () => {
    const { cache, gets } = stack({}, { sizeUnknown: true });
    const [straddle] = await cache.readDirect([{ offset: data.length - 10, length: 100 }]);
    expect(straddle).toEqual(expected(data.length - 10, 100));
    expect(cache.size).toBe(data.length);
    const [past, none] = await cache.readDirect([{ offset: data.length + 5, length: 10 }, { offset: 0, length: 0 }]);
    expect(past!.byteLength).toBe(0);
    expect(none!.byteLength).toBe(0);
    expect(gets()).toHaveLength(1);
  });

  it('readDirectEach hands over each range as soon as its GET arrives', async () => {
    const { cache, source } = stack({ concurrency: 1 }, { delayMs: 10 });
    const seen: { index: number; laterGetDone: boolean }[] = [];
    await cache.readDirectEach(
      [
        { offset: 0, length: 10 },
        { offset: 100 * B, length: 10 },
      ],
      async (bytes, index) => {
        expect(bytes).toEqual(expected(index === 0 ? 0 : 100 * B, 10));
        seen.push({ index, laterGetDone: source.requests.length === 2 && source.requests[1]!.bytes >= 0 });
      },
    );
    expect(seen).toEqual([
      { index: 0, laterGetDone: false },
      { index: 1, laterGetDone: true },
    ]);
  });

  it('respects the concurrency limit: 40 far-apart chunks at 4 in flight take 10 waves', async () => {
    const { cache, source } = stack({ concurrency: 4 }, { delayMs: 3 });
    const ranges = Array.from({ length: 40 }, (_, i) => ({ offset: i * 5 * B, length: 100 }));
    const out = await cache.readDirect(ranges);
    ranges.forEach((r, i) => expect(out[i]).toEqual(expected(r.offset, r.length)));
    expect(source.maxInFlight).toBe(4);
    expect(cache.stats).toMatchObject({ requests: 40, waves: 10, maxInFlight: 4 });
  });

  it('honours the signal: queued GETs never start after an abort', async () => {
    const { cache, source } = stack({ concurrency: 1 }, { delayMs: 20 });
    const c = new AbortController();
    const p = cache.readDirect(
      [0, 1, 2].map((i) => ({ offset: i * 10 * B, length: 10 })),
      { signal: c.signal },
    );
    await new Promise((r) => setTimeout(r, 5));
    c.abort();
    const e = await p.catch((x: unknown) => x);
    expect(isH5Error(e) && e.code).toBe('Aborted');
    await new Promise((r) => setTimeout(r, 30));
    expect(source.requests).toEqual([{ offset: 0, length: 10, bytes: -1, aborted: true }]);
  });

  it('a failed GET rejects the ranges it served with a Network error', async () => {
    const { cache } = stack({}, { failAt: 50 * B });
    const out = await Promise.allSettled(cache.readDirectRanges([{ offset: 50 * B, length: 10 }, { offset: 0, length: 10 }]));
    expect(out[0]!.status === 'rejected' && isH5Error(out[0].reason) && out[0].reason.code).toBe('Network');
    expect(out[1]!.status === 'fulfilled' && out[1].value).toEqual(expected(0, 10));
  });
});
