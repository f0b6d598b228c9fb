/**
 * query(): every operator and column type against the same filter done here on the whole table
 * (read with Dataset.read), on a PyTables table made by scripts/make_query_fixtures.py and on the
 * corpus's PyTables/pandas tables; malformed where-clauses; limit and streaming over real HTTP.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { H5Error, open, compoundRecords, query, queryBatches, parseWhere, type CompoundColumn, type Dataset } from '../src/node.js';
import { RangeServer } from './helpers/range-server.js';
import { fromNanos, parseDate, parseDuration } from '../src/query/time.js';

const fx = (name: string) => resolve(__dirname, '../fixtures/query', name);
const corpus = (name: string) => resolve(__dirname, '../../shared/corpus/writers', name);

type Row = Record<string, any>;
const dec = (s: unknown) => (typeof s === 'string' ? s : String(s));

/** where-clause → the same condition written in JavaScript. */
const CASES: Array<[string, (r: Row) => boolean]> = [
  ['temp > 32', (r) => r.temp > 32],
  ['temp >= 32.5', (r) => r.temp >= 32.5],
  ['temp < -1e1', (r) => r.temp < -10],
  ['temp <= .5', (r) => r.temp <= 0.5],
  ['id == 17', (r) => Number(r.id) === 17],
  ['id != 17', (r) => Number(r.id) !== 17],
  ['(temp > 32) & (station == b"A")', (r) => r.temp > 32 && dec(r.station) === 'A'],
  ["(station == 'CC') | (count < 10)", (r) => dec(r.station) === 'CC' || r.count < 10],
  ['(count > 500) ^ flag', (r) => r.count > 500 !== Boolean(r.flag)],
  ['~(temp > 0)', (r) => !(r.temp > 0)],
  ['~flag', (r) => !r.flag],
  ['flag == True', (r) => Boolean(r.flag)],
  ['count + 1 > 999', (r) => r.count + 1 > 999],
  ['count - id < -4000', (r) => r.count - Number(r.id) < -4000],
  ['temp * 2 > 70', (r) => r.temp * 2 > 70],
  ['temp / 4 < -2', (r) => r.temp / 4 < -2],
  ['count // 100 == 3', (r) => Math.floor(r.count / 100) === 3],
  ['id % 7 == 3', (r) => Number(r.id) % 7 === 3],
  ['-temp > 10', (r) => -r.temp > 10],
  ['2 ** 3 * count < 80', (r) => 8 * r.count < 80],
  ['station in (b"A", b"D")', (r) => ['A', 'D'].includes(dec(r.station))],
  ["station not in ('A', 'B', 'CC')", (r) => !['A', 'B', 'CC'].includes(dec(r.station))],
  ['count in (1, 2, 3, 500)', (r) => [1, 2, 3, 500].includes(r.count)],
  ['big > 1152921504606846970', (r) => BigInt(r.big) > 1152921504606846970n],
  ['big == 1152921504606846976', (r) => BigInt(r.big) === 1152921504606846976n],
  ['(pos.x > 5) & (pos.y < -5)', (r) => r.pos.x > 5 && r.pos.y < -5],
  ['pos.x * pos.x + pos.y * pos.y < 4', (r) => r.pos.x * r.pos.x + r.pos.y * r.pos.y < 4],
  ['(id >= 1000) & (id < 1010) | (id == 4999)', (r) => (Number(r.id) >= 1000 && Number(r.id) < 1010) || Number(r.id) === 4999],
];

let weather: Dataset;
let rows: Row[];
beforeAll(async () => {
  const f = await open(fx('query_table.h5'));
  weather = (await f.get('/weather')) as Dataset;
  rows = compoundRecords((await weather.read()).data as CompoundColumn);
});

