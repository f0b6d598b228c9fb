/**
 * coh5/arrow: reads, query results and pandas frames as Arrow tables with the right types, and
 * SQL on them with DuckDB (@duckdb/node-api): an aggregate and a join between two HDF5 tables.
 * @duckdb/node-api takes no Arrow tables directly (its arrow_scan wants C pointers), so the test
 * hands each Arrow table over through DuckDB's appender, column type by column type.
 */
import { resolve } from 'node:path';
import { DataType, type Table, type Vector } from 'apache-arrow';
import {
  ARRAY, BIGINT, DOUBLE, INTEGER, LIST, DuckDBInstance, DuckDBTimestampTZValue, DuckDBTimestampValue, DuckDBIntervalValue, arrayValue, listValue,
  type DuckDBArrayType, type DuckDBArrayValue, type DuckDBConnection, type DuckDBListType, type DuckDBListValue, type DuckDBType, type DuckDBValue,
} from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { open, query, readFrame, compoundRecords, type CompoundColumn, type Dataset } from '../src/node.js';
import { toArrow } from '../src/arrow.js';

const fx = (name: string) => resolve(__dirname, '../fixtures/query', name);

/** The DuckDB column type an Arrow type is appended as. */
function sqlType(t: DataType): string {
  if (DataType.isFixedSizeList(t)) return `${sqlType(t.children[0]!.type)}[${t.listSize}]`;
  if (DataType.isList(t)) return `${sqlType(t.children[0]!.type)}[]`;
  return DataType.isInt(t) ? (t.bitWidth === 64 ? 'BIGINT' : 'INTEGER') : DataType.isFloat(t) ? 'DOUBLE' : DataType.isBool(t) ? 'BOOLEAN'
    : DataType.isTimestamp(t) ? (t.timezone ? 'TIMESTAMPTZ' : 'TIMESTAMP') : DataType.isDuration(t) ? 'INTERVAL' : 'VARCHAR';
}

/** The DuckDB type of a list column, so the appender converts its numbers as that type. */
function duckType(t: DataType): DuckDBType {
  if (DataType.isFixedSizeList(t)) return ARRAY(duckType(t.children[0]!.type), t.listSize);
  if (DataType.isList(t)) return LIST(duckType(t.children[0]!.type));
  return DataType.isFloat(t) ? DOUBLE : DataType.isInt(t) && t.bitWidth === 64 ? BIGINT : INTEGER;
}

/** A list cell's values as DuckDB values: nested lists become DuckDB arrays or lists in turn. */
function duckList(v: Vector, t: DataType): DuckDBValue {
  const child = (t as unknown as { children: Array<{ type: DataType }> }).children[0]!.type;
  const items = Array.from({ length: v.length }, (_, k) => {
    const x = v.get(k);
    return DataType.isFixedSizeList(child) || DataType.isList(child) ? duckList(x as Vector, child) : (typeof x === 'bigint' ? x : Number(x));
  });
  return DataType.isFixedSizeList(t) ? arrayValue(items) : listValue(items);
}

/** An Arrow table into a new DuckDB table, through the appender. */
async function loadArrow(conn: DuckDBConnection, name: string, table: Table): Promise<void> {
  const cols = table.schema.fields.map((f) => ({ name: f.name, sql: sqlType(f.type), type: f.type, vector: table.getChild(f.name)! }));
  await conn.run(`CREATE TABLE "${name}" (${cols.map((c) => `"${c.name}" ${c.sql}`).join(', ')})`);
  const app = await conn.createAppender(name);
  for (let i = 0; i < table.numRows; i++) {
    for (const c of cols) {
      const v = c.vector.get(i);
      if (v === null) app.appendNull();
      else if (c.sql === 'BIGINT') app.appendBigInt(v as bigint);
      else if (c.sql === 'INTEGER') app.appendInteger(Number(v));
      else if (c.sql === 'DOUBLE') app.appendDouble(v as number);
      else if (c.sql === 'BOOLEAN') app.appendBoolean(v as boolean);
      else if (c.sql === 'VARCHAR') app.appendVarchar(String(v));
      else if (DataType.isFixedSizeList(c.type)) app.appendArray(duckList(v as Vector, c.type) as DuckDBArrayValue, duckType(c.type) as DuckDBArrayType);
      else if (DataType.isList(c.type)) app.appendList(duckList(v as Vector, c.type) as DuckDBListValue, duckType(c.type) as DuckDBListType);
      else {
        // Raw int64 counts of the column's unit (Arrow's getters give milliseconds as numbers).
        const raw = (c.vector.data[0]!.values as BigInt64Array)[i]!;
        const unit = (c.type as { unit: number }).unit;
        const micros = raw * [1000000n, 1000n, 1n, 1n][unit]! / (unit === 3 ? 1000n : 1n);
        if (c.sql === 'TIMESTAMPTZ') app.appendTimestampTZ(new DuckDBTimestampTZValue(micros));
        else if (c.sql === 'TIMESTAMP') app.appendTimestamp(new DuckDBTimestampValue(micros));
        else app.appendInterval(new DuckDBIntervalValue(0, 0, micros));
      }
    }
    app.endRow();
  }
  app.closeSync();
}

