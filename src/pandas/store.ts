/**
 * pandas HDFStore files as frames: the keys a store holds, and each `format='table'` frame (a
 * PyTables Table whose `values_block_N` members pack several frame columns) as named columns
 * with their index; `format='fixed'` frames are read by fixed.ts. pandas' metadata lives in
 * attributes, some pickled (read by pickle.ts).
 */
import { H5Error } from '../errors.js';
import type { H5File } from '../api/file.js';
import type { Dataset, Group, CallOptions } from '../api/objects.js';
import type { Column } from '../values/column.js';
import type { ColumnRef } from '../query/columns.js';
import type { TimeColumn } from '../query/time.js';
import { queryBatches, type QueryOptions } from '../query/query.js';
import { concatColumns } from '../query/gather.js';
import { attrText, dictGet, unpickle, type PickleValue } from './pickle.js';
import { readFixed } from './fixed.js';

/** One column of a frame (or one level of its index). */
export interface FrameColumn {
  name: string;
  /**
   * Numbers in typed arrays (int64 as BigInt64Array), strings as string[] with null where pandas
   * reads a missing value (its `nan_rep`); datetimes and timedeltas as int64 counts of `unit`
   * (NaT the smallest int64); categoricals as their integer codes (-1 for missing).
   */
  values: Column;
  /** pandas' dtype: 'int64', 'float32', 'bool', 'str', 'category', 'datetime64[us]', 'datetime64[us, UTC]', 'timedelta64[s]'... */
  dtype: string;
  /** datetime64/timedelta64: the unit of `values`. */
  unit?: 's' | 'ms' | 'us' | 'ns';
  /** datetime64 with a time zone: its name ('Europe/Paris', 'UTC'); the values are UTC instants. */
  tz?: string;
  /** category: the categories, indexed by the codes in `values`. */
  categories?: Column;
  ordered?: boolean;
  /** When the frame's columns are a MultiIndex: this column's label on each level (`name` joins them with '.'). */
  labels?: string[];
}

export interface Frame {
  key: string;
  /** 'frame' or 'series' (a series has one column). */
  kind: 'frame' | 'series';
  format: 'table' | 'fixed';
  columns: FrameColumn[];
  /** The index: one column, or one per level of a MultiIndex (an unnamed level i is `level_i`, as pandas' reset_index names it). */
  index: FrameColumn[];
  /** When the columns are a MultiIndex: its level names (null for an unnamed level). */
  columnNames?: (string | null)[];
  /** For a query: the matching rows of the stored table. */
  rows?: number[];
}

const text = attrText;
const pickled = (v: unknown): PickleValue => (v === undefined ? null : unpickle(text(v)));

/** The keys of every frame or series in a pandas HDFStore, as pandas lists them ('/frames/one'). */
export async function storeKeys(file: H5File, options?: CallOptions): Promise<string[]> {
  const keys: string[] = [];
  for await (const { path, node } of file.walk(options)) {
    if (!node || node.constructor.name === 'Dataset' || 'read' in node) continue;
    const attrs = await node.attrs(options);
    if (attrs.pandas_type !== undefined) keys.push(path.startsWith('/') ? path : `/${path}`);
  }
  // pandas keeps a categorical's categories in a group below its key (`key/meta/col/meta`), itself tagged.
  return keys.filter((k) => !keys.some((outer) => k.startsWith(`${outer}/`))).sort();
}

/** Reads a pandas frame or series stored at `key`. */
export async function readFrame(file: H5File, key: string, options: CallOptions = {}): Promise<Frame> {
  const group = await storeGroup(file, key, options);
  const attrs = await group.attrs(options);
  const type = text(attrs.pandas_type);
  if (type === 'frame_table' || type === 'series_table') return runTable(group, key, attrs, 'True', options);
  if (type === 'frame' || type === 'series') return readFixed(group, key, type, attrs, options);
  throw new H5Error('Unsupported', `pandas_type ${JSON.stringify(type)} is not a frame or series coh5 reads`, { path: group.path });
}

/**
 * Runs a where-clause on a `format='table'` frame, naming the frame's columns and index levels
 * (the index as 'index' or its name): the matching rows, as a frame.
 */
