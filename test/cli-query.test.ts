/** `coh5 query` and `coh5 cat` of a pandas key, run as the real command on the query fixtures. */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coh5 } from './cli-run.js';

const fx = (name: string) => resolve(__dirname, '../fixtures/query', name);

describe('coh5 query', () => {
  it('prints the matching rows of a compound table as JSON, with --fields and --limit', async () => {
    const r = await coh5('query', fx('query_table.h5'), '/weather', '(temp > 40) & (station == b"A")', '--fields', 'id,temp,pos.x', '--limit', '3');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.text);
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(['row', 'id', 'temp', 'pos.x']);
      expect(row.temp).toBeGreaterThan(40);
      expect(row.id).toBe(row.row);
    }
  });

  it('queries a pandas table key by frame columns, as CSV', async () => {
    const r = await coh5('query', fx('query_pandas.h5'), '/multi', 'letter == "z"', '--format', 'csv');
    expect(r.code).toBe(0);
    expect(r.text.trim().split('\n')).toEqual(['letter,num,v,w', 'z,0,8,16', 'z,1,9,18', 'z,2,10,20', 'z,3,11,22']);
  });

  it('names the position of a malformed where-clause, exit code 2', async () => {
    const r = await coh5('query', fx('query_table.h5'), '/weather', 'temp >> 3');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/position 6/);
  });
});

describe('coh5 cat of a pandas key', () => {
  it('prints the frame, index first, datetimes in ISO 8601 and categories by name', async () => {
    const r = await coh5('cat', fx('query_pandas.h5'), '/frames/table');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.text);
    expect(rows).toHaveLength(1200);
    expect(Object.keys(rows[0])).toEqual(['when', 'i', 'f', 'f32', 's', 'cat', 'ts', 'tz', 'td', 'b']);
    expect(rows[0].when).toBe('2024-01-01T00:00:00.000Z');
    expect(rows[0].tz).toBe('2019-12-31T23:00:00.000Z');
    expect(['red', 'green', 'blue']).toContain(rows[0].cat);
    expect(rows[1].td).toBe('1s');
  });
});

describe('coh5 on the pandas cases (pandas_cases.h5)', () => {
  it('queries with a date string in pandas precedence', async () => {
    const r = await coh5('query', fx('pandas_cases.h5'), '/dated', "index >= '2020-01-05 20:00' & n > 117", '--fields', 'n');
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.text)).toEqual([
      { when: '2020-01-05T22:00:00.000Z', n: 118 },
      { when: '2020-01-05T23:00:00.000Z', n: 119 },
    ]);
  });

  it('exits 2 naming the position of a date it cannot read', async () => {
    const r = await coh5('query', fx('pandas_cases.h5'), '/dated', "date > '2020-02-31'");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/position 7: cannot read "2020-02-31" as a date/);
  });

  it('prints a fixed frame with a MultiIndex on rows and columns as CSV, a missing label as null', async () => {
    const r = await coh5('cat', fx('pandas_cases.h5'), '/fixed/multi_both', '--format', 'csv');
    expect(r.code).toBe(0);
    expect(r.text.trim().split('\n')).toEqual([
      'letter,num,p.1,p.2,q.1,q.2', 'a,1,0,1,2,3', 'a,2,4,5,6,7', 'b,1,8,9,10,11', 'b,2,12,13,14,15', 'null,3,16,17,18,19', 'c,3,20,21,22,23',
    ]);
  });
});