describe('toArrow', () => {
  it('types a pandas frame: BigInt int64, timestamps with tz, durations, dictionary categoricals', async () => {
    const f = await open(fx('query_pandas.h5'));
    const frame = await readFrame(f, '/frames/table');
    const t = toArrow(frame);
    expect(t.numRows).toBe(1200);
    const type = (name: string) => t.schema.fields.find((x) => x.name === name)!.type;
    expect(String(type('i'))).toBe('Int64');
    expect(typeof t.getChild('i')!.get(0)).toBe('bigint');
    expect(DataType.isTimestamp(type('when'))).toBe(true);
    expect((type('tz') as { timezone: string }).timezone).toBe('Europe/Paris');
    expect(DataType.isDuration(type('td'))).toBe(true);
    expect(DataType.isDictionary(type('cat'))).toBe(true);
    const cat = frame.columns.find((c) => c.name === 'cat')!;
    expect(t.getChild('cat')!.get(0)).toBe((cat.categories as string[])[(cat.values as Int8Array)[0]!]);
    expect(t.getChild('b')!.get(1)).toBe(Boolean((frame.columns.find((c) => c.name === 'b')!.values as Uint8Array)[1]));
  });

  it('flattens a compound read and a query result into columns', async () => {
    const f = await open(fx('query_table.h5'));
    const ds = (await f.get('/weather')) as Dataset;
    const read = await ds.read([[0, 100]]);
    const t = toArrow(read);
    expect(t.schema.fields.map((x) => x.name)).toEqual(['id', 'temp', 'station', 'count', 'flag', 'big', 'pos.x', 'pos.y']);
    expect(t.getChild('pos.x')!.get(5)).toBe((compoundRecords(read.data as CompoundColumn)[5]!.pos as { x: number }).x);
    const q = await query(ds, 'temp > 40', { fields: ['id', 'temp'] });
    const tq = toArrow(q, { rowIndex: 'row' });
    expect(tq.numRows).toBe(q.rows.length);
    expect(Array.from(tq.getChild('row')!.toArray() as Float64Array)).toEqual(q.rows);
  });
});

describe('SQL with DuckDB on HDF5 tables', () => {
  it('aggregates a pandas frame and joins two HDF5 tables', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const f = await open(fx('query_pandas.h5'));
    const frame = await readFrame(f, '/frames/table');
    await loadArrow(conn, 'frame', toArrow(frame));
    const w = await open(fx('query_table.h5'));
    const weather = (await w.get('/weather')) as Dataset;
    await loadArrow(conn, 'weather', toArrow(await query(weather, 'id < 1200', { fields: ['id', 'temp', 'station'] })));

    // The aggregate, against the same sums done here.
    const agg = await conn.runAndReadAll('SELECT cat, count(*) AS n, sum(i) AS s FROM frame GROUP BY cat ORDER BY cat');
    const cat = frame.columns.find((c) => c.name === 'cat')!;
    const ints = frame.columns.find((c) => c.name === 'i')!.values as BigInt64Array;
    const want = (cat.categories as string[]).map((name, code) => {
      let n = 0, s = 0n;
      (cat.values as Int8Array).forEach((c, k) => { if (c === code) { n++; s += ints[k]!; } });
      return [name, BigInt(n), s];
    });
    expect(agg.getRows().map((r) => [r[0], BigInt(r[1] as bigint), BigInt(String(r[2]))])).toEqual(want);

    // The join: frame row k meets weather row k (id == k), through the pandas int column i = 3k - 100.
    const join = await conn.runAndReadAll(
      'SELECT count(*), sum(w.temp) FROM frame f JOIN weather w ON (f.i + 100) / 3 = w.id WHERE w.station = \'A\'',
    );
    const all = compoundRecords((await weather.read([[0, 1200]])).data as CompoundColumn);
    const a = all.filter((r) => r.station === 'A');
    const [count, sum] = join.getRows()[0]!;
    expect(Number(count)).toBe(a.length);
    expect(Number(sum)).toBeCloseTo(a.reduce((s, r) => s + (r.temp as number), 0), 6);

    // Timestamps arrive as instants: the first tz-aware value is 2020-01-01T00:00+01:00.
    const ts = await conn.runAndReadAll("SELECT epoch_us(tz) FROM frame LIMIT 1");
    expect(BigInt(String(ts.getRows()[0]![0]))).toBe((frame.columns.find((c) => c.name === 'tz')!.values as BigInt64Array)[0]);
    conn.closeSync();
  });
});

