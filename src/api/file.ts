/**
 * open(): driver → statistics → block cache → superblock, in as few round trips as the file
 * allows: one initial read brings the superblock and, usually, the root group's metadata.
 */
import { BlockCache, type BlockCacheOptions, type BlockCacheStats } from '../cache/block-cache.js';
import { withStats, type StatsSource } from '../cache/stats.js';
import { scheduleMacrotask } from '../cache/schedule.js';
import { DEFAULT_INITIAL_HEAD_BYTES, DEFAULT_INITIAL_READ_SIZE } from '../defaults.js';
import { openSource, type OpenSourceOptions, type SourceInput } from '../drivers/open.js';
import { together } from './together.js';
import { H5Error, throwIfAborted, toH5Error } from '../errors.js';
import { redactUrl } from '../drivers/url.js';
import { readAt, type FormatContext } from '../format/context.js';
import { CacheImageSource, parseCacheImage } from '../format/cache-image.js';
import { DEFAULT_LIMITS, type Limits } from '../format/limits.js';
import { readFileSohmTable, type SohmTable } from '../format/sohm.js';
import { readSuperblock, readSuperblockExtension, type Superblock, type SuperblockExtension } from '../format/superblock.js';
import { Group } from './objects.js';
import type { ReadResult } from '../read/read-dataset.js';
import type { Hyperslice, SelectionInput } from '../read/selection.js';
import type { Datatype, FilterSpec } from '../format/types.js';

/** One request of readDatasets, as h5coro spells it: hyperslice [[start, stop], ...] per dimension. */
export interface DatasetRequest {
  dataset: string;
  /** One [start, stop] range per dimension; a flat [start, stop] for a 1-D dataset. */
  hyperslice?: Hyperslice;
  /** Any selection read() accepts (points included), instead of a hyperslice. */
  selection?: SelectionInput;
}

/** One entry of readDatasets(..., {settle: true}): the dataset's result, or why it failed. */
export type SettledRead = { dataset: string; ok: true; result: ReadResult } | { dataset: string; ok: false; error: H5Error };

export interface Inspection {
  path: string;
  kind: 'group' | 'dataset' | 'datatype';
  address: number;
  shape?: number[] | null;
  maxshape?: (number | null)[] | null;
  dtype?: string;
  datatype?: Datatype;
  chunks?: number[] | null;
  filters?: FilterSpec[];
  fillvalue?: unknown;
  layout?: string;
  attrs?: Record<string, unknown>;
}
import type { ByteSource } from '../source.js';
import type { MetadataStore, StoredMetadata } from '../cache/metadata-store.js';
import { WarmState, isChanged, isVersioned } from './warm.js';

export interface OpenOptions extends OpenSourceOptions {
  /** Block cache tuning: block size, bytes kept, gaps, concurrency, the first read's size. */
  cache?: BlockCacheOptions;
  /** Resource limits for hostile input (merged over DEFAULT_LIMITS). */
  limits?: Partial<Limits>;
  /**
   * Follow external links and external/virtual-dataset source files: false (default), true,
   * or an allow-list of URL/path prefixes.
   */
  allowExternal?: boolean | string[];
  /**
   * A persistent metadata cache (HTTP and S3 sources): a `DirectoryMetadataStore` (coh5/node) or
   * an `IndexedDBMetadataStore` (browsers). A file seen before opens with no request, its first
   * GET carries If-Match with the stored ETag, and a changed object is read afresh, never stale.
   * What was read is stored on close().
   */
  metadataCache?: MetadataStore;
  signal?: AbortSignal;
}

export class H5File extends Group {
  readonly superblock: Superblock;
  readonly extension: SuperblockExtension | null;
  readonly cache: BlockCache;
  readonly ctx: FormatContext;
  readonly options: OpenOptions;
  private sohmTable?: Promise<SohmTable | null>;
  private readonly externals = new Map<string, Promise<H5File>>();
  private readonly rawExternals = new Map<string, Promise<ByteSource>>();
  /** @internal the persistent metadata cache link, when open() was given one. */
  warm: WarmState | undefined;

