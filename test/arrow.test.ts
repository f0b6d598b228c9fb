/**
 * coh5/arrow: reads, query results and pandas frames as Arrow tables with the right types, and
 * SQL on them with DuckDB (@duckdb/node-api): an aggregate and a join between two HDF5 tables.
 * @duckdb/node-api takes no Arrow tables directly (its arrow_scan wants C pointers), so the test
 * hands each Arrow table over through DuckDB's appender, column type by column type.
 */
import { resolve } from 'node:path';
import { DataType, type Table } from 'apache-arrow';
import { DuckDBInstance, DuckDBTimestampTZValue, DuckDBTimestampValue, DuckDBIntervalValue, type DuckDBConnection } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { open, query, readFrame, compoundRecords, type CompoundColumn, type Dataset } from '../src/node.js';
import { toArrow } from '../src/arrow.js';

const fx = (name: string) => resolve(__dirname, '../fixtures/query', name);

/** An Arrow table into a new DuckDB table, through the appender. */
async function loadArrow(conn: DuckDBConnection, name: string, table: Table): Promise<void> {
  const cols = table.schema.fields.map((f) => {
    const t = f.type;
    const sql = DataType.isInt(t) ? (t.bitWidth === 64 ? 'BIGINT' : 'INTEGER') : DataType.isFloat(t) ? 'DOUBLE' : DataType.isBool(t) ? 'BOOLEAN'
      : DataType.isTimestamp(t) ? (t.timezone ? 'TIMESTAMPTZ' : 'TIMESTAMP') : DataType.isDuration(t) ? 'INTERVAL' : 'VARCHAR';
    return { name: f.name, sql, type: t, vector: table.getChild(f.name)! };
  });
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
