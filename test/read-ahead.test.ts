import { describe, expect, it } from 'vitest';
import { BlockCache } from '../src/cache/block-cache.js';
import { ReadAheadMeter, readAhead } from '../src/cache/read-ahead.js';
import { H5Error } from '../src/errors.js';
import type { ByteRange } from '../src/source.js';
import { RecordingSource } from './helpers/recording-source.js';

/** 40 "chunks" of 1000 bytes each, back to back, byte i = i % 251. */
const bytes = Uint8Array.from({ length: 40_000 }, (_, i) => i % 251);
const ranges: ByteRange[] = Array.from({ length: 40 }, (_, i) => ({ offset: i * 1000, length: 1000 }));

describe('readAhead: a bounded read-ahead over readDirectRanges', () => {
  it('delivers every range, with no more than the budget fetched and not yet consumed', async () => {
    const src = new RecordingSource(bytes, { delayMs: 2 });
    const cache = new BlockCache(src, { directMaxRequestBytes: 4000 });
    let outstanding = 0;
    let peak = 0;
    const got = new Array<Uint8Array>(ranges.length);
    await readAhead(
      ranges,
      8000,
      (batch) => {
        outstanding += batch.reduce((n, r) => n + r.length, 0);
        peak = Math.max(peak, outstanding);
        return cache.readDirectRanges(batch);
      },
      async (b, i) => {
        await new Promise((r) => setTimeout(r, 1)); // a slow consumer: decoding
        got[i] = b;
        outstanding -= ranges[i]!.length;
      },
    );
    expect(got.map((b, i) => b.length === 1000 && b[0] === (i * 1000) % 251)).toEqual(ranges.map(() => true));
    expect(peak).toBeLessThanOrEqual(8000);
    expect(peak).toBeGreaterThan(4000); // refills take up to the whole budget
    // Batches of at least half the budget are coalesced: 40 chunks in GETs of up to 4 chunks.
    expect(src.requests.length).toBeLessThanOrEqual(20);
    expect(src.requests.reduce((n, r) => n + r.length, 0)).toBe(40_000);
  });

  it('fetches a range larger than the budget alone, and an empty list at once', async () => {
    const seen: number[] = [];
    const cache = new BlockCache(new RecordingSource(bytes));
    await readAhead([{ offset: 0, length: 30_000 }, { offset: 30_000, length: 10_000 }], 5000, (batch) => cache.readDirectRanges(batch), (b) => void seen.push(b.length));
    expect(seen).toEqual([30_000, 10_000]);
    await expect(readAhead([], 5000, () => [], () => undefined)).resolves.toBeUndefined();
  });

  it('rejects with the first failure and starts no new fetch after it', async () => {
    const src = new RecordingSource(bytes, { delayMs: 1, failAt: 5500 });
    const cache = new BlockCache(src);
    let batches = 0;
    const err = await readAhead(
      ranges,
      2000,
      (batch) => {
        batches++;
        return cache.readDirectRanges(batch);
      },
      () => undefined,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(H5Error);
    expect((err as H5Error).code).toBe('Network');
    const after = batches;
    await new Promise((r) => setTimeout(r, 20));
    expect(batches).toBe(after);
    expect(src.requests.every((r) => r.offset < 8000)).toBe(true);
  });

  it('rejects when consume throws, with that error', async () => {
    const cache = new BlockCache(new RecordingSource(bytes));
    const boom = new H5Error('Corrupt', 'bad chunk');
    await expect(readAhead(ranges, 4000, (batch) => cache.readDirectRanges(batch), (_b, i) => { if (i === 3) throw boom; })).rejects.toBe(boom);
    // With decode buffers counted, a failed read leaves nothing counted once its stragglers arrive.
    const meter = new ReadAheadMeter();
    const slow = new BlockCache(new RecordingSource(bytes, { delayMs: 1 }), { directMaxRequestBytes: 1000 });
    const err = readAhead(ranges, 40_000, (batch) => slow.readDirectRanges(batch), (_b, i) => { if (i === 0) throw boom; }, { decodeCosts: ranges.map(() => 500), meter });
    await expect(err).rejects.toBe(boom);
    await new Promise((r) => setTimeout(r, 30));
    expect(meter.inUse).toBe(0);
  });

  it('runs at most decodeSlots consumers with decode buffers at once, and counts them in the meter within the budget', async () => {
    const cache = new BlockCache(new RecordingSource(bytes, { delayMs: 1 }));
    const meter = new ReadAheadMeter();
    let running = 0;
    let most = 0;
    await readAhead(
      ranges,
      20_000,
      (batch) => cache.readDirectRanges(batch),
      async () => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 2)); // decoding
        running--;
      },
      { decodeCosts: ranges.map(() => 3000), decodeSlots: 2, meter },
    );
    expect(most).toBe(2);
    // 2 x 3000 set aside for decode buffers, 14,000 for stored bytes: never more than 20,000.
    expect(meter.peak).toBeLessThanOrEqual(20_000);
    expect(meter.peak).toBeGreaterThan(14_000);
    expect(meter.inUse).toBe(0);
  });
});
