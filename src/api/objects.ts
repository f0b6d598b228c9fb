/**
 * The h5py-like object model: File and Group navigate links, Dataset carries its metadata and
 * reads data, Datatype is a committed (named) datatype. Every async call takes {signal}.
 */
import { together } from './together.js';
import { cooperate } from '../cooperate.js';
import { H5Error, throwIfAborted } from '../errors.js';
import { withSignal, type FormatContext } from '../format/context.js';
import { decodeDatatypeMessage } from '../format/messages/datatype.js';
import { findMessages, readObjectHeader } from '../format/object-header.js';
import { resolveSharedMessage } from '../format/shared-message.js';
import { MessageType, type Datatype, type HeaderMessage, type Link, type ObjectHeader } from '../format/types.js';
import { readAttributes, type Attribute } from './attributes.js';
import { linkStorage, lookupLink, readLinks, type LinkStorage } from './links.js';
import { loadDatasetInfo, type DatasetInfo } from '../read/dataset-info.js';
import { readDatasetBytes, readDatasetData, type ReadResult } from '../read/read-dataset.js';
import { dataKind, type DataKind } from '../values/kinds.js';
import type { SelectionInput } from '../read/selection.js';
import { numpyDtype } from '../values/dtype-string.js';
import type { H5File } from './file.js';
import { concreteMappings, readVirtualMappings } from '../read/virtual.js';
import { findPaths } from './reference-paths.js';
import { joinPath } from './paths.js';
import { isReference, type Reference } from '../values/reference.js';
import { TreePrefetch } from './walk-plan.js';
import { queryEngine, type QueryBatch, type QueryOptions, type QueryResult } from './query-contract.js';

export interface CallOptions {
  signal?: AbortSignal;
}

export type H5Node = Group | Dataset | NamedDatatype;

/** What a link is, without following it. */
export type LinkInfo =
  | { name: string; kind: 'hard'; address: number }
  | { name: string; kind: 'soft'; target: string }
  | { name: string; kind: 'external'; file: string; path: string }
  | { name: string; kind: 'user'; linkType: number };

export abstract class H5Object {
  /**
   * @internal
   * @param path the path this object was opened by; '' when it was opened from a reference
   *   (dereference), whose path is not known without a search (referencePath finds one).
   */
  constructor(readonly file: H5File, readonly path: string, readonly address: number) {}

  /** The last component of the path ('' when the path is not known). */
  get name(): string {
    return this.path === '/' ? '/' : this.path.slice(this.path.lastIndexOf('/') + 1);
  }

  /**
   * The object a reference read from this file names, opened by its object header address: one
   * header read (none when it was parsed before), no search of the file. It is the same Group,
   * Dataset or NamedDatatype a path would give, except that its `path` is '' (not known);
   * referencePath() finds one. Read a region reference's elements with `dataset.read(ref)`.
   */
  dereference(ref: Reference, options?: CallOptions): Promise<H5Node> {
    try {
      checkReference(ref);
    } catch (e) {
      return Promise.reject(e);
    }
    return dereference(this.file, ref, options);
  }

  /**
   * A path to the object a reference names, or null when no hard link reaches it (or for a
   * null reference). The search reads group links, nearest first: this object's group, its
   * ancestors, then the whole file level by level from the root, stopping where it finds the
   * target. A target in this object's group or an ancestor costs those groups' link lists
   * (usually already read, so no request); otherwise each level down to the target costs up to
   * two waves (the level's links, its members' headers), as walk() does to that depth.
   */
  async referencePath(ref: Reference | null, options?: CallOptions): Promise<string | null> {
    return (await this.referencePaths([ref], options))[0]!;
  }

  /** referencePath for many references at once: one search, stopping when the last is found. */
  async referencePaths(refs: Iterable<Reference | null>, options?: CallOptions): Promise<(string | null)[]> {
    const list = [...refs];
    for (const r of list) if (r !== null) checkReference(r);
    const addresses = [...new Set(list.filter((r): r is Reference => r !== null).map((r) => r.address))];
    const paths = addresses.length ? await this.addressPaths(addresses, options) : new Map<number, string | null>();
    return list.map((r) => (r === null ? null : (paths.get(r.address) ?? null)));
  }

