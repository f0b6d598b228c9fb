/**
 * pandas HDFStore: keys, table and fixed frames against what pandas itself reads
 * (fixtures/query/query_pandas.oracle.json, written by scripts/make_query_fixtures.py with read_hdf),
 * queries by frame column names against the whole frame filtered here, the corpus's pandas files,
 * and the pickle reader's refusal to run anything.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { H5Error, open, query, storeKeys, readFrame, queryFrame, type FrameColumn } from '../src/node.js';
import { unpickle } from '../src/pandas/pickle.js';

const fx = (name: string) => resolve(__dirname, '../fixtures/query', name);
const corpus = (name: string) => resolve(__dirname, '../../shared/corpus/writers/pandas', name);
const oracle: Record<string, { columns: Want[]; index: Want[] }> = JSON.parse(readFileSync(fx('query_pandas.oracle.json'), 'utf8'));
interface Want {
  name: string | null;
  dtype: string;
  values: unknown[];
  categories?: string[] | null;
}

/** A column's values in the oracle's JSON form. */
function asJson(c: FrameColumn): unknown[] {
  const v = Array.from(c.values as ArrayLike<unknown>);
  if (c.dtype === 'bool') return v.map(Boolean);
  return v.map((x) => (typeof x === 'bigint' ? String(x) : x));
}

function expectColumn(got: FrameColumn, want: Want) {
  expect(got.name).toBe(want.name ?? 'index');
  expect(got.dtype).toBe(want.dtype);
  expect(asJson(got)).toEqual(want.values);
  if (want.categories) expect(got.categories).toEqual(want.categories);
}

