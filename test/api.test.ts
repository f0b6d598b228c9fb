/**
 * The public API end to end on fixtures written by h5py/libhdf5: navigation, links, attributes,
 * dataset reads and selections, h5coro's calls, errors, and the requests and waves they cost
 * over a real HTTP range server.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { H5Error, open, toNdarray, compoundRecords, type Dataset, type Group, type H5File } from '../src/node.js';
import { RangeServer } from './helpers/range-server.js';

const fx = (name: string) => resolve(__dirname, '../fixtures', name);
const oracle = (name: string) => JSON.parse(readFileSync(fx(`${name}.json`), 'utf8'));

let server: RangeServer;
beforeAll(async () => {
  server = await RangeServer.start();
  for (const f of ['large_1d.h5', 'large_2d.h5', 'paged_repack.h5', 'groups_latest.h5', 'groups_earliest.h5', 'example.h5']) {
    server.put(`/${f}`, readFileSync(fx(f)));
  }
});
afterAll(async () => server.close());

async function expectCode(p: Promise<unknown>, code: string): Promise<H5Error> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(H5Error);
  expect((e as H5Error).code).toBe(code);
  return e as H5Error;
}

describe('navigation', () => {
  let f: H5File;
  beforeAll(async () => (f = await open(fx('links_latest.h5'))));
  afterAll(async () => f.close());

  it('gets objects by absolute and relative paths, following soft links', async () => {
    const grp = (await f.get('/grp')) as Group;
    expect(grp.kind).toBe('group');
    expect((await grp.get('inner')).path).toBe('/grp/inner');
    expect((await f.get('grp/soft_relative')).kind).toBe('dataset');
    const viaChain = await f.get('/chain1');
    expect(viaChain.address).toBe((await f.get('/alias_data')).address);
    expect((await f.get('/soft_through_soft')).address).toBe((await f.get('/grp/inner')).address);
  });

  it('reports links unfollowed, and NotFound for missing names and dangling links', async () => {
    expect(await f.link('soft_dangling')).toEqual({ name: 'soft_dangling', kind: 'soft', target: '/does/not/exist' });
    expect(await f.link('ext_dset')).toEqual({ name: 'ext_dset', kind: 'external', file: 'links_target.h5', path: '/data' });
    const e = await expectCode(f.get('/nope/deeper'), 'NotFound');
    expect(e.path).toBe('/nope');
    await expectCode(f.get('/soft_dangling'), 'NotFound');
    expect(await f.has('/soft_dangling')).toBe(false);
  });

  it('stops soft-link loops at the hop limit', async () => {
    const e = await expectCode(f.get('/loop_a'), 'NotFound');
    expect(e.message).toMatch(/hops/);
  });

  it('follows external links only when allowed', async () => {
    const e = await expectCode(f.get('/ext_dset'), 'NotAllowed');
    expect(e.message).toMatch(/links_target\.h5/);
    const g = await open(fx('links_latest.h5'), { allowExternal: [resolve(__dirname, '../fixtures')] });
    const ds = (await g.get('/ext_dset')) as Dataset;
    expect(ds.kind).toBe('dataset');
    await expectCode(g.get('/ext_missing_file'), 'NotFound');
    await g.close();
  });

  it('walks a tree with hard-link cycles once per object, without looping', async () => {
    const seen: string[] = [];
    for await (const { path } of f.walk()) seen.push(path);
    expect(seen).toContain('/grp/sub/back_to_grp');
    expect(seen).toContain('/grp/root');
    expect(seen.length).toBeLessThan(40);
  });

  it('lists members with kinds and attributes in one call, and inspects one path', async () => {
    const list = await f.list({ attributes: true });
    expect(list.map((x) => x.name)).toEqual(await f.keys());
    expect(list.find((x) => x.name === 'grp')!.kind).toBe('group');
    expect(list.find((x) => x.name === 'chain1')!.kind).toBe('link');
    const info = await f.inspectPath('/grp/inner');
    expect(info).toMatchObject({ kind: 'dataset', shape: [2], layout: 'contiguous' });
  });
});

describe('group orders and storage', () => {
  it('lists dense, compact and symbol-table groups in h5py order', async () => {
    for (const name of ['groups_latest.h5', 'groups_earliest.h5']) {
      const f = await open(fx(name));
      const o = oracle(name);
      for (const [path, e] of Object.entries<any>(o.objects)) {
        if (e.kind !== 'group') continue;
        const g = (await f.get(path)) as Group;
        const keys = await g.keys();
        expect(keys, `${name}:${path}`).toEqual(e.members_creation_order ?? e.members);
      }
      await f.close();
    }
  });
});

describe('link storage', () => {
  it('reports symbol_table, compact or dense as h5debug does, for 8- and 4-byte offsets', async () => {
    let checked = 0;
    for (const name of ['groups_latest.h5', 'groups_earliest.h5', 'offsets4_latest.h5', 'offsets4_earliest.h5']) {
      const f = await open(fx(name));
      for (const [path, e] of Object.entries<any>(oracle(name).objects)) {
        const want = e.kind === 'group' ? e.object_header?.link_storage : undefined;
        if (!want) continue;
        expect(await ((await f.get(path)) as Group).linkStorage(), `${name}:${path}`).toBe(want);
        checked++;
      }
      await f.close();
    }
    expect(checked).toBeGreaterThan(5);
  });
});

describe('dataset reads', () => {
  let f: H5File;
  let full: Float64Array;
  let ds: Dataset;
  beforeAll(async () => {
    f = await open(fx('large_2d.h5'));
    ds = (await f.get('/field')) as Dataset;
    full = (await ds.read()).data as Float64Array;
  });
  afterAll(async () => f.close());

  it('has metadata without reading data', () => {
    expect(ds.shape).toEqual([600, 420]);
    expect(ds.chunks).toEqual([60, 60]);
    expect(ds.dtype).toBe('<f8');
    expect(ds.filters.map((x) => x.id)).toEqual([2, 1]);
  });

  it('random hyperslabs and point lists equal the same elements of a full read (property)', async () => {
    const dim = (n: number) =>
      fc.tuple(fc.integer({ min: -n, max: n }), fc.integer({ min: -n, max: n }), fc.integer({ min: 1, max: 70 }));
    await fc.assert(
      fc.asyncProperty(dim(600), dim(420), async (a, b) => {
        const norm = (s: number, n: number) => (s < 0 ? Math.max(0, s + n) : Math.min(s, n));
        const rows: number[] = [];
        for (let i = norm(a[0], 600); i < norm(a[1], 600); i += a[2]) rows.push(i);
        const cols: number[] = [];
        for (let j = norm(b[0], 420); j < norm(b[1], 420); j += b[2]) cols.push(j);
        const { data, shape } = await ds.read([a, b]);
        expect(shape).toEqual([rows.length, cols.length]);
        const want = rows.flatMap((i) => cols.map((j) => full[i * 420 + j]!));
        expect(Array.from(data as Float64Array)).toEqual(want);
      }),
      { numRuns: 40, seed: 11 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 599 }), fc.integer({ min: 0, max: 419 })), { minLength: 1, maxLength: 30 }), async (pts) => {
        const { data, shape } = await ds.read({ points: pts });
        expect(shape).toEqual([pts.length]);
        expect(Array.from(data as Float64Array)).toEqual(pts.map(([i, j]) => full[i * 420 + j]!));
      }),
      { numRuns: 30, seed: 5 },
    );
  });

  it('gives an ndarray view in one call, and compounds as fields or records', async () => {
    const r = await ds.read([[0, 2], [0, 3]]);
    expect(toNdarray(r).get(1, 2)).toBe(full[1 * 420 + 2]);
    const g = await open(fx('example.h5'));
    const st = await ((await g.get('/stations')) as Dataset).read();
    const recs = compoundRecords(st.data as never);
    expect(recs).toHaveLength(10);
    expect(Object.keys(recs[0]!).length).toBeGreaterThan(1);
    await g.close();
  });

  it('reads a null dataspace as no values with shape null, like Dataset.shape and h5py (Empty)', async () => {
    const g = await open(fx('spaces_latest.h5'));
    for (const name of ['/null_f4', '/null_str']) {
      const d = (await g.get(name)) as Dataset;
      expect(d.shape).toBeNull();
      const r = await d.read();
      expect(r.shape).toBeNull();
      expect(Array.from(r.data as ArrayLike<unknown>)).toEqual([]);
      expect(() => toNdarray(r)).toThrow(H5Error);
    }
    await g.close();
  });

  it('reads HDF5 2.0 complex numbers as interleaved (real, imaginary) floats, viewed with a trailing dimension of 2', async () => {
    const g = await open(fx('v200/v200_dtypes.h5'));
    const c = (await g.get('/c8_be')) as Dataset;
    expect(c.dtype).toBe('>c8');
    const r = await c.read([[0, 2], [1, 3]]);
    expect(r).toMatchObject({ dtype: '>c8', shape: [2, 2] });
    // grid[i][j] = (3i + j) / 8 + i (5 - 3i - j) / 8
    expect(r.data).toEqual({ kind: 'complex', count: 4, data: new Float32Array([0.125, 0.5, 0.25, 0.375, 0.5, 0.125, 0.625, 0]) });
    const v = toNdarray(r);
    expect(v.shape).toEqual([2, 2, 2]);
    expect([v.get(1, 0, 0), v.get(1, 0, 1)]).toEqual([0.5, 0.125]);
    expect((await ((await g.get('/c16_le')) as Dataset).read()).data).toMatchObject({ kind: 'complex', count: 6, data: expect.any(Float64Array) });
    // Attributes give {r, i}, like h5py's complex compounds (which stay compounds).
    const attrs = await g.attrs();
    expect(attrs.complex_scalar).toEqual({ r: 5, i: -6 });
    expect(attrs.complex_half).toEqual([{ r: 0.5, i: 0.25 }, { r: -0, i: -2 }]);
    const style = await ((await g.get('/compound_style_c16')) as Dataset).read();
    expect(style.dtype).toBe('<c16');
    expect(style.data).toMatchObject({ kind: 'compound' });
    await g.close();
  });

  it('rejects bad selections with Invalid and honours abort', async () => {
    await expectCode(ds.read([[0, 10, 0]]), 'Invalid');
    await expectCode(ds.read([1000]), 'Invalid');
    const ac = new AbortController();
    ac.abort();
    await expectCode(ds.read(undefined, { signal: ac.signal }), 'Aborted');
  });
});

describe('h5coro calls', () => {
  it('readDatasets reads every request in parallel and names a failing dataset', async () => {
    const f = await open(fx('example.h5'));
    const res = await f.readDatasets([{ dataset: 'lat', hyperslice: [[0, 5]] }, { dataset: '/temperature', hyperslice: [[10, 12], [20, 23]] }, '/metadata/levels']);
    expect(res['lat']!.shape).toEqual([5]);
    expect(res['/temperature']!.shape).toEqual([2, 3]);
    expect(res['/metadata/levels']!.shape).toEqual([4]);
    const e = await expectCode(f.readDatasets([{ dataset: 'lat' }, { dataset: 'missing' }]), 'NotFound');
    expect(e.message).toMatch(/missing/);
    await f.close();
  });
});

describe('requests, bytes and waves over HTTP', () => {
  const small = { cache: { initialReadSize: 4096, blockSize: 4096 } };

  it('a small slice of a large chunked dataset moves only the chunk it touches plus metadata', async () => {
    const o = oracle('large_1d.h5').objects['/signal'];
    const f = await open(server.urlOf('/large_1d.h5'), small);
    const ds = (await f.get('/signal')) as Dataset;
    f.resetStats();
    const { data } = await ds.read([[500_100, 500_110]]);
    expect(data).toHaveLength(10);
    const s = f.stats();
    const chunk = (o.chunk_table as any[]).find((c) => c.offset[0] === 500_000);
    const chunkSize = chunk ? chunk.size : Math.max(...(o.chunk_table as any[]).map((c) => c.size));
    // The chunk itself, plus at most two 4 KiB blocks of chunk index.
    expect(s.bytesTransferred).toBeLessThanOrEqual(chunkSize + 2 * 4096);
    expect(s.bytesTransferred).toBeGreaterThanOrEqual(chunkSize);
    expect(s.waves).toBeLessThanOrEqual(3);
    await f.close();
  });

  it('a whole-dataset read streams through a bounded read-ahead with the same result', async () => {
    const whole = await open(server.urlOf('/large_1d.h5'), small);
    const want = (await ((await whole.get('/signal')) as Dataset).read()).data as Float32Array;
    await whole.close();
    // A read-ahead of 20 KB holds a fifth of the 100 stored chunks (~0.9 KB each) at a time:
    // more waves than the default (everything at once), the same bytes and values.
    const f = await open(server.urlOf('/large_1d.h5'), { cache: { ...small.cache, readAheadBytes: 20_000 } });
    const ds = (await f.get('/signal')) as Dataset;
    const index = f.stats();
    const got = (await ds.read()).data as Float32Array;
    expect(got).toEqual(want);
    const s = f.stats();
    // Index reads, then at least 4 batches in sequence (90 KB of chunks through 20 KB).
    expect(s.waves! - index.waves!).toBeGreaterThanOrEqual(5);
    expect(s.bytesTransferred! - index.bytesTransferred!).toBeLessThan(91_514);
    await f.close();
    await expectCode(open(server.urlOf('/large_1d.h5'), { cache: { readAheadBytes: 0 } }), 'Invalid');
  });

  it('overlapping reads of one dataset share the GETs of the chunks they both touch', async () => {
    const chunks = oracle('large_1d.h5').objects['/signal'].chunk_table as Array<{ offset: number[]; size: number }>;
    const stored = (from: number, to: number) => chunks.filter((c) => c.offset[0]! >= from && c.offset[0]! < to).reduce((n, c) => n + c.size, 0);
    const f = await open(server.urlOf('/large_1d.h5'), small);
    const ds = (await f.get('/signal')) as Dataset;
    await ds.read([[0, 1]]); // the chunk index, cached
    f.resetStats();
    const [a, b] = await Promise.all([ds.read([[0, 15_000]]), ds.read([[5_000, 25_000]])]);
    expect(Array.from((a.data as Float32Array).subarray(5_000, 5_010))).toEqual(Array.from((b.data as Float32Array).subarray(0, 10)));
    // Chunks 0-2 once each (the first read's GET of chunks 0-1 is shared), not 0-1 and 0-2.
    expect(f.stats().bytesTransferred).toBe(stored(0, 30_000));
    expect(f.stats().directShared).toBe(2);
    await f.close();
  });

  it('opening and listing costs few waves on a plain and on a paged file', async () => {
    for (const name of ['groups_latest.h5', 'paged_repack.h5']) {
      server.reset();
      const f = await open(server.urlOf(`/${name}`));
      await f.keys();
      const s = f.stats();
      // With the default first read, small files open and list in one round trip: the head GET
      // brings the whole file; the rest of the first read, sent with it unless the head's answer
      // (which tells the size) came first, finds nothing past the end.
      expect(s.waves, name).toBe(1);
      // Only this file's: an earlier test's first read may still reach the server after reset().
      const mine = server.requests.filter((r) => r.path === `/${name}`);
      expect(mine.map((r) => r.range).sort().join(' '), name).toMatch(/^bytes=0-65535( bytes=65536-524287)?$/);
      await f.close();
    }
    server.reset();
    const f = await open(server.urlOf('/groups_latest.h5'), small);
    const before = f.stats().waves;
    expect(before).toBe(1);
    const keys = await f.keys();
    expect(keys.length).toBeGreaterThan(0);
    // Root header, then the dense group's heap and B-tree: each a level of reads, never one request per link.
    expect(f.stats().waves).toBeLessThanOrEqual(4);
    expect(f.stats().requests).toBeLessThanOrEqual(6);
    await f.close();
  });
});

describe('metadata cache image', () => {
  const file = resolve(__dirname, '../../shared/corpus/thirdparty/hdf5/tools/test/misc/testfiles/h5clear_mdc_image.h5');
  it.skipIf(!existsSync(file))('reads a file whose metadata live in a cache image (skipped without ../shared)', async () => {
    const f = await open(file);
    expect(f.extension?.cacheImage).toBeDefined();
    expect(await f.keys()).toEqual(['DSET']);
    const ds = (await f.get('/DSET')) as Dataset;
    expect(ds.shape).toEqual([50, 100]);
    const { data } = await ds.read([[0, 1], [0, 3]]);
    expect(data).toHaveLength(3);
    await f.close();
  });
});
