/**
 * External links, virtual-dataset sources and external raw storage are followed only when
 * allowed, and an allow-list entry covers only what is under it: '..' in a link, a sibling
 * directory sharing a prefix, or another host sharing a name prefix do not get through.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open, type Dataset } from '../src/node.js';
import { H5Error } from '../src/errors.js';
import { resolveRelated } from '../src/api/file.js';
import { RangeServer } from './helpers/range-server.js';
import { failure } from './helpers/failure.js';

const FX = join(import.meta.dirname, '..', 'fixtures');
const REG = join(FX, 'regressions');


describe('allowExternal on local files', () => {
  it('by default nothing outside the file is opened: external links, VDS sources, external raw data', async () => {
    const f = await open(join(REG, 'external_links.h5'));
    for (const name of ['near', 'parent', 'absolute', 'url']) expect((await failure(f.get(name))).code).toBe('NotAllowed');
    const vds = await open(join(FX, 'vds_v110.h5'));
    expect((await failure(vds.readDataset('/vds'))).code).toBe('NotAllowed');
    const raw = await open(join(FX, 'external_raw.h5'));
    expect((await failure(raw.readDataset('/ext'))).code).toBe('NotAllowed');
    await Promise.all([f.close(), vds.close(), raw.close()]);
  });

  it('a virtual dataset whose extent comes from closed sources has an unknown extent, not the stored one', async () => {
    // The file stores 0 rows; the source in v200_vds_source.h5 has 3 (h5py's shape is [3, 6]).
    const path = join(FX, 'v200', 'v200_vds.h5');
    const closed = await open(path);
    const ds = (await closed.get('/unlimited_ext')) as Dataset;
    expect(ds.extentKnown).toBe(false);
    expect(ds.shape).toEqual([NaN, 6]);
    expect(ds.maxshape).toEqual([null, 6]);
    const e = await failure(ds.read());
    expect(e.code).toBe('NotAllowed');
    expect(e.message).toMatch(/extent of virtual dataset \/unlimited_ext depends on its sources: following "v200_vds_source.h5" needs the allowExternal option/);
    // Same-file sources need no permission, and the rest of the file reads.
    expect(((await closed.get('/printf')) as Dataset).shape).toEqual([3, 4]);
    expect(((await closed.get('/printf')) as Dataset).extentKnown).toBe(true);
    await closed.close();
    const allowed = await open(path, { allowExternal: true });
    const d2 = (await allowed.get('/unlimited_ext')) as Dataset;
    expect([d2.extentKnown, d2.shape]).toEqual([true, [3, 6]]);
    expect(Array.from((await d2.read()).data as Int32Array)).toEqual(Array.from({ length: 18 }, (_, i) => i));
    await allowed.close();
  });

  it('an allow-list lets in what is under it, and not ../ escapes, absolute paths or URLs', async () => {
    const f = await open(join(REG, 'external_links.h5'), { allowExternal: [REG] });
    expect((await f.get('near')).path).toBe('/small');
    // '../links_target.h5' resolves to fixtures/links_target.h5: outside fixtures/regressions.
    const e = await failure(f.get('parent'));
    expect(e.code).toBe('NotAllowed');
    expect(e.message).toContain(`resolves to ${join(FX, 'links_target.h5')}`);
    expect((await failure(f.get('absolute'))).code).toBe('NotAllowed');
    expect((await failure(f.get('url'))).code).toBe('NotAllowed');
    await f.close();
    // With the parent directory allowed, the same link is followed.
    const g = await open(join(REG, 'external_links.h5'), { allowExternal: [FX] });
    expect((await g.get('parent')).kind).toBe('group');
    await g.close();
  });

  it('a path prefix matches whole directory names', async () => {
    // 'fixtures/regress' is a string prefix of 'fixtures/regressions/...' but not a directory above it.
    const f = await open(join(REG, 'external_links.h5'), { allowExternal: [join(FX, 'regress')] });
    expect((await failure(f.get('near'))).code).toBe('NotAllowed');
    await f.close();
  });

  it('VDS sources and external raw files are read when their directory is allowed', async () => {
    const vds = await open(join(FX, 'vds_v110.h5'), { allowExternal: [FX + '/'] });
    expect(Array.from(((await vds.readDataset('/vds')).data as Int32Array).subarray(0, 3))).toEqual([0, 1, 2]);
    await vds.close();
  });
});

describe('resolveRelated normalises before the allow-list check', () => {
  it('removes dot segments in paths and http(s) URLs, keeps s3 keys literal', () => {
    expect(resolveRelated('/data/a/f.h5', '../b/g.h5')).toBe('/data/b/g.h5');
    expect(resolveRelated('/data/a/f.h5', './x/../../../etc/passwd')).toBe('/etc/passwd');
    expect(resolveRelated('/data/a/f.h5', '/abs/./x//y.h5')).toBe('/abs/x/y.h5');
    expect(resolveRelated('rel/f.h5', '../../up.h5')).toBe('../up.h5');
    expect(resolveRelated('https://h/a/b/f.h5', '../c.h5')).toBe('https://h/a/c.h5');
    expect(resolveRelated('https://h/a/f.h5', 'https://h/a/../secret.h5')).toBe('https://h/secret.h5');
    expect(resolveRelated('https://h/a/f.h5', 'https://h/a/%2e%2e/secret.h5')).toBe('https://h/secret.h5');
    expect(resolveRelated('s3://b/k/f.h5', 's3://b/k/../x.h5')).toBe('s3://b/k/../x.h5');
  });
});

describe('allowExternal over HTTP', () => {
  let server: RangeServer;
  beforeAll(async () => {
    server = await RangeServer.start();
    server.put('/pub/external_links.h5', readFileSync(join(REG, 'external_links.h5')));
    server.put('/pub/huge_dataset.h5', readFileSync(join(REG, 'huge_dataset.h5')));
    server.put('/links_target.h5', readFileSync(join(FX, 'links_target.h5')));
  });
  afterAll(async () => {
    await server.close();
  });

  it('a URL prefix admits files under it and not ../ outside it; no request goes out for a refused link', async () => {
    const f = await open(server.urlOf('/pub/external_links.h5'), { allowExternal: [server.urlOf('/pub/')] });
    expect((await f.get('near')).path).toBe('/small');
    server.reset();
    const e = await failure(f.get('parent'));
    expect(e.code).toBe('NotAllowed');
    expect(e.message).toContain(server.urlOf('/links_target.h5'));
    // The cloud metadata address in the file is never contacted.
    expect((await failure(f.get('url'))).code).toBe('NotAllowed');
    expect(server.requests.filter((r) => r.path === '/links_target.h5')).toEqual([]);
    await f.close();
  });

  it('a bare scheme://host prefix does not admit another host that starts with the same text', async () => {
    const f = await open(server.urlOf('/pub/external_links.h5'), { allowExternal: ['http://metadata.internal'] });
    // Refused before any lookup or request: the name only shares a string prefix with the entry.
    const e = await failure(f.openRelated('http://metadata.internal.example.net/x.h5'));
    expect(e.code).toBe('NotAllowed');
    await f.close();
  });
});
