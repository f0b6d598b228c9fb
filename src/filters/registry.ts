import { H5Error, abortError, throwIfAborted, toH5Error } from '../errors.js';

/** One entry of a dataset's filter pipeline message (HDF5 spec IV.A.2.l). */
export interface FilterSpec {
  /** Filter identification value: < 256 reserved for the HDF Group, >= 32000 registered third-party filters. */
  id: number;
  /** The name stored in the pipeline message, if any (optional for the predefined filters). */
  name?: string;
  /** Bit 0 set: the filter is optional (the writer could skip it, recording that in the chunk's filter mask). */
  flags: number;
  /** The filter's client data (cd_values), each an unsigned 32-bit integer. */
  clientData: number[];
}

export interface FilterContext {
  /** Size in bytes of one dataset element (the datatype size). */
  elementSize: number;
  /** The size the chunk must have once every filter is undone: product of chunk dims * elementSize. */
  chunkBytes: number;
  /** Hard cap on any filter's output: exceeding it is an H5Error 'Limit', raised before allocating. */
  maxOutputBytes: number;
  signal?: AbortSignal;
}

/** Undoes one filter. May return a view of `input` (fletcher32 strips its checksum that way). */
export type FilterDecoder = (input: Uint8Array, spec: FilterSpec, ctx: FilterContext) => Uint8Array | Promise<Uint8Array>;

/**
 * Names of filter ids from the HDF Group's registry, so an unsupported filter is reported by name
 * even when the file's pipeline message does not store one (names are optional there).
 */
export const KNOWN_FILTER_NAMES: Readonly<Record<number, string>> = {
  1: 'deflate',
  2: 'shuffle',
  3: 'fletcher32',
  4: 'szip',
  5: 'nbit',
  6: 'scaleoffset',
  305: 'LZO',
  307: 'bzip2',
  32000: 'LZF',
  32001: 'Blosc',
  32002: 'MAFISC',
  32003: 'Snappy',
  32004: 'LZ4',
  32008: 'bitshuffle',
  32013: 'zfp',
  32014: 'fpzip',
  32015: 'Zstandard',
  32017: 'SZ',
  32018: 'FCIDECOMP',
  32019: 'JPEG',
  32020: 'VBZ',
  32024: 'SZ3',
  32026: 'Blosc2',
};

const loaders = new Map<number, () => Promise<FilterDecoder>>();
const loaded = new Map<number, Promise<FilterDecoder>>();

/** H5Z_MAX_NFILTERS: a pipeline message holds at most 32 filters (and the filter mask has 32 bits). */
const MAX_FILTERS = 32;

export function filterLabel(id: number, name?: string): string {
  const known = KNOWN_FILTER_NAMES[id];
  const shown = name && name.length > 0 ? name : known;
  return shown ? `filter ${id} (${shown})` : `filter ${id}`;
}

/**
 * Registers (or replaces) the decoder for a filter id. `load` runs on first use only, so the
 * built-in codecs stay in separate chunks of a browser bundle until a file needs them.
 */
export function registerFilter(id: number, load: () => Promise<FilterDecoder>): void {
  if (!Number.isInteger(id) || id < 0 || id > 0xffff) {
    throw new H5Error('Invalid', `filter id must be an integer in 0..65535, got ${id}`);
  }
  loaders.set(id, load);
  loaded.delete(id);
}

/** The decoder for `id`; an unknown id is an 'Unsupported' H5Error naming the id and its registered name. */
export async function getFilter(id: number, name?: string): Promise<FilterDecoder> {
  let pending = loaded.get(id);
  if (pending === undefined) {
    const load = loaders.get(id);
    if (load === undefined) {
      throw new H5Error('Unsupported', `${filterLabel(id, name)} is not supported: no decoder is registered for it`);
    }
    pending = load().then(
      (decoder) => {
        if (typeof decoder !== 'function') throw new H5Error('Unsupported', `${filterLabel(id, name)}: its loader returned no decoder`);
        return decoder;
      },
      (e: unknown) => {
        throw toH5Error(e, 'Unsupported', `${filterLabel(id, name)}: loading its decoder failed`);
      },
    );
    // A failed load (e.g. a network error fetching a code-split chunk) may succeed next time.
    pending.catch(() => loaded.delete(id));
    loaded.set(id, pending);
  }
  return pending;
}

