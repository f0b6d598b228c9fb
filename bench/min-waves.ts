/**
 * The fewest waves (sequential round trips) any reader needs for a workload on a given file, for
 * the benchmark's lower bound. Each touched chunk has a depth, the wave in which a reader can
 * first fetch it, and a chunk's bytes arrive no sooner than its depth's round trips; all bytes
 * share the link. So for every t, the chunks at least t waves deep (plus, for t = 1, the file's
 * metadata) take t x RTT + their bytes / bandwidth, and the bound is the largest of these. When
 * every chunk has the same depth W, that is W x RTT + chunk bytes / bandwidth.
 *
 * A reader that does not know the file's layout in advance can fetch a structure only once it
 * has reached a structure that holds its address; wave 1 can only hold what needs no pointer (the
 * superblock). Reads may speculate: each wave is granted, for free, every structure within one
 * round trip's worth of bytes (RTT x bandwidth, 625 KB at 50 ms and 100 Mbit/s) of anything it
 * fetches; bytes held that way mean something only once a pointer to them is reached. A workload
 * needs as many waves as its last chunk takes to be reached. Files whose metadata is spread out
 * (h5py's defaults write a dataset's header, or its B-tree leaves, after the data written before
 * them, tens of MB away) need 3-4 waves; paged files need 2.
 *
 * The pointer graph is read off the file by data flow, not by trusting coh5's control flow: coh5
 * reads the workload once (locally) with its metadata reads recorded, and structure Y counts as
 * pointing to X when Y's own bytes contain X's address, encoded as the file's offset-sized
 * integer. A structure nothing points to is taken to be fetchable in wave 1 (that keeps the
 * bound a bound).
 */
import { BlockCache } from '../src/cache/block-cache.js';
import type { ByteRange, ReadOptions } from '../src/source.js';
import { open, type Dataset, type H5File } from '../src/node.js';
import type { Read } from './workloads.js';

/** What a workload does with the opened file: read selections, or any other walk of it. */
export type Work = Read[] | ((f: H5File) => Promise<unknown>);

interface Structure {
  offset: number;
  length: number;
  /** Bytes as read (metadata only; chunk data is never searched for addresses). */
  bytes?: Uint8Array;
  chunk: boolean;
}

/** Records every structure-level read the format layer makes, and every chunk GET, in order. */
async function recordReads(path: string, work: Work): Promise<{ structures: Structure[]; sizeOfOffsets: number; baseAddress: number }> {
  const structures: Structure[] = [];
  const proto = BlockCache.prototype;
  const orig = { read: proto.read, readMany: proto.readMany, readInitial: proto.readInitial, readDirectRanges: proto.readDirectRanges };
  let inInitial = false;
  proto.readInitial = function (this: BlockCache, length?: number, options?: ReadOptions) {
    // The first read is coh5's own guess at a prefix, not a structure: the bound chooses its own.
    inInitial = true;
    try {
      return orig.readInitial.call(this, length, options);
    } finally {
      inInitial = false;
    }
  };
  proto.read = function (this: BlockCache, offset: number, length: number, options?: ReadOptions) {
    const p = orig.read.call(this, offset, length, options);
    if (!inInitial) {
      const s: Structure = { offset, length, chunk: false };
      structures.push(s);
      p.then((b) => (s.bytes = b), () => undefined);
    }
    return p;
  };
  proto.readMany = function (this: BlockCache, ranges: readonly ByteRange[], options?: ReadOptions) {
    const p = orig.readMany.call(this, ranges, options);
    const recs = ranges.map((r) => ({ offset: r.offset, length: r.length, chunk: false }) as Structure);
    structures.push(...recs);
    p.then((bs) => bs.forEach((b, i) => (recs[i]!.bytes = b)), () => undefined);
    return p;
  };
  proto.readDirectRanges = function (this: BlockCache, ranges: readonly ByteRange[], options?: ReadOptions) {
    for (const r of ranges) structures.push({ offset: r.offset, length: r.length, chunk: true });
    return orig.readDirectRanges.call(this, ranges, options);
  };
  try {
    const f = await open(path);
    if (typeof work === 'function') await work(f);
    else
      for (const r of work) {
        const ds = (await f.get(r.dataset)) as Dataset;
        await ds.read(r.hyperslice);
      }
    const { sizeOfOffsets, baseAddress } = f.ctx;
    await f.close();
    return { structures, sizeOfOffsets, baseAddress };
  } finally {
    Object.assign(proto, orig);
  }
}

/** The little-endian unsigned integer of `size` bytes at `at` (addresses fit in a double below 2^53). */
function readAddress(bytes: Uint8Array, at: number, size: number): number {
  let v = 0;
  for (let i = size - 1; i >= 0; i--) v = v * 256 + bytes[at + i]!;
  return v;
}

export interface MinWaves {
  waves: number;
  /** max over t of (t x RTT + bytes of the chunks at least t waves deep / bandwidth); see the header. */
  boundMs: number;
}

/**
 * The workload's lower bound on this file (see the header); `metadataBytes` is the file's
 * metadata (h5stat), counted in the first wave's transfer.
 */
