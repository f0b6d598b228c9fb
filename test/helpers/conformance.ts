/**
 * Checks one HDF5 file against its oracle manifest (schema hdf5-oracle/1, see
 * ../shared/corpus/README.md): tree, member order, dtypes, shapes, attributes and data.
 * Returns the differences found; an empty list means the file matches fully.
 */
import { readFileSync } from 'node:fs';
import '../../src/node.js';
import { H5Error, open, type Dataset, type Group, type H5File, type H5Node } from '../../src/index.js';
import { readAttributeMessages } from '../../src/api/attributes.js';
import { readDatasetColumn } from '../../src/read/read-dataset.js';
import { decodeValues } from '../../src/values/decode.js';
import { normalizeSelection, selectionShape } from '../../src/read/selection.js';
import type { Dataspace } from '../../src/format/types.js';
import { compareOracle, referencesIn, selectionOracle, toOracleValue, type RefResolver } from './oracle.js';
import type { Column } from '../../src/values/column.js';
import type { Reference } from '../../src/values/reference.js';

/**
 * The oracle encoding of every reference a column holds, through the library's own calls: a
 * path from referencePaths (one search from the object that holds them), the kind from
 * dereference (a header read), a region's values from read(ref) on the dereferenced dataset.
 */
async function libraryRefs(holder: H5Node, col: Column, depth = 0): Promise<RefResolver> {
  const refs = referencesIn(col);
  const encoded = new Map<Reference, unknown>();
  if (refs.length) {
    const paths = await holder.referencePaths(refs);
    const targets = new Map<number, Promise<H5Node>>();
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i]!;
      let target: H5Node;
      try {
        if (!targets.has(ref.address)) targets.set(ref.address, holder.dereference(ref));
        target = await targets.get(ref.address)!;
      } catch (e) {
        // h5py fails on these too (a reference to no object): the oracle holds {error}.
        if (!(e instanceof H5Error)) throw e;
        encoded.set(ref, { error: e.message });
        continue;
      }
      if (target.path !== '' && !(target === holder.file && target.path === '/')) throw new Error(`dereference gave a path: ${target.path}`);
      if (ref.kind === 'object') {
        encoded.set(ref, { $ref: paths[i], $ref_kind: target.kind });
        continue;
      }
      if (target.kind !== 'dataset') throw new Error(`a region reference to a ${target.kind}`);
      const extent = target.shape ?? [];
      const r = await target.read(ref);
      const dt = target.datatype;
      const full = r.shape ?? [];
      const shape = dt.class === 'array' ? full.slice(0, full.length - dt.dims.length) : full;
      const inner = depth < 2 ? await libraryRefs(target, r.data, depth + 1) : undefined;
      encoded.set(ref, { $regionref: paths[i], selection: selectionOracle(ref, extent), values: toOracleValue(r.data, dt, shape, { refs: inner }) });
    }
  }
  return { encode: (r) => encoded.get(r) };
}

/**
 * Where the oracle names a referenced object by another path than ours, both must lead to that
 * object and it must have more than one hard link: h5py names it by libhdf5's first hit in
 * "native" link order (hash order in dense groups), coh5 by its nearest hard link. Returns the
 * expected value with such paths replaced by ours; any other difference stays for compareOracle.
 */
async function reconcilePaths(file: H5File, actual: unknown, expected: unknown): Promise<unknown> {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const out: unknown[] = [];
    for (let i = 0; i < expected.length; i++) out.push(await reconcilePaths(file, actual[i], expected[i]));
    return out;
  }
  if (!expected || typeof expected !== 'object' || !actual || typeof actual !== 'object' || Array.isArray(actual)) return expected;
  const e = expected as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(e)) {
    const ours = a[k];
    const theirs = e[k];
    if ((k === '$ref' || k === '$regionref') && typeof ours === 'string' && typeof theirs === 'string' && ours !== theirs) {
      const [x, y] = await Promise.all([file.get(ours), file.get(theirs)]);
      out[k] = x.address === y.address && (await x.header()).referenceCount > 1 ? ours : theirs;
    } else out[k] = await reconcilePaths(file, ours, theirs);
  }
  return out;
}

export interface FileResult {
  file: string;
  diffs: string[];
  objects: number;
  /** Datasets the oracle could not read that were checked against `unread` values instead. */
  checkedUnread: string[];
}

/** For datasets the oracle could not read: the values verified with another reader (h5dump, PyTables), in oracle encoding. */
export type UnreadValues = Record<string, { data: unknown }>;

/** Oracle errors that come from the oracle's missing plugins: the value cannot be checked, a read may succeed. */
function oracleCouldNotRead(err: string): boolean {
  return /^skipped:|plugin|can't open directory|required filter|filter .* not available|not available/i.test(err);
}