describe('query against the whole table filtered in the test', () => {
  it.each(CASES)('%s', async (where, js) => {
    const want = rows.flatMap((r, i) => (js(r) ? [i] : []));
    // Small batches so the table goes through many batches and read-ahead.
    const got = await query(weather, where, { batchBytes: 8192 });
    expect(got.rows).toEqual(want);
    expect(got.batches).toBeGreaterThan(5);
    const temp = got.columns.temp as Float64Array;
    expect(Array.from(temp)).toEqual(want.map((i) => rows[i].temp));
  });

  it('matches something for most cases (a test that cannot fail is a defect)', async () => {
    let nonEmpty = 0;
    for (const [, js] of CASES) if (rows.some(js)) nonEmpty++;
    expect(nonEmpty).toBeGreaterThanOrEqual(CASES.length - 2);
  });

  it('returns the selected fields, nested ones by dotted name, in row order', async () => {
    const got = await query(weather, '(temp > 30) & (pos.x < 0)', { fields: ['id', 'station', 'pos.x', 'pos'] });
    expect(got.fields).toEqual(['id', 'station', 'pos.x', 'pos']);
    const want = rows.flatMap((r, i) => (r.temp > 30 && r.pos.x < 0 ? [i] : []));
    expect(got.rows).toEqual(want);
    expect(Array.from(got.columns.id as BigInt64Array)).toEqual(want.map((i) => BigInt(rows[i].id)));
    expect(got.columns.station).toEqual(want.map((i) => dec(rows[i].station)));
    expect(Array.from(got.columns['pos.x'] as Float64Array)).toEqual(want.map((i) => rows[i].pos.x));
    expect(compoundRecords(got.columns.pos as CompoundColumn)).toEqual(want.map((i) => rows[i].pos));
  });

  it('is a method of Dataset too: ds.query() and ds.queryBatches() give what query() gives', async () => {
    const where = '(temp > 30) & (station == b"A")';
    const free = await query(weather, where, { fields: ['id', 'temp'], batchBytes: 8192 });
    expect(free.rows.length).toBeGreaterThan(0);
    const method = await weather.query(where, { fields: ['id', 'temp'], batchBytes: 8192 });
    expect(method).toEqual(free);
    const rowsByBatch: number[] = [];
    for await (const b of weather.queryBatches(where, { batchBytes: 8192 })) rowsByBatch.push(...b.rows);
    expect(rowsByBatch).toEqual(free.rows);
    // The same errors: a malformed clause is Invalid with its position, as a rejected promise.
    await expect(weather.query('temp >')).rejects.toMatchObject({ code: 'Invalid' });
  });

  it('queries a plain 1-D dataset as the column `value`', async () => {
    const f = await open(fx('query_table.h5'));
    const plain = (await f.get('/plain')) as Dataset;
    const got = await query(plain, '(value > 100) & (value % 2 == 0.5)');
    const all = Array.from((await plain.read()).data as Float32Array);
    const want = all.flatMap((v, i) => (v > 100 && ((v % 2) + 2) % 2 === 0.5 ? [i] : []));
    expect(want.length).toBeGreaterThan(0);
    expect(got.rows).toEqual(want);
    expect(Array.from(got.columns.value as Float32Array)).toEqual(want.map((i) => all[i]));
  });

  it('returns typed empty columns for limit 0 and an empty row range, reading no batch', async () => {
    for (const opts of [{ limit: 0 }, { start: 100, stop: 100 }]) {
      const got = await query(weather, 'temp > 0', { fields: ['id', 'station'], ...opts });
      expect(got.rows).toEqual([]);
      expect(got.fields).toEqual(['id', 'station']);
      expect(got.columns.id).toBeInstanceOf(BigInt64Array);
      expect(got.columns.station).toEqual([]);
      expect(got.scanned).toBe(0);
    }
  });

  it('returns empty columns of the right type when nothing matches', async () => {
    const got = await query(weather, 'temp > 1000');
    expect(got.rows).toEqual([]);
    expect(got.columns.temp).toBeInstanceOf(Float64Array);
    expect((got.columns.temp as Float64Array).length).toBe(0);
  });
});

describe('query on the corpus tables', () => {
  it('PyTables pt_table_indexed.h5', async () => {
    const f = await open(corpus('pytables/pt_table_indexed.h5'));
    const t = (await f.get('/t')) as Dataset;
    const all = compoundRecords((await t.read()).data as CompoundColumn);
    const got = await query(t, '(k > 100) & (v < 0.5) | (s == b"x")');
    const want = all.flatMap((r: Row, i) => ((r.k > 100 && r.v < 0.5) || dec(r.s) === 'x' ? [i] : []));
    expect(want.length).toBeGreaterThan(0);
    expect(got.rows).toEqual(want);
  });

  it('pandas pandas_table_blosc_zstd.h5 by its data column y', async () => {
    const f = await open(corpus('pandas/pandas_table_blosc_zstd.h5'));
    const t = (await f.get('/ts/table')) as Dataset;
    const all = compoundRecords((await t.read()).data as CompoundColumn);
    const got = await query(t, 'y % 3 == 1', { fields: ['index', 'y'] });
    const want = all.flatMap((r: Row, i) => (Number(r.y) % 3 === 1 ? [i] : []));
    expect(want.length).toBeGreaterThan(0);
    expect(got.rows).toEqual(want);
  });
});

