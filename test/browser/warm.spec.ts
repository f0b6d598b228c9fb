/**
 * Warm re-reads in Chromium: a first realm reads a slice and stores the file's metadata in
 * IndexedDB (IndexedDBMetadataStore); a second, fresh realm (a module worker: no memory shared
 * with the first, only the origin's IndexedDB, as after a page reload) reads the same slice with
 * one GET, one wave. Counts are the server's.
 */
import { describe, expect, inject, it } from 'vitest';

const httpBase = inject('httpBase');
const DB = 'coh5-warm-test';

async function serverGets(path: string): Promise<number> {
  const r = await fetch(`${httpBase}/__requests`, { cache: 'no-store' });
  return ((await r.json()) as Record<string, number>)[path] ?? 0;
}

type Result = { ok: true; values: number[]; requests: number; waves: number } | { ok: false; error: string };

/** Runs one read in a new worker (a new realm) and ends it. */
function readInFreshRealm(url: string, dataset: string, slab: [number, number][]): Promise<Result> {
  const worker = new Worker(new URL('./warm-worker.ts', import.meta.url), { type: 'module' });
  return new Promise<Result>((resolve, reject) => {
    worker.onmessage = (ev: MessageEvent<Result>) => resolve(ev.data);
    worker.onerror = (ev) => reject(new Error(ev.message));
    worker.postMessage({ url, dataset, slab, db: DB });
  }).finally(() => worker.terminate());
}

describe('persistent metadata cache in IndexedDB', () => {
  it('a fresh realm re-reading a slice needs one GET: metadata come from IndexedDB', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.deleteDatabase(DB);
      req.onsuccess = () => resolve();
      req.onerror = () => reject(req.error);
    });
    // x[i] = i (scripts/make_warm_fixtures.py); chunk 15 lies past the first 64 KiB read.
    const path = '/x';
    const slab: [number, number][] = [[15_000, 15_010]];
    const expected = Array.from({ length: 10 }, (_, k) => 15_000 + k);
    const url = `${httpBase}/warm.h5`;

    const g0 = await serverGets('/warm.h5');
    const cold = await readInFreshRealm(url, path, slab);
    if (!cold.ok) throw new Error(cold.error);
    expect(cold.values).toEqual(expected);
    const g1 = await serverGets('/warm.h5');
    expect(g1 - g0).toBe(cold.requests);
    expect(cold.waves).toBeGreaterThan(1);

    const warm = await readInFreshRealm(url, path, slab);
    if (!warm.ok) throw new Error(warm.error);
    expect(warm.values).toEqual(expected);
    expect(warm.requests).toBe(1);
    expect(warm.waves).toBe(1);
    expect((await serverGets('/warm.h5')) - g1).toBe(1);
  });
});

describe('IndexedDBMetadataStore', () => {
  it('evicts least recently used entries by bytes; a get counts as a use', async () => {
    const { IndexedDBMetadataStore } = await import('../../src/index.js');
    const { encodeMetadata } = await import('../../src/cache/metadata-store.js');
    const entry = (key: string) => ({ key, etag: `"${key}"`, size: 1e6, blocks: [{ offset: 0, bytes: new Uint8Array(10_000).fill(key.length) }] });
    const one = encodeMetadata(entry('k1')).byteLength;
    const name = `coh5-lru-${Date.now()}`;
    const store = new IndexedDBMetadataStore(name, { maxBytes: Math.floor(2.5 * one) });
    const pause = () => new Promise((r) => setTimeout(r, 20));
    await store.put(entry('k1'));
    await pause();
    await store.put(entry('k2'));
    await pause();
    expect((await store.get('k1'))?.blocks[0]!.bytes).toEqual(entry('k1').blocks[0]!.bytes);
    await pause();
    await store.put(entry('k3'));
    expect(await store.get('k2')).toBeUndefined();
    expect(await store.get('k1')).toBeDefined();
    expect(await store.get('k3')).toBeDefined();
    await store.delete('k3');
    expect(await new IndexedDBMetadataStore(name).get('k3')).toBeUndefined();
  });
});