  /** @internal referencePaths by object header address: address → path (null where no hard link reaches it). */
  addressPaths(addresses: readonly number[], options?: CallOptions): Promise<Map<number, string | null>> {
    return withPath(findPaths(this, addresses, (path, address, o) => openObject(this.file, path, address, o), options), this.path);
  }

  /** @internal */
  context(options?: CallOptions): FormatContext {
    return withSignal(this.file.ctx, options?.signal);
  }

  /** @internal the object header, parsed once per file. */
  header(options?: CallOptions): Promise<ObjectHeader> {
    return withPath(readObjectHeader(this.context(options), this.address), this.path);
  }

  /** @internal every message of `type`, shared ones resolved. */
  async messages(type: number, options?: CallOptions): Promise<HeaderMessage[]> {
    const oh = await this.header(options);
    const ctx = this.context(options);
    return Promise.all(findMessages(oh, type).map((m) => resolveSharedMessage(ctx, m, () => this.file.sohm())));
  }

  /** Attributes as plain values, in the order h5py lists them. */
  async attrs(options?: CallOptions): Promise<Record<string, unknown>> {
    const list = await this.attributes(options);
    const out: Record<string, unknown> = Object.create(null);
    for (const a of list) out[a.name] = a.value;
    return out;
  }

  /** Attributes with their datatype, shape and value. */
  attributes(options?: CallOptions): Promise<Attribute[]> {
    return withPath(readAttributes(this, options), this.path);
  }
}

/** Errors of the link-hop limit, told apart from dangling links (both are 'NotFound'). */
const hopErrors = new WeakSet<H5Error>();
function hopError(e: H5Error): H5Error {
  hopErrors.add(e);
  return e;
}

function withPath<T>(p: Promise<T>, path: string): Promise<T> {
  // '' is an object opened from a reference: its path is not known, so errors name none.
  if (path === '') return p;
  return p.catch((e: unknown) => {
    throw e instanceof H5Error ? e.withPath(path) : e;
  });
}

function checkReference(ref: unknown): void {
  if (!isReference(ref)) throw new H5Error('Invalid', `not a reference (an ObjectReference or RegionReference read from the file): ${String(ref)}`);
}