describe('toArrow of the types Arrow has and a flat read does not', () => {
  it('gives array members FixedSizeLists (nested for 2-D), sequences Lists, bool enums Bool, enums dictionaries, opaque FixedSizeBinary', async () => {
    const f = await open(fx('arrow_types.h5'));
    const ds = (await f.get('/records')) as Dataset;
    const read = await ds.read();
    const t = toArrow(read);
    const type = (name: string) => String(t.schema.fields.find((x) => x.name === name)!.type);
    expect(t.numRows).toBe(40);
    expect(type('vec')).toBe('FixedSizeList[3]<Float32>');
    expect(type('mat')).toBe('FixedSizeList[2]<FixedSizeList[2]<Int16>>');
    expect(type('seq')).toBe('List<Int32>');
    expect(type('ok')).toBe('Bool');
    expect(type('color')).toBe('Dictionary<Int32, Utf8>');
    expect(type('raw')).toBe('FixedSizeBinary[3]');
    const records = compoundRecords(read.data as CompoundColumn);
    const row = 7;
    expect(Array.from(t.getChild('vec')!.get(row) as Vector)).toEqual(Array.from(records[row]!.vec as Float32Array));
    const mat = t.getChild('mat')!.get(row) as Vector;
    expect([0, 1].map((k) => Array.from(mat.get(k) as Vector))).toEqual([[-22, -21], [-20, -19]]);
    expect(Array.from(t.getChild('seq')!.get(row) as Vector)).toEqual(Array.from(records[row]!.seq as Int32Array));
    expect(t.getChild('ok')!.get(row)).toBe(false);
    expect(t.getChild('ok')!.get(6)).toBe(true);
    expect(t.getChild('color')!.get(row)).toBe('green');
    expect(Array.from(t.getChild('raw')!.get(row) as Uint8Array)).toEqual([7, 8, 9]);
    expect(t.getChild('z.i')!.get(row)).toBe(-14);
  });

  it('gives a 2-D read one FixedSizeList column, and a query of an array member its lists', async () => {
    const f = await open(fx('arrow_types.h5'));
    const m = toArrow(await ((await f.get('/matrix_rows')) as Dataset).read());
    expect(String(m.schema.fields[0]!.type)).toBe('FixedSizeList[3]<Float64>');
    expect(m.numRows).toBe(10);
    expect(Array.from(m.getChild('value')!.get(4) as Vector)).toEqual([12, 13, 14]);
    const q = await query((await f.get('/records')) as Dataset, '(id > 30) & ok', { fields: ['id', 'vec'] });
    expect(q.rows).toEqual([33, 36, 39]);
    const tq = toArrow(q);
    expect(tq.numRows).toBe(3);
    expect(Array.from(tq.getChild('vec')!.get(1) as Vector)).toEqual([27, 27.25, 27.5]);
  });

  it('keeps the missing strings of a pandas frame (nan_rep) as nulls', async () => {
    const f = await open(fx('pandas_cases.h5'));
    const t = toArrow(await readFrame(f, '/strings'));
    expect(Array.from({ length: 8 }, (_, i) => t.getChild('s')!.get(i))).toEqual(['x', null, 'y', null, 'x', null, '', 'z']);
    expect(t.getChild('s')!.nullCount).toBe(3);
  });

  it('refuses references, naming the column', async () => {
    const f = await open(fx('arrow_types.h5'));
    const refs = await ((await f.get('/refs')) as Dataset).read();
    expect(() => toArrow(refs)).toThrow(/column value: references have no Arrow type/);
  });

  it('runs SQL on lists in DuckDB: an element of each array, list lengths, enum names; missing strings as NULL', async () => {
    const f = await open(fx('arrow_types.h5'));
    const read = await ((await f.get('/records')) as Dataset).read();
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await loadArrow(conn, 'records', toArrow(read));
    const r = await conn.runAndReadAll(
      "SELECT sum(vec[2]), sum(mat[2][1]), sum(len(seq)), count(*) FILTER (WHERE ok), count(*) FILTER (WHERE color = 'blue') FROM records",
    );
    const records = compoundRecords(read.data as CompoundColumn);
    const mat = (read.data as CompoundColumn).fields.mat as Int16Array;
    const want = [
      records.reduce((s, x) => s + (x.vec as Float32Array)[1]!, 0),
      // mat[2][1] in SQL (1-based) is element [1][0] of each row's 2x2, flat index 2 of its 4.
      Array.from({ length: 40 }, (_, r) => mat[r * 4 + 2]!).reduce((x, y) => x + y, 0),
      records.reduce((s, x) => s + (x.seq as Int32Array).length, 0),
      records.filter((x) => x.ok).length,
      records.filter((x) => x.color === 9).length,
    ];
    expect(r.getRows()[0]!.map(Number)).toEqual(want);
    // pandas' missing strings (nan_rep) arrive as SQL NULLs.
    await loadArrow(conn, 'strings', toArrow(await readFrame(await open(fx('pandas_cases.h5')), '/strings')));
    const nulls = await conn.runAndReadAll('SELECT count(*) FILTER (WHERE s IS NULL), count(*) FILTER (WHERE t IS NULL), count(s) FROM strings');
    expect(nulls.getRows()[0]!.map(Number)).toEqual([3, 2, 5]);
    conn.closeSync();
  });
});
