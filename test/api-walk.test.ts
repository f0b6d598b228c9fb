/**
 * Group.walk() over a real HTTP range server (issue 20): h5py's visititems order, and the waves a
 * walk costs bounded by the tree's depth (the breadth-first prefetch of walk-plan.ts), not by its
 * number of groups; breaking out of the walk stops the prefetch.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open, type H5File, type H5Node, type LinkInfo } from '../src/node.js';
import { RangeServer } from './helpers/range-server.js';

const FILES = ['walk_earliest.h5', 'walk_latest.h5'];
const fx = (name: string) => resolve(__dirname, '../fixtures/walk', name);
const visit = (name: string) => JSON.parse(readFileSync(fx(`${name}.visit.json`), 'utf8')) as { visititems: string[]; depth: number; groups: number };
// 1 KB blocks, no merging across gaps: each structure of this ~300 KB tree is its own read, so the
// waves count the walk's dependent steps, not what one merged GET happened to bring along.
const small = { cache: { initialReadSize: 1024, blockSize: 1024, maxGap: 0 } };

let server: RangeServer;
beforeAll(async () => {
  server = await RangeServer.start();
  for (const f of FILES) server.put(`/${f}`, readFileSync(fx(f)));
});
afterAll(async () => server.close());

async function walkAll(f: H5File): Promise<Array<{ path: string; node: H5Node | null; link: LinkInfo }>> {
  const out = [];
  for await (const e of f.walk()) out.push(e);
  return out;
}

const settle = () => new Promise((r) => setTimeout(r, 50));

describe('walk()', () => {
  it.each(FILES)('%s: objects in h5py visititems order, each entered once; aliases and links reported', async (name) => {
    const f = await open(server.urlOf(`/${name}`), small);
    const entries = await walkAll(f);
    const seen = new Set<number>();
    const firstVisits = entries.filter((e) => e.node !== null && !seen.has(e.node.address) && seen.add(e.node.address)).map((e) => e.path);
    expect(firstVisits).toEqual(visit(name).visititems);
    // The second hard link and the cycle are reported (not entered: nothing below them is yielded).
    expect(entries.find((e) => e.path === '/g1/alias')?.node?.path).toBe('/g1/alias');
    expect(entries.some((e) => e.path.startsWith('/g1/alias/'))).toBe(false);
    expect(entries.find((e) => e.path === '/g2/s1/up')?.node?.address).toBe((await f.get('/g2')).address);
    expect(entries.find((e) => e.path === '/g3/soft')).toMatchObject({ node: null, link: { kind: 'soft', target: '/g0/s0/d0' } });
    expect(entries.find((e) => e.path === '/g3/ext')).toMatchObject({ node: null, link: { kind: 'external', file: 'elsewhere.h5' } });
    await f.close();
  });

  it.each(FILES)('%s: waves grow with the depth, not with the 25 groups', async (name) => {
    const { depth, groups } = visit(name);
    const f = await open(server.urlOf(`/${name}`), small);
    f.resetStats();
    const entries = await walkAll(f);
    for (const e of entries) if (e.node) await e.node.attrs();
    const s = f.stats();
    // Per level, every group of it at once: its links (symbol tables: B-tree node and local heap,
    // then symbol-table nodes; link messages: nothing beyond the header), then its members'
    // headers (a header longer than the block first read costs one more), with a structure
    // crossing a block boundary now and then: at most 5 waves a level. Group by group, the walk
    // took 43 (earliest) and 16 (latest) here.
    expect(s.waves).toBeLessThanOrEqual(5 * depth);
    expect(s.waves).toBeLessThan(groups);
    await f.close();
  });

  it.each(FILES)('%s: readDatasets of all 60 datasets resolves their paths a level per step, together', async (name) => {
    const { depth } = visit(name);
    const f = await open(server.urlOf(`/${name}`), small);
    f.resetStats();
    const paths = visit(name).visititems.filter((p) => /\/d\d$/.test(p));
    expect(paths).toHaveLength(60);
    const res = await f.readDatasets(paths);
    expect(Array.from(res['/g3/s4/d2']!.data as Float64Array).slice(0, 2)).toEqual([342, 343]);
    // The same levels as the walk (each path's groups looked up by name), then one wave of data.
    expect(f.stats().waves).toBeLessThanOrEqual(5 * depth + 1);
    await f.close();
  });

  it('stops its prefetch when the consumer breaks out, and on the signal', async () => {
    const full = await open(server.urlOf('/walk_earliest.h5'), small);
    server.reset();
    await walkAll(full);
    const fullRequests = server.count();
    await full.close();

    server.reset();
    const f = await open(server.urlOf('/walk_earliest.h5'), small);
    for await (const e of f.walk()) {
      expect(e.path).toBe('/g0');
      break;
    }
    // Without the stop the prefetch would go on to read the whole tree.
    do await settle();
    while ((f.stats().inFlight ?? 0) > 0);
    await settle();
    expect(server.count()).toBeLessThan(fullRequests / 2);
    await f.close();

    const g = await open(server.urlOf('/walk_earliest.h5'), small);
    const ctrl = new AbortController();
    const got: string[] = [];
    const e = await (async () => {
      for await (const { path } of g.walk({ signal: ctrl.signal })) {
        got.push(path);
        if (path === '/g0/s0/d0') ctrl.abort();
      }
    })().catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'Aborted' });
    expect(got.length).toBeLessThan(10);
    await g.close();
  });
});