/** Splits a path into components, dropping empty and '.' parts. */
function components(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

export class Group extends H5Object {
  readonly kind = 'group' as const;

  /** How this group stores its links: 'symbol_table', 'compact' or 'dense'. */
  async linkStorage(options?: CallOptions): Promise<LinkStorage> {
    return linkStorage(this.context(options), await this.header(options));
  }

  /** The links of this group, unfollowed, in h5py's order (creation order where tracked, else by name). */
  async links(options?: CallOptions): Promise<LinkInfo[]> {
    const { links } = await withPath(readLinks(this.context(options), await this.header(options)), this.path);
    return links.map(publicLink);
  }

  /** Member names, in h5py's order. */
  async keys(options?: CallOptions): Promise<string[]> {
    return (await this.links(options)).map((l) => l.name);
  }

  /** The link named `name` in this group, unfollowed, or null. */
  async link(name: string, options?: CallOptions): Promise<LinkInfo | null> {
    const l = await withPath(lookupLink(this.context(options), await this.header(options), name), joinPath(this.path, name));
    return l ? publicLink(l) : null;
  }

  /**
   * The object at `path` (absolute, or relative to this group), following hard, soft and
   * (when allowed) external links. 'NotFound' when nothing is there.
   */
  async get(path: string, options?: CallOptions): Promise<H5Node> {
    throwIfAborted(options?.signal);
    return this.resolve(path, options, 0);
  }

  /**
   * The dataset at `path`; 'Invalid' when something else is there. With `kind`, also checks what
   * its reads give ('Invalid' naming the actual kind otherwise), so `read()`'s `data` is typed:
   * `getDataset(p, 'number')` reads TypedArrays, `getDataset(p, 'string')` string[].
   */
  async getDataset<T extends DataKind = DataKind>(path: string, kind?: T, options?: CallOptions): Promise<Dataset<T>> {
    const node = await this.get(path, options);
    if (node.kind !== 'dataset') throw new H5Error('Invalid', `${node.path || path} is a ${node.kind}, not a dataset`, { path: node.path || path });
    if (kind !== undefined && !node.is(kind)) {
      throw new H5Error('Invalid', `${node.path} reads as ${node.dataKind} (dtype ${node.dtype}), not ${kind}`, { path: node.path });
    }
    return node as Dataset<T>;
  }

  /** The group at `path`; 'Invalid' when something else is there. */
  async getGroup(path: string, options?: CallOptions): Promise<Group> {
    const node = await this.get(path, options);
    if (node.kind !== 'group') throw new H5Error('Invalid', `${node.path || path} is a ${node.kind}, not a group`, { path: node.path || path });
    return node;
  }

  /** True when `path` leads to an object. */
  async has(path: string, options?: CallOptions): Promise<boolean> {
    try {
      await this.get(path, options);
      return true;
    } catch (e) {
      if (e instanceof H5Error && e.code === 'NotFound') return false;
      throw e;
    }
  }

  /** @internal */
  async resolve(path: string, options: CallOptions | undefined, hops: number): Promise<H5Node> {
    let node: H5Node = path.startsWith('/') ? this.file : this;
    const parts = components(path);
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!;
      if (node.kind !== 'group') {
        throw new H5Error('NotFound', `"${node.path}" is a ${node.kind}, not a group`, { path: joinPath(node.path, name) });
      }
      const here: Group = node;
      const childPath = joinPath(here.path, name);
      if (name === '..') throw new H5Error('Invalid', `'..' is not an HDF5 path component`, { path });
      const link = await withPath(lookupLink(here.context(options), await here.header(options), name), childPath);
      if (!link) throw new H5Error('NotFound', `no object named "${name}" in ${here.path}`, { path: childPath });
      node = await here.follow(link, childPath, options, hops);
    }
    return node;
  }

  /** @internal opens what a link points to. */
  async follow(link: Link, childPath: string, options: CallOptions | undefined, hops: number): Promise<H5Node> {
    switch (link.kind) {
      case 'hard':
        return openObject(this.file, childPath, link.address, options);
      case 'soft': {
        if (hops >= this.file.ctx.limits.maxLinkHops) {
          throw hopError(new H5Error('NotFound', `too many soft/external link hops (a loop?) at "${link.target}"`, { path: childPath }));
        }
        const absolute = link.target.startsWith('/');
        const target = absolute ? link.target : joinPath(this.path, link.target);
        try {
          // A group opened from a reference has no path to join a relative target to: resolve it from the group.
          return await (absolute || this.path !== '' ? this.file.resolve(target, options, hops + 1) : this.resolve(link.target, options, hops + 1));
        } catch (e) {
          // A hop-limit error passes through as it is: wrapped at every hop of a loop, its message grew with each.
          if (e instanceof H5Error && e.code === 'NotFound' && e.path !== childPath && !hopErrors.has(e)) {
            throw new H5Error('NotFound', `soft link "${childPath}" -> "${link.target}" is dangling: ${e.message}`, { path: childPath, cause: e });
          }
          throw e;
        }
      }
      case 'external': {
        if (hops >= this.file.ctx.limits.maxLinkHops) {
          throw hopError(new H5Error('NotFound', `too many soft/external link hops at "${link.file}:${link.path}"`, { path: childPath }));
        }
        const other = await this.file.openRelated(link.file, options?.signal).catch((e: unknown) => {
          if (e instanceof H5Error) {
            throw new H5Error(e.code, `external link ${childPath} -> ${link.file}:${link.path}: ${e.message}`, { path: childPath, cause: e });
          }
          throw e;
        });
        return other.resolve(link.path, options, hops + 1);
      }
      case 'user':
        throw new H5Error('Unsupported', `user-defined link of type ${link.linkType}`, { path: childPath });
    }
  }

  /**
   * Every object below this group, depth first in h5py's member order: [path, node] pairs.
   * Each object is visited once, however many hard links reach it (no loops on cycles);
   * soft and external links are reported, not followed.
   *
   * The yield order is depth first, but the reads are planned breadth first (walk-plan.ts): a
   * background prefetch loads each level of the tree in two waves (every group's links, then
   * every member's header), so a walk costs waves by the tree's depth, not by its number of
   * groups. Stopping the iteration (break, return) or aborting the signal stops the prefetch; a
   * read that failed throws here when the depth-first order reaches it.
   */
  async *walk(options?: CallOptions): AsyncGenerator<{ path: string; node: H5Node | null; link: LinkInfo }> {
    throwIfAborted(options?.signal);
    const prefetch = new TreePrefetch(this, (path, address, o) => openObject(this.file, path, address, o), options?.signal);
    try {
      const seen = new Set<number>([this.address]);
      // Pre-order, as h5py's visititems (H5Ovisit) and h5ls -r: a member, everything below it,
      // then its next sibling. One frame per group being listed, the deepest last.
      const frames: Array<{ group: Group; links: LinkInfo[]; next: number }> = [{ group: this, links: await prefetch.links(this), next: 0 }];
      while (frames.length) {
        await cooperate(options?.signal);
        const top = frames[frames.length - 1]!;
        const link = top.links[top.next++];
        if (!link) {
          frames.pop();
          continue;
        }
        const path = joinPath(top.group.path, link.name);
        // Awaited one by one, in order: an error is met where the depth-first order reaches it.
        const node = link.kind === 'hard' ? await prefetch.node(path, link.address) : null;
        // A second hard link to an object already seen is reported, not entered (no loops on cycles).
        const first = node !== null && !seen.has(node.address);
        if (node) seen.add(node.address);
        yield { path, node, link };
        if (first && node.kind === 'group') frames.push({ group: node, links: await prefetch.links(node), next: 0 });
      }
    } finally {
      prefetch.stop();
    }
  }

  /**
   * h5coro's list(): this group's members with their kind, and with attributes when asked,
   * in one call (members' headers fetched together).
   */
  async list(options: CallOptions & { attributes?: boolean } = {}): Promise<ListEntry[]> {
    const links = await this.links(options);
    return together(
      options.signal,
      links.map((link) => async (signal: AbortSignal): Promise<ListEntry> => {
        const path = joinPath(this.path, link.name);
        if (link.kind !== 'hard') return { name: link.name, path, kind: 'link', link };
        const node = await openObject(this.file, path, link.address, { ...options, signal });
        const entry: ListEntry = { name: link.name, path, kind: node.kind, link };
        if (node.kind === 'dataset') Object.assign(entry, { shape: node.shape, dtype: node.dtype });
        if (options.attributes) entry.attrs = await node.attrs({ ...options, signal });
        return entry;
      }),
    );
  }
}