  /** @internal use open() */
  constructor(cache: BlockCache, superblock: Superblock, extension: SuperblockExtension | null, ctx: FormatContext, options: OpenOptions) {
    super(null as unknown as H5File, '/', superblock.rootObjectHeaderAddress);
    (this as { file: H5File }).file = this;
    this.cache = cache;
    this.superblock = superblock;
    this.extension = extension;
    this.ctx = ctx;
    this.options = options;
  }

  /** The source's key: its URL or path. */
  get key(): string {
    return this.cache.key;
  }

  /** Requests, bytes, waves, cache hits and misses since open (or the last resetStats). */
  stats(): BlockCacheStats {
    return this.cache.stats;
  }

  resetStats(): void {
    this.cache.resetStats();
  }

  /** @internal the shared object header message table, read once when first needed. */
  sohm(): Promise<SohmTable | null> {
    return (this.sohmTable ??= readFileSohmTable(this.ctx, this.superblock));
  }

  /** @internal opens a file named by an external link or a VDS/external-storage mapping. */
  openRelated(name: string, signal?: AbortSignal): Promise<H5File> {
    const url = resolveRelated(this.key, name);
    try {
      this.checkAllowed(name, url);
    } catch (e) {
      return Promise.reject(e);
    }
    let p = this.externals.get(url);
    if (!p) {
      const { signal: _s, ...rest } = this.options;
      p = open(url, { ...rest, signal });
      this.externals.set(url, p);
      p.catch(() => this.externals.delete(url));
    }
    return p;
  }

  /**
   * h5coro's readDatasets: reads every request in parallel (their chunk GETs share the
   * connection pool and coalescing) and resolves to a map from dataset path to result.
   * A failure in one dataset rejects with an H5Error naming that dataset and stops the others.
   * With `settle: true`, resolves to one entry per request, in order, each holding its result
   * or its error (h5coro's None for a missing dataset, with the reason kept); the others go on.
   */
  readDatasets(requests: Array<DatasetRequest | string>, options: { signal?: AbortSignal; settle: true }): Promise<SettledRead[]>;
  readDatasets(requests: Array<DatasetRequest | string>, options?: { signal?: AbortSignal; settle?: false }): Promise<Record<string, ReadResult>>;
  async readDatasets(requests: Array<DatasetRequest | string>, options: { signal?: AbortSignal; settle?: boolean } = {}): Promise<Record<string, ReadResult> | SettledRead[]> {
    const reqs = requests.map((r) => (typeof r === 'string' ? { dataset: r } : r));
    const readOne = (r: DatasetRequest, signal: AbortSignal | undefined) =>
      this.readDataset(r.dataset, r.hyperslice ? { hyperslice: r.hyperslice } : r.selection, { signal });
    if (options.settle) {
      return Promise.all(
        reqs.map((r) =>
          readOne(r, options.signal).then(
            (result): SettledRead => ({ dataset: r.dataset, ok: true, result }),
            (e: unknown): SettledRead => ({ dataset: r.dataset, ok: false, error: toH5Error(e, 'Invalid', r.dataset) }),
          ),
        ),
      );
    }
    const results = await together(options.signal, reqs.map((r) => (signal: AbortSignal) => readOne(r, signal)));
    const out: Record<string, ReadResult> = Object.create(null);
    reqs.forEach((r, i) => (out[r.dataset] = results[i]!));
    return out;
  }

  /** h5coro's readDataset: one dataset (path with or without the leading '/'), optionally a hyperslice [[start, stop], ...]. */
  async readDataset(dataset: string, selection?: DatasetRequest['hyperslice'] | SelectionInput, options?: { signal?: AbortSignal }): Promise<ReadResult> {
    const path = dataset.startsWith('/') ? dataset : `/${dataset}`;
    try {
      const node = await this.get(path, options);
      if (node.kind !== 'dataset') throw new H5Error('Invalid', `${path} is a ${node.kind}, not a dataset`, { path });
      const sel = Array.isArray(selection) && selection.every((x) => Array.isArray(x)) ? { hyperslice: selection as number[][] } : (selection as SelectionInput);
      return await node.read(sel as SelectionInput, options);
    } catch (e) {
      if (e instanceof H5Error) throw e.path === path ? e : new H5Error(e.code, `${path}: ${e.message}`, { path, offset: e.offset, cause: e, reason: e.reason });
      throw new H5Error('Invalid', `${path}: ${(e as Error).message}`, { path, cause: e });
    }
  }

