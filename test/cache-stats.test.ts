import { describe, expect, it } from 'vitest';
import { isStatsSource, withStats } from '../src/cache/stats.js';
import { MemorySource } from '../src/drivers/memory.js';
import { RecordingSource, patternBytes } from './helpers/recording-source.js';

describe('withStats', () => {
  it('counts requests, bytes asked for and bytes returned (short at EOF)', async () => {
    const source = withStats(new MemorySource(patternBytes(1000)));
    expect(isStatsSource(source)).toBe(true);
    expect(isStatsSource(new MemorySource(new Uint8Array(1)))).toBe(false);
    const got = await source.read(900, 200);
    expect(got.byteLength).toBe(100);
    expect(source.stats).toMatchObject({ requests: 1, bytesRequested: 200, bytesTransferred: 100, waves: 1, inFlight: 0 });
    expect(source.log).toEqual([{ offset: 900, length: 200, wave: 1, bytes: 100, done: true }]);
  });

  it('parallel requests share a wave; a request started after one completed is the next wave', async () => {
    const source = withStats(new RecordingSource(patternBytes(10_000), { delayMs: 5 }));
    await Promise.all([source.read(0, 10), source.read(5000, 10), source.read(9000, 10)]);
    expect(source.stats.waves).toBe(1);
    expect(source.stats.maxInFlight).toBe(3);
    await source.read(100, 10); // depends on the first three: a second round trip
    await Promise.all([source.read(200, 10), source.read(300, 10)]);
    expect(source.stats.waves).toBe(3);
    expect(source.log.map((r) => r.wave)).toEqual([1, 1, 1, 2, 3, 3]);
    expect(source.stats.requests).toBe(6);
  });

  it('a request started while an earlier one is still in flight stays in that wave', async () => {
    const inner = new RecordingSource(patternBytes(10_000), { delayMs: 20 });
    const source = withStats(inner);
    const slow = source.read(0, 10);
    await new Promise((r) => setTimeout(r, 1));
    await source.read(100, 10); // nothing had completed when it started
    await slow;
    expect(source.log.map((r) => r.wave)).toEqual([1, 1]);
  });

  it('counts failures and resets counters and the log', async () => {
    const source = withStats(new RecordingSource(patternBytes(100), { failAt: 50 }));
    await expect(source.read(40, 20)).rejects.toMatchObject({ code: 'Network' });
    expect(source.stats).toMatchObject({ requests: 1, failures: 1, bytesTransferred: 0 });
    expect(source.log[0]).toMatchObject({ bytes: -1, done: true, error: expect.stringContaining('injected') });
    source.resetStats();
    expect(source.stats).toEqual({ requests: 0, failures: 0, bytesRequested: 0, bytesTransferred: 0, waves: 0, inFlight: 0, maxInFlight: 0 });
    expect(source.log).toEqual([]);
    await source.read(0, 10);
    expect(source.stats.waves).toBe(1);
  });

  it('keeps a bounded log of the most recent requests', async () => {
    const source = withStats(new MemorySource(patternBytes(100)), { logLimit: 3 });
    for (let i = 0; i < 10; i++) await source.read(i, 1);
    expect(source.log.map((r) => r.offset)).toEqual([7, 8, 9]);
    expect(source.stats.waves).toBe(10);
  });
});
