/**
 * Credentials never leave through errors, messages or statistics: URL user:password, presigned
 * query parameters (X-Amz-Signature, X-Amz-Credential, tokens) and S3 access keys. Every error is
 * searched whole: message, stack, own properties and the chain of causes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open } from '../src/node.js';
import '../src/s3.js';
import { H5Error } from '../src/errors.js';
import { FaultProxy } from './helpers/fault-proxy.js';
import { RangeServer } from './helpers/range-server.js';
import { startTarget, type S3Target } from './helpers/s3.js';
import { failure } from './helpers/failure.js';

const FX = join(import.meta.dirname, '..', 'fixtures');
const BYTES = readFileSync(join(FX, 'large_2d.h5'));
const BASIC = Buffer.from('user:hunter2pw').toString('base64');
// s3rver checks signatures with its one key pair (S3RVER/S3RVER); it is the secret to look for there.
const SECRETS = ['hunter2pw', BASIC, 'SIGSECRET0123', 'AKIACREDSECRET', 'TOKENSECRET', 'S3RVER'];
const FAST = { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 };

/** Everything reachable from a value (depth-limited, cycle-safe), as text to search. */
function dump(v: unknown, seen = new Set<unknown>(), depth = 0): string {
  if (v === null || v === undefined || depth > 6) return '';
  if (typeof v !== 'object' && typeof v !== 'function') return String(v);
  if (seen.has(v)) return '';
  seen.add(v);
  const parts: string[] = [];
  if (v instanceof Error) parts.push(v.message, v.stack ?? '', dump(v.cause, seen, depth + 1));
  for (const k of Object.getOwnPropertyNames(v)) {
    try {
      parts.push(k, dump((v as Record<string, unknown>)[k], seen, depth + 1));
    } catch {
      // getters that throw say nothing
    }
  }
  return parts.join(' ');
}

function expectNoSecrets(what: string, v: unknown): void {
  const text = dump(v);
  for (const s of SECRETS) expect(text.includes(s), `${what} contains ${s}`).toBe(false);
}


describe('HTTP: userinfo and signed query parameters', () => {
  let server: RangeServer;
  beforeAll(async () => {
    server = await RangeServer.start();
    server.put('/large_2d.h5', BYTES);
  });
  afterAll(async () => {
    await server.close();
  });
  const signed = (path: string) =>
    server.url.replace('http://', 'http://user:hunter2pw@') +
    `${path}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIACREDSECRET%2F20240101&X-Amz-Signature=SIGSECRET0123&X-Amz-Security-Token=TOKENSECRET&keep=1`;

  it('not found, server errors, timeouts and changed objects: no secret in any error', async () => {
    expectNoSecrets('404', await failure(open(signed('/missing.h5'), { http: { retry: FAST } })));
    // A first read of one GET, so the queued faults meet its attempts, not the rest of a larger one.
    const oneGet = { initialReadSize: 4096, blockSize: 4096 };
    server.fault({ type: 'status', status: 500 }, { type: 'status', status: 500 });
    expectNoSecrets('500', await failure(open(signed('/large_2d.h5'), { http: { retry: FAST }, cache: oneGet })));
    server.fault({ type: 'stall', ms: 2000 }, { type: 'stall', ms: 2000 });
    const t = await failure(open(signed('/large_2d.h5'), { http: { retry: FAST, timeoutMs: 50 }, cache: oneGet }));
    expect(t.code).toBe('Timeout');
    expectNoSecrets('timeout', t);

    const f = await open(signed('/large_2d.h5'), { http: { retry: FAST }, cache: oneGet });
    expect(f.key).toContain('keep=1');
    expectNoSecrets('file key', f.key);
    server.fault({ type: 'etag', etag: '"other"' });
    const changed = await failure(f.readDataset('/field'));
    expect(changed.code).toBe('Changed');
    expectNoSecrets('changed', changed);
    server.fault({ type: 'reset', afterBytes: 10 }, { type: 'reset', afterBytes: 10 });
    expectNoSecrets('reset', await failure(f.readDataset('/field', [[300, 400], [0, 10]])));
    expectNoSecrets('stats', f.stats());
    expectNoSecrets('file options as shown', { key: f.key, cache: f.cache.key, superblock: f.superblock });
    await f.close();
    // The server did receive the credentials (user:password as Basic auth, the signature in the
    // query), so the test would see them if they leaked.
    expect(server.requests.every((r) => r.headers.authorization === `Basic ${BASIC}`)).toBe(true);
    expect(server.requests.length).toBeGreaterThan(3);
  });
});

describe('S3 (s3rver): access keys', () => {
  let t: S3Target;
  let proxy: FaultProxy;
  beforeAll(async () => {
    t = await startTarget('s3rver');
    await t.put('large_2d.h5', BYTES);
    proxy = await FaultProxy.start(t.endpoint);
  });
  afterAll(async () => {
    await proxy?.close();
    await t?.close();
  });
  const s3 = () => ({
    endpoint: proxy.url,
    forcePathStyle: true,
    region: t.region,
    credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey },
    retry: FAST,
    timeoutMs: 200,
  });

  it('errors from a missing key, 500s, SlowDown, stalls and resets carry no key', async () => {
    proxy.choose = () => undefined;
    expectNoSecrets('404', await failure(open(`s3://${t.bucket}/missing.h5`, { s3: s3() })));
    for (const fault of [{ type: 'status', status: 500 }, { type: 'slowdown' }, { type: 'stall' }, { type: 'reset', fraction: 0.1 }] as const) {
      proxy.choose = () => fault;
      const e = await failure(open(`s3://${t.bucket}/large_2d.h5`, { s3: s3() }));
      expectNoSecrets(fault.type, e);
    }
    proxy.choose = () => undefined;
    const f = await open(`s3://${t.bucket}/large_2d.h5`, { s3: s3(), cache: { initialReadSize: 4096, blockSize: 4096 } });
    proxy.choose = () => ({ type: 'status', status: 503 });
    expectNoSecrets('read', await failure(f.readDataset('/field')));
    expectNoSecrets('stats', f.stats());
    await f.close();
    // Requests were signed with the key: it was there to leak.
    expect(proxy.injected.get('none') ?? 0).toBeGreaterThan(0);
  });
});
