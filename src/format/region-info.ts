/**
 * Facts about a decoded selection, computed the way the HDF5 library reports them: a block list
 * becomes the library's span tree (blocks split and merged per dimension), whose blocks, element
 * count and bounds are what H5Sget_select_hyper_blocklist/npoints/bounds return, and which is a
 * regular hyperslab when every level has equal-size, equally spaced spans over identical subtrees
 * (H5S__hyper_rebuild).
 */
import { H5Error } from '../errors.js';
import type { Block, RegularHyperslab, RegionSelection } from './region-selection.js';

/** Blocks/points listed for one selection before we call it unreasonable (a corrupt count). */
const MAX_LISTED = 1_000_000;
/** Above this many stored blocks the span tree is not rebuilt (quadratic); blocks are listed as stored. */
const MAX_TREE_BLOCKS = 4096;

interface Span {
  low: number;
  high: number;
  down: Span[] | null;
  key: string;
}

function treeKey(spans: Span[] | null): string {
  return spans ? spans.map((s) => s.key).join(',') : '';
}

/** The canonical span tree of a union of blocks, from dimension `d` down. */
function spanTree(blocks: Block[], d: number, rank: number): Span[] {
  const cuts = new Set<number>();
  for (const b of blocks) {
    cuts.add(b.start[d]!);
    cuts.add(b.end[d]! + 1);
  }
  const edges = [...cuts].sort((a, b) => a - b);
  const spans: Span[] = [];
  for (let j = 0; j + 1 < edges.length; j++) {
    const low = edges[j]!;
    const high = edges[j + 1]! - 1;
    const covering = blocks.filter((b) => b.start[d]! <= low && b.end[d]! >= high);
    if (covering.length === 0) continue;
    const down = d + 1 < rank ? spanTree(covering, d + 1, rank) : null;
    const downKey = treeKey(down);
    const last = spans[spans.length - 1];
    if (last && last.high + 1 === low && treeKey(last.down) === downKey) {
      last.high = high;
      last.key = `${last.low}-${high}(${downKey})`;
    } else spans.push({ low, high, down, key: `${low}-${high}(${downKey})` });
  }
  return spans;
}

/** The regular hyperslab a span tree is, or null (H5S__hyper_rebuild_helper's test). */
function regularOfTree(spans: Span[], rank: number): RegularHyperslab | null {
  const out: RegularHyperslab = { start: [], stride: [], count: [], block: [] };
  let level: Span[] | null = spans;
  for (let d = 0; d < rank; d++) {
    if (!level || level.length === 0) return null;
    const first: Span = level[0]!;
    const block = first.high - first.low + 1;
    const stride = level.length > 1 ? level[1]!.low - first.low : 1;
    const downKey = treeKey(first.down);
    for (let i = 1; i < level.length; i++) {
      const s = level[i]!;
      if (s.high - s.low + 1 !== block || s.low - level[i - 1]!.low !== stride || treeKey(s.down) !== downKey) return null;
    }
    out.start.push(first.low);
    out.stride.push(stride);
    out.count.push(level.length);
    out.block.push(block);
    level = first.down;
  }
  return out;
}

function treeBlocks(spans: Span[]): Block[] {
  const out: Block[] = [];
  const walk = (level: Span[], lo: number[], hi: number[]) => {
    for (const s of level) {
      if (s.down) walk(s.down, [...lo, s.low], [...hi, s.high]);
      else out.push({ start: [...lo, s.low], end: [...hi, s.high] });
      if (out.length > MAX_LISTED) throw new H5Error('Limit', `selection has more than ${MAX_LISTED} blocks`);
    }
  };
  walk(spans, [], []);
  return out;
}

