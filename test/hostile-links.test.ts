/**
 * Issue 15: links that would make a walk endless. Names a path splitter drops ('', '.', '..',
 * 'x/y') are Corrupt; a symbol table out of order is Corrupt for listing and lookup alike; hard
 * links may form cycles (walk() descends into each object once); and a user's own walk of such a
 * file, all resolved from cache, still lets an AbortSignal's timer fire.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { open } from '../src/node.js';
import { H5Error } from '../src/errors.js';
import type { Group, H5Node } from '../src/api/objects.js';
import { failure } from './helpers/failure.js';
import { runCase } from './helpers/fuzz-case.js';

const REG = join(import.meta.dirname, '..', 'fixtures', 'regressions');

describe('link names a path cannot hold are Corrupt', () => {
  const bad: [string, string][] = [
    ['g_empty', '""'],
    ['g_dot', '"."'],
    ['g_dotdot', '".."'],
    ['g_slash', '"x/y"'],
  ];
  for (const file of ['bad_names_earliest.h5', 'bad_names_compact.h5']) {
    it.each(bad)(`${file}: listing %s fails naming %s`, async (group, shown) => {
      const f = await open(join(REG, file));
      const g = (await f.get(group)) as Group;
      const e = await failure(g.keys());
      expect(e.code).toBe('Corrupt');
      expect(e.message).toContain(`link name ${shown} is not a valid name`);
      await f.close();
    });
  }

  it('the root of each file, whose names are sound, still lists', async () => {
    for (const file of ['bad_names_earliest.h5', 'bad_names_compact.h5']) {
      const f = await open(join(REG, file));
      expect(await f.keys()).toEqual(['g_dot', 'g_dotdot', 'g_empty', 'g_slash']);
      await f.close();
    }
  });
});

describe('a symbol table out of order', () => {
  it('is Corrupt for keys() and for get() alike', async () => {
    // Entries 'arr' and 'brr' swapped in the node: a listing showed 'arr' that get('arr') could not find.
    const f = await open(join(REG, 'snod_out_of_order.h5'));
    const listed = await failure(f.keys());
    expect(listed.code).toBe('Corrupt');
    expect(listed.message).toContain('out of order');
    for (const name of ['arr', 'brr', 'crr']) {
      const e = await failure(f.get(name));
      expect(e.code).toBe('Corrupt');
    }
    await f.close();
  });
});

describe('hard-link cycles', () => {
  it('walk() descends into each object once and ends', async () => {
    // /g/a/up is /g; /loop/{a,b,c,d} are /loop itself.
    const f = await open(join(REG, 'hard_link_cycles.h5'));
    const seen: [string, string | undefined][] = [];
    for await (const { path, node } of f.walk()) seen.push([path, node?.kind]);
    // Pre-order, as h5py's visititems: a member, everything below it, then its next sibling; the
    // links back (/g/a/up, /loop/a..d) are reported once each and not descended into.
    expect(seen.map((s) => s[0])).toEqual(['/g', '/g/a', '/g/a/up', '/g/a/x', '/loop', '/loop/a', '/loop/b', '/loop/c', '/loop/d']);
    const g = await f.get('g');
    const up = await f.get('g/a/up');
    expect(up.address).toBe(g.address);
    expect(await ((await f.get('loop/a/b/c/d')) as Group).keys()).toEqual(['a', 'b', 'c', 'd']);
    await f.close();
  });

  it("a user's depth-bounded walk of the cycles (fanout 4, all from cache) aborts on a 100 ms signal", async () => {
    const f = await open(join(REG, 'hard_link_cycles.h5'));
    const signal = AbortSignal.timeout(100);
    let visits = 0;
    // 4^20 paths: without yielding this ran in microtasks and the timeout could never fire.
    const visit = async (node: H5Node, depth: number): Promise<void> => {
      if (node.kind !== 'group' || depth === 20) return;
      for (const name of await node.keys({ signal })) {
        visits++;
        await visit(await node.get(name, { signal }), depth + 1);
      }
    };
    const t0 = Date.now();
    const e = await failure(visit(await f.get('loop'), 0));
    const ms = Date.now() - t0;
    expect(e.code).toBe('Timeout');
    expect(visits).toBeGreaterThan(10);
    // A generous bound, not a timing benchmark: unbounded, this never returned.
    expect(ms).toBeLessThan(2000);
    await f.close();
  });
});

describe('the files that once spun (../shared/hostile)', () => {
  it.each(['emptyname_links.h5', 'hang1_ref_groups_splice.h5', 'hang2_slink_splice.h5', 'hang3_vlen_splice.h5'])('%s ends with Corrupt', async (name) => {
    const out = await runCase(new Uint8Array(readFileSync(join(REG, 'fuzz', name))), 1000);
    expect(out.kind, JSON.stringify(out)).toBe('h5error');
    expect(out.kind === 'h5error' && out.code).toBe('Corrupt');
  });

  it('hang1: its group no longer lists "" (which get("") resolved to the group itself)', async () => {
    const f = await open(join(REG, 'fuzz', 'hang1_ref_groups_splice.h5'));
    const e = await failure(((await f.get('MyGroup')) as Group).keys());
    expect(e).toBeInstanceOf(H5Error);
    expect(e.message).toContain('link name "" is not a valid name');
    await f.close();
  });
});