export interface ListEntry {
  name: string;
  path: string;
  kind: 'group' | 'dataset' | 'datatype' | 'link';
  link: LinkInfo;
  shape?: number[] | null;
  dtype?: string;
  attrs?: Record<string, unknown>;
}

function publicLink(l: Link): LinkInfo {
  switch (l.kind) {
    case 'hard':
      return { name: l.name, kind: 'hard', address: l.address };
    case 'soft':
      return { name: l.name, kind: 'soft', target: l.target };
    case 'external':
      return { name: l.name, kind: 'external', file: l.file, path: l.path };
    case 'user':
      return { name: l.name, kind: 'user', linkType: l.linkType };
  }
}

export class Dataset<K extends DataKind = DataKind> extends H5Object {
  readonly kind = 'dataset' as const;
  /** @internal */
  readonly info: DatasetInfo;

  /** @internal */
  constructor(file: H5File, path: string, address: number, info: DatasetInfo) {
    super(file, path, address);
    this.info = info;
  }

  /**
   * Dimensions; [] for a scalar, null for a null dataspace. NaN where the extent is unknown (see
   * {@link extentKnown}).
   */
  get shape(): number[] | null {
    const s = this.info.dataspace;
    return s.kind === 'simple' ? s.dims : s.kind === 'scalar' ? [] : null;
  }

