/**
 * coh5 in Chromium (vitest browser mode, Playwright driving Debian's chromium): dataset slices read
 * from a plain range-capable HTTP server with CORS and from s3rver (CORS bucket) through its
 * object URLs, through the S3 driver (the AWS SDK, bundled for the browser), and through s3://
 * with no SDK loaded (the public-URL fallback). Values are h5py's; request counts are the server's.
 */
import { describe, expect, inject, it } from 'vitest';
import { forgetEntry, open, type Dataset, type H5File } from '../../src/index.js';
import { openS3 } from '../../src/s3.js';

const httpBase = inject('httpBase');
const s3Endpoint = inject('s3Endpoint');
const bucket = inject('s3Bucket');
const oracle = inject('oracle');

async function serverGets(path: string): Promise<number> {
  const r = await fetch(`${httpBase}/__requests`, { cache: 'no-store' });
  return ((await r.json()) as Record<string, number>)[path] ?? 0;
}

const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x as number]);

async function checkHyperslabs(file: H5File, name: string): Promise<number> {
  let checked = 0;
  for (const [path, o] of Object.entries(oracle[name]!)) {
    const ds = (await file.get(path)) as Dataset;
    expect(ds.shape).toEqual(o.shape);
    for (const h of o.hyperslabs) {
      const r = await ds.read(h.start.map((s, d) => [s, h.stop[d]!, h.step[d]!] as [number, number, number]));
      expect(r.shape).toEqual(h.shape);
      expect(Array.from(r.data as Float32Array)).toEqual(flat(h.data));
      checked++;
    }
    if (o.data) {
      expect(Array.from((await ds.read()).data as Float32Array)).toEqual(o.data);
      checked++;
    }
  }
  return checked;
}

describe('plain HTTP server with CORS', () => {
  it('a 17x17 slice costs a few range GETs, not the file; client and server agree on the count', async () => {
    const before = await serverGets('/example.h5');
    // A 64 KiB first read: with the default (512 KiB) this 272 KiB file comes whole at open, and
    // the test is about the slice's own range GETs.
    const file = await open(`${httpBase}/example.h5`, { cache: { initialReadSize: 65536 } });
    const h = oracle['example.h5']!['/temperature']!.hyperslabs[0]!;
    const r = await file.readDataset('/temperature', [[h.start[0]!, h.stop[0]!], [h.start[1]!, h.stop[1]!]]);
    expect(Array.from(r.data as Float32Array)).toEqual(flat(h.data));
    const stats = file.stats();
    expect(await serverGets('/example.h5')).toBe(before + stats.requests!);
    // Open (a 64 KiB first read), a 64 KiB block of the chunk B-tree, and one coalesced GET for the
    // four chunks the slice touches (as in Node: 3 requests, ~170 KB of the 272 KiB file).
    expect(stats.requests).toBeLessThanOrEqual(4);
    expect(stats.bytesTransferred).toBeLessThan(200_000);
    await file.close();
  });

  it('reads every h5py oracle hyperslab and the whole small datasets', async () => {
    const file = await open(`${httpBase}/example.h5`);
    expect(await checkHyperslabs(file, 'example.h5')).toBeGreaterThanOrEqual(4);
    await file.close();
  });

  it('a whole gzip+shuffle dataset (browser inflate) sums to h5py\'s sum', async () => {
    const file = await open(`${httpBase}/large_2d.h5`);
    const r = await file.readDataset('/field');
    let sum = 0;
    for (const v of r.data as Float64Array) sum += v;
    expect(sum).toBeCloseTo(oracle['large_2d.h5']!['/field']!.sum!, 3);
    expect(await checkHyperslabs(file, 'large_2d.h5')).toBeGreaterThan(0);
    await file.close();
  });

  it('readDatasets with hyperslices, in parallel', async () => {
    const file = await open(`${httpBase}/example.h5`);
    const got = await file.readDatasets([
      { dataset: 'lat', hyperslice: [[0, 3]] },
      { dataset: 'lon', hyperslice: [[10, 12]] },
    ]);
    expect(Array.from(got['lat']!.data as Float32Array)).toEqual(oracle['example.h5']!['/lat']!.data!.slice(0, 3));
    expect(Array.from(got['lon']!.data as Float32Array)).toEqual(oracle['example.h5']!['/lon']!.data!.slice(10, 12));
    await file.close();
  });
});

