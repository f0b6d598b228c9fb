/**
 * The contract of `Dataset.query()` and `Dataset.queryBatches()`: their options and results, and
 * the slot the query module (src/query/, a floor above this one) fills when the package entry
 * loads it. The methods live on Dataset, where users look for them; the implementation stays in
 * query/, so dependencies keep pointing down.
 */
import { H5Error } from '../errors.js';
import type { Datatype } from '../format/types.js';
import type { Column } from '../values/column.js';
import type { Dataset } from './objects.js';

/** A where-clause's syntax (see QueryOptions.dialect). */
export type Dialect = 'pytables' | 'pandas';

export interface QueryOptions {
  /** Columns to return (default: every top-level column). Nested members as `pos.x`. */
  fields?: string[];
  /** Stop after this many matches; no batch past the one that met it is fetched. */
  limit?: number;
  signal?: AbortSignal;
  /** Rows [start, stop) to scan (default: all). */
  start?: number;
  stop?: number;
  /** Target raw bytes per batch, rounded to whole chunks (default 4 MiB). */
  batchBytes?: number;
  /** Batches fetched ahead of the one being filtered (default 2). */
  readAhead?: number;
  /**
   * The where-clause's syntax: 'pytables' (default; `table.where`, Python precedence, so
   * `(a > 1) & (b < 2)` needs its parentheses) or 'pandas' (`HDFStore.select`: `&`/`and` and
   * `|`/`or` bind looser than comparisons, `=` means `==`). queryFrame uses 'pandas'.
   */
  dialect?: Dialect;
}

/** One batch's matches: `rows` are dataset row indices, ascending; `columns` hold those rows. */
export interface QueryBatch {
  rows: number[];
  columns: Record<string, Column>;
  /** Rows [start, stop) of the dataset this batch scanned. */
  start: number;
  stop: number;
}

export interface QueryResult {
  /** The matching row indices, ascending. */
  rows: number[];
  /** The selected fields of the matching rows, keyed by the name asked for. */
  columns: Record<string, Column>;
  /** The returned columns' names, in order. */
  fields: string[];
  /** Each returned column's HDF5 datatype (an array member's, or its element type for one picked element). */
  types: Record<string, Datatype>;
  /** Rows scanned and batches read, to show what `limit` saved. */
  scanned: number;
  batches: number;
}

/** @internal What the query module provides. */
export interface QueryEngine {
  query(ds: Dataset, where: string, options?: QueryOptions): Promise<QueryResult>;
  queryBatches(ds: Dataset, where: string, options?: QueryOptions): AsyncGenerator<QueryBatch>;
}

let engine: QueryEngine | undefined;

/** @internal Called once by the package entry (src/index.ts). */
export function provideQueryEngine(e: QueryEngine): void {
  engine = e;
}

/** @internal */
export function queryEngine(path: string): QueryEngine {
  if (!engine) {
    throw new H5Error('Unsupported', "Dataset.query needs coh5's query module: import from 'coh5' (or 'coh5/node'), not from a deep path", { path });
  }
  return engine;
}
