import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { H5Error } from '../src/errors.js';
import { openS3, S3Source, type S3Options } from '../src/drivers/s3.js';
import { parseS3Url, publicS3Url, isS3Url } from '../src/drivers/url.js';
import { RangeServer, testBytes, type Fault } from './helpers/range-server.js';
import { startTarget, targetNames, type S3Target } from './helpers/s3.js';
import { failure } from './helpers/failure.js';

const SIZE = 100_000;
const DATA = testBytes(SIZE, 42);
const FAST = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };
const slice = (offset: number, length: number) => DATA.subarray(offset, offset + length);


describe.each(targetNames())('S3Source against %s', (name) => {
  let t: S3Target;
  const sources: S3Source[] = [];
  const open = async (key: string, opts: S3Options = {}, bucket = t.bucket) => {
    const src = await openS3(`s3://${bucket}/${key}`, {
      endpoint: t.endpoint,
      forcePathStyle: true,
      region: t.region,
      credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey },
      retry: FAST,
      ...opts,
    });
    sources.push(src);
    return src;
  };

  beforeAll(async () => {
    t = await startTarget(name);
    await t.put('data.bin', DATA);
    await t.put('empty.bin', new Uint8Array(0));
    await t.put('dir/with space+plus.bin', DATA.subarray(0, 1000));
    if (t.publicBucket !== t.bucket && t.publicBucket !== null) await t.put('public.bin', DATA, t.publicBucket);
  });
  afterAll(async () => {
    for (const s of sources) await s.close();
    await t?.close();
  });

  it('reads exact bytes at the start, middle and end and learns the size from ContentRange', async () => {
    const src = await open('data.bin');
    expect(src.key).toBe(`s3://${t.bucket}/data.bin`);
    expect(src.size).toBeUndefined();
    expect(await src.read(0, 16)).toEqual(slice(0, 16));
    expect(src.size).toBe(SIZE);
    expect(await src.read(40_001, 12_345)).toEqual(slice(40_001, 12_345));
    expect(await src.read(SIZE - 3, 3)).toEqual(slice(SIZE - 3, 3));
  });

  it('returns a short read at EOF and an empty one past it', async () => {
    const src = await open('data.bin');
    expect(await src.read(SIZE - 10, 50)).toEqual(slice(SIZE - 10, 10));
    const fresh = await open('data.bin');
    expect(await fresh.read(SIZE + 10, 50)).toEqual(new Uint8Array(0));
  });

  it('learns the size with HeadObject', async () => {
    expect(await (await open('data.bin')).getSize()).toBe(SIZE);
    expect(await (await open('empty.bin')).getSize()).toBe(0);
  });

  it('reads an empty object as empty', async (ctx) => {
    if (!t.rangesEmptyObjects) return ctx.skip();
    expect(await (await open('empty.bin')).read(0, 10)).toEqual(new Uint8Array(0));
  });

  it('reads a key with a space and a plus literally', async () => {
    const src = await open('dir/with space+plus.bin');
    expect(await src.read(100, 100)).toEqual(slice(100, 100));
  });

  it('reports a missing key or bucket as NotFound', async () => {
    expect((await failure((await open('nope.bin')).read(0, 10))).code).toBe('NotFound');
    expect((await failure((await open('nope.bin')).getSize())).code).toBe('NotFound');
    expect((await failure((await open('data.bin', {}, 'no-such-bucket-coh5')).read(0, 10))).code).toBe('NotFound');
  });

  it('rejects an aborted read with Aborted', async () => {
    const src = await open('data.bin');
    expect((await failure(src.read(0, 10, { signal: AbortSignal.abort() }))).code).toBe('Aborted');
    const ctrl = new AbortController();
    const p = src.read(0, SIZE, { signal: ctrl.signal });
    ctrl.abort();
    expect((await failure(p)).code).toBe('Aborted');
  });

  it('fails with Changed when the object is replaced between reads', async () => {
    await t.put('changing.bin', DATA);
    const src = await open('changing.bin');
    expect(await src.read(0, 10)).toEqual(slice(0, 10));
    await t.put('changing.bin', testBytes(SIZE, 99));
    const e = await failure(src.read(10, 10));
    expect(e.code).toBe('Changed');
    // Ceph answers the If-Match with 412; s3rver ignores it and the returned ETag gives the change away.
    expect(e.message).toMatch(t.honoursIfMatch ? /If-Match failed/ : /ETag/);
  });

  it('keeps credentials out of errors when they are wrong', async () => {
    const secret = 'wr0ngS3cretKeyValue';
    const src = await open('data.bin', { credentials: { accessKeyId: 'BADKEYID', secretAccessKey: secret } });
    const e = await failure(src.read(0, 10));
    expect(e.code).toBe('AccessDenied');
    expect(e.message).toContain('anonymous: true');
    expect(e.status).toBe(403);
    expect(`${e.message} ${String((e.cause as Error | undefined)?.message)}`).not.toContain(secret);
    expect(src.key).not.toContain(secret);
  });

  it('reads a public object anonymously', async () => {
    const bucket = t.publicBucket!;
    const key = bucket === t.bucket ? 'data.bin' : 'public.bin';
    const src = await open(key, { anonymous: true, credentials: undefined }, bucket);
    expect(await src.read(500, 500)).toEqual(slice(500, 500));
  });

  it('sends no signature when anonymous, so a private bucket refuses it', async (ctx) => {
    if (!t.enforcesAuth) return ctx.skip(); // s3rver serves unsigned requests to anyone.
    const e = await failure((await open('data.bin', { anonymous: true, credentials: undefined })).read(0, 10));
    expect(e.status).toBe(403);
    expect(e.code).toBe('AccessDenied');
  });

  it('uses an injected client and leaves it open on close', async () => {
    const client = new S3Client({
      endpoint: t.endpoint,
      region: t.region,
      forcePathStyle: true,
      credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey },
    });
    try {
      const src = await openS3(`s3://${t.bucket}/data.bin`, { client });
      expect(await src.read(7, 7)).toEqual(slice(7, 7));
      await src.close();
      await src.close();
      const out = await client.send(new GetObjectCommand({ Bucket: t.bucket, Key: 'data.bin', Range: 'bytes=1-2' }));
      expect(await out.Body!.transformToByteArray()).toEqual(slice(1, 2));
    } finally {
      client.destroy();
    }
  });

  it('opens path-style URLs under the endpoint', async () => {
    const src = await openS3(`${t.endpoint}/${t.bucket}/data.bin`, {
      endpoint: t.endpoint,
      forcePathStyle: true,
      region: t.region,
      credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey },
    });
    sources.push(src);
    expect(src.key).toBe(`s3://${t.bucket}/data.bin`);
    expect(await src.read(SIZE - 100, 100)).toEqual(slice(SIZE - 100, 100));
  });
});

