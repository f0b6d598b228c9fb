/**
 * Querying a 1-D dataset where it lies: rows are read in batches of whole chunks, each batch a
 * read() whose chunks go out as coalesced parallel range GETs; the next batches are already in
 * flight while one is filtered, and each batch is dropped once its matches are copied out. So
 * memory is the read-ahead plus the matches, and `limit` stops fetching as soon as it is met.
 */
import { H5Error, throwIfAborted } from '../errors.js';
import type { Dataset } from '../api/objects.js';
import type { Datatype } from '../format/types.js';
import type { Column } from '../values/column.js';
import { compileWhere, type ColumnView, type FieldKind } from './evaluate.js';
import { parseWhere } from './parse.js';
import type { QueryBatch, QueryOptions as PublicQueryOptions, QueryResult } from '../api/query-contract.js';
import { columnNames, elementType, findColumn, memberColumn, predicateKind, refLayout, takeRef, type ColumnRef } from './columns.js';
import { concatColumns, notQueryable } from './gather.js';

export type { QueryBatch, QueryResult } from '../api/query-contract.js';

/** QueryOptions plus what queryFrame passes in. */
export interface QueryOptions extends PublicQueryOptions {
  /** @internal other names for columns (pandas frame columns inside values blocks). */
  columns?: Map<string, ColumnRef>;
}

/**
 * A batch is whole chunks of about this many raw bytes: large enough that its chunks' GETs
 * coalesce into a few parallel requests per wave, small enough that two in flight stay in the
 * tens of megabytes.
 */
const DEFAULT_BATCH_BYTES = 4 * 1024 * 1024;
/** Two batches ahead keep the network busy while one is filtered, as cache/read-ahead does for chunks. */
const DEFAULT_READ_AHEAD = 2;

interface Plan {
  refs: Map<string, ColumnRef>;
  outputs: string[];
  predicate: ReturnType<typeof compileWhere>;
  start: number;
  stop: number;
  batchRows: number;
}

function planQuery(ds: Dataset, where: string, options: QueryOptions): Plan {
  const shape = ds.shape;
  if (!shape || shape.length !== 1) throw notQueryable(ds.path, `a query needs a 1-D dataset, this one has shape ${JSON.stringify(shape)}`);
  const dt: Datatype = ds.datatype;
  const refs = new Map<string, ColumnRef>();
  const resolve = (name: string): ColumnRef | null => options.columns?.get(name) ?? findColumn(dt, name);
  const tree = parseWhere(where, options.dialect);
  const predicate = compileWhere(tree, where, (name, pos): FieldKind => {
    const ref = resolve(name);
    if (!ref) {
      const known = options.columns ? [...options.columns.keys()] : columnNames(dt);
      throw new H5Error('Invalid', `where-clause at position ${pos}: no column ${JSON.stringify(name)} (columns: ${known.join(', ')}) in ${JSON.stringify(where)}`, { path: ds.path });
    }
    refs.set(name, ref);
    return { kind: predicateKind(ref, name, ds.path), time: ref.time };
  });
  const outputs = options.fields ?? (options.columns ? [...options.columns.keys()] : columnNames(dt));
  for (const name of outputs) {
    const ref = resolve(name);
    if (!ref) throw new H5Error('Invalid', `no field ${JSON.stringify(name)} to return (columns: ${columnNames(dt).join(', ')})`, { path: ds.path });
    refs.set(name, ref);
  }
  const n = shape[0];
  const start = Math.max(0, Math.min(n, options.start ?? 0));
  const stop = Math.max(start, Math.min(n, options.stop ?? n));
  const rowBytes = Math.max(1, dt.size);
  const chunkRows = ds.chunks?.[0] ?? 1;
  const target = options.batchBytes ?? DEFAULT_BATCH_BYTES;
  const batchRows = Math.max(chunkRows, Math.floor(target / rowBytes / chunkRows) * chunkRows);
  return { refs, outputs, predicate, start, stop, batchRows };
}

/**
 * Streams the matches of `where` on a 1-D dataset, batch by batch in row order. Throws
 * H5Error('Invalid') naming the position for a malformed where-clause, before any data is read.
 */