  /**
   * h5coro's inspectPath: metadata of one object without reading data: kind, and for datasets
   * shape, maxshape, dtype, chunks, filters, fill value and layout; attributes when asked.
   */
  async inspectPath(path: string, options: { signal?: AbortSignal; attributes?: boolean } = {}): Promise<Inspection> {
    const node = await this.get(path, options);
    const out: Inspection = { path: node.path, kind: node.kind, address: node.address };
    if (node.kind === 'dataset') {
      Object.assign(out, {
        shape: node.shape,
        maxshape: node.maxshape,
        dtype: node.dtype,
        datatype: node.datatype,
        chunks: node.chunks,
        filters: node.filters,
        fillvalue: node.fillvalue,
        layout: node.layout,
      });
    } else if (node.kind === 'datatype') out.dtype = node.dtype;
    if (options.attributes) out.attrs = await node.attrs(options);
    return out;
  }

  /** @internal a raw (non-HDF5) file beside this one: external data storage. */
  openRawRelated(name: string, signal?: AbortSignal): Promise<ByteSource> {
    const url = resolveRelated(this.key, name);
    this.checkAllowed(name, url);
    let p = this.rawExternals.get(url);
    if (!p) {
      p = openSource(url, { ...this.options, signal }).catch((e: unknown) => {
        this.rawExternals.delete(url);
        throw e instanceof H5Error ? new H5Error(e.code, `external data file ${name}: ${e.message}`, { source: url, cause: e }) : e;
      });
      this.rawExternals.set(url, p);
    }
    return p;
  }

  private checkAllowed(name: string, url: string): void {
    const allow = this.options.allowExternal ?? false;
    const allowed = allow === true || (Array.isArray(allow) && allow.some((p) => underPrefix(url, p)));
    if (!allowed) {
      throw new H5Error('NotAllowed', `following "${redactUrl(name)}" needs the allowExternal option (it resolves to ${redactUrl(url)})`, { source: this.key });
    }
  }

  /**
   * @internal Runs a data read. While the file is provisional (opened from a persistent cache and
   * not yet confirmed), a 'Changed' answer restarts the file from the object and runs `redo`; a
   * read that made no request confirms the version with one conditional request.
   */
  async confirmedRead<T>(run: () => Promise<T>, redo: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const warm = this.warm;
    if (!warm?.provisional) return run();
    const generation = warm.generation;
    try {
      const out = await run();
      if (warm.provisional && warm.generation === generation) await warm.confirm();
      return out;
    } catch (e) {
      if (!isChanged(e)) throw e;
      await this.restart(generation, signal);
      return redo();
    }
  }

  /** Confirms a file opened from a persistent metadata cache with one conditional request (a no-op otherwise). */
  async validate(options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.confirmedRead(async () => undefined, async () => undefined, options.signal);
  }

  /** Drops the stale entry and reads the superblock again from the object (once per change). */
  private restart(generation: number, signal: AbortSignal | undefined): Promise<void> {
    const warm = this.warm!;
    if (warm.generation !== generation) return warm.restarting ?? Promise.resolve();
    warm.generation++;
    warm.restarting = (async () => {
      await warm.forget();
      const state = await readFileState(warm.source, { ...this.options, signal }, undefined);
      // The stale cache is dropped, not closed: it shares the driver. Objects obtained before now describe the old file.
      Object.assign(this as { cache: BlockCache; superblock: Superblock; extension: SuperblockExtension | null; ctx: FormatContext; address: number }, {
        ...state,
        address: state.superblock.rootObjectHeaderAddress,
      });
      this.sohmTable = undefined;
    })();
    return warm.restarting;
  }

