/**
 * Names and values from the file cannot pollute prototypes: attributes, links, groups, datasets,
 * compound fields and enum members named __proto__, constructor, toString... (files written by
 * h5py: fixtures/regressions/make_regressions.py) come back as own data properties of
 * null-prototype objects, and Object.prototype is untouched.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { open } from '../src/node.js';
import { compoundRecords, type CompoundColumn } from '../src/index.js';
import type { Dataset, Group } from '../src/api/objects.js';

const REG = join(import.meta.dirname, '..', 'fixtures', 'regressions');

afterEach(() => {
  // Nothing leaked into Object.prototype, whichever test ran.
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(typeof ({} as { toString: unknown }).toString).toBe('function');
});

describe.each(['proto_names_earliest.h5', 'proto_names_latest.h5'])('%s', (name) => {
  it('attributes named __proto__, constructor, toString are own values of a null-prototype object', async () => {
    const f = await open(join(REG, name));
    const a = await f.attrs();
    expect(Object.getPrototypeOf(a)).toBeNull();
    expect(Object.keys(a).sort()).toEqual(['__proto__', 'constructor', 'hasOwnProperty', 'record', 'toString']);
    expect(Object.getOwnPropertyDescriptor(a, '__proto__')?.value).toBe(666);
    expect(a.constructor).toBe('evil');
    expect(a.toString).toBe(1);
    // A compound attribute with a __proto__ field: a record with that own field (set with
    // defineProperty), its prototype left as it was.
    const rec = a.record as Record<string, unknown>;
    expect(Object.getPrototypeOf(rec)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(rec, '__proto__')?.value).toBe(7);
    expect(rec.constructor).toBe(8.5);
    await f.close();
  });

  it('links and groups named __proto__ resolve as names, also through list() and inspectPath()', async () => {
    const f = await open(join(REG, name));
    expect((await f.keys()).sort()).toEqual(['__proto__', 'constructor', 'enum', 'prototype', 'records']);
    const g = (await f.get('__proto__')) as Group;
    expect(g.kind).toBe('group');
    expect({ ...(await g.attrs()) }).toEqual({ polluted: 'yes' });
    expect((await f.get('prototype')).path).toBe('/__proto__'); // a soft link to it
    const entries = await f.list({ attributes: true });
    for (const e of entries) if (e.attrs) expect(Object.getPrototypeOf(e.attrs)).toBeNull();
    const info = await f.inspectPath('/__proto__', { attributes: true });
    expect(Object.getPrototypeOf(info.attrs)).toBeNull();
    expect(info.attrs?.polluted).toBe('yes');
    await f.close();
  });

  it('readDatasets keyed by __proto__ paths, compound fields and enum members named __proto__', async () => {
    const f = await open(join(REG, name));
    const res = await f.readDatasets(['__proto__/__proto__', '/constructor']);
    expect(Object.getPrototypeOf(res)).toBeNull();
    expect(Array.from(res['__proto__/__proto__']!.data as Int16Array)).toEqual([0, 1, 2, 3]);
    expect(Array.from(res['/constructor']!.data as Int32Array)).toEqual([0, 1, 2]);

    const col = (await ((await f.get('records')) as Dataset).read()).data as CompoundColumn;
    expect(Object.getPrototypeOf(col.fields)).toBeNull();
    const recs = compoundRecords(col);
    expect(recs).toHaveLength(2);
    expect(Object.getPrototypeOf(recs[0])).toBe(Object.prototype);
    expect(Object.keys(recs[0]!)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(recs[1], '__proto__')?.value).toBe(3);

    const en = (await f.get('enum')) as Dataset;
    expect(en.datatype).toMatchObject({ class: 'enum', members: [{ name: '__proto__', value: 0 }, { name: 'constructor', value: 1 }] });
    await f.close();
  });
});
