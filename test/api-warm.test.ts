/**
 * The warm-read protocol inside one process (H5File over a persistent metadata cache): concurrent
 * reads that all meet a changed object share one restart; validate() confirms with one request;
 * a server that ignores If-Match is caught by the ETag it returns. Real HTTP server, real store.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { open } from '../src/api/file.js';
import { DirectoryMetadataStore } from '../src/cache/directory-store.js';
import { RangeServer } from './helpers/range-server.js';

const v1 = new Uint8Array(readFileSync('fixtures/warm/v1.h5'));
const v2 = new Uint8Array(readFileSync('fixtures/warm/v2.h5'));
const range = (f: (i: number) => number, a: number, b: number) => Array.from({ length: b - a }, (_, k) => f(a + k));
let server: RangeServer;
let dir: string;

beforeAll(async () => {
  server = await RangeServer.start();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coh5-api-warm-'));
  server.reset();
  server.put('/w.h5', v1);
  return () => rmSync(dir, { recursive: true, force: true });
});

const openWarm = () => open(server.urlOf('/w.h5'), { metadataCache: new DirectoryMetadataStore(dir) });

async function fill(): Promise<void> {
  const f = await openWarm();
  await f.readDataset('/x', [[15_000, 15_010]]);
  await f.close();
  server.reset();
}

describe('H5File over a persistent metadata cache', () => {
  it('opens with no request and sends If-Match on its GETs', async () => {
    await fill();
    const f = await openWarm();
    expect(server.requests).toHaveLength(0);
    expect(Array.from((await f.readDataset('/x', [[15_000, 15_003]])).data as Float64Array)).toEqual([15_000, 15_001, 15_002]);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers['if-match']).toMatch(/^"/);
    await f.close();
  });

  it('concurrent reads that meet a changed object (the server ignores If-Match) share one restart and return new values', async () => {
    await fill();
    server.put('/w.h5', v2);
    const f = await openWarm();
    const reqs = [0, 5_000, 15_000, 19_990].map((a) => ({ dataset: '/x', hyperslice: [[a, a + 10]] as [number, number][] }));
    const out = await f.readDatasets(reqs);
    expect(Array.from(out['/x']!.data as Float64Array)).toEqual(range((i) => -i - 0.5, 19_990, 20_000));
    for (const r of reqs) {
      const a = r.hyperslice[0]![0];
      expect(Array.from((await f.readDataset('/x', [[a, a + 10]])).data as Float64Array)).toEqual(range((i) => -i - 0.5, a, a + 10));
    }
    // One restart: the superblock's first read happened once more, not once per read.
    expect(server.requests.filter((r) => r.range?.startsWith('bytes=0-')).length).toBe(2);
    await f.close();
  });

  it('validate() confirms an unchanged file with one conditional request, and restarts a changed one', async () => {
    await fill();
    const f = await openWarm();
    await f.validate();
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers['if-match']).toBeDefined();
    await f.validate();
    expect(server.requests).toHaveLength(1);
    await f.close();

    server.put('/w.h5', v2);
    server.reset();
    const g = await openWarm();
    await g.validate();
    expect(Array.from((await g.readDataset('/x', [[0, 3]])).data as Float64Array)).toEqual([-0.5, -1.5, -2.5]);
    await g.close();
  });
});
