/**
 * Errors and cancellation as the web platform does them: an abort rejects with name
 * 'AbortError' and the caller's reason at `e.reason`; AbortSignal.timeout() is a 'Timeout'
 * ('TimeoutError'); refusals are 'AccessDenied'; a stalled server fails within the total time
 * limit with a message that says so; `await using` closes the file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { H5Error, open } from '../src/index.js';
import { open as openNode } from '../src/node.js';
import { RangeServer } from './helpers/range-server.js';
import { failure } from './helpers/failure.js';

const EXAMPLE = join(import.meta.dirname, '..', 'fixtures', 'example.h5');
const FAST = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
let server: RangeServer;

beforeAll(async () => {
  server = await RangeServer.start();
  server.put('/example.h5', new Uint8Array(readFileSync(EXAMPLE)));
});
afterAll(() => server.close());
beforeEach(() => {
  server.fault();
  server.hook = undefined;
});

describe('H5Error names', () => {
  it('the name follows the code: AbortError, TimeoutError, else H5Error', () => {
    expect(new H5Error('Aborted', 'x').name).toBe('AbortError');
    expect(new H5Error('Timeout', 'x').name).toBe('TimeoutError');
    expect(new H5Error('NotFound', 'x').name).toBe('H5Error');
    expect(new H5Error('Aborted', 'x').withPath('/a').name).toBe('AbortError');
  });
});

describe("the README's errors table", () => {
  it('lists every code H5Error has, each with the name an H5Error of that code carries', () => {
    const root = join(import.meta.dirname, '..');
    const union = /export type H5ErrorCode =([^;]*);/.exec(readFileSync(join(root, 'src', 'errors.ts'), 'utf8'))![1]!;
    const codes = [...union.matchAll(/\| '(\w+)'/g)].map((m) => m[1]!);
    expect(codes.length).toBeGreaterThanOrEqual(11);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Errors\n'), readme.indexOf('\n## Cancellation\n'));
    const rows = new Map([...section.matchAll(/^\| `(\w+)` \| (\w+) \| [^|]+ \| ([^|]+) \|$/gm)].map((m) => [m[1]!, { name: m[2]!, hint: m[3]!.trim() }]));
    expect([...rows.keys()].sort()).toEqual([...codes].sort());
    for (const [code, row] of rows) expect(new H5Error(code as H5Error['code'], 'x').name, code).toBe(row.name);
    expect(rows.get('AccessDenied')!.hint).toContain('anonymous: true');
  });
});

describe('cancellation', () => {
  it("an abort during a read rejects with AbortError, and the caller's reason at e.reason", async () => {
    // A first read smaller than the file, so the read has GETs of its own to abort.
    const f = await open(server.urlOf('/example.h5'), { retry: FAST, cache: { blockSize: 4096, initialReadSize: 4096 } });
    const ctrl = new AbortController();
    const reason = new Error('the user closed the tab');
    server.hook = () => ({ type: 'stall', ms: 2000 });
    const p = f.readDataset('/temperature', undefined, { signal: ctrl.signal });
    setTimeout(() => ctrl.abort(reason), 50);
    const e = await failure(p);
    expect(e.code).toBe('Aborted');
    expect(e.name).toBe('AbortError');
    expect(e.reason).toBe(reason);
    await f.close();
  });

  it('the same through readDatasets, and a pre-aborted signal', async () => {
    const f = await open(server.urlOf('/example.h5'), { retry: FAST });
    const reason = { why: 'not an Error at all' };
    const e = await failure(f.readDatasets(['/lat', '/lon'], { signal: AbortSignal.abort(reason) }));
    expect(e.name).toBe('AbortError');
    expect(e.reason).toBe(reason);
    await f.close();
  });

  it('AbortSignal.timeout() is a Timeout (TimeoutError), not an abort', async () => {
    const f = await open(server.urlOf('/example.h5'), { retry: FAST });
    server.hook = () => ({ type: 'stall', ms: 2000 });
    const e = await failure(f.readDataset('/temperature', undefined, { signal: AbortSignal.timeout(100) }));
    expect(e.code).toBe('Timeout');
    expect(e.name).toBe('TimeoutError');
    expect((e.reason as Error).name).toBe('TimeoutError');
    await f.close();
  });
});

describe('time limits', () => {
  it('a stalled server fails within retry.totalTimeoutMs, saying how many tries and how long', async () => {
    server.hook = () => ({ type: 'stall', ms: 5000 });
    const before = server.count('GET');
    const t0 = Date.now();
    // A one-GET first read, so the GETs counted are its tries.
    const e = await failure(open(server.urlOf('/example.h5'), { timeoutMs: 300, retry: { ...FAST, attempts: 10, totalTimeoutMs: 800 }, cache: { initialReadSize: 65536 } }));
    const elapsed = Date.now() - t0;
    expect(e.code).toBe('Timeout');
    expect(e.name).toBe('TimeoutError');
    // 10 tries of 300 ms would be 3 s; the total limit stops it at the third try.
    expect(server.count('GET') - before).toBeLessThanOrEqual(3);
    expect(e.message).toMatch(/gave up after \d tries in \d+\.\d s \(retry\.totalTimeoutMs 800\)/);
    expect(elapsed).toBeLessThan(2500); // a bound, not a timing: 10 x 300 ms would be 3 s
  });
});

describe('AccessDenied', () => {
  it('HTTP 401 and 403 are AccessDenied, not retried, and say what is missing', async () => {
    for (const status of [401, 403]) {
      const before = server.count('GET');
      server.fault({ type: 'status', status });
      // A one-GET first read, so the GETs counted are its tries.
      const e = await failure(open(server.urlOf('/example.h5'), { retry: FAST, cache: { initialReadSize: 65536 } }));
      expect(e.code).toBe('AccessDenied');
      expect(e.status).toBe(status);
      expect(e.message).toMatch(/access denied \(HTTP 40[13]\): the server needs credentials/);
      expect(server.count('GET') - before).toBe(1);
    }
  });
});

describe('await using', () => {
  it('Symbol.asyncDispose closes the file: its handle is released', async () => {
    const f = await openNode(EXAMPLE);
    expect(typeof f[Symbol.asyncDispose]).toBe('function');
    await f[Symbol.asyncDispose]();
    // A fresh read needs the handle, which is closed: 'Invalid' (read after close).
    const e = await failure(f.readDataset('/temperature', [[0, 700]]));
    expect(e.code).toBe('Invalid');
  });

  it('over HTTP it cancels the GETs in flight: the read rejects and the server sees the connection closed', async () => {
    const f = await open(server.urlOf('/example.h5'));
    server.hook = (req) => (req.method === 'GET' ? { type: 'stall', ms: 60_000 } : undefined);
    const before = server.requests.length;
    const cancelledBefore = server.cancelled;
    const read = failure(f.readDataset('/temperature', [[0, 700]]));
    await expect.poll(() => server.requests.length, { timeout: 10_000 }).toBeGreaterThan(before);
    {
      await using _ = f; // disposed at the end of this block, as `await using f = await open(...)` is
    }
    const e = await read;
    expect(e.code).toBe('Aborted');
    expect(e.message).toMatch(/closed/);
    await expect.poll(() => server.cancelled - cancelledBefore, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
  });
});