  /** `await using f = await open(...)`: closes the file (handles, sockets, caches) when the scope ends. */
  declare [Symbol.asyncDispose]: () => Promise<void>;

  /** Releases what the file holds: its file handle or connections, its caches, the files it opened through links. */
  async close(): Promise<void> {
    const raws = [...this.rawExternals.values()];
    this.rawExternals.clear();
    await Promise.allSettled(raws.map(async (p) => (await p).close?.()));
    const others = [...this.externals.values()];
    this.externals.clear();
    await Promise.allSettled(others.map(async (p) => (await p).close()));
    // A store that fails (disk full, quota) costs the next process a cold read, not this one its close.
    await this.warm?.save(this.cache.cachedBlocks()).catch(() => {});
    await this.cache.close();
  }
}

// Where the runtime has it (Node >= 20.4, recent browsers); `await using` needs it anyway.
const asyncDispose = (Symbol as { asyncDispose?: symbol }).asyncDispose;
if (asyncDispose) {
  Object.defineProperty(H5File.prototype, asyncDispose, {
    value(this: H5File) {
      return this.close();
    },
    configurable: true,
    writable: true,
  });
}

declare global {
  // TypeScript's lib.esnext.disposable and @types/node declare the same; for apps with neither.
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
}

/** Resolves a file name relative to the directory of `base` (a URL or a path). */
export function resolveRelated(base: string, name: string): string {
  // Normalised ('..' and '.' removed) so that the allow-list check sees the file that will be
  // opened: 'allowed/dir/../../secret.h5' must not pass as being under 'allowed/dir'.
  if (SCHEME.test(name)) return normalizeUrl(name);
  if (name.startsWith('/')) return normalizePath(name);
  if (SCHEME.test(base)) return normalizeUrl(new URL(name, base).href);
  const dir = base.includes('/') ? base.slice(0, base.lastIndexOf('/') + 1) : '';
  return normalizePath(dir + name);
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** http(s) and file URLs as fetch will see them (dot segments resolved); others (s3 keys are literal) as given. */
function normalizeUrl(url: string): string {
  if (!/^(https?|file):/i.test(url)) return url;
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/** A local path with '.', '..' and repeated slashes resolved lexically (no Node built-ins in the core). */
function normalizePath(path: string): string {
  const abs = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
      continue;
    }
    out.push(part);
  }
  return (abs ? '/' : '') + out.join('/');
}

/**
 * Whether an allow-list entry covers `url`. Local paths match whole components ('/data' does not
 * cover '/data-private/x.h5'), and so does a bare 'scheme://host' ('http://a.com' does not cover
 * 'http://a.com.evil.net/'); other URL prefixes match as strings, as S3 key prefixes do.
 */
