/** The workloads (a-f): which datasets, which selections, which file, over which path. */
export interface Read {
  dataset: string;
  /** [start, stop) per dimension, h5coro's hyperslice. */
  hyperslice: [number, number][];
}

export interface Workload {
  id: string;
  label: string;
  file: 'base.h5' | 'paged.h5' | 'latest.h5' | 'big.h5' | 'noisy.h5';
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
}

const A: Read[] = [{ dataset: '/x', hyperslice: [[5_000_000, 5_001_000]] }];
const B: Read[] = [{ dataset: '/x', hyperslice: [[0, 10_000_000]] }];
const C: Read[] = [{ dataset: '/grid', hyperslice: [[1450, 1650], [725, 1375]] }];
const D: Read[] = [...A, ...C, { dataset: '/g/z', hyperslice: [[1_000_000, 1_001_000]] }];
const BIG = 268_435_456;

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
  { id: 'h-noisy', label: 'the whole of /noisy from a local file (1 GiB of random-mantissa f4 out)', file: 'noisy.h5', reads: [{ dataset: '/noisy', hyperslice: [[0, BIG]] }], remote: false, memory: true },
];

/** Sum of all values read: a cheap cross-check that every reader returned the same data. */
export function checksum(arrays: ArrayLike<number>[]): number {
  let s = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) s += Number(a[i]);
  return s;
}
