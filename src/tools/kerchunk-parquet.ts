/**
 * kerchunk's Parquet reference format, what fsspec's LazyReferenceMapper reads, for sets too
 * large for one JSON: `.zmetadata` holds every .zgroup/.zattrs/.zarray with the record size, and
 * each array's chunk references go to `<array>/refs.<n>.parq`. Record n holds the chunks
 * n*recordSize .. (n+1)*recordSize-1, numbered in C order over the chunk grid, one row each in the
 * columns path, offset, size and raw: a byte range of a file, a whole file (offset = size = 0), the
 * chunk's own bytes (raw), or a chunk the set does not hold (all null: the reader's fill value).
 * Core module: no Node built-ins. The Parquet writer, hyparquet-writer (an optional peer
 * dependency), is loaded when first used.
 */
import { H5Error } from '../errors.js';
import type { RefEntry, ReferenceSet } from './kerchunk.js';
import { unbase64 } from './kerchunk-inline.js';

/** References per Parquet file: kerchunk's and fsspec's default, so their tools and ours cut records alike. */
export const DEFAULT_RECORD_SIZE = 10_000;

export interface ParquetOptions {
  /** Chunk references per refs.N.parq file (default 10,000). */
  recordSize?: number;
}

/** One row of a refs.N.parq file. */
interface Row {
  path: string | null;
  offset: number;
  size: number;
  raw: Uint8Array | null;
}

const MISSING: Row = { path: null, offset: 0, size: 0, raw: null };

function isMetadataKey(key: string): boolean {
  return key.slice(key.lastIndexOf('/') + 1).startsWith('.z');
}

function rowOf(key: string, entry: RefEntry): Row {
  if (typeof entry === 'string') {
    return { ...MISSING, raw: entry.startsWith('base64:') ? unbase64(entry.slice('base64:'.length)) : new TextEncoder().encode(entry) };
  }
  if (entry.length === 1) return { path: entry[0], offset: 0, size: 0, raw: null };
  // A zero-length range would read as "the whole file" (offset = size = 0).
  if (entry[2] === 0) return { ...MISSING, raw: new Uint8Array(0) };
  if (typeof entry[0] !== 'string') throw new H5Error('Invalid', `reference ${key} has no URL`);
  return { path: entry[0], offset: entry[1], size: entry[2], raw: null };
}

/**
 * `.zmetadata` as fsspec writes it, {"metadata": {key: object}, "record_size": n}, plus
 * zarr's consolidated-format mark so `consolidated=True` readers take it too. The metadata texts
 * go in as written (not re-serialized), keeping `1.0` a float and non-ASCII escaped.
 */
function zmetadata(refs: Record<string, RefEntry>, recordSize: number): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(refs)) {
    if (!isMetadataKey(k)) continue;
    if (typeof v !== 'string') throw new H5Error('Invalid', `metadata ${k} is a byte range, not JSON text`);
    parts.push(`${JSON.stringify(k)}:${v}`);
  }
  return `{"metadata":{${parts.join(',')}},"record_size":${recordSize},"zarr_consolidated_format":1}`;
}

/** The rows of one array's chunk references, by chunk number (C order over the chunk grid). */
function arrayRows(refs: Record<string, RefEntry>, field: string, keys: string[]): { rows: Map<number, Row>; total: number } {
  const meta = refs[`${field}/.zarray`];
  if (typeof meta !== 'string') throw new H5Error('Invalid', `chunk keys under ${field}/ without a .zarray`);
  const { shape, chunks } = JSON.parse(meta) as { shape: number[]; chunks: number[] };
  // fsspec takes a scalar's grid as [1], so its one chunk "0" is chunk number 0.
  const grid = shape.length ? shape.map((n, d) => Math.ceil(n / chunks[d]!)) : [1];
  const total = grid.reduce((a, b) => a * b, 1);
  const rows = new Map<number, Row>();
  for (const key of keys) {
    const idx = key.slice(field.length + 1).split('.').map(Number);
    if (idx.length !== grid.length || idx.some((i, d) => !(i >= 0 && i < grid[d]!))) throw new H5Error('Invalid', `chunk key ${key} is outside the chunk grid [${grid.join(', ')}]`);
    rows.set(idx.reduce((n, i, d) => n * grid[d]! + i, 0), rowOf(key, refs[key]!));
  }
  return { rows, total };
}

/**
 * The files of a Parquet reference set, by path relative to its root directory: `.zmetadata` and
 * `<array>/refs.<n>.parq`. Every record of every array is written, rows missing from the set null.
 */
export async function parquetReferences(set: ReferenceSet, options: ParquetOptions = {}): Promise<Map<string, Uint8Array>> {
  const recordSize = options.recordSize ?? DEFAULT_RECORD_SIZE;
  if (!Number.isInteger(recordSize) || recordSize < 1) throw new H5Error('Invalid', `record size must be a positive integer, got ${recordSize}`);
  const { parquetWriteBuffer } = await loadWriter();
  const refs = set.refs;
  const files = new Map<string, Uint8Array>();
  files.set('.zmetadata', new TextEncoder().encode(zmetadata(refs, recordSize)));
  const byField = new Map<string, string[]>();
  for (const k of Object.keys(refs)) {
    if (isMetadataKey(k)) continue;
    const slash = k.lastIndexOf('/');
    if (slash < 0) throw new H5Error('Invalid', `chunk key ${k} belongs to no array (kerchunk's Parquet format keys chunks by their array)`);
    const field = k.slice(0, slash);
    byField.set(field, [...(byField.get(field) ?? []), k]);
  }
  for (const [field, keys] of byField) {
    const { rows, total } = arrayRows(refs, field, keys);
    for (let record = 0; record * recordSize < total; record++) {
      const n = Math.min(recordSize, total - record * recordSize);
      const part = Array.from({ length: n }, (_, i) => rows.get(record * recordSize + i) ?? MISSING);
      const buffer = parquetWriteBuffer({
        columnData: [
          { name: 'path', data: part.map((r) => r.path), type: 'STRING' },
          { name: 'offset', data: part.map((r) => BigInt(r.offset)), type: 'INT64', nullable: false },
          { name: 'size', data: part.map((r) => BigInt(r.size)), type: 'INT64', nullable: false },
          { name: 'raw', data: part.map((r) => r.raw), type: 'BYTE_ARRAY' },
        ],
        // Like kerchunk: no statistics (nobody filters references by min/max), one row group per record.
        statistics: false,
        rowGroupSize: recordSize,
      });
      files.set(`${field}/refs.${record}.parq`, new Uint8Array(buffer));
    }
  }
  return files;
}

type Writer = typeof import('hyparquet-writer');

async function loadWriter(): Promise<Writer> {
  try {
    return await import('hyparquet-writer');
  } catch (e) {
    throw new H5Error('Unsupported', `Parquet references need the optional package hyparquet-writer (npm install hyparquet-writer): ${(e as Error).message}`);
  }
}