describe('a server without CORS', () => {
  it('fails once with AccessDenied naming CORS and what the rule must allow, not four retries of "Failed to fetch"', async () => {
    const before = await serverGets('/no-cors/example.h5');
    const err = await open(`${httpBase}/no-cors/example.h5`).then(
      () => null,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(err?.code).toBe('AccessDenied');
    expect(err?.message).toMatch(/blocked by CORS/);
    for (const what of ['Range', 'Content-Range', 'ETag', 'GET']) expect(err?.message).toContain(what);
    // The first read's two GETs (head and rest, sent together) reached the server (the browser
    // then withheld the replies); no retries followed.
    expect((await serverGets('/no-cors/example.h5')) - before).toBeLessThanOrEqual(2);
  });

  it('an unreachable server stays a Network error (retried), not a CORS one', async () => {
    const err = await open('http://127.0.0.1:9/example.h5', { retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } }).then(
      () => null,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(err?.code).toBe('Network');
    expect(err?.message).not.toMatch(/CORS/);
  });
});

describe('S3-compatible server (s3rver) with a CORS bucket', () => {
  it('public object URL through the http driver', async () => {
    const file = await open(`${s3Endpoint}/${bucket}/example.h5`);
    expect(await checkHyperslabs(file, 'example.h5')).toBeGreaterThanOrEqual(3);
    expect(file.stats().requests).toBeLessThanOrEqual(8);
    await file.close();
  });

  it('the S3 driver (AWS SDK in the browser), signed', async () => {
    const source = await openS3(`s3://${bucket}/large_2d.h5`, {
      endpoint: s3Endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      // A bundler resolves this import; coh5's own on-demand import of a bare name cannot be resolved in a browser.
      sdk: await import('@aws-sdk/client-s3'),
    });
    const file = await open(source);
    expect(await checkHyperslabs(file, 'large_2d.h5')).toBeGreaterThan(0);
    const s = file.stats();
    expect(s.requests).toBeGreaterThan(0);
    expect(s.requests).toBeLessThanOrEqual(10);
    await file.close();
  });

  it('s3:// without the SDK loaded falls back to the public URL', async () => {
    // An earlier test imported the S3 driver, which registers itself; a page without it has none.
    forgetEntry('coh5/s3');
    const file = await open(`s3://${bucket}/example.h5`, { s3: { endpoint: s3Endpoint, forcePathStyle: true } });
    expect(file.key).toBe(`${s3Endpoint}/${bucket}/example.h5`);
    expect(await checkHyperslabs(file, 'example.h5')).toBeGreaterThanOrEqual(3);
    await file.close();
  });
});

describe('the script-tag bundle', () => {
  it('dist/coh5.browser.global.js defines window.coh5, which reads a slice', async () => {
    // Its text, run as a classic script (Vite would rewrite the file if a <script src> asked for it).
    const bundle = '../../dist/coh5.browser.global.js?raw'; // a variable: tsc need not resolve Vite's ?raw
    const code = (await import(/* @vite-ignore */ bundle)) as { default: string };
    expect(code.default.length).toBeGreaterThan(10_000);
    const s = document.createElement('script');
    s.textContent = code.default;
    document.head.appendChild(s);
    const g = (globalThis as unknown as { coh5: typeof import('../../src/index.js') }).coh5;
    const file = await g.open(`${httpBase}/example.h5`);
    const r = await file.readDataset('/lat', [[0, 3]]);
    expect(Array.from(r.data as Float32Array)).toEqual(oracle['example.h5']!['/lat']!.data!.slice(0, 3));
    await file.close();
  });
});

describe('the single-file ES module', () => {
  it('dist/coh5.browser.js (dependencies inside) reads a gzip+shuffle slice', async () => {
    const path = '../../dist/coh5.browser.js';
    const m = (await import(/* @vite-ignore */ path)) as typeof import('../../src/index.js');
    const file = await m.open(`${httpBase}/large_2d.h5`);
    const h = oracle['large_2d.h5']!['/field']!.hyperslabs[0]!;
    const r = await file.readDataset('/field', [[h.start[0]!, h.stop[0]!], [h.start[1]!, h.stop[1]!]]);
    expect(Array.from(r.data as Float64Array)).toEqual(flat(h.data));
    await file.close();
  });
});