describe('pandas HDFStore', () => {
  it('lists the keys pandas lists', async () => {
    const f = await open(fx('query_pandas.h5'));
    expect(await storeKeys(f)).toEqual(Object.keys(oracle).sort());
  });

  it.each(Object.keys(oracle))('reads %s as pandas does', async (key) => {
    const f = await open(fx('query_pandas.h5'));
    const frame = await readFrame(f, key);
    const want = oracle[key];
    expect(frame.columns.map((c) => c.name)).toEqual(want.columns.map((c) => c.name));
    frame.columns.forEach((c, k) => expectColumn(c, want.columns[k]));
    expect(frame.index.length).toBe(want.index.length);
    frame.index.forEach((c, k) => expectColumn(c, want.index[k]));
  });

  it('keeps the time zone, the unit and the categories', async () => {
    const f = await open(fx('query_pandas.h5'));
    const frame = await readFrame(f, '/frames/table');
    const tz = frame.columns.find((c) => c.name === 'tz')!;
    expect([tz.tz, tz.unit]).toEqual(['Europe/Paris', 'us']);
    expect(frame.columns.find((c) => c.name === 'td')!.unit).toBe('s');
    expect(frame.columns.find((c) => c.name === 'cat')!.categories).toEqual(['blue', 'green', 'red']);
  });

  const QUERIES: Array<[string, (r: Record<string, any>) => boolean]> = [
    ['(i > 100) & (f < 0)', (r) => r.i > 100n && r.f < 0],
    ['s == "é"', (r) => r.s === 'é'],
    ['(cat == "red") | b', (r) => r.cat === 2 || r.b === 1],
    ['cat in ("blue", "green")', (r) => r.cat === 0 || r.cat === 1],
    ['(f32 > 1.5) & (td < 600)', (r) => r.f32 > 1.5 && r.td < 600n],
    ['when >= 1704096000000000', (r) => r.when >= 1704096000000000n],
  ];
  it.each(QUERIES)('queries a table frame by column names: %s', async (where, js) => {
    const f = await open(fx('query_pandas.h5'));
    const all = await readFrame(f, '/frames/table');
    const record = (i: number) => {
      const r: Record<string, unknown> = { when: (all.index[0].values as BigInt64Array)[i] };
      for (const c of all.columns) r[c.name] = (c.values as ArrayLike<unknown>)[i];
      return r;
    };
    const want = Array.from({ length: 1200 }, (_, i) => i).filter((i) => js(record(i)));
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(1200);
    const got = await queryFrame(f, '/frames/table', where);
    expect(got.rows).toEqual(want);
    for (const c of got.columns) {
      const full = all.columns.find((x) => x.name === c.name)!;
      expect(Array.from(c.values as ArrayLike<unknown>)).toEqual(want.map((i) => (full.values as ArrayLike<unknown>)[i]));
      expect(c.dtype).toBe(full.dtype);
    }
  });

  it('queries a MultiIndex frame by its level names', async () => {
    const f = await open(fx('query_pandas.h5'));
    const got = await queryFrame(f, '/multi', '(letter == "y") & (num > 1)');
    expect(got.rows).toEqual([6, 7]);
    expect(got.index.map((c) => Array.from(c.values as ArrayLike<unknown>))).toEqual([['y', 'y'], [2n, 3n]]);
  });

  it('refuses to query a fixed frame', async () => {
    const f = await open(fx('query_pandas.h5'));
    await expect(queryFrame(f, '/frames/fixed', 'i > 0')).rejects.toThrow(/format='fixed'/);
  });

  it('reads the corpus pandas tables (pandas 3.0.6 via PyTables 3.11.1)', async () => {
    const f = await open(corpus('pandas_table_series_keys.h5'));
    expect(await storeKeys(f)).toEqual(['/frames/one', '/frames/two', '/series/float', '/series/str']);
    const two = await readFrame(f, '/frames/two');
    expect(two.columns.length).toBeGreaterThan(0);
    expect(two.index[0].values).toHaveLength(4);
    const ts = await open(corpus('pandas_table_tz_timedelta_nocomp.h5'));
    const frame = await readFrame(ts, '/times');
    // pandas 3 reads: east datetime64[us, US/Eastern], utc datetime64[us, UTC] (a pickled datetime.timezone).
    expect(frame.columns.map((c) => `${c.name}:${c.dtype}`)).toEqual(['east:datetime64[us, US/Eastern]', 'utc:datetime64[us, UTC]', 'naive:datetime64[us]', 'delta:timedelta64[s]', 'cat:category']);
    expect(frame.columns.some((c) => c.dtype.startsWith('timedelta64'))).toBe(true);
    expect(frame.columns.some((c) => c.dtype === 'category')).toBe(true);
    for (const c of frame.columns) expect((c.values as ArrayLike<unknown>).length).toBe(300);
  });

  it('reads every key of the corpus fixed-format panel, integer column names included', async () => {
    const f = await open(corpus('pandas_fixed_blosc_zstd_panel.h5'));
    const ints = await readFrame(f, '/ints');
    expect(ints.columns.map((c) => c.name)).toHaveLength(5);
    expect(ints.columns[0]!.values).toHaveLength(300);
    // pandas: d.iloc[1] and d.iloc[:3, 2] of this 5-column block.
    expect(ints.columns.map((c) => (c.values as BigInt64Array)[1])).toEqual([-651591855530n, -467184448592n, -294681902958n, -465516730328n, -686891982875n]);
    expect(Array.from(ints.columns[2]!.values as BigInt64Array).slice(0, 3)).toEqual([-210443930939n, -294681902958n, -492817771252n]);
    const bools = await readFrame(f, '/bools');
    expect(bools.columns.map((c) => c.dtype)).toEqual(['bool', 'bool', 'bool']);
  });
});