  /** Maximum dimensions, null entries where unlimited. */
  get maxshape(): (number | null)[] | null {
    const s = this.info.dataspace;
    return s.kind === 'simple' ? s.maxDims : s.kind === 'scalar' ? [] : null;
  }

  /**
   * False for a virtual dataset whose unlimited dimensions take their extent from source files
   * that allowExternal keeps closed: those dimensions are NaN in shape, and read() fails with
   * NotAllowed. True otherwise.
   */
  get extentKnown(): boolean {
    return this.info.extentUnknown === undefined;
  }

  /** Number of elements (NaN when the extent is unknown). */
  get size(): number {
    const s = this.shape;
    return s === null ? 0 : s.reduce((a, b) => a * b, 1);
  }

  /** What read()'s `data` holds: 'number' (a TypedArray), 'string' (string[]), 'complex', ... (see DataByKind). */
  get dataKind(): K {
    return dataKind(this.info.datatype) as K;
  }

  /** True when read()'s `data` is of kind `kind`; narrows this dataset's type. */
  is<T extends DataKind>(kind: T): this is Dataset<T> {
    return this.dataKind === (kind as DataKind);
  }

  /** numpy's dtype.str, as h5py reports it: '<f4', '>i8', '|S10', '|O', ... */
  get dtype(): string {
    return numpyDtype(this.info.datatype);
  }

  /** The full HDF5 datatype. */
  get datatype(): Datatype {
    return this.info.datatype;
  }

  /** Chunk dimensions, or null when not chunked. */
  get chunks(): number[] | null {
    const l = this.info.layout;
    return l.class === 'chunked' ? l.chunkDims : null;
  }

  /** The filter pipeline in application order: [{id, name, flags, clientData}]. */
  get filters() {
    return this.info.filters;
  }

  /** 'compact', 'contiguous', 'chunked' or 'virtual'. */
  get layout(): string {
    return this.info.layout.class;
  }

  /** The fill value as a plain value (null when undefined). */
  get fillvalue(): unknown {
    return this.info.fillValuePlain;
  }

  /** @internal the selection's raw element bytes (file byte order). */
  async readRaw(selection?: SelectionInput, options?: CallOptions): Promise<Uint8Array> {
    return (await withPath(readDatasetBytes(this, selection, options), this.path)).bytes;
  }

  /** @internal a virtual dataset's source (ReadTarget): null when its file or dataset does not exist. */
  async virtualSource(file: string, dataset: string, signal?: AbortSignal): Promise<Dataset | null> {
    try {
      const f = file === '.' ? this.file : await this.file.openRelated(file, signal);
      const node = await f.get(dataset, { signal });
      if (node.kind !== 'dataset') throw new H5Error('Corrupt', `VDS source ${file}:${dataset} is not a dataset`, { path: this.path });
      return node;
    } catch (e) {
      if (e instanceof H5Error && e.code === 'NotFound') return null;
      throw e;
    }
  }

  /** Reads a selection (everything when omitted). */
  read(selection?: SelectionInput, options?: CallOptions): Promise<ReadResult<K>> {
    const run = () => withPath(readDatasetData(this, selection, options) as Promise<ReadResult<K>>, this.path);
    // The file changed under a persistent cache entry: the same path, read again in the new file.
    const redo = async (): Promise<ReadResult<K>> => {
      const fresh = await this.file.get(this.path, options);
      if (fresh.kind !== 'dataset') throw new H5Error('Changed', `the file changed and ${this.path} is now a ${fresh.kind}`, { path: this.path, source: this.file.key });
      return fresh.read(selection, options) as Promise<ReadResult<K>>;
    };
    return this.file.confirmedRead(run, redo, options?.signal);
  }

