/**
 * The benchmark's WAN emulator (bench/wan-proxy.ts) is the meter every figure in bench/RESULTS.md
 * is read from, so it is tested like the code: it must hand back exactly the bytes asked for,
 * in order, under concurrency (it paces one response in slices that share one link), and count
 * requests, bytes, waves and redirects as a reader's round trips really happen. Counts, not times.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WanCounters } from '../bench/wan-proxy.js';
import { byterangesBoundary, parseByteranges } from '../src/drivers/multipart.js';

const dir = mkdtempSync(join(tmpdir(), 'coh5-bench-proxy-'));
const file = join(dir, 'blob.bin');
const blob = randomBytes(3 * 1024 * 1024 + 17);
writeFileSync(file, blob);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
// Small slices, so concurrent responses interleave hundreds of paced slices on the shared link.
const SLICE = 4096;
let child: ChildProcess;
/** The emulator runs in its own process, as in the bench, so this test's client does not slow it. */
const wan = {
  url: '',
  counters: {} as WanCounters,
  async reset(): Promise<void> {
    await (await fetch(`${wan.url}/__reset`)).arrayBuffer();
  },
  async read(): Promise<WanCounters> {
    return (wan.counters = (await (await fetch(`${wan.url}/__counters`)).json()) as WanCounters);
  },
};

beforeAll(async () => {
  // 200 ms: requests sent together reach the emulator within one round trip even on a loaded machine.
  child = spawn(process.execPath, ['--import', './scripts/register-ts.mjs', 'bench/wan-serve.ts', file, '--rtt', '200', '--mbps', '2000', '--slice', String(SLICE)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = await new Promise<string[]>((resolve) => createInterface({ input: child.stdout! }).once('line', (l) => resolve([l])));
  wan.url = (JSON.parse(line!) as { url: string }).url;
});
afterAll(() => {
  child?.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function get(path: string, start: number, end: number): Promise<Uint8Array> {
  const r = await fetch(`${wan.url}/${path}`, { headers: { range: `bytes=${start}-${end}` } });
  expect(r.status).toBe(206);
  return new Uint8Array(await r.arrayBuffer());
}

describe('WAN emulator', () => {
  it('returns the exact bytes of 24 concurrent ranges, counted as one wave', async () => {
    // Connections opened first (uncounted), so the 24 GETs reach the emulator together.
    await Promise.all(Array.from({ length: 24 }, async () => (await fetch(`${wan.url}/__warm`)).arrayBuffer()));
    await wan.reset();
    // Ranges of many sizes and alignments, overlapping, from the first byte to the last.
    const ranges: [number, number][] = Array.from({ length: 24 }, (_, i) => {
      const start = i === 0 ? 0 : (i * 131_071) % (blob.length - 1);
      const len = i === 23 ? blob.length - start : 1 + ((i * 97_777) % 400_000);
      return [start, Math.min(blob.length, start + len) - 1];
    });
    const bodies = await Promise.all(ranges.map(([s, e]) => get('blob.bin', s, e)));
    bodies.forEach((b, i) => expect(sha(b), `range ${ranges[i]}`).toBe(sha(blob.subarray(ranges[i]![0], ranges[i]![1] + 1))));
    const total = ranges.reduce((n, [s, e]) => n + e - s + 1, 0);
    expect(await wan.read()).toMatchObject({
      requests: 24,
      bytes: total,
      waves: 1,
      redirects: 0,
      // Every response waited its round trip, and went through the link slice by slice.
      delayed: 24,
      slices: ranges.reduce((n, [s, e]) => n + Math.ceil((e - s + 1) / SLICE), 0),
    });
  });

  it('answers a multi-range GET with multipart/byteranges: each part the exact bytes, the framing counted', async () => {
    await wan.reset();
    // Unordered, overlapping, the last byte, and one past the end (dropped, as servers do).
    const ranges: [number, number][] = [[1_000_000, 1_200_000], [5, 5], [1_100_000, 1_100_999], [blob.length - 1, blob.length - 1], [blob.length + 10, blob.length + 20]];
    const r = await fetch(`${wan.url}/blob.bin`, { headers: { range: `bytes=${ranges.map(([a, b]) => `${a}-${b}`).join(',')}` } });
    expect(r.status).toBe(206);
    const boundary = byterangesBoundary(r.headers.get('content-type'));
    expect(boundary).toBeDefined();
    const body = new Uint8Array(await r.arrayBuffer());
    const parts = parseByteranges(body, boundary!, 'wan');
    expect(parts.map((p) => [p.start, p.end, p.total])).toEqual(ranges.slice(0, 4).map(([a, b]) => [a, b, blob.length]));
    parts.forEach((p) => expect(sha(p.bytes), `part ${p.start}`).toBe(sha(blob.subarray(p.start, p.end + 1))));
    expect(await wan.read()).toMatchObject({ requests: 1, bytes: body.length, waves: 1, slices: Math.ceil(body.length / SLICE) });
  });

  it('counts a request sent after a response ended as the next wave', async () => {
    await wan.reset();
    await get('blob.bin', 0, 99);
    await Promise.all([get('blob.bin', 100, 199), get('blob.bin', 200, 299)]);
    await get('blob.bin', 300, 399);
    expect(await wan.read()).toMatchObject({ requests: 4, bytes: 400, waves: 3, delayed: 4, slices: 4 });
  });

  it('answers a data URL with a 302 to a signed URL: two round trips per GET', async () => {
    await wan.reset();
    const body = await get('redirect/blob.bin', 1000, 70_000);
    expect(sha(body)).toBe(sha(blob.subarray(1000, 70_001)));
    expect(await wan.read()).toMatchObject({ requests: 2, redirects: 1, waves: 2, bytes: 69_001, delayed: 2, expired: 0 });
    // The signed URL alone is one round trip while it lasts...
    const manual = await fetch(`${wan.url}/redirect/blob.bin`, { redirect: 'manual' });
    const signed = new URL(manual.headers.get('location')!, wan.url);
    await wan.reset();
    expect(sha(await get(signed.pathname.slice(1) + signed.search, 5, 9))).toBe(sha(blob.subarray(5, 10)));
    expect(await wan.read()).toMatchObject({ requests: 1, redirects: 0, waves: 1 });
    // ...and refused once expired, as S3 refuses a stale presigned URL.
    signed.searchParams.set('expires', String(Date.now() - 1));
    const stale = await fetch(signed, { headers: { range: 'bytes=0-9' } });
    expect(stale.status).toBe(403);
    expect((await wan.read()).expired).toBe(1);
  });

  it('serves HEAD and 404s unknown files, each a counted request', async () => {
    await wan.reset();
    const head = await fetch(`${wan.url}/blob.bin`, { method: 'HEAD' });
    expect(Number(head.headers.get('content-length'))).toBe(blob.length);
    expect((await fetch(`${wan.url}/nothing.h5`)).status).toBe(404);
    expect(await wan.read()).toMatchObject({ requests: 2, bytes: 0 });
  });
});