export async function* queryBatches(ds: Dataset, where: string, options: QueryOptions = {}): AsyncGenerator<QueryBatch> {
  throwIfAborted(options.signal);
  const plan = planQuery(ds, where, options);
  const limit = options.limit ?? Infinity;
  if (!(limit >= 0)) throw new H5Error('Invalid', `limit must be a non-negative number, got ${options.limit}`);
  const ahead = Math.max(1, options.readAhead ?? DEFAULT_READ_AHEAD);
  const stopFetching = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stopFetching.signal]) : stopFetching.signal;

  // Batch boundaries sit on chunk boundaries relative to row 0, so no chunk is read twice.
  const bounds: Array<[number, number]> = [];
  for (let a = plan.start; a < plan.stop; ) {
    const b = Math.min(plan.stop, (Math.floor(a / plan.batchRows) + 1) * plan.batchRows);
    bounds.push([a, b]);
    a = b;
  }
  if (limit === 0 || bounds.length === 0) {
    // Nothing to scan: still one (empty) batch, so the result has its columns, typed.
    const data = (await ds.read([[plan.start, plan.start]], { signal: options.signal })).data;
    const columns: Record<string, Column> = Object.create(null);
    for (const name of plan.outputs) columns[name] = takeRef(data, plan.refs.get(name)!, []);
    yield { rows: [], columns, start: plan.start, stop: plan.start };
    return;
  }
  const pending: Promise<Column>[] = [];
  let next = 0;
  const fill = () => {
    while (pending.length < ahead && next < bounds.length) {
      const [a, b] = bounds[next++];
      const p = ds.read([[a, b]], { signal }).then((r) => r.data);
      p.catch(() => {}); // an abandoned batch (limit met, caller stopped) must not surface as unhandled
      pending.push(p);
    }
  };
  let found = 0;
  try {
    for (const [a, b] of bounds) {
      if (found >= limit) break;
      fill();
      const data = await pending.shift()!;
      fill();
      const views: ColumnView[] = plan.predicate.fields.map((name) => {
        const ref = plan.refs.get(name)!;
        const values = memberColumn(data, ref) as unknown as ArrayLike<number>;
        // A categorical compares by label: its codes become strings (-1, missing, matches nothing).
        if (ref.labels) return { values: Array.from(values, (c) => ref.labels![c] ?? ''), ...refLayout(ref) };
        return { values: values as ColumnView['values'], ...refLayout(ref) };
      });
      const local: number[] = [];
      const count = b - a;
      for (let i = 0; i < count && found < limit; i++) {
        if (plan.predicate.test(views, i)) {
          local.push(i);
          found++;
        }
      }
      const columns: Record<string, Column> = Object.create(null);
      for (const name of plan.outputs) columns[name] = takeRef(data, plan.refs.get(name)!, local);
      yield { rows: local.map((i) => i + a), columns, start: a, stop: a + count };
    }
  } finally {
    stopFetching.abort();
  }
}

/**
 * Runs `where` on a 1-D compound (or numeric/string, as column `value`) dataset and returns the
 * matching row indices with the selected fields as columns, in row order.
 *
 * ```ts
 * const r = await query(await file.get('/weather'), '(temp > 32) & (station == b"A")', { fields: ['time', 'temp'] });
 * ```
 */
export async function query(ds: Dataset, where: string, options: QueryOptions = {}): Promise<QueryResult> {
  const rows: number[] = [];
  const parts: Record<string, Column[]> = Object.create(null);
  let scanned = 0;
  let batches = 0;
  let outputs: string[] = [];
  let firstBatch: QueryBatch | undefined;
  for await (const batch of queryBatches(ds, where, options)) {
    firstBatch ??= batch;
    outputs = Object.keys(batch.columns);
    for (const r of batch.rows) rows.push(r);
    for (const name of outputs) if (batch.rows.length) (parts[name] ??= []).push(batch.columns[name]);
    scanned += batch.stop - batch.start;
    batches++;
  }
  const columns: Record<string, Column> = Object.create(null);
  for (const name of outputs) {
    const p = parts[name];
    columns[name] = p ? concatColumns(p, ds.datatype) : firstBatch!.columns[name];
  }
  const types: Record<string, Datatype> = Object.create(null);
  for (const name of outputs) {
    const ref = options.columns?.get(name) ?? findColumn(ds.datatype, name);
    if (ref) types[name] = ref.index === undefined ? ref.type : elementType(ref.type);
  }
  return { rows, columns, fields: outputs, types, scanned, batches };
}