describe('limit and streaming over HTTP', () => {
  let server: RangeServer;
  beforeAll(async () => {
    server = await RangeServer.start();
    server.put('/q.h5', readFileSync(fx('query_table.h5')));
  });
  afterAll(async () => server.close());

  it('stops fetching once limit is met', async () => {
    // Small blocks and gaps, so this small file is not brought in whole by the metadata waves.
    const f = await open(server.urlOf('/q.h5'), { cache: { blockSize: 4096, initialReadSize: 4096, maxGap: 0, directMaxGap: 0 } });
    const t = (await f.get('/weather')) as Dataset;
    await t.read([[0, 1]]);
    const full = await query(t, 'temp > 0', { batchBytes: 8192, readAhead: 1 });
    server.requests.length = 0;
    const got = await query(t, 'temp > 0', { limit: 10, batchBytes: 8192, readAhead: 1 });
    expect(got.rows).toEqual(full.rows.slice(0, 10));
    expect(got.batches).toBe(1);
    expect(got.scanned).toBeLessThan(1000);
    // One batch plus at most one read ahead, out of the table's ten chunks.
    const bytes = server.requests.reduce((n, r) => {
      const m = /bytes=(\d+)-(\d+)/.exec(r.range ?? '');
      return n + (m ? Number(m[2]) - Number(m[1]) + 1 : 0);
    }, 0);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(133957 / 3);
  });

  it('streams batch by batch with queryBatches', async () => {
    const f = await open(server.urlOf('/q.h5'));
    const t = (await f.get('/weather')) as Dataset;
    let last = -1;
    let n = 0;
    for await (const b of queryBatches(t, 'station == "B"', { batchBytes: 8192, fields: ['id'] })) {
      for (const r of b.rows) {
        expect(r).toBeGreaterThan(last);
        last = r;
      }
      n++;
    }
    expect(n).toBeGreaterThan(5);
  });

  it('honours an aborted signal', async () => {
    const ac = new AbortController();
    ac.abort();
    const e = await query(weather, 'temp > 0', { signal: ac.signal }).catch((x) => x);
    expect(e).toBeInstanceOf(H5Error);
    expect(e.code).toBe('Aborted');
  });
});

describe('malformed where-clauses', () => {
  const BAD: Array<[string, number, RegExp]> = [
    ['temp >', 6, /expected a value/],
    ['temp > 3 &', 10, /expected a value/],
    ['(temp > 3', 9, /expected "\)"/],
    ['temp = 3', 5, /use ==/],
    ['temp > 3 and id < 2', 9, /use &/],
    ['temp > 1 & id < 2', 9, /put each comparison in parentheses/],
    ['1 < temp < 3', 9, /chained comparisons/],
    ['nope > 1', 0, /no column "nope"/],
    ['station > 3', 8, /cannot compare a string with a number/],
    ['temp + "a" > 1', 5, /needs numbers/],
    ['~temp', 0, /~ needs a condition/],
    ['temp', 0, /not a condition/],
    ['"abc', 0, /unterminated string/],
    ['sqrt(temp) > 1', 0, /function calls/],
    ['temp > 3x', 7, /malformed number/],
    ['temp in (id, 2)', 9, /must be literals/],
    ['pos > 1', 0, /compound/],
    ['temp > 1 $', 9, /unexpected character/],
  ];
  it.each(BAD)('%s', async (where, pos, message) => {
    const e = await query(weather, where).catch((x) => x);
    expect(e).toBeInstanceOf(H5Error);
    expect(e.code).toBe('Invalid');
    expect(e.message).toMatch(message);
    if (!/compound/.test(String(message))) expect(e.message).toContain(`position ${pos}`);
  });

  it('never evaluates JavaScript, and bounds nesting', () => {
    (globalThis as any).__pwned = false;
    expect(() => parseWhere('globalThis.__pwned = true')).toThrow(H5Error);
    expect(() => parseWhere('(function(){})()')).toThrow(/position/);
    expect((globalThis as any).__pwned).toBe(false);
    expect(() => parseWhere('('.repeat(10000) + '1' + ')'.repeat(10000))).toThrow(/nesting deeper/);
  });
});

describe('dates and durations in where-clauses (query/time.ts)', () => {
  const ns = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;
  it('reads the ISO 8601 forms pandas reads, naive as UTC, offsets honoured', () => {
    expect(parseDate('2020-01-02')).toBe(ns('2020-01-02T00:00:00Z'));
    expect(parseDate('20200102T0530')).toBe(ns('2020-01-02T05:30:00Z'));
    expect(parseDate('2020/01/02 12:00:30.25')).toBe(ns('2020-01-02T12:00:30.250Z'));
    expect(parseDate('2020-01-02T12:00+01:00')).toBe(ns('2020-01-02T11:00:00Z'));
    expect(parseDate('2020-01-02 12:00 UTC')).toBe(ns('2020-01-02T12:00:00Z'));
    expect(parseDate('1969-12-31 23:59:59.000000001')).toBe(-999_999_999n);
    expect(parseDate('2024-02-29')).toBe(ns('2024-02-29T00:00:00Z'));
    for (const bad of ['2023-02-29', '2020-02-30', '2020-1-2', '2020-01-02 25:00', 'tomorrow', '']) expect(parseDate(bad)).toBeNull();
  });

  it('reads pandas Timedelta strings, and rounds dates down to the column unit', () => {
    const h = 3_600_000_000_000n;
    expect(parseDuration('1 days 02:00:00')).toBe(26n * h);
    expect(parseDuration('-1 day, 01:00:00')).toBe(-25n * h);
    expect(parseDuration('1h30m')).toBe(h + h / 2n);
    expect(parseDuration('1.5 hours')).toBe(h + h / 2n);
    expect(parseDuration('90min')).toBe(h + h / 2n);
    expect(parseDuration('250ms')).toBe(250_000_000n);
    expect(parseDuration('soon')).toBeNull();
    expect(fromNanos(1_500_000_000n, 's')).toBe(1n);
    expect(fromNanos(-1n, 'us')).toBe(-1n);
  });
});