function errorOf(v: unknown): string | null {
  return v && typeof v === 'object' && !Array.isArray(v) && 'error' in (v as object) ? String((v as { error: unknown }).error) : null;
}

export async function checkFile(path: string, oraclePath: string, unread: UnreadValues = {}): Promise<FileResult> {
  const oracle = JSON.parse(readFileSync(oraclePath, 'utf8'));
  const diffs: string[] = [];
  const res: FileResult = { file: path, diffs, objects: 0, checkedUnread: [] };
  if (oracle.schema !== 'hdf5-oracle/1') return res;
  let file: H5File;
  try {
    file = await open(path, { allowExternal: true });
  } catch (e) {
    diffs.push(`open failed: ${(e as Error).message}`);
    return res;
  }
  try {
    for (const [p, entry] of Object.entries<any>(oracle.objects)) {
      res.objects++;
      const d = (msg: string) => diffs.push(`${p}: ${msg}`);
      try {
        await checkObject(file, p, entry, d, unread[p], () => res.checkedUnread.push(p));
      } catch (e) {
        d(`${e instanceof H5Error ? `H5Error ${e.code}` : 'non-H5Error'}: ${(e as Error).message}`);
      }
      if (diffs.length > 40) break;
    }
  } finally {
    await file.close();
  }
  return res;
}

async function checkObject(file: H5File, p: string, e: any, d: (m: string) => void, unread: { data: unknown } | undefined, usedUnread: () => void): Promise<void> {
  const parent = p === '/' ? null : p.slice(0, p.lastIndexOf('/')) || '/';
  const name = p.slice(p.lastIndexOf('/') + 1);
  if (e.kind === 'soft_link' || e.kind === 'external_link' || e.kind === 'user_defined_link') {
    const g = (await file.get(parent!)) as Group;
    const link = await g.link(name);
    if (!link) return d('link not found');
    if (e.kind === 'soft_link' && (link.kind !== 'soft' || link.target !== e.target)) d(`soft link ${JSON.stringify(link)} != ${e.target}`);
    if (e.kind === 'external_link' && (link.kind !== 'external' || link.file !== e.file || link.path !== e.path)) d(`external link ${JSON.stringify(link)}`);
    if (e.kind === 'user_defined_link' && (link.kind !== 'user' || link.linkType !== e.link_class)) d(`user link ${JSON.stringify(link)}`);
    return;
  }
  const node: H5Node = await file.get(p);
  if (e.kind === 'hard_link') {
    const target = await file.get(e.target);
    if (target.address !== node.address) d(`hard link resolves to ${node.address}, target ${e.target} is at ${target.address}`);
    return;
  }
  if (node.kind !== e.kind) return d(`kind ${node.kind} != ${e.kind}`);
  if (e.attrs && '$error' in e.attrs) {
    // The oracle could not list the attributes (a deliberately broken file): we must fail cleanly.
    const failed = await readAttributeMessages(node).then(
      () => false,
      (ex: unknown) => ex instanceof H5Error,
    );
    if (!failed) d(`attributes read, where the oracle has: ${e.attrs.$error}`);
  } else if (e.attrs) await checkAttrs(node, e.attrs, e.attrs_creation_order, d);
  if (node.kind === 'group') {
    const keys = await node.keys();
    const want: string[] = e.members_creation_order ?? e.members;
    const got = e.members_creation_order ? keys : [...keys].sort();
    const w = e.members_creation_order ? want : [...want].sort();
    if (JSON.stringify(got) !== JSON.stringify(w)) d(`members ${JSON.stringify(got).slice(0, 200)} != ${JSON.stringify(w).slice(0, 200)}`);
    return;
  }
  if (node.kind === 'datatype') {
    if (node.dtype !== e.dtype) d(`dtype ${node.dtype} != ${e.dtype}`);
    return;
  }
  await checkDataset(node, e, d, unread, usedUnread);
}