function underPrefix(url: string, prefix: string): boolean {
  const p = SCHEME.test(prefix) ? normalizeUrl(prefix) : normalizePath(prefix);
  if (!url.startsWith(p)) return false;
  if (url.length === p.length || /[/?#]$/.test(p)) return true;
  const wholeComponent = !SCHEME.test(p) || /^[a-z][a-z0-9+.-]*:\/\/[^/]*$/i.test(p);
  return !wholeComponent || '/?#'.includes(url[p.length]!);
}

/** What open() learns before the first object: the cache, superblock, its extension and the parse context. */
interface FileState {
  cache: BlockCache;
  superblock: Superblock;
  extension: SuperblockExtension | null;
  ctx: FormatContext;
}

/**
 * The first read (see DEFAULT_INITIAL_READ_SIZE): the head as one GET, and the rest of the first
 * `total` bytes as a second GET in the same round trip. Its blocks are in flight in the cache, so
 * a metadata read that falls there waits for them instead of asking again. Resolves with the head.
 */
async function readFirst(cache: BlockCache, total: number, signal: AbortSignal | undefined): Promise<void> {
  const B = cache.blockSize;
  const known = cache.size;
  const want = known === undefined ? total : Math.min(total, known);
  // One GET when the file is known to fit (it comes whole), or the first read is no larger than
  // two heads (a second GET would carry little).
  const whole = known !== undefined && known <= total;
  const head = whole || want <= 2 * DEFAULT_INITIAL_HEAD_BYTES ? want : Math.max(B, Math.floor(DEFAULT_INITIAL_HEAD_BYTES / B) * B);
  const first = cache.readInitial(head, { signal });
  const rest = Math.ceil(head / B) * B;
  if (want > rest) {
    // The head's GET is planned on the next macrotask; the rest waits for it, so they stay two GETs.
    await new Promise<void>((resolve) => scheduleMacrotask(resolve));
    cache.readNow(rest, want - rest, { signal }).catch(() => {}); // its waiters see any failure themselves
  }
  await first;
}

/**
 * Opens an HDF5 file from a path, a URL (http(s)://, s3://, file://), bytes, or any ByteSource.
 */
export async function open(input: SourceInput, options: OpenOptions = {}): Promise<H5File> {
  throwIfAborted(options.signal);
  const driver: ByteSource = await openSource(input, options);
  const stats = withStats(driver);
  const store = options.metadataCache;
  const entry = store && isVersioned(driver) ? await WarmState.load(store, driver) : undefined;
  const warm = store && isVersioned(driver) ? new WarmState(store, driver, stats, entry) : undefined;
  let state: FileState;
  try {
    state = await readFileState(stats, options, entry?.blocks);
  } catch (e) {
    if (!warm?.provisional || !isChanged(e)) {
      await stats.close?.().catch(() => {});
      throw e;
    }
    // A block the entry lacked was fetched, and the object had changed: start over from the object.
    await warm.forget();
    state = await readFileState(stats, options, undefined).catch(async (e2: unknown) => {
      await stats.close?.().catch(() => {});
      throw e2;
    });
  }
  const file = new H5File(state.cache, state.superblock, state.extension, state.ctx, options);
  // A cache image's blocks are not the file's bytes at their offsets: such files are not kept.
  if (warm && !state.extension?.cacheImage) file.warm = warm;
  return file;
}

/** Superblock, its extension and the parse context, over a new block cache primed with `blocks`. */
async function readFileState(stats: StatsSource, options: OpenOptions, blocks: StoredMetadata['blocks'] | undefined): Promise<FileState> {
  let cache = new BlockCache(stats, options.cache ?? {});
  for (const b of blocks ?? []) cache.prime(b.offset, b.bytes);
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  // One round trip brings the superblock and, in most files, the root group and its neighbours.
  await readFirst(cache, options.cache?.initialReadSize ?? DEFAULT_INITIAL_READ_SIZE, options.signal);
  const sb = await readSuperblock(cache, { signal: options.signal, limits });
  let ctx = {
    source: cache,
    baseAddress: sb.baseAddress,
    sizeOfOffsets: sb.sizeOfOffsets,
    sizeOfLengths: sb.sizeOfLengths,
    limits,
    signal: options.signal,
    parsed: new Map(),
    groupLeafK: sb.groupLeafK,
    groupInternalK: sb.groupInternalK,
    chunkInternalK: sb.chunkInternalK,
  } as FormatContext;
  let ext = await readSuperblockExtension(ctx, sb);
  if (ext?.cacheImage) {
    // Metadata that live only in the cache image: read the image, overlay it below a new cache.
    const { address, length } = ext.cacheImage;
    const entries = parseCacheImage(await readAt(ctx, address, length, 'metadata cache image'), ctx, address);
    // The first cache is dropped, not closed: closing it would close the driver we keep.
    const overlay = new CacheImageSource(stats, entries.map((e) => ({ offset: sb.baseAddress + e.address, image: e.image })));
    cache = new BlockCache(overlay, options.cache ?? {});
    ctx = { ...ctx, source: cache, parsed: new Map() } as FormatContext;
    ext = await readSuperblockExtension(ctx, sb);
  }
  if (ext?.btreeK) Object.assign(ctx, ext.btreeK);
  // Per-call signals replace this one; the file itself keeps none.
  (ctx as { signal?: AbortSignal }).signal = undefined;
  return { cache, superblock: sb, extension: ext, ctx };
}
