import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { H5Error } from '../src/errors.js';
import { HttpSource, openHttp, type HttpOptions } from '../src/drivers/http.js';
import { RangeServer, testBytes, type Fault } from './helpers/range-server.js';
import { failure } from './helpers/failure.js';

const SIZE = 100_000;
const DATA = testBytes(SIZE);
const FAST = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

let server: RangeServer;
beforeAll(async () => {
  server = await RangeServer.start();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
  server.put('/data.bin', DATA);
  server.sendEtag = true;
  server.sendLastModified = true;
});

const open = (opts: HttpOptions = {}, path = '/data.bin') => new HttpSource(server.urlOf(path), { retry: FAST, ...opts });
const slice = (offset: number, length: number) => DATA.subarray(offset, offset + length);


describe('HttpSource ranges', () => {
  it('reads exact bytes at the start, middle and end, one GET each, learning the size from Content-Range', async () => {
    const src = open();
    expect(src.size).toBeUndefined();
    expect(await src.read(0, 16)).toEqual(slice(0, 16));
    expect(src.size).toBe(SIZE);
    expect(await src.read(51_234, 4321)).toEqual(slice(51_234, 4321));
    expect(await src.read(SIZE - 7, 7)).toEqual(slice(SIZE - 7, 7));
    expect(server.requests.map((r) => `${r.method} ${r.range}`)).toEqual([
      'GET bytes=0-15',
      'GET bytes=51234-55554',
      `GET bytes=${SIZE - 7}-${SIZE - 1}`,
    ]);
  });

  it('opening makes no request; getSize uses one HEAD', async () => {
    const src = await openHttp(server.urlOf('/data.bin'), { retry: FAST });
    expect(server.requests).toHaveLength(0);
    expect(await src.getSize()).toBe(SIZE);
    expect(await src.getSize()).toBe(SIZE);
    expect(server.requests.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('returns a short read at EOF and an empty one past it', async () => {
    const src = open();
    expect(await src.read(SIZE - 10, 100)).toEqual(slice(SIZE - 10, 10));
    expect(server.requests[0]!.range).toBe(`bytes=${SIZE - 10}-${SIZE + 89}`);
    // Size known: no request for a range wholly past EOF, and none for zero bytes.
    expect(await src.read(SIZE + 5, 10)).toEqual(new Uint8Array(0));
    expect(await src.read(10, 0)).toEqual(new Uint8Array(0));
    expect(server.requests).toHaveLength(1);
  });

  it('turns a 416 for a start past EOF into an empty read and learns the size from it', async () => {
    const src = open();
    expect(await src.read(SIZE, 10)).toEqual(new Uint8Array(0));
    expect(src.size).toBe(SIZE);
    expect(server.requests).toHaveLength(1);
  });

  it('reads an empty file as empty', async () => {
    server.put('/empty.bin', new Uint8Array(0));
    const src = open({}, '/empty.bin');
    expect(await src.read(0, 10)).toEqual(new Uint8Array(0));
    expect(src.size).toBe(0);
  });

  it('serves many concurrent reads with the right bytes', async () => {
    const src = open();
    const offsets = Array.from({ length: 20 }, (_, i) => i * 4999);
    const got = await Promise.all(offsets.map((o) => src.read(o, 777)));
    got.forEach((bytes, i) => expect(bytes).toEqual(slice(offsets[i]!, 777)));
  });

  it('asks again for the rest when a server caps the range length', async () => {
    server.hook = () => ({ type: 'cap', maxBytes: 1000 });
    const src = open();
    expect(await src.read(10, 3500)).toEqual(slice(10, 3500));
    expect(server.requests.map((r) => r.range)).toEqual(['bytes=10-3509', 'bytes=1010-3509', 'bytes=2010-3509', 'bytes=3010-3509']);
  });

  it('reports a missing object as NotFound without retrying', async () => {
    const e = await failure(open({}, '/missing.bin').read(0, 10));
    expect(e.code).toBe('NotFound');
    expect(e.status).toBe(404);
    const e2 = await failure(open({}, '/missing.bin').getSize());
    expect(e2.code).toBe('NotFound');
    expect(server.requests).toHaveLength(2);
  });

  it('rejects bad ranges before any request', async () => {
    const e = await failure(open().read(-1, 10));
    expect(e.code).toBe('Invalid');
    expect((await failure(open().read(0, 1.5))).code).toBe('Invalid');
    expect(server.requests).toHaveLength(0);
  });
});

describe('HttpSource size probes', () => {
  it.each([403, 405])('falls back to GET bytes=0-0 when HEAD is refused with %i', async (status) => {
    server.headStatus = status;
    const src = open();
    expect(await src.getSize()).toBe(SIZE);
    expect(server.requests.map((r) => `${r.method} ${r.range ?? ''}`)).toEqual(['HEAD ', 'GET bytes=0-0']);
    expect(await src.read(99_990, 10)).toEqual(slice(99_990, 10));
  });

  it('learns the size of an empty file through the fallback (416 bytes */0)', async () => {
    server.put('/empty.bin', new Uint8Array(0));
    server.headStatus = 403;
    expect(await open({}, '/empty.bin').getSize()).toBe(0);
  });
});

describe('HttpSource faults: right bytes or a clear error, never wrong bytes', () => {
  const recoverable: [string, Fault][] = [
    ['503', { type: 'status', status: 503 }],
    ['503 SlowDown', { type: 'slowdown' }],
    ['429', { type: 'status', status: 429 }],
    ['500', { type: 'status', status: 500 }],
    ['a reset mid-body', { type: 'reset', afterBytes: 1000 }],
    ['a body shorter than Content-Length', { type: 'short-declared', sendBytes: 1000 }],
    ['a body shorter than Content-Range', { type: 'short-consistent', sendBytes: 1000 }],
  ];

  it.each(recoverable)('retries after %s and returns the right bytes', async (_, fault) => {
    server.fault(fault);
    const src = open();
    expect(await src.read(20_000, 5000)).toEqual(slice(20_000, 5000));
    expect(server.count('GET')).toBe(2);
  });

  it('gives up after the policy attempts with a Network error naming the status', async () => {
    server.hook = () => ({ type: 'slowdown' });
    const e = await failure(open().read(0, 10));
    expect(e.code).toBe('Network');
    expect(e.status).toBe(503);
    expect(e.message).toContain('SlowDown');
    expect(server.count('GET')).toBe(FAST.attempts);
  });

  it('does not retry a 403, which is AccessDenied', async () => {
    server.fault({ type: 'status', status: 403 });
    const e = await failure(open().read(0, 10));
    expect(e.code).toBe('AccessDenied');
    expect(e.status).toBe(403);
    expect(server.count('GET')).toBe(1);
  });

  it('refuses a 200 with the whole body instead of downloading it, without retrying', async () => {
    server.fault({ type: 'ignore-range' });
    const e = await failure(open().read(100, 10));
    expect(e.code).toBe('Unsupported');
    expect(e.message).toMatch(/ignored the Range header/);
    expect(server.count('GET')).toBe(1);
  });

  it('accepts a 200 when the whole object fits in the range asked for at offset 0', async () => {
    server.put('/small.bin', DATA.subarray(0, 50));
    server.fault({ type: 'ignore-range' });
    const src = open({}, '/small.bin');
    expect(await src.read(0, 100)).toEqual(slice(0, 50));
    expect(src.size).toBe(50);
  });

  it('refuses a compressed ranged response', async () => {
    server.fault({ type: 'gzip' });
    expect((await failure(open().read(0, 10))).code).toBe('Unsupported');
  });

  it('sends the caller headers, and fetch asks for identity encoding on a ranged GET', async () => {
    await open({ headers: { Authorization: 'Bearer t0ken' } }).read(0, 1);
    expect(server.requests[0]!.headers['accept-encoding']).toBe('identity');
    expect(server.requests[0]!.headers.authorization).toBe('Bearer t0ken');
  });

  it('fails with Changed when the ETag changes between reads', async () => {
    const src = open();
    await src.read(0, 10);
    server.put('/data.bin', testBytes(SIZE, 7));
    const e = await failure(src.read(10, 10));
    expect(e.code).toBe('Changed');
    expect(server.count('GET')).toBe(2);
  });

  it('fails with Changed when one response carries another ETag', async () => {
    const src = open();
    await src.read(0, 10);
    server.fault({ type: 'etag', etag: '"other"' });
    expect((await failure(src.read(10, 10))).code).toBe('Changed');
  });

  it('pins Last-Modified when there is no ETag', async () => {
    server.sendEtag = false;
    const src = open();
    await src.read(0, 10);
    server.put('/data.bin', testBytes(SIZE, 7));
    expect((await failure(src.read(10, 10))).code).toBe('Changed');
  });

  it('detects a change of size even without validators', async () => {
    server.sendEtag = false;
    server.sendLastModified = false;
    const src = open();
    await src.read(0, 10);
    server.put('/data.bin', DATA.subarray(0, SIZE - 1));
    expect((await failure(src.read(10, 10))).code).toBe('Changed');
  });

  it('never returns wrong bytes under random faults', async () => {
    const faults: (Fault | undefined)[] = [
      undefined,
      undefined,
      { type: 'status', status: 503 },
      { type: 'slowdown' },
      { type: 'reset', afterBytes: 333 },
      { type: 'short-declared', sendBytes: 100 },
      { type: 'short-consistent', sendBytes: 10 },
      { type: 'ignore-range' },
      { type: 'cap', maxBytes: 700 },
    ];
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    server.hook = () => faults[rand(faults.length)];
    const src = open({ retry: { attempts: 4, baseDelayMs: 0, maxDelayMs: 0 } });
    let ok = 0;
    for (let i = 0; i < 60; i++) {
      const offset = rand(SIZE);
      const length = 1 + rand(3000);
      try {
        expect(await src.read(offset, length)).toEqual(slice(offset, length));
        ok++;
      } catch (e) {
        expect(e).toBeInstanceOf(H5Error);
        expect(['Network', 'Unsupported']).toContain((e as H5Error).code);
      }
    }
    expect(ok).toBeGreaterThan(30);
  });
});

describe('HttpSource timeouts and aborts', () => {
  it('times out a stalled request and retries it', async () => {
    server.fault({ type: 'stall', ms: 5000 });
    const src = open({ timeoutMs: 300 });
    expect(await src.read(0, 100)).toEqual(slice(0, 100));
    expect(server.count('GET')).toBe(2);
  });

  it('fails with Timeout when every attempt stalls, headers or body', async () => {
    server.fault({ type: 'stall', ms: 5000 }, { type: 'stall-body', afterBytes: 10, ms: 5000 });
    const e = await failure(open({ timeoutMs: 300, retry: { ...FAST, attempts: 2 } }).read(0, 100));
    expect(e.code).toBe('Timeout');
    expect(server.count('GET')).toBe(2);
  });

  it('rejects a pre-aborted read with Aborted and no request', async () => {
    const e = await failure(open().read(0, 10, { signal: AbortSignal.abort() }));
    expect(e.code).toBe('Aborted');
    expect((await failure(open().getSize({ signal: AbortSignal.abort() }))).code).toBe('Aborted');
    expect(server.requests).toHaveLength(0);
  });

  it('aborts a request in flight and does not retry it', async () => {
    server.fault({ type: 'stall-body', afterBytes: 10, ms: 10_000 });
    const ctrl = new AbortController();
    const src = open();
    const p = src.read(0, 100, { signal: ctrl.signal });
    await until(() => server.requests.length === 1);
    ctrl.abort();
    expect((await failure(p)).code).toBe('Aborted');
    // The next read is served normally and is the only other request the server saw.
    expect(await src.read(0, 100)).toEqual(slice(0, 100));
    expect(server.count('GET')).toBe(2);
  });

  it('aborts during the backoff between attempts', async () => {
    server.hook = () => ({ type: 'status', status: 503 });
    const ctrl = new AbortController();
    const p = open({ retry: { attempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 } }).read(0, 10, { signal: ctrl.signal });
    await until(() => server.requests.length === 1);
    ctrl.abort();
    expect((await failure(p)).code).toBe('Aborted');
    expect(server.count('GET')).toBe(1);
  });
});

describe('HttpSource options', () => {
  it('uses an injected fetch (URL signing) and keeps the signature out of the key', async () => {
    const seen: string[] = [];
    const signing: typeof fetch = (input, init) => {
      const url = `${String(input)}?X-Amz-Signature=s3cr3t&v=1`;
      seen.push(url);
      return fetch(url, init);
    };
    const src = open({ fetch: signing });
    expect(await src.read(5, 5)).toEqual(slice(5, 5));
    expect(seen).toHaveLength(1);
    const signed = new HttpSource(`http://user:pw@127.0.0.1:1/x.h5?X-Amz-Credential=AK&X-Amz-Signature=s3cr3t&version=2`);
    expect(signed.key).toBe('http://127.0.0.1:1/x.h5?version=2');
  });

  it('reports a refused connection as a Network error after retrying', async () => {
    const dead = await RangeServer.start();
    const url = dead.urlOf('/data.bin');
    await dead.close();
    const e = await failure(new HttpSource(url, { retry: FAST }).read(0, 10));
    expect(e.code).toBe('Network');
    expect(e.message).not.toContain('s3cr3t');
  });

  it('rejects non-http URLs', async () => {
    expect((await failure(openHttp('ftp://example.com/x'))).code).toBe('Invalid');
  });
});

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}
