/**
 * kerchunk's Parquet references (`coh5 refs --format parquet`) read back as fsspec's
 * LazyReferenceMapper reads them. Debian 12 packages no Python Parquet engine (neither
 * python3-pyarrow nor python3-fastparquet), so fsspec cannot be run on them here: the files are
 * read with two independent Parquet readers, hyparquet (JavaScript) and DuckDB (C++), and the
 * mapper's lookup is replayed as fsspec 2026.9 writes it: chunk number in C order over the grid,
 * record = number / record_size, row = number % record_size; raw wins, a null path is a missing
 * chunk, offset = size = 0 is a whole file. Every key must come back as the JSON set has it.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open } from '../src/node.js';
import { buildReferences, type RefEntry, type ReferenceSet } from '../src/tools/kerchunk.js';
import { base64 } from '../src/tools/kerchunk-inline.js';
import { parquetReferences } from '../src/tools/kerchunk-parquet.js';
import { coh5 } from './cli-run.js';

const fx = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname;

interface Row {
  path: string | null;
  offset: bigint;
  size: bigint;
  raw: Uint8Array | null;
}

/** fsspec's LazyReferenceMapper lookup over the files (read with hyparquet); undefined where fsspec raises KeyError. */
function lazyMapper(files: Map<string, Uint8Array>) {
  const met = JSON.parse(new TextDecoder().decode(files.get('.zmetadata'))) as { metadata: Record<string, unknown>; record_size: number };
  const records = new Map<string, Promise<Row[]>>();
  const record = (field: string, n: number) => {
    const name = `${field}/refs.${n}.parq`;
    if (!records.has(name)) {
      const bytes = files.get(name);
      if (!bytes) throw new Error(`${name} missing`);
      const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      records.set(name, parquetReadObjects({ file, utf8: false }) as Promise<Row[]>);
    }
    return records.get(name)!;
  };
  return {
    met,
    async get(key: string): Promise<unknown> {
      if (key in met.metadata) return met.metadata[key];
      const field = key.slice(0, key.lastIndexOf('/'));
      const z = met.metadata[`${field}/.zarray`] as { shape: number[]; chunks: number[] };
      const grid = z.shape.length ? z.shape.map((n, d) => Math.ceil(n / z.chunks[d]!)) : [1];
      const number = key.slice(field.length + 1).split('.').map(Number).reduce((a, i, d) => a * grid[d]! + i, 0);
      const row = (await record(field, Math.floor(number / met.record_size)))[number % met.record_size]!;
      if (row.raw !== null && row.raw !== undefined) return `base64:${base64(row.raw)}`;
      if (row.path === null || row.path === undefined) return undefined;
      // The path column is UTF8-annotated: hyparquet may hand it over as bytes when told not to decode byte arrays.
      const path = typeof row.path === 'string' ? row.path : new TextDecoder().decode(row.path as Uint8Array);
      return row.offset === 0n && row.size === 0n ? [path] : [path, Number(row.offset), Number(row.size)];
    },
  };
}

/** Every chunk key of every array's grid, present in the set or not. */
function gridKeys(refs: Record<string, RefEntry>): string[] {
  const out: string[] = [];
  for (const k of Object.keys(refs)) {
    if (!k.endsWith('/.zarray')) continue;
    const field = k.slice(0, -'/.zarray'.length);
    const { shape, chunks } = JSON.parse(refs[k] as string) as { shape: number[]; chunks: number[] };
    if (shape.includes(0)) continue;
    const grid = shape.map((n, d) => Math.ceil(n / chunks[d]!));
    const at = grid.map(() => 0);
    const total = grid.reduce((a, b) => a * b, 1);
    for (let i = 0; i < total; i++) {
      out.push(`${field}/${shape.length ? at.join('.') : '0'}`);
      for (let d = at.length - 1; d >= 0 && ++at[d]! === grid[d]; d--) at[d] = 0;
    }
  }
  return out;
}

async function referencesOf(name: string): Promise<ReferenceSet> {
  const f = await open(fx(name));
  try {
    return (await buildReferences(f)).refs;
  } finally {
    await f.close();
  }
}

