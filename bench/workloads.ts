/**
 * The workloads: issue 5's (a-h), and issues 14 and 20's (ids starting 14- and 20-): which
 * datasets, which selections, which file, over which path.
 */
export interface Read {
  dataset: string;
  /** [start, stop) per dimension, h5coro's hyperslice. */
  hyperslice: [number, number][];
}

export interface Workload {
  id: string;
  label: string;
  /** A file in bench/data: make_bench_files.py's or make_scale_files.py's. */
  file: string;
  reads: Read[];
  /** Remote through the WAN emulator, or a local file (f). */
  remote: boolean;
  /** Read through readDatasets (d) rather than Dataset.read. */
  many?: boolean;
  /**
   * A memory workload (g, h): peak memory is sampled every 5 ms and checked against the issue's
   * bounds; the whole-file peers are skipped (downloading 730 MB at 100 Mbit/s takes a minute).
   */
  memory?: boolean;
  /** Walk the whole file with every object's attributes (issue 20) instead of reading values. */
  walk?: boolean;
  /** Through the emulator's `/redirect/` path: every data URL answers 302 to a signed URL (issue 14). */
  redirect?: boolean;
  /** A warm re-read (issue 14): the same read made once, unmeasured, by another process first, sharing a persistent metadata cache. */
  warm?: boolean;
  /** Measured beside h5py in the same run (issue 14's local target). */
  h5pyBeside?: boolean;
}

const A: Read[] = [{ dataset: '/x', hyperslice: [[5_000_000, 5_001_000]] }];
const B: Read[] = [{ dataset: '/x', hyperslice: [[0, 10_000_000]] }];
const C: Read[] = [{ dataset: '/grid', hyperslice: [[1450, 1650], [725, 1375]] }];
const D: Read[] = [...A, ...C, { dataset: '/g/z', hyperslice: [[1_000_000, 1_001_000]] }];
const BIG = 268_435_456;
/** Issue 14's many-dataset read: 1,000 values from the middle of each of many.h5's 50 datasets. */
const MANY: Read[] = Array.from({ length: 50 }, (_, i) => ({ dataset: `/v${String(i).padStart(2, '0')}`, hyperslice: [[100_000, 101_000]] }));

export const WORKLOADS: Workload[] = [
  { id: 'a', label: '1,000 values from the middle of /x (10M f4, 100k chunks, gzip+shuffle)', file: 'base.h5', reads: A, remote: true },
  { id: 'b', label: 'the whole of /x (10M f4)', file: 'base.h5', reads: B, remote: true },
  { id: 'c', label: '200x650 window of /grid (3000x2100 f8, 200x200 gzip chunks)', file: 'base.h5', reads: C, remote: true },
  { id: 'd', label: 'a + c + 1,000 values of /g/z through readDatasets', file: 'base.h5', reads: D, remote: true, many: true },
  { id: 'e-a-paged', label: 'a on the paged file (h5repack -S PAGE -G 8388608)', file: 'paged.h5', reads: A, remote: true },
  { id: 'e-c-paged', label: 'c on the paged file', file: 'paged.h5', reads: C, remote: true },
  { id: 'e-d-paged', label: 'd on the paged file', file: 'paged.h5', reads: D, remote: true, many: true },
  { id: 'e-a-latest', label: "a on libver 'latest' (extensible array index)", file: 'latest.h5', reads: A, remote: true },
  { id: 'e-c-latest', label: "c on libver 'latest' (fixed array index)", file: 'latest.h5', reads: C, remote: true },
  { id: 'e-d-latest', label: "d on libver 'latest'", file: 'latest.h5', reads: D, remote: true, many: true },
  { id: 'f', label: 'b from a local file', file: 'base.h5', reads: B, remote: false },
  { id: 'g', label: '1,000 values from the middle of /big (1 GiB f4, 4 MiB chunks, gzip+shuffle)', file: 'big.h5', reads: [{ dataset: '/big', hyperslice: [[BIG / 2, BIG / 2 + 1000]] }], remote: true, memory: true },
  { id: 'h', label: 'the whole of /big from a local file (1 GiB out)', file: 'big.h5', reads: [{ dataset: '/big', hyperslice: [[0, BIG]] }], remote: false, memory: true },
  // Issue 14: performance at the bound.
  { id: '14-many', label: '1,000 values from each of 50 datasets in one readDatasets (h5py defaults)', file: 'many.h5', reads: MANY, remote: true, many: true },
  { id: '14-latest-first', label: "1,000 values, libver 'latest', the fixed array's data block ~280 KiB in", file: 'latest_first.h5', reads: A, remote: true },
  { id: '14-default', label: '1,000 values, default h5py file (= a)', file: 'base.h5', reads: A, remote: true },
  { id: '14-paged', label: '200x650 window of /grid, paged file (= e-c-paged)', file: 'paged.h5', reads: C, remote: true },
  { id: '14-local', label: 'whole /x (10M f4) from a local file, beside h5py (= f)', file: 'base.h5', reads: B, remote: false, h5pyBeside: true },
  { id: '14-redirect', label: '1,000 values through a 302 to a signed URL on every data-URL GET', file: 'base.h5', reads: A, remote: true, redirect: true },
  { id: '14-warm', label: '1,000 values, a new process after one that read the same, with a persistent metadata cache (a directory)', file: 'base.h5', reads: A, remote: true, warm: true },
  // Issue 20: walks of big trees (walk() and every object's attrs()).
  { id: '20-walk-208', label: 'walk + attrs, 208 objects (8 groups x 25 gzip datasets)', file: 'walk_208.h5', reads: [], remote: true, walk: true },
  { id: '20-walk-1408', label: 'walk + attrs, 1,408 objects (8 x 50 groups, 1,000 gzip datasets)', file: 'walk_1408.h5', reads: [], remote: true, walk: true },
  { id: '20-walk-4408', label: 'walk + attrs, 4,408 objects (8 x 50 groups, 4,000 gzip datasets)', file: 'walk_4408.h5', reads: [], remote: true, walk: true },
  { id: 'h-noisy', label: 'the whole of /noisy from a local file (1 GiB of random-mantissa f4 out)', file: 'noisy.h5', reads: [{ dataset: '/noisy', hyperslice: [[0, BIG]] }], remote: false, memory: true },
];

/** Issue 20's walk as a new user writes it: every object, and each one's attributes, in turn. */
export async function walkWithAttrs(f: { walk(): AsyncIterable<{ node: { attrs(): Promise<Record<string, unknown>> } | null }> }): Promise<number> {
  let objects = 0;
  let attributes = 0;
  for await (const { node } of f.walk()) {
    objects++;
    if (node) attributes += Object.keys(await node.attrs()).length;
  }
  return objects + attributes;
}

/** Sum of all values read: a cheap cross-check that every reader returned the same data. */
export function checksum(arrays: ArrayLike<number>[]): number {
  let s = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) s += Number(a[i]);
  return s;
}