export async function minWaves(path: string, work: Work, o: { rttMs: number; bytesPerMs: number; metadataBytes: number }): Promise<MinWaves> {
  const { structures, sizeOfOffsets, baseAddress } = await recordReads(path, work);
  // A read may run past its structure (object headers are read 512 bytes at a time) into the
  // next one: a structure's own bytes end where the next recorded structure starts.
  const starts = [...new Set(structures.map((x) => x.offset))].sort((a, b) => a - b);
  const own = structures.map((y) => {
    if (y.chunk || !y.bytes) return undefined;
    const next = starts.find((o) => o > y.offset) ?? Infinity;
    return y.bytes.subarray(0, Math.max(0, Math.min(y.bytes.length, next - y.offset)));
  });
  // Who can point to whom: earlier metadata whose own bytes hold the target's (relative) address.
  // Every offset-sized integer of every structure's own bytes is looked up among the addresses
  // (linear in the bytes, so a walk of thousands of objects is measured in seconds).
  const byAddress = new Map<number, number[]>();
  structures.forEach((x, i) => {
    const a = x.offset - baseAddress;
    byAddress.set(a, [...(byAddress.get(a) ?? []), i]);
  });
  const parents = structures.map(() => [] as number[]);
  own.forEach((bytes, j) => {
    if (!bytes) return;
    const found = new Set<number>();
    for (let at = 0; at + sizeOfOffsets <= bytes.length; at++) {
      for (const i of byAddress.get(readAddress(bytes, at, sizeOfOffsets)) ?? []) {
        if (i > j && structures[i]!.offset !== structures[j]!.offset && !found.has(i)) {
          found.add(i);
          parents[i]!.push(j);
        }
      }
    }
  });
  const near = o.rttMs * o.bytesPerMs;
  const byOffset = structures.map((_, i) => i).sort((a, b) => structures[a]!.offset - structures[b]!.offset);
  const longest = Math.max(0, ...structures.map((x) => x.length));
  let held: number[] = [];
  // What the workload must reach: its chunks, or for a metadata walk every structure it read.
  const anyChunk = structures.some((x) => x.chunk);
  const isTarget = (x: Structure) => (anyChunk ? x.chunk : true);
  const depths = (): number[] => {
    const n = structures.length;
    held = new Array<number>(n).fill(Infinity);
    const known = new Array<number>(n).fill(Infinity);
    const hold = (i: number, wave: number) => {
      // Speculation: one round trip's worth of bytes around a fetch is taken along for free.
      const x = structures[i]!;
      const from = x.offset - near - longest;
      let lo = 0;
      let hi = byOffset.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (structures[byOffset[mid]!]!.offset < from) lo = mid + 1;
        else hi = mid;
      }
      for (let k = lo; k < byOffset.length; k++) {
        const j = byOffset[k]!;
        const y = structures[j]!;
        if (y.offset > x.offset + x.length + near) break;
        if (held[j]! > wave && y.offset + y.length >= x.offset - near) held[j] = wave;
      }
    };
    // Wave 1 fetches what needs no pointer (the superblock) and whatever lies near it.
    structures.forEach((_, i) => {
      if (parents[i]!.length === 0) hold(i, 1);
    });
    for (let wave = 1; wave <= n + 1; wave++) {
      // What wave `wave` made meaningful: held, and reached through a known pointer.
      let changed = true;
      while (changed) {
        changed = false;
        structures.forEach((_, i) => {
          if (known[i]! <= wave || held[i]! > wave) return;
          const reached = parents[i]!.length ? Math.min(...parents[i]!.map((j) => known[j]!)) : 0;
          if (reached <= wave) { known[i] = wave; changed = true; }
        });
      }
      if (structures.every((x, i) => !isTarget(x) || known[i]! <= wave)) return known;
      // Wave + 1 fetches everything whose address is now known and is not yet held.
      structures.forEach((_, i) => {
        if (held[i]! <= wave) return;
        if (parents[i]!.some((j) => known[j]! <= wave)) hold(i, wave + 1);
      });
    }
    throw new Error('the pointer graph never reaches every chunk');
  };
  // Each chunk's bytes can only arrive after its depth's round trips, and all share the link:
  // for every t, the chunks t or more waves deep are transferred after t round trips. A walk's
  // targets are metadata: their bytes count from the wave that could first fetch them (held),
  // since speculation may bring them before a pointer makes them meaningful.
  const known = depths();
  const chunks = new Map<number, { depth: number; length: number }>();
  structures.forEach((x, i) => isTarget(x) && chunks.set(x.offset, { depth: known[i]!, length: x.length }));
  const arrival = new Map<number, { depth: number; length: number }>();
  // A metadata read may run past its structure: only its own bytes count.
  structures.forEach((x, i) => isTarget(x) && arrival.set(x.offset, { depth: anyChunk ? known[i]! : held[i]!, length: x.chunk ? x.length : Math.min(x.length, own[i]?.length ?? x.length) }));
  const waves = Math.max(1, ...[...chunks.values()].map((c) => c.depth));
  let boundMs = 0;
  for (let t = 1; t <= waves; t++) {
    const later = anyChunk || t > 1 ? [...arrival.values()].filter((c) => c.depth >= t).reduce((n, c) => n + c.length, 0) : 0;
    const bytes = later + (t === 1 ? o.metadataBytes : 0);
    boundMs = Math.max(boundMs, t * o.rttMs + bytes / o.bytesPerMs);
  }
  return { waves, boundMs };
}