describe('pickle reader', () => {
  it('reads protocol 0 data and keeps class references inert', () => {
    const v = unpickle('(dp0\nVa\np1\n(lp2\nI1\naF2.5\naI00\naNasVb\np3\ncos\nsystem\np4\n(Vrm -rf /\np5\ntp6\nRp7\ns.');
    expect(v).toBeInstanceOf(Map);
    const m = v as Map<string, unknown>;
    expect(m.get('a')).toEqual([1, 2.5, false, null]);
    expect(m.get('b')).toEqual({ global: 'os.system', args: ['rm -rf /'] });
  });

  it('reads binary protocols as data, a STACK_GLOBAL call as an inert record with its BUILD state', () => {
    expect(unpickle(Uint8Array.from([0x80, 4, 0x4b, 1, 0x2e]))).toBe(1);
    // pickle.dumps(protocol=4) of an object whose __reduce__ is (os.system, ('rm -rf /',), {'x': 1.5}).
    const p = '\x80\x04\x954\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x94\x8c\x06system\x94\x93\x94\x8c\x08rm -rf /\x94\x85\x94R\x94}\x94\x8c\x01x\x94G?\xf8\x00\x00\x00\x00\x00\x00sb.';
    expect(unpickle(p)).toEqual({ global: 'posix.system', args: ['rm -rf /'], state: new Map([['x', 1.5]]) });
  });

  it('refuses opcodes that instantiate or extend objects, with an H5Error', () => {
    for (const op of ['i', 'o', '\x81', '\x92', '\x82']) expect(() => unpickle(`\x80\x04${op}.`)).toThrow(H5Error);
  });
});

/**
 * pandas_cases.h5 (scripts/make_pandas_fixtures.py): fixed frames with a MultiIndex on rows and/or
 * columns, missing strings through nan_rep, and datetime/tz/timedelta/categorical data columns
 * queried with date strings, each against what pandas reads (read_hdf, store.select(key, where)).
 */
interface CaseFrame {
  columns: Array<Want & { labels?: string[] }>;
  columnNames: (string | null)[] | null;
  index: Want[];
}
const cases: { frames: Record<string, CaseFrame>; selects: Array<{ key: string; where: string; result: CaseFrame }> } = JSON.parse(
  readFileSync(fx('pandas_cases.oracle.json'), 'utf8'),
);

/** A frame against the oracle's: names, dtypes, values (NaN and missing as null), labels, index levels. */
function expectFrame(got: Awaited<ReturnType<typeof readFrame>>, want: CaseFrame) {
  const json = (c: FrameColumn) => asJson(c).map((v) => (typeof v === 'number' && Number.isNaN(v) ? null : v));
  expect(got.columns.map((c) => c.name)).toEqual(want.columns.map((c) => c.name));
  got.columns.forEach((c, k) => {
    expect(c.dtype).toBe(want.columns[k].dtype);
    expect(json(c)).toEqual(want.columns[k].values);
    if (want.columns[k].categories) expect(c.categories).toEqual(want.columns[k].categories);
    expect(c.labels).toEqual(want.columns[k].labels);
  });
  expect(got.columnNames ?? null).toEqual(want.columnNames);
  expect(got.index.length).toBe(want.index.length);
  got.index.forEach((c, k) => {
    const multi = want.index.length > 1;
    expect(c.name).toBe(want.index[k].name ?? (multi ? `level_${k}` : 'index'));
    expect(c.dtype).toBe(want.index[k].dtype);
    expect(json(c)).toEqual(want.index[k].values);
  });
}