/**
 * Starts loading the decoders a pipeline needs, so the module loads overlap the chunk GETs
 * instead of following them. Failures are left for decodeChunk to report.
 */
export function preloadFilters(pipeline: readonly FilterSpec[]): void {
  for (const spec of pipeline) getFilter(spec.id, spec.name).catch(() => undefined);
}

/**
 * Undoes a chunk's filters. The pipeline lists filters in the order they were applied on write,
 * so they are undone last to first; filter i is skipped when bit i of the chunk's filter mask is
 * set (the writer did not apply it). On read every remaining filter must succeed, optional or
 * not: HDF5 lets a writer skip an optional filter, never a reader (H5Z_pipeline).
 */
export async function decodeChunk(
  bytes: Uint8Array,
  pipeline: readonly FilterSpec[],
  filterMask: number,
  ctx: FilterContext,
): Promise<Uint8Array> {
  if (!Number.isSafeInteger(ctx.chunkBytes) || ctx.chunkBytes < 0) {
    throw new H5Error('Invalid', `chunkBytes must be a non-negative safe integer, got ${ctx.chunkBytes}`);
  }
  if (!Number.isSafeInteger(ctx.maxOutputBytes) || ctx.maxOutputBytes < 0) {
    throw new H5Error('Invalid', `maxOutputBytes must be a non-negative safe integer, got ${ctx.maxOutputBytes}`);
  }
  if (ctx.chunkBytes > ctx.maxOutputBytes) {
    throw new H5Error('Limit', `a chunk of ${ctx.chunkBytes} bytes exceeds the limit of ${ctx.maxOutputBytes} bytes`);
  }
  if (pipeline.length > MAX_FILTERS) {
    throw new H5Error('Corrupt', `a filter pipeline holds at most ${MAX_FILTERS} filters, this one has ${pipeline.length}`);
  }
  let data = bytes;
  for (let i = pipeline.length - 1; i >= 0; i--) {
    throwIfAborted(ctx.signal);
    if ((filterMask >>> i) & 1) continue;
    const spec = pipeline[i]!;
    const decode = await getFilter(spec.id, spec.name);
    let out: Uint8Array;
    try {
      out = await decode(data, spec, ctx);
    } catch (e) {
      if (ctx.signal?.aborted) throw abortError(ctx.signal);
      // Anything a codec throws that is not already an H5Error means it choked on the bytes.
      throw toH5Error(e, 'Corrupt', `${filterLabel(spec.id, spec.name)} failed to decode the chunk`);
    }
    if (out.length > ctx.maxOutputBytes) {
      throw new H5Error('Limit', `${filterLabel(spec.id, spec.name)} produced ${out.length} bytes, over the limit of ${ctx.maxOutputBytes}`);
    }
    data = out;
  }
  if (data.length !== ctx.chunkBytes) {
    throw new H5Error('Corrupt', `the decoded chunk has ${data.length} bytes, expected ${ctx.chunkBytes}`);
  }
  return data;
}

// The built-in decoders, each in its own module so bundlers can split them out.
registerFilter(1, () => import('./deflate.js').then(async (m) => (await m.prepare(), m.decode)));
registerFilter(2, () => import('./shuffle.js').then((m) => m.decode));
registerFilter(3, () => import('./fletcher32.js').then((m) => m.decode));
registerFilter(4, () => import('./szip.js').then((m) => m.decode));
registerFilter(5, () => import('./nbit.js').then((m) => m.decode));
registerFilter(6, () => import('./scaleoffset.js').then((m) => m.decode));
registerFilter(305, () => import('./lzo.js').then((m) => m.decode));
registerFilter(307, () => import('./bzip2.js').then((m) => m.decode));
registerFilter(32000, () => import('./lzf.js').then((m) => m.decode));
registerFilter(32001, () => import('./blosc.js').then((m) => m.decode));
registerFilter(32004, () => import('./lz4.js').then((m) => m.decode));
registerFilter(32008, () => import('./bitshuffle.js').then((m) => m.decode));
registerFilter(32015, () => import('./zstd.js').then((m) => m.decode));
registerFilter(32026, () => import('./blosc2.js').then((m) => m.decode));