/** The blocks of a regular hyperslab, row-major. */
export function regularBlocks(r: RegularHyperslab): Block[] {
  const rank = r.start.length;
  let total = 1;
  for (let d = 0; d < rank; d++) {
    if (!Number.isFinite(r.count[d]!) || !Number.isFinite(r.block[d]!)) {
      throw new H5Error('Unsupported', 'an unlimited hyperslab has no finite block list');
    }
    total *= r.count[d]!;
  }
  if (total > MAX_LISTED) throw new H5Error('Limit', `selection has ${total} blocks, more than ${MAX_LISTED}`);
  const out: Block[] = [];
  const idx = new Array<number>(rank).fill(0);
  for (let n = 0; n < total; n++) {
    const start = idx.map((k, d) => r.start[d]! + k * r.stride[d]!);
    out.push({ start, end: start.map((s, d) => s + r.block[d]! - 1) });
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < r.count[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * A regular hyperslab with its unlimited counts and blocks (virtual dataset mappings) cut to
 * `extent`: an unlimited count becomes the number of blocks starting inside the extent, an
 * unlimited block runs to the extent's end.
 */
export function clipUnlimited(r: RegularHyperslab, extent: number[]): RegularHyperslab {
  if (!r.count.some((c) => c === Infinity) && !r.block.some((b) => b === Infinity)) return r;
  const out: RegularHyperslab = { start: r.start.slice(), stride: r.stride.slice(), count: r.count.slice(), block: r.block.slice() };
  for (let d = 0; d < r.start.length; d++) {
    const room = Math.max(0, (extent[d] ?? 0) - r.start[d]!);
    if (out.block[d] === Infinity) out.block[d] = room;
    if (out.count[d] === Infinity) out.count[d] = room === 0 ? 0 : Math.ceil(room / Math.max(1, r.stride[d]!));
  }
  return out;
}

export interface SelectionInfo {
  type: RegionSelection['type'];
  npoints: number;
  /** Hyperslabs: the regular form when there is one. */
  regular?: RegularHyperslab;
  /** Hyperslabs: blocks, row-major, inclusive corners. */
  blocks?: Block[];
  /** Points, in selection order. */
  points?: number[][];
  /** Inclusive bounding box; absent for an empty selection. */
  bounds?: Block;
}

/** Counts, blocks and bounds of a selection over a dataspace of dims `extent`. */
export function selectionInfo(sel: RegionSelection, extent: number[]): SelectionInfo {
  switch (sel.type) {
    case 'none':
      return { type: 'none', npoints: 0 };
    case 'all': {
      const npoints = extent.reduce((a, b) => a * b, 1);
      return npoints ? { type: 'all', npoints, bounds: { start: extent.map(() => 0), end: extent.map((n) => n - 1) } } : { type: 'all', npoints };
    }
    case 'points': {
      const info: SelectionInfo = { type: 'points', npoints: sel.points.length, points: sel.points };
      if (sel.points.length) {
        info.bounds = {
          start: sel.points[0]!.map((_, d) => Math.min(...sel.points.map((p) => p[d]!))),
          end: sel.points[0]!.map((_, d) => Math.max(...sel.points.map((p) => p[d]!))),
        };
      }
      return info;
    }
    case 'hyperslabs': {
      let regular = sel.regular ? clipUnlimited(sel.regular, extent) : null;
      let blocks: Block[];
      if (regular) {
        blocks = regularBlocks(regular);
        // Blocks of an unlimited dimension stop at the extent.
        for (const b of blocks) b.end = b.end.map((e, d) => (sel.regular!.count[d] === Infinity ? Math.min(e, extent[d]! - 1) : e));
      } else if (sel.blocks!.length <= MAX_TREE_BLOCKS) {
        const tree = spanTree(sel.blocks!, 0, sel.rank);
        blocks = treeBlocks(tree);
        regular = tree.length ? regularOfTree(tree, sel.rank) : null;
      } else blocks = sel.blocks!;
      const info: SelectionInfo = { type: 'hyperslabs', npoints: 0, blocks };
      if (regular) info.regular = regular;
      for (const b of blocks) info.npoints += b.start.reduce((n, s, d) => n * (b.end[d]! - s + 1), 1);
      if (blocks.length) {
        info.bounds = {
          start: blocks[0]!.start.map((_, d) => Math.min(...blocks.map((b) => b.start[d]!))),
          end: blocks[0]!.end.map((_, d) => Math.max(...blocks.map((b) => b.end[d]!))),
        };
      }
      return info;
    }
  }
}

/**
 * The shape h5py gives `dset[regionref]`: the extent for 'all', count x block per dimension for a
 * regular hyperslab, else one dimension of npoints.
 */
export function selectionShape(info: SelectionInfo, extent: number[]): number[] {
  if (info.type === 'all') return extent.slice();
  if (info.regular) {
    const shape = info.regular.count.map((c, d) => c * info.regular!.block[d]!);
    // A block cut short by the extent (unlimited selections) leaves no box shape.
    if (shape.reduce((a, b) => a * b, 1) === info.npoints) return shape;
  }
  return [info.npoints];
}

/**
 * Coordinates of every selected element in the order the library reads them: row-major for
 * hyperslabs and 'all', selection order for points.
 */
export function selectedCoordinates(info: SelectionInfo): number[][] {
  if (info.npoints > MAX_LISTED) throw new H5Error('Limit', `selection has ${info.npoints} elements, more than ${MAX_LISTED}`);
  if (info.points) return info.points;
  const boxes = info.type === 'all' ? (info.bounds ? [info.bounds] : []) : (info.blocks ?? []);
  // Row-major over the whole selection: blocks of the span tree are disjoint, so sort the union.
  const out: number[][] = [];
  for (const b of boxes) {
    const rank = b.start.length;
    const idx = b.start.slice();
    for (;;) {
      out.push(idx.slice());
      let d = rank - 1;
      for (; d >= 0; d--) {
        if (++idx[d]! <= b.end[d]!) break;
        idx[d] = b.start[d]!;
      }
      if (d < 0) break;
    }
  }
  if (boxes.length > 1) {
    out.sort((a, b) => {
      for (let d = 0; d < a.length; d++) if (a[d] !== b[d]) return a[d]! - b[d]!;
      return 0;
    });
  }
  return out;
}
