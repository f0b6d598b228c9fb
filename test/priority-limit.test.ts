import { describe, expect, it } from 'vitest';
import { BlockCache } from '../src/cache/block-cache.js';
import { PriorityLimit } from '../src/cache/priority-limit.js';
import { RecordingSource } from './helpers/recording-source.js';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('PriorityLimit: one concurrency limit, metadata first', () => {
  it('never runs more than its concurrency, and starts queued metadata before queued data', async () => {
    const limit = new PriorityLimit(2);
    const order: string[] = [];
    let running = 0;
    let peak = 0;
    const job = (name: string) => async () => {
      order.push(name);
      running++;
      peak = Math.max(peak, running);
      await tick(2);
      running--;
      return name;
    };
    const all = [
      limit.run('data', job('d1')),
      limit.run('data', job('d2')),
      limit.run('data', job('d3')),
      limit.run('data', job('d4')),
      limit.run('metadata', job('m1')),
      limit.run('metadata', job('m2')),
    ];
    expect(limit.pending).toEqual({ metadata: 2, data: 2 });
    expect(await Promise.all(all)).toEqual(['d1', 'd2', 'd3', 'd4', 'm1', 'm2']);
    expect(peak).toBe(2);
    // d1 and d2 took the free slots; the metadata jumped the data still waiting.
    expect(order).toEqual(['d1', 'd2', 'm1', 'm2', 'd3', 'd4']);
  });

  it('small GETs pass large ones waiting for a large slot, up to the overall cap', async () => {
    const limit = new PriorityLimit(4, 1);
    const order: string[] = [];
    let large = 0;
    let largePeak = 0;
    let running = 0;
    let peak = 0;
    const job = (name: string, isLarge: boolean) => async () => {
      order.push(name);
      running++;
      peak = Math.max(peak, running);
      if (isLarge) largePeak = Math.max(largePeak, ++large);
      await tick(2);
      running--;
      if (isLarge) large--;
    };
    await Promise.all([
      limit.run('data', job('L1', true), true),
      limit.run('data', job('L2', true), true),
      limit.run('data', job('s1', false)),
      limit.run('data', job('s2', false)),
      limit.run('data', job('s3', false)),
      limit.run('data', job('s4', false)),
    ]);
    expect(largePeak).toBe(1);
    expect(peak).toBe(4);
    // L2 waits for L1's large slot; the small GETs queued behind it go out at once.
    expect(order.slice(0, 4)).toEqual(['L1', 's1', 's2', 's3']);
    expect(order).toContain('L2');
  });

  it('passes results and failures through, and frees the slot either way', async () => {
    const limit = new PriorityLimit(1);
    await expect(limit.run('data', () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(limit.run('data', () => { throw new Error('sync'); })).rejects.toThrow('sync');
    await expect(limit.run('metadata', async () => 7)).resolves.toBe(7);
  });

  it('in a BlockCache, a metadata read issued behind a queue of chunk GETs goes out next', async () => {
    const bytes = new Uint8Array(1 << 20).map((_, i) => i % 251);
    // 50 ms per GET: the metadata read is planned (cold code, a loaded machine) well before the
    // first two chunk GETs free their slots, so the order shows the priority, not the timing.
    const src = new RecordingSource(bytes, { delayMs: 50 });
    const cache = new BlockCache(src, { concurrency: 2, blockSize: 4096, directMaxGap: 0 });
    // Ten scattered chunk ranges that cannot coalesce: 2 run, 8 wait.
    const chunks = cache.readDirectRanges(Array.from({ length: 10 }, (_, i) => ({ offset: 100_000 + i * 50_000, length: 1000 })));
    await tick();
    const meta = cache.read(8192, 100);
    await Promise.all([...chunks, meta]);
    const third = src.requests[2]!;
    expect(third.offset).toBe(8192);
    expect(src.requests).toHaveLength(11);
  });
});
