import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpSource } from '../src/drivers/http.js';
import { signedUrlExpiry } from '../src/drivers/redirect.js';
import { RangeServer, testBytes } from './helpers/range-server.js';
import { RedirectServer } from './helpers/redirect-server.js';
import { failure } from './helpers/failure.js';

const SIZE = 200_000;
const DATA = testBytes(SIZE);
const TOKEN = 'edl-token-123';
const FAST = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

let srv: RedirectServer;
beforeAll(async () => {
  srv = await RedirectServer.start({ token: TOKEN });
});
afterAll(async () => {
  await srv.close();
});
beforeEach(() => {
  srv.reset();
  srv.put('granule.h5', DATA);
  srv.ttlSeconds = 3600;
  srv.loop = false;
});

/** The signature of the last signed URL the store saw, and the one after it (see RedirectServer.expireAll). */
const signatures = () => {
  const g = Number(srv.storeRequests.at(-1)!.query.get('X-Amz-Signature')!.slice(1));
  return [`g${g}`, `g${g + 1}`];
};
const open = () => new HttpSource(srv.dataUrl('granule.h5'), { token: TOKEN, retry: FAST });
const slice = (offset: number, length: number) => DATA.subarray(offset, offset + length);

describe('HttpSource behind a redirect to a signed URL', () => {
  it('pays the redirect once: every later GET goes straight to the signed URL', async () => {
    const src = open();
    expect(await src.read(0, 1000)).toEqual(slice(0, 1000));
    expect(srv.portalRequests).toHaveLength(1);
    expect(srv.storeRequests).toHaveLength(1);
    for (const at of [5000, 50_000, 150_000]) expect(await src.read(at, 4096)).toEqual(slice(at, 4096));
    // One round trip per GET after the first: 4 GETs = 1 redirect + 4 store requests.
    expect(srv.portalRequests).toHaveLength(1);
    expect(srv.storeRequests).toHaveLength(4);
    expect(src.size).toBe(SIZE);
  });

  it('after a refusal, a burst of GETs pays one re-resolution, not one each', async () => {
    const src = open();
    await src.read(0, 10);
    const [old, fresh] = signatures();
    srv.expireAll();
    srv.reset();
    const offsets = Array.from({ length: 8 }, (_, i) => i * 20_000);
    const got = await Promise.all(offsets.map((o) => src.read(o, 1000)));
    got.forEach((g, i) => expect(g).toEqual(slice(offsets[i]!, 1000)));
    expect(srv.portalRequests).toHaveLength(1);
    // 8 refused, then 8 to the new signed URL.
    expect(srv.storeRequests.filter((r) => r.query.get('X-Amz-Signature') === old)).toHaveLength(8);
    expect(srv.storeRequests.filter((r) => r.query.get('X-Amz-Signature') === fresh)).toHaveLength(8);
  });

  it('a plain server (no redirect): a first burst of GETs goes out together, none waits for another', async () => {
    const plain = await RangeServer.start();
    try {
      plain.put('/d.bin', DATA);
      // The first request is held 300 ms: had the others waited for it, none would have been sent yet.
      plain.hook = (_req, i) => (i === 0 ? { type: 'stall', ms: 300 } : undefined);
      const src = new HttpSource(plain.urlOf('/d.bin'), { retry: FAST });
      const reads = [0, 1000, 2000, 3000].map((o) => src.read(o, 100));
      await reads[0];
      expect(plain.requests).toHaveLength(4);
      await Promise.all(reads);
    } finally {
      await plain.close();
    }
  });

  it('sends the bearer token to the data URL only, never to the signed URL on another origin', async () => {
    const src = new HttpSource(srv.dataUrl('granule.h5'), { headers: { Authorization: `Bearer ${TOKEN}`, Cookie: 'session=abc', 'X-Trace': '1' }, retry: FAST });
    await src.read(0, 100);
    await src.read(100, 100);
    expect(srv.portalRequests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(srv.portalRequests[0]!.headers.cookie).toBe('session=abc');
    for (const r of srv.storeRequests) {
      expect(r.headers.authorization).toBeUndefined();
      expect(r.headers.cookie).toBeUndefined();
      expect(r.headers['x-trace']).toBeUndefined();
      expect(r.range).toBeDefined();
    }
  });

  it('without the token the portal refuses: AccessDenied, not a redirect', async () => {
    const err = await failure(new HttpSource(srv.dataUrl('granule.h5'), { retry: FAST }).read(0, 10));
    expect(err.code).toBe('AccessDenied');
    expect(srv.storeRequests).toHaveLength(0);
  });

  it('an expired signed URL (403) is re-resolved through the data URL once and the read succeeds', async () => {
    const src = open();
    await src.read(0, 10);
    const [old, fresh] = signatures();
    srv.expireAll();
    srv.reset();
    expect(await src.read(10_000, 5000)).toEqual(slice(10_000, 5000));
    // The refused GET, the data URL again, the GET to the new signed URL.
    expect(srv.storeRequests.map((r) => r.query.get('X-Amz-Signature'))).toEqual([old, fresh]);
    expect(srv.portalRequests).toHaveLength(1);
    srv.reset();
    expect(await src.read(20_000, 10)).toEqual(slice(20_000, 10));
    expect(srv.portalRequests).toHaveLength(0);
  });

  it('honours X-Amz-Expires: a signed URL about to expire is not used, the data URL is asked first', async () => {
    srv.ttlSeconds = 5; // inside the safety margin: stale as soon as it is handed out
    const src = open();
    await src.read(0, 10);
    await src.read(10, 10);
    expect(srv.portalRequests).toHaveLength(2);
    // Never refused: each GET went to a URL that was still valid.
    expect(srv.storeRequests).toHaveLength(2);
  });

  it('a signed URL refused twice (re-resolution does not help) is AccessDenied, after one re-resolution only', async () => {
    const src = open();
    await src.read(0, 10);
    srv.reset();
    srv.ttlSeconds = -60; // every URL handed out is already expired at the store
    srv.expireAll();
    const err = await failure(src.read(0, 10));
    expect(err.code).toBe('AccessDenied');
    expect(err.status).toBe(403);
    expect(srv.portalRequests).toHaveLength(1);
    expect(srv.storeRequests).toHaveLength(2);
    // The signature never appears in the message.
    expect(err.message).not.toContain('X-Amz-Signature');
  });

  it('a redirect loop is a clear Network error, not a hang or a retry storm', async () => {
    srv.loop = true;
    const err = await failure(open().read(0, 10));
    expect(err.code).toBe('Network');
    expect(err.message).toMatch(/redirect loop/);
    expect(srv.portalRequests.length).toBeLessThanOrEqual(2);
  });

  it('learns the size through the redirect where the signed URL refuses HEAD', async () => {
    const src = open();
    expect(await src.getSize()).toBe(SIZE);
    expect(await src.read(SIZE - 10, 10)).toEqual(slice(SIZE - 10, 10));
  });

  it('follows a 307 and an Expires-style signed URL the same way', async () => {
    const other = await RedirectServer.start({ status: 307, style: 'expires' });
    try {
      other.put('x.bin', DATA);
      const src = new HttpSource(other.dataUrl('x.bin'), { retry: FAST });
      await src.read(0, 10);
      await src.read(1000, 10);
      expect(other.portalRequests).toHaveLength(1);
      expect(other.storeRequests).toHaveLength(2);
      expect(other.storeRequests[0]!.query.has('Expires')).toBe(true);
    } finally {
      await other.close();
    }
  });
});

describe('signedUrlExpiry', () => {
  it('reads SigV4, SigV2/CloudFront seconds and millisecond Expires', () => {
    expect(signedUrlExpiry('https://b.s3.amazonaws.com/k?X-Amz-Date=20240102T030405Z&X-Amz-Expires=3600&X-Amz-Signature=x')).toBe(Date.UTC(2024, 0, 2, 4, 4, 5));
    expect(signedUrlExpiry('https://cdn.example/k?Expires=1700000000&Signature=x')).toBe(1_700_000_000_000);
    expect(signedUrlExpiry('https://proxy.example/k?expires=1700000000123')).toBe(1_700_000_000_123);
    expect(signedUrlExpiry('https://example.com/k')).toBeUndefined();
  });
});