export async function queryFrame(file: H5File, key: string, where: string, options: Omit<QueryOptions, 'columns'> = {}): Promise<Frame> {
  const group = await storeGroup(file, key, options);
  const attrs = await group.attrs(options);
  const type = text(attrs.pandas_type);
  if (type !== 'frame_table' && type !== 'series_table') {
    throw new H5Error('Invalid', `${key} is stored with format='fixed' (pandas_type ${type}); only format='table' frames can be queried`, { path: group.path });
  }
  return runTable(group, key, attrs, where, { dialect: 'pandas', ...options });
}

async function storeGroup(file: H5File, key: string, options: CallOptions): Promise<Group> {
  const node = await file.get(key, options);
  if ('read' in node) throw new H5Error('Invalid', `${key} is a dataset, not a pandas key`, { path: node.path });
  return node as Group;
}

interface ColumnPlan {
  name: string;
  ref: ColumnRef;
  dtype: string;
  meta: string;
  info: PickleValue | undefined;
}

async function runTable(group: Group, key: string, attrs: Record<string, unknown>, where: string, options: Omit<QueryOptions, 'columns'>): Promise<Frame> {
  const table = (await group.get('table', options)) as Dataset;
  const tattrs = await table.attrs(options);
  const dt = table.datatype;
  if (dt.class !== 'compound') throw new H5Error('Corrupt', 'a pandas table is not a compound dataset', { path: table.path });
  const info = pickled(attrs.info);
  const nanRep = attrs.nan_rep === undefined ? 'nan' : text(attrs.nan_rep);
  const plans = new Map<string, ColumnPlan>();
  for (const vc of pickled(attrs.values_cols) as string[]) {
    const member = dt.members.find((m) => m.name === vc);
    if (!member) throw new H5Error('Corrupt', `values column ${vc} is not a member of the table`, { path: table.path });
    const names = pickled(tattrs[`${vc}_kind`]) as string[];
    const metaRaw = text(tattrs[`${vc}_meta`]);
    const meta = metaRaw === 'N.' ? '' : metaRaw;
    names.forEach((name, k) => {
      const dtype = text(tattrs[`${vc}_dtype`]);
      const ref: ColumnRef = member.type.class === 'array' ? { path: [vc], type: member.type, index: k } : { path: [vc], type: member.type };
      ref.time = timeColumn(dtype);
      plans.set(String(name), { name: String(name), ref, dtype, meta, info: dictGet(info, vc) });
    });
  }
  const indexMember = dt.members.find((m) => m.name === 'index');
  const indexInfo = dictGet(info, 'index');
  const levelsAttr = attrs.levels;
  const levels = typeof levelsAttr === 'string' || levelsAttr instanceof Uint8Array ? (pickled(levelsAttr) as string[]).map(String) : null;
  const order = ((pickled(attrs.non_index_axes) as PickleValue[][])[0]?.[1] as string[] | undefined)?.map(String) ?? [...plans.keys()];
  const frameNames = order.filter((n) => !levels?.includes(n) && plans.has(n));

  const cats = async (block: string) => {
    const metaTable = (await group.get(`meta/${block}/meta/table`, options)) as Dataset;
    const r = await metaTable.read(undefined, options);
    return (r.data as { fields: Record<string, Column> }).fields.values!;
  };
  const columns = new Map<string, ColumnRef>();
  const categories = new Map<string, Column>();
  for (const [name, p] of plans) {
    if (p.meta === 'category') {
      const c = await cats(p.ref.path[0]!);
      categories.set(name, c);
      // pandas' query compares a categorical by its labels (cat == "red"); so does ours.
      p.ref = { ...p.ref, labels: Array.from(c as ArrayLike<unknown>, String) };
    }
    columns.set(name, p.ref);
  }
  const indexName = levels ? null : nameOf(dictGet(indexInfo, 'index_name')) ?? null;
  if (!levels && indexMember) {
    const ref: ColumnRef = { path: ['index'], type: indexMember.type, time: timeColumn(text(tattrs.index_kind)) };
    columns.set('index', ref);
    if (indexName && !plans.has(indexName)) columns.set(indexName, ref);
  }
  const outputs = levels ? [...levels, ...frameNames] : ['index', ...frameNames];
  const rows: number[] = [];
  const parts = new Map<string, Column[]>();
  for await (const batch of queryBatches(table, where, { ...options, columns, fields: outputs })) {
    for (const r of batch.rows) rows.push(r);
    for (const name of outputs) {
      const list = parts.get(name) ?? [];
      list.push(batch.columns[name]);
      parts.set(name, list);
    }
  }
  const joined = (name: string): Column => concatColumns(parts.get(name) ?? [], dt);
  const build = async (name: string, values: Column, p: ColumnPlan | undefined, kind: string, infoEntry: PickleValue | undefined): Promise<FrameColumn> => {
    const col: FrameColumn = { name, values, dtype: kind };
    const tz = tzName(dictGet(infoEntry, 'tz'));
    const unit = /^(datetime64|timedelta64)\[(\w+)\]$/.exec(kind);
    if (unit) {
      col.unit = unit[2] as FrameColumn['unit'];
      if (tz) {
        col.tz = tz;
        col.dtype = `datetime64[${col.unit}, ${tz}]`;
      }
    } else if (p?.meta === 'category') {
      col.dtype = 'category';
      col.categories = categories.get(name);
      col.ordered = dictGet(infoEntry, 'ordered') === true;
    } else if (/^bytes\d+$/.test(kind) || p?.meta === 'str' || kind === 'string') {
      col.dtype = 'str';
      // pandas writes a missing string as nan_rep ('nan' unless given) and reads it back as NaN; the index always uses 'nan'.
      const missing = p ? nanRep : 'nan';
      col.values = (values as string[]).map((s) => (s === missing ? null : s)) as Column;
    }
    return col;
  };
  const frameColumns: FrameColumn[] = [];
  for (const name of frameNames) {
    const p = plans.get(name)!;
    frameColumns.push(await build(name, joined(name), p, p.dtype, p.info));
  }
  const index: FrameColumn[] = [];
  if (levels) {
    for (const name of levels) {
      const p = plans.get(name)!;
      index.push(await build(name, joined(name), p, p.dtype, p.info));
    }
  } else {
    const kind = text(tattrs.index_kind);
    index.push(await build(indexName ?? 'index', joined('index'), undefined, kind === 'integer' ? 'int64' : kind, indexInfo));
  }
  return { key, kind: text(attrs.pandas_type).startsWith('series') ? 'series' : 'frame', format: 'table', columns: frameColumns, index, rows };
}