describe('pandas HDFStore against pandas: MultiIndex, nan_rep, dates', () => {
  it.each(Object.keys(cases.frames))('reads %s as read_hdf does', async (key) => {
    const f = await open(fx('pandas_cases.h5'));
    expectFrame(await readFrame(f, key), cases.frames[key]);
  });

  it('reads a fixed MultiIndex as levels expanded by their codes, a missing code as null', async () => {
    const f = await open(fx('pandas_cases.h5'));
    const frame = await readFrame(f, '/fixed/multi_both');
    expect(frame.index.map((c) => c.name)).toEqual(['letter', 'num']);
    expect(frame.index[0].values).toEqual(['a', 'a', 'b', 'b', null, 'c']);
    expect(frame.columns.map((c) => c.labels)).toEqual([['p', '1'], ['p', '2'], ['q', '1'], ['q', '2']]);
    expect(frame.columnNames).toEqual(['grp', 'sub']);
  });

  it('reads string columns of a fixed frame from their pickled object arrays, and refuses other Python objects', async () => {
    const f = await open(fx('pandas_cases.h5'));
    const frame = await readFrame(f, '/fixed/strings');
    expect(frame.columns.map((c) => c.values)).toEqual([['a', null, 'ccc', 'é', 'nan'], ['x', 'y', null, 'z', 'w'], BigInt64Array.from([0n, 1n, 2n, 3n, 4n]), ['p0', null, 'p2', 'p3', 'p4']]);
    const err = await readFrame(f, '/fixed/mixed').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(H5Error);
    expect((err as H5Error).code).toBe('Unsupported');
    expect((err as H5Error).message).toMatch(/block of Python objects holds a number; coh5 reads blocks of strings only/);
  });

  it.each(cases.selects.map((s, k) => [s.key, s.where, k] as const))('queryFrame(%s, %s) selects what store.select does', async (key, where, k) => {
    const f = await open(fx('pandas_cases.h5'));
    const want = cases.selects[k].result;
    expect(want.index[0].values.length).toBeGreaterThan(0);
    expectFrame(await queryFrame(f, key, where), want);
  });
});

describe('queryFrame: dates, durations and the pandas dialect', () => {
  const bad: Array<[string, RegExp]> = [
    ["index > '2020-13-01'", /position 8: cannot read "2020-13-01" as a date/],
    ["date >= 'yesterday'", /position 8: cannot read "yesterday" as a date/],
    ["(n > 3) & (td < 'soon')", /position 16: cannot read "soon" as a duration/],
    ["n > Timestamp('2020-01-01')", /position 14: a Timestamp is compared only with a datetime column/],
    ["td > Timestamp('2020-01-01')", /position 15: a Timestamp cannot be compared with a timedelta column/],
    ['index > Timestamp(2020)', /position 8: function calls are not supported.*Timestamp\('2020-01-01'\)/],
    ["index > constructor('2020')", /position 8: function calls are not supported \(constructor\(\.\.\.\)\) in/],
    ["index + Timestamp('2020') > 0", /position 18: a Timestamp is only compared/],
  ];
  it.each(bad)('refuses %s with a position', async (where, message) => {
    const f = await open(fx('pandas_cases.h5'));
    const err = await queryFrame(f, '/dated', where).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(H5Error);
    expect((err as H5Error).code).toBe('Invalid');
    expect((err as H5Error).message).toMatch(message);
  });

  it('reads & and | looser than comparisons, and = as ==, as HDFStore.select does', async () => {
    const f = await open(fx('pandas_cases.h5'));
    const a = await queryFrame(f, '/dated', 'n > 10 & n < 14 | n = 100');
    expect(a.rows).toEqual([11, 12, 13, 100]);
    const b = await queryFrame(f, '/dated', 'not (n > 2) and ~(n == 1)');
    expect(b.rows).toEqual([0, 2]);
    // The same clause on the table itself (PyTables' precedence) is refused with the hint.
    const table = (await f.get('/dated/table')) as import('../src/node.js').Dataset;
    await expect(query(table, 'n > 10 & n < 14')).rejects.toThrow(/binds tighter than comparisons/);
  });
});

/**
 * Every corpus pandas table (pandas 3.0.6 via PyTables 3.11.1), every key: where-clauses made from
 * each column's own values (numbers, strings, categoricals, bools, datetimes with and without tz,
 * timedeltas; every comparison, arithmetic, & | ^ ~, in), run by queryFrame and by filtering the
 * whole frame here.
 */