/** The range server answers path-style S3 requests, so the SDK path can be put through every fault. */
describe('S3Source faults (range server as the S3 endpoint)', () => {
  let server: RangeServer;
  const sources: S3Source[] = [];
  beforeAll(async () => {
    server = await RangeServer.start();
  });
  afterAll(async () => {
    for (const s of sources) await s.close();
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    server.put('/bucket/data.bin', DATA);
  });
  const open = async (opts: S3Options = {}) => {
    const src = await openS3('s3://bucket/data.bin', {
      endpoint: server.url,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'topsecret' },
      retry: FAST,
      ...opts,
    });
    sources.push(src);
    return src;
  };

  const recoverable: [string, Fault][] = [
    ['503 SlowDown', { type: 'slowdown' }],
    ['500', { type: 'status', status: 500 }],
    ['429', { type: 'status', status: 429 }],
    ['a reset mid-body', { type: 'reset', afterBytes: 1000 }],
    ['a body shorter than Content-Length', { type: 'short-declared', sendBytes: 1000 }],
    ['a body shorter than ContentRange', { type: 'short-consistent', sendBytes: 1000 }],
  ];

  it.each(recoverable)('retries after %s and returns the right bytes', async (_, fault) => {
    server.fault(fault);
    const src = await open();
    expect(await src.read(30_000, 5000)).toEqual(slice(30_000, 5000));
    // Our retries only: the SDK's own are off, so the server sees exactly two GETs.
    expect(server.count('GET')).toBe(2);
  });

  it('gives up after the policy attempts', async () => {
    server.hook = () => ({ type: 'slowdown' });
    const e = await failure((await open()).read(0, 10));
    expect(e.code).toBe('Network');
    expect(e.status).toBe(503);
    expect(e.message).toContain('SlowDown');
    expect(server.count('GET')).toBe(FAST.attempts);
  });

  it('does not retry a 403 and keeps the secret out of the error', async () => {
    server.fault({ type: 'status', status: 403, contentType: 'application/xml', body: '<Error><Code>AccessDenied</Code><Message>denied topsecret</Message></Error>' });
    const e = await failure((await open()).read(0, 10));
    expect(e.status).toBe(403);
    expect(e.message).not.toContain('topsecret');
    expect(server.count('GET')).toBe(1);
  });

  it('refuses a 200 with the whole body', async () => {
    server.fault({ type: 'ignore-range' });
    const e = await failure((await open()).read(100, 10));
    expect(e.code).toBe('Unsupported');
    expect(server.count('GET')).toBe(1);
  });

  it('sends If-Match with the pinned ETag and fails with Changed on another ETag', async () => {
    const src = await open();
    await src.read(0, 10);
    await src.read(10, 10);
    expect(server.requests[0]!.headers['if-match']).toBeUndefined();
    expect(server.requests[1]!.headers['if-match']).toMatch(/^"[0-9a-f]+-\d+"$/);
    server.fault({ type: 'etag', etag: '"other"' });
    expect((await failure(src.read(20, 10))).code).toBe('Changed');
  });

  it('stops sending If-Match when the store wrongly refuses it for an unchanged object', async () => {
    const src = await open();
    await src.read(0, 10);
    server.fault({ type: 'status', status: 412, contentType: 'application/xml', body: '<Error><Code>PreconditionFailed</Code></Error>' });
    expect(await src.read(10, 10)).toEqual(slice(10, 10));
    expect(server.requests.map((r) => `${r.method} ${r.headers['if-match'] ? 'if-match' : '-'}`)).toEqual([
      'GET -',
      'GET if-match',
      'HEAD -',
      'GET -',
    ]);
  });

  it('times out a stalled request, then a stalled body, and retries', async () => {
    server.fault({ type: 'stall', ms: 5000 }, { type: 'stall-body', afterBytes: 10, ms: 5000 });
    const src = await open({ timeoutMs: 300 });
    expect(await src.read(0, 100)).toEqual(slice(0, 100));
    expect(server.count('GET')).toBe(3);
  });

  it('fails with Timeout when every attempt stalls', async () => {
    server.hook = () => ({ type: 'stall-body', afterBytes: 10, ms: 5000 });
    const e = await failure((await open({ timeoutMs: 200, retry: { ...FAST, attempts: 2 } })).read(0, 100));
    expect(e.code).toBe('Timeout');
    expect(server.count('GET')).toBe(2);
  });

  it('aborts a request whose body stalls, without retrying', async () => {
    server.fault({ type: 'stall-body', afterBytes: 10, ms: 10_000 });
    const ctrl = new AbortController();
    const src = await open();
    const p = src.read(0, 100, { signal: ctrl.signal });
    await until(() => server.requests.length === 1);
    ctrl.abort();
    expect((await failure(p)).code).toBe('Aborted');
    expect(await src.read(0, 100)).toEqual(slice(0, 100));
    expect(server.count('GET')).toBe(2);
  });

  it('learns the size past EOF from a 416', async () => {
    const src = await open();
    expect(await src.read(SIZE + 1, 10)).toEqual(new Uint8Array(0));
    expect(src.size).toBe(SIZE);
  });
});