  /**
   * The rows of a 1-D dataset (a compound table, or numbers/strings as column `value`) where
   * `where` holds, e.g. `ds.query('(temp > 32) & (station == b"A")', { fields: ['time'], limit: 100 })`.
   * Streams chunk by chunk: memory is the read-ahead plus the matches; `limit` stops fetching.
   * A malformed expression is an `Invalid` H5Error naming its position; nothing is evaluated.
   */
  query(where: string, options?: QueryOptions): Promise<QueryResult> {
    try {
      return queryEngine(this.path).query(this, where, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** query(), one batch of whole chunks at a time, as each is filtered. */
  queryBatches(where: string, options?: QueryOptions): AsyncGenerator<QueryBatch> {
    return queryEngine(this.path).queryBatches(this, where, options);
  }
}

export class NamedDatatype extends H5Object {
  readonly kind = 'datatype' as const;
  /** @internal */
  constructor(file: H5File, path: string, address: number, readonly datatype: Datatype) {
    super(file, path, address);
  }
  get dtype(): string {
    return numpyDtype(this.datatype);
  }
}

/**
 * A virtual dataset with unlimited mappings takes its extent from its sources (the library's
 * default "last available" view). When allowExternal keeps those sources closed the extent is
 * unknown: the stored one is not it (4_vds.h5 stores 0 where h5py finds 9), so the unlimited
 * dimensions become NaN, extentKnown false, and read() fails with NotAllowed; opening still
 * works, so listing and walking the file do too.
 */
async function resolveVirtualExtent(ds: Dataset, options?: CallOptions): Promise<void> {
  const space = ds.info.dataspace;
  if (space.kind !== 'simple' || !space.maxDims.some((m) => m === null)) return;
  const layout = ds.info.layout as Extract<typeof ds.info.layout, { class: 'virtual' }>;
  try {
    const { extent } = await concreteMappings(ds, await readVirtualMappings(ds.context(options), layout), options?.signal);
    const dims = space.dims.map((n, d) => (space.maxDims[d] === null && extent[d] !== null ? extent[d]! : n));
    ds.info.dataspace = { ...space, dims };
  } catch (e) {
    if (!(e instanceof H5Error && e.code === 'NotAllowed')) throw e;
    ds.info.dataspace = { ...space, dims: space.dims.map((n, d) => (space.maxDims[d] === null ? NaN : n)) };
    ds.info.extentUnknown = `the extent of virtual dataset ${ds.path} depends on its sources: ${e.message}`;
  }
}

/** Opens the object whose header is at `address`, deciding its kind from its messages. */
export async function openObject(file: H5File, path: string, address: number, options?: CallOptions): Promise<H5Node> {
  const ctx = withSignal(file.ctx, options?.signal);
  const oh = await withPath(readObjectHeader(ctx, address), path);
  const has = (t: number) => findMessages(oh, t).length > 0;
  if (has(MessageType.LAYOUT) || (has(MessageType.DATASPACE) && has(MessageType.DATATYPE))) {
    const info = await withPath(loadDatasetInfo(() => file.sohm(), oh, ctx), path);
    const ds = new Dataset(file, path, address, info);
    if (info.layout.class === 'virtual') await withPath(resolveVirtualExtent(ds, options), path);
    return ds;
  }
  if (has(MessageType.DATATYPE) && !has(MessageType.SYMBOL_TABLE) && !has(MessageType.LINK_INFO)) {
    const m = await resolveSharedMessage(ctx, findMessages(oh, MessageType.DATATYPE)[0]!, () => file.sohm());
    return new NamedDatatype(file, path, address, decodeDatatypeMessage(m.body, m.address));
  }
  return path === '/' ? file : new Group(file, path, address);
}

/** The object a reference names: opened by address, with path '' (not known without a search). */
async function dereference(file: H5File, ref: Reference, options?: CallOptions): Promise<H5Node> {
  if (ref.address === file.address) return file;
  try {
    return await openObject(file, '', ref.address, options);
  } catch (e) {
    if (e instanceof H5Error && e.code !== 'Aborted') {
      throw new H5Error(e.code, `${ref.kind} reference to address ${ref.address}: ${e.message}`, { offset: e.offset, cause: e });
    }
    throw e;
  }
}