describe('queryFrame on every corpus pandas table against the whole frame filtered here', () => {
  const dir = resolve(__dirname, '../../shared/corpus/writers/pandas');
  const files = readdirSync(dir).filter((n) => /^pandas_table_.*\.h5$/.test(n));
  type Check = [string, (i: number) => boolean];
  const PER_MS: Record<string, bigint> = { s: 1n, ms: 1n, us: 1000n, ns: 1000000n };
  const PER_S: Record<string, bigint> = { s: 1n, ms: 1000n, us: 1000000n, ns: 1000000000n };

  function checksFor(c: FrameColumn, n: number): Check[] {
    const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(c.name) ? c.name : `\`${c.name}\``;
    const vals = c.values as ArrayLike<any>;
    const pick = vals[Math.floor(n / 3)];
    const other = vals[Math.floor((2 * n) / 3)];
    if (c.categories) {
      const cats = c.categories as string[];
      const k = pick < 0 ? 0 : pick;
      return [[`${name} == ${JSON.stringify(cats[k])}`, (i) => vals[i] === k], [`${name} != ${JSON.stringify(cats[k])}`, (i) => vals[i] !== k]];
    }
    if (c.unit && c.dtype.startsWith('datetime64')) {
      const ms = (pick as bigint) / PER_MS[c.unit]! * (c.unit === 's' ? 1000n : 1n);
      const iso = new Date(Number(ms)).toISOString();
      const t = c.unit === 's' ? ms / 1000n : ms * PER_MS[c.unit]!;
      return [[`${name} >= '${iso}'`, (i) => vals[i] >= t], [`${name} < Timestamp('${iso.replace('T', ' ').replace('Z', '')}')`, (i) => vals[i] < t]];
    }
    if (c.unit) {
      const s = (pick as bigint) / PER_S[c.unit]!;
      return [[`${name} < ${s}`, (i) => vals[i] < s * PER_S[c.unit!]!], [`${name} >= '${s}s'`, (i) => vals[i] >= s * PER_S[c.unit!]!]];
    }
    if (c.dtype === 'bool') return [[name, (i) => Boolean(vals[i])], [`~${name}`, (i) => !vals[i]]];
    if (c.dtype === 'str') {
      const v = pick ?? 'x', w = other ?? 'y';
      return [
        [`${name} == ${JSON.stringify(v)}`, (i) => vals[i] === v],
        [`${name} in (${JSON.stringify(v)}, ${JSON.stringify(w)})`, (i) => vals[i] === v || vals[i] === w],
      ];
    }
    const big = typeof pick === 'bigint';
    const v = pick as number | bigint;
    return [
      [`${name} > ${v}`, (i) => vals[i] > v],
      [`${name} <= ${v}`, (i) => vals[i] <= v],
      [`${name} == ${v}`, (i) => vals[i] == v],
      [`${name} != ${v}`, (i) => vals[i] != v],
      [`${name} * 2 - 1 < ${v}`, (i) => (big ? Number(vals[i]) : vals[i]) * 2 - 1 < Number(v)],
      [`(${name} > ${v}) ^ (${name} >= ${other})`, (i) => (vals[i] > v) !== (vals[i] >= other)],
    ];
  }

  it.each(files)('%s', async (file) => {
    const f = await open(resolve(dir, file));
    let ran = 0, selective = 0;
    for (const key of await storeKeys(f)) {
      const frame = await readFrame(f, key);
      if (frame.format !== 'table') continue;
      const n = (frame.index[0].values as ArrayLike<unknown>).length;
      // The index by its name and as 'index'; the first columns (the wide frame has 120 of one kind).
      const cols = [...frame.index, { ...frame.index[0], name: 'index' }, ...frame.columns.slice(0, 6)];
      const checks = cols.flatMap((c) => checksFor(c, n));
      const [a, b, y, z] = [checks[0], checks[1], checks.at(-2)!, checks.at(-1)!];
      checks.push([`(${a[0]}) & (${z[0]})`, (i) => a[1](i) && z[1](i)], [`${b[0]} | ${y[0]}`, (i) => b[1](i) || y[1](i)]);
      for (const [where, js] of checks) {
        const want = Array.from({ length: n }, (_, i) => i).filter(js);
        const got = await queryFrame(f, key, where);
        expect({ key, where, rows: got.rows }).toEqual({ key, where, rows: want });
        ran++;
        if (want.length > 0 && want.length < n) selective++;
      }
    }
    expect(ran).toBeGreaterThan(5);
    expect(selective).toBeGreaterThan(ran / 2);
  });
});