async function checkAttrs(node: H5Node, want: Record<string, any>, order: string[] | undefined, d: (m: string) => void) {
  const msgs = await readAttributeMessages(node);
  const names = msgs.map((m) => m.name);
  const wantNames = order ?? Object.keys(want);
  const cmpNames = order ? names : [...names].sort();
  if (JSON.stringify(cmpNames) !== JSON.stringify(order ? wantNames : [...wantNames].sort())) d(`attribute names ${JSON.stringify(names)} != ${JSON.stringify(wantNames)}`);
  for (const m of msgs) {
    const w = want[m.name];
    if (!w) continue;
    const err = errorOf(w.value) ?? errorOf(w);
    try {
      const shape = spaceShape(m.dataspace);
      const count = shape === null ? 0 : shape.reduce((a, b) => a * b, 1);
      const col = await decodeValues(node.context(), m.value, m.datatype, count);
      if (err) {
        if (!oracleCouldNotRead(err)) d(`attr ${m.name}: read succeeded where the oracle has an error: ${err}`);
        continue;
      }
      if (shape === null) continue;
      const fullShape = m.datatype.class === 'array' ? shape : shape;
      const actual = toOracleValue(col, m.datatype, fullShape, { refs: await libraryRefs(node, col) });
      const diffs = compareOracle(actual, await reconcilePaths(node.file, actual, w.value));
      for (const x of diffs.slice(0, 3)) d(`attr ${m.name}: ${x}`);
    } catch (ex) {
      if (!err) d(`attr ${m.name}: ${(ex as Error).message}`);
    }
  }
}

function spaceShape(s: Dataspace): number[] | null {
  return s.kind === 'simple' ? s.dims : s.kind === 'scalar' ? [] : null;
}

async function checkDataset(ds: Dataset, e: any, d: (m: string) => void, unread?: { data: unknown }, usedUnread?: () => void) {
  if (JSON.stringify(ds.shape) !== JSON.stringify(e.shape)) d(`shape ${JSON.stringify(ds.shape)} != ${JSON.stringify(e.shape)}`);
  if (e.maxshape !== undefined && JSON.stringify(ds.maxshape) !== JSON.stringify(e.maxshape)) d(`maxshape ${JSON.stringify(ds.maxshape)} != ${JSON.stringify(e.maxshape)}`);
  if (e.dtype !== undefined && ds.dtype !== e.dtype) d(`dtype ${ds.dtype} != ${e.dtype}`);
  if (e.layout && ds.layout !== e.layout) d(`layout ${ds.layout} != ${e.layout}`);
  if (e.chunks !== undefined && JSON.stringify(ds.chunks) !== JSON.stringify(e.chunks ?? null)) d(`chunks ${JSON.stringify(ds.chunks)} != ${JSON.stringify(e.chunks)}`);
  if (e.filters && JSON.stringify(ds.filters.map((f) => f.id)) !== JSON.stringify(e.filters.map((f: any) => f.id))) d(`filters differ`);
  let dataErr = errorOf(e.data) ?? errorOf(e.summary) ?? errorOf(e);
  if (dataErr && unread) {
    // The oracle could not read it; another reader could: check against what that one read.
    e = { ...e, data: unread.data };
    dataErr = null;
    usedUnread?.();
  }
  const check = async (sel: unknown, expected: unknown, what: string) => {
    let col;
    try {
      col = await readDatasetColumn(ds, sel as never);
    } catch (ex) {
      if (dataErr) return;
      return d(`${what}: ${ex instanceof H5Error ? ex.code : 'non-H5Error'} ${(ex as Error).message}`);
    }
    if (dataErr) {
      if (!oracleCouldNotRead(dataErr)) d(`${what}: read succeeded where the oracle has an error: ${dataErr.slice(0, 120)}`);
      return;
    }
    const dt = ds.datatype;
    const full = col.shape ?? [];
    const shape = dt.class === 'array' ? full.slice(0, full.length - dt.dims.length) : full;
    const actual = toOracleValue(col.column, dt, shape, { refs: await libraryRefs(ds, col.column) });
    for (const x of compareOracle(actual, await reconcilePaths(ds.file, actual, expected)).slice(0, 3)) d(`${what}: ${x}`);
  };
  if (ds.shape === null) return;
  if ('data' in e && e.data !== null) await check(undefined, e.data, 'data');
  else if (e.summary && ds.size <= 20_000_000) await check(undefined, e.summary, 'summary');
  else if (e.summary && ds.shape.length === 1) {
    // Too large to hold as JSON-like values here: check the first and last elements only.
    const n = ds.shape[0]!;
    if (e.summary.first) await check([[0, e.summary.first.length]], e.summary.first, 'summary.first');
    if (e.summary.last) await check([[n - e.summary.last.length, n]], e.summary.last, 'summary.last');
  }
  else if (dataErr) await check(undefined, null, 'data');
  for (const h of e.hyperslabs ?? []) {
    const sel = h.start.map((s: number, i: number) => [s, h.stop[i], h.step[i]]);
    const shape = selectionShape(normalizeSelection(sel, ds.shape));
    if (ds.datatype.class === 'array') shape.push(...ds.datatype.dims);
    if (JSON.stringify(shape) !== JSON.stringify(h.shape)) d(`hyperslab shape ${shape} != ${h.shape}`);
    // A null means the oracle did not record the values (too large).
    if (h.data !== null) await check(sel, h.data, `hyperslab ${JSON.stringify(h.start)}`);
  }
}