/** A pandas kind 'datetime64[us]' or 'timedelta64[s]' as a column of int64 counts; pandas before 2 wrote no unit, meaning ns. */
function timeColumn(kind: string): TimeColumn | undefined {
  const m = /^(datetime64|timedelta64)(?:\[(s|ms|us|ns)\])?$/.exec(kind);
  return m ? { kind: m[1] === 'datetime64' ? 'datetime' : 'timedelta', unit: (m[2] ?? 'ns') as TimeColumn['unit'] } : undefined;
}

function nameOf(v: PickleValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * A time zone as pandas pickles it in `info`: a name ('US/Eastern'), or a datetime.timezone of a
 * fixed offset (timedelta(days, seconds, microseconds)) → 'UTC' or '+05:30'; pytz's zones carry
 * their name as the first argument.
 */
function tzName(v: PickleValue | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (!v || typeof v !== 'object' || !('global' in v)) return undefined;
  const args = Array.isArray(v.args) ? (v.args as PickleValue[]) : [];
  if (v.global === 'datetime.timezone') {
    const delta = args[0] as { args?: PickleValue } | undefined;
    const [days = 0, seconds = 0] = (Array.isArray(delta?.args) ? delta!.args : []) as number[];
    const total = Math.round(days * 86400 + seconds);
    if (total === 0) return 'UTC';
    const m = Math.abs(total) / 60;
    return `${total < 0 ? '-' : '+'}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  }
  if (/utc$/i.test(v.global)) return 'UTC';
  return typeof args[0] === 'string' ? args[0] : undefined;
}