describe('S3 URLs', () => {
  it('parses s3:// and AWS https forms', () => {
    expect(parseS3Url('s3://b/k/with space+x')).toEqual({ bucket: 'b', key: 'k/with space+x' });
    expect(parseS3Url('https://my-bucket.s3.eu-west-2.amazonaws.com/a/b%20c.h5')).toEqual({ bucket: 'my-bucket', key: 'a/b c.h5', region: 'eu-west-2' });
    expect(parseS3Url('https://my-bucket.s3.amazonaws.com/k.h5')).toEqual({ bucket: 'my-bucket', key: 'k.h5' });
    expect(parseS3Url('https://my-bucket.s3-us-west-2.amazonaws.com/k.h5')).toEqual({ bucket: 'my-bucket', key: 'k.h5', region: 'us-west-2' });
    expect(parseS3Url('https://s3.us-west-2.amazonaws.com/my.bucket/x/y.h5')).toEqual({ bucket: 'my.bucket', key: 'x/y.h5', region: 'us-west-2' });
    expect(parseS3Url('http://127.0.0.1:9000/b/k', { endpoint: 'http://127.0.0.1:9000' })).toEqual({ bucket: 'b', key: 'k' });
    expect(isS3Url('https://example.com/b/k')).toBe(false);
    expect(() => parseS3Url('s3://bucket-only')).toThrow(H5Error);
  });

  it('builds public https URLs', () => {
    expect(publicS3Url({ bucket: 'b', key: 'a b/c.h5' }, { region: 'us-west-2' })).toBe('https://b.s3.us-west-2.amazonaws.com/a%20b/c.h5');
    expect(publicS3Url({ bucket: 'my.b', key: 'k' }, { region: 'us-west-2' })).toBe('https://s3.us-west-2.amazonaws.com/my.b/k');
    expect(publicS3Url({ bucket: 'b', key: 'k' }, { endpoint: 'http://h:1/' })).toBe('http://h:1/b/k');
  });
});

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}