describe('kerchunk Parquet references', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coh5-parquet-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('every key of layouts_latest.h5 (5,100 ranges, 381 inlined, some left out) comes back through the records as the JSON set has it', async () => {
    const set = await referencesOf('layouts_latest.h5');
    // Chunks a set does not hold (coh5 spells out unwritten chunks, but a set from elsewhere may not): every 7th of chunked_2d.
    Object.keys(set.refs).filter((k) => /^chunked_2d\/\d/.test(k)).forEach((k, i) => i % 7 === 0 && delete set.refs[k]);
    const files = await parquetReferences(set, { recordSize: 50 });
    const mapper = lazyMapper(files);
    expect(mapper.met.record_size).toBe(50);
    expect((mapper.met as unknown as { zarr_consolidated_format: number }).zarr_consolidated_format).toBe(1);
    // Several records per array, and arrays whose grid has chunks the file never wrote.
    expect([...files.keys()].filter((k) => k.endsWith('.parq')).length).toBeGreaterThan(100);
    const keys = gridKeys(set.refs);
    const absent = keys.filter((k) => !(k in set.refs));
    expect(absent.length).toBeGreaterThan(0);
    for (const k of keys) {
      const want = set.refs[k];
      expect(await mapper.get(k), k).toEqual(want);
    }
    // Metadata comes back as the objects the JSON texts hold, whole floats included.
    for (const [k, v] of Object.entries(set.refs)) if (k.split('/').pop()!.startsWith('.z')) expect(mapper.met.metadata[k], k).toEqual(JSON.parse(v as string));
  });

  it('DuckDB reads the same rows: path VARCHAR, offset and size BIGINT, raw BLOB, path null where raw holds the chunk', async () => {
    const set = await referencesOf('layouts_latest.h5');
    const files = await parquetReferences(set, { recordSize: 50 });
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      let compared = 0;
      for (const [name, bytes] of files) {
        if (!name.endsWith('.parq')) continue;
        const path = join(dir, name.replace(/\//g, '__'));
        await import('node:fs/promises').then((fs) => fs.writeFile(path, bytes));
        const types = await conn.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${path}'))`);
        expect(types.getRows(), name).toEqual([['path', 'VARCHAR'], ['offset', 'BIGINT'], ['size', 'BIGINT'], ['raw', 'BLOB']]);
        const rows = (await conn.runAndReadAll(`SELECT path, "offset", "size", raw IS NULL FROM read_parquet('${path}')`)).getRows();
        const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        const mine = (await parquetReadObjects({ file, utf8: false })) as Row[];
        expect(rows.length, name).toBe(mine.length);
        rows.forEach((r, i) => {
          const m = mine[i]!;
          const p = m.path === null || m.path === undefined ? null : typeof m.path === 'string' ? m.path : new TextDecoder().decode(m.path as Uint8Array);
          expect([r[0], BigInt(r[1] as bigint), BigInt(r[2] as bigint), r[3]], `${name} row ${i}`).toEqual([p, m.offset, m.size, m.raw === null || m.raw === undefined]);
        });
        compared++;
      }
      expect(compared).toBeGreaterThan(100);
    } finally {
      conn.closeSync();
    }
  });

  it('coh5 refs --format parquet -o DIR writes .zmetadata and refs.N.parq per array; a missing -o or a bad record size exits 2', async () => {
    const out = join(dir, 'cli');
    const r = await coh5('refs', '--format', 'parquet', '-o', out, '--record-size', '3', fx('example.h5'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote \d+ files to .* \(record size 3\)/);
    const met = JSON.parse(await readFile(join(out, '.zmetadata'), 'utf8'));
    expect(met.record_size).toBe(3);
    const temp = await readdir(join(out, 'temperature'));
    const chunks = Object.keys((await referencesOf('example.h5')).refs).filter((k) => /^temperature\/\d/.test(k)).length;
    expect(temp.sort()).toEqual(Array.from({ length: Math.ceil(chunks / 3) }, (_, n) => `refs.${n}.parq`).sort());
    const mapper = lazyMapper(new Map(await Promise.all([['.zmetadata', await readFile(join(out, '.zmetadata'))], ...temp.map(async (f) => [`temperature/${f}`, await readFile(join(out, 'temperature', f))])] as Array<Promise<[string, Uint8Array]> | [string, Uint8Array]>)));
    const set = await referencesOf('example.h5');
    for (const k of Object.keys(set.refs).filter((x) => /^temperature\/\d/.test(x))) expect(await mapper.get(k), k).toEqual(set.refs[k]);
    expect((await coh5('refs', '--format', 'parquet', fx('example.h5'))).code).toBe(2);
    expect((await coh5('refs', '--format', 'parquet', '-o', out, '--record-size', '0', fx('example.h5'))).code).toBe(2);
    expect((await coh5('refs', '--format', 'xml', fx('example.h5'))).code).toBe(2);
  });
});
