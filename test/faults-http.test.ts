/**
 * Hostile networks: hundreds of real dataset reads through a fault-injecting proxy in front of the
 * range server, with latency spikes, stalls, 500/503 SlowDown, resets and short bodies, 200s
 * instead of 206, and another version of the object served mid-read. Every read must give the
 * right values or an H5Error: never wrong data, never anything else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from './helpers/fault-proxy.js';
import { CURRENT, REPLACEMENT, TRANSPORT, faultChooser, referenceField, rng, runTrials } from './helpers/fault-trials.js';
import { RangeServer } from './helpers/range-server.js';

let server: RangeServer;
let proxy: FaultProxy;
let refs: { current: Float64Array; replacement: Float64Array };

beforeAll(async () => {
  server = await RangeServer.start();
  server.put('/large_2d.h5', CURRENT);
  proxy = await FaultProxy.start(server.url);
  proxy.serve('/large_2d.h5', { current: CURRENT, replacement: REPLACEMENT });
  refs = { current: await referenceField(CURRENT), replacement: await referenceField(REPLACEMENT) };
});
afterAll(async () => {
  await proxy?.close();
  await server?.close();
});

// Small blocks and no big first read, so one open and one read take several requests.
const OPTIONS = {
  http: { timeoutMs: 250, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 4 } },
  cache: { blockSize: 4096, initialReadSize: 4096, cacheBytes: 64 * 1024, directMaxRequestBytes: 32 * 1024 },
};

describe('dataset reads through a fault-injecting proxy (HTTP)', () => {
  it('every read gives the right values or an H5Error, never wrong data', async () => {
    const random = rng(20261121);
    proxy.choose = faultChooser(random, 0.2);
    const outcomes = new Map<string, number>();
    const problems: string[] = [];
    for (let t = 0; t < 60; t++) await runTrials(proxy.url + '/large_2d.h5', OPTIONS, random, 8, refs, outcomes, problems);
    const faults = Object.fromEntries(proxy.injected);
    console.log('faults-http', JSON.stringify({ requests: [...proxy.injected.values()].reduce((a, b) => a + b, 0), faults, outcomes: Object.fromEntries(outcomes) }));
    expect(problems).toEqual([]);
    expect(outcomes.get('wrong-data') ?? 0).toBe(0);
    // Only transport codes: a fault must never surface as a format error on intact bytes.
    for (const k of outcomes.keys()) expect(['ok', 'ok-replacement', ...[...TRANSPORT].map((c) => `H5Error:${c}`)]).toContain(k);
    // The test can fail: faults were injected of every kind, and most reads still succeeded (retries work).
    for (const kind of ['latency', 'stall', 'status', 'slowdown', 'reset', 'short', 'full200', 'replaced']) expect(proxy.injected.get(kind) ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(300);
  });
});
