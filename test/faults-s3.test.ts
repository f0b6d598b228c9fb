/**
 * The same hostile network in front of a real S3 server (s3rver): the AWS SDK's requests go
 * through the fault proxy. Every read gives the right values or an H5Error, and no error, message
 * or statistic carries the credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../src/s3.js';
import { FaultProxy } from './helpers/fault-proxy.js';
import { CURRENT, REPLACEMENT, TRANSPORT, faultChooser, referenceField, rng, runTrials } from './helpers/fault-trials.js';
import { startTarget, type S3Target } from './helpers/s3.js';

let t: S3Target;
let proxy: FaultProxy;
let refs: { current: Float64Array; replacement: Float64Array };

beforeAll(async () => {
  t = await startTarget('s3rver');
  await t.put('large_2d.h5', CURRENT);
  proxy = await FaultProxy.start(t.endpoint);
  proxy.serve(`/${t.bucket}/large_2d.h5`, { current: CURRENT, replacement: REPLACEMENT });
  refs = { current: await referenceField(CURRENT), replacement: await referenceField(REPLACEMENT) };
});
afterAll(async () => {
  await proxy?.close();
  await t?.close();
});

describe('dataset reads through a fault-injecting proxy (S3, s3rver)', () => {
  it('every read gives the right values or an H5Error, never wrong data', async () => {
    const options = {
      s3: {
        endpoint: proxy.url,
        forcePathStyle: true,
        region: t.region,
        credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey },
        timeoutMs: 250,
        retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 4 },
      },
      cache: { blockSize: 4096, initialReadSize: 4096, cacheBytes: 64 * 1024, directMaxRequestBytes: 32 * 1024 },
    };
    const random = rng(7);
    proxy.choose = faultChooser(random, 0.2);
    const outcomes = new Map<string, number>();
    const problems: string[] = [];
    for (let i = 0; i < 25; i++) await runTrials(`s3://${t.bucket}/large_2d.h5`, options, random, 8, refs, outcomes, problems);
    console.log('faults-s3', JSON.stringify({ requests: [...proxy.injected.values()].reduce((a, b) => a + b, 0), faults: Object.fromEntries(proxy.injected), outcomes: Object.fromEntries(outcomes) }));
    expect(problems).toEqual([]);
    for (const k of outcomes.keys()) expect(['ok', 'ok-replacement', ...[...TRANSPORT].map((c) => `H5Error:${c}`)]).toContain(k);
    expect(proxy.total()).toBeGreaterThan(20);
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(100);
  });
});
