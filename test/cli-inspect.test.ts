/**
 * `coh5 inspect`: the cloud-optimization report on real files, and the h5repack command it
 * suggests, run for real (hdf5-tools' h5repack) to check that the repacked file passes.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suggestChunks, suggestPageSize, type InspectReport } from '../src/tools/inspect.js';
import { coh5 } from './cli-run.js';
import { RangeServer } from './helpers/range-server.js';

const H5REPACK = '/usr/bin/h5repack';
let tmp: string;
let server: RangeServer;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'coh5-inspect-'));
  server = await RangeServer.start();
  server.put('/paged_repack.h5', await readFile('fixtures/paged_repack.h5'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
  await server.close();
});

async function report(url: string): Promise<InspectReport> {
  const r = await coh5('inspect', '--json', url);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.text) as InspectReport;
}

describe('coh5 inspect', () => {
  it('a file without paged aggregation and with small chunks: findings and the fixing h5repack command', async () => {
    const r = await report('fixtures/example.h5');
    expect(r.paged).toBe(false);
    expect(r.pageSize).toBeNull();
    expect(r.strategy).toBe('fsm_aggr');
    expect(r.open.requests).toBe(1);
    const t = r.datasets.find((d) => d.path === '/temperature')!;
    // 90x180 float32 = 64,800 bytes: under the 100 KiB floor.
    expect(t).toMatchObject({ layout: 'chunked', chunkBytes: 64800, chunksAllocated: 64, chunksInGrid: 64, verdict: 'small-chunks' });
    expect(t.suggestedChunks).toEqual([720, 180]);
    expect(r.repack).toBe('h5repack -S PAGE -G 65536 -l /temperature:CHUNK=720x180 fixtures/example.h5 example.optimized.h5');
    const text = await coh5('inspect', 'fixtures/example.h5');
    expect(text.text).toMatch(/^paged:\s+no/m);
    expect(text.text).toMatch(/FIX \/temperature: chunk 90x180 = 63\.3 KiB, 64\/64 chunks stored/);
    expect(text.text).toMatch(/^fix: h5repack -S PAGE/m);
  });

  it('a paged file over HTTP: page size from the superblock extension, chunks per page', async () => {
    server.reset();
    const r = await report(server.urlOf('/paged_repack.h5'));
    expect(r).toMatchObject({ paged: true, strategy: 'page', pageSize: 4096 });
    expect(r.findings[0]).toBe('paged aggregation with 4.0 KiB pages');
    expect(r.open.requests).toBeGreaterThanOrEqual(1);
    // The report's request counts are the server's: open plus the metadata walk.
    expect(r.open.requests + r.metadata.requests).toBe(server.count('GET'));
    for (const d of r.datasets.filter((x) => x.layout === 'chunked' && x.chunksAllocated)) expect(d.chunksPerPage).toBeGreaterThan(0);
  });

  it.skipIf(!existsSync(H5REPACK))('running the suggested h5repack command yields a file inspect passes', async () => {
    const before = await report('fixtures/example.h5');
    const args = before.repack!.split(' ').slice(1);
    const out = join(tmp, 'example.optimized.h5');
    args[args.length - 1] = out;
    await promisify(execFile)(H5REPACK, args);
    const after = await report(out);
    expect(after).toMatchObject({ paged: true, pageSize: 65536, repack: null });
    expect(after.datasets.find((d) => d.path === '/temperature')).toMatchObject({ chunks: [720, 180], verdict: 'ok', chunksAllocated: 8 });
    const cat = await coh5('cat', out, '/temperature', '--slice', '100:102,1000:1003');
    const orig = await coh5('cat', 'fixtures/example.h5', '/temperature', '--slice', '100:102,1000:1003');
    expect(cat.text).toBe(orig.text);
  });
});

describe('coh5 inspect: a fix command that runs', () => {
  it('for an http:// URL it copies the file down first (h5repack reads local files only)', async () => {
    server.put('/example.h5', await readFile('fixtures/example.h5'));
    const r = await report(server.urlOf('/example.h5'));
    expect(r.repack).toBe(`curl -fLo example.h5 ${server.urlOf('/example.h5')} && h5repack -S PAGE -G 65536 -l /temperature:CHUNK=720x180 example.h5 example.optimized.h5`);
  });

  it.skipIf(!existsSync(H5REPACK))('the command as printed for an http:// URL succeeds, and inspect passes its result', async () => {
    server.put('/example.h5', await readFile('fixtures/example.h5'));
    const r = await report(server.urlOf('/example.h5'));
    await promisify(execFile)('sh', ['-c', r.repack!], { cwd: tmp, env: { ...process.env, PATH: `/usr/bin:${process.env.PATH}` } });
    expect((await report(join(tmp, 'example.optimized.h5'))).repack).toBeNull();
  });
});

describe('suggestions', () => {
  it('chunk shapes move into the 100 KiB-2 MiB band, slowest dimension first, within the shape', () => {
    expect(suggestChunks([1_000_000], [10_000], 4)).toEqual([262_144]);
    expect(suggestChunks([100, 100], [10, 10], 8)).toEqual([100, 100]); // the whole dataset is the most it can be
    expect(suggestChunks([10_000, 10_000], [5000, 5000], 8)).toEqual([26, 5000]);
    expect(suggestChunks([720, 1440], [720, 1440], 4)).toEqual([182, 1440]);
  });

  it('page sizes: a sixteenth of the file, between 64 KiB and 8 MiB', () => {
    expect(suggestPageSize(100_000)).toBe(65536);
    expect(suggestPageSize(64 * 1024 * 1024)).toBe(4 * 1024 * 1024);
    expect(suggestPageSize(10 * 1024 ** 3)).toBe(8 * 1024 * 1024);
  });
});
