/**
 * One cold-start measurement in its own process (so caches, JIT state and peak memory belong to
 * this run alone). bench/run.ts bundles it with coh5 (tsup) and runs `node bench/out/dist/worker.js '<json job>'`.
 * Prints one JSON line: wall time, coh5's own statistics, peak memory and a checksum.
 */
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checksum, walkWithAttrs, WORKLOADS, type Read } from './workloads.js';

export interface Job {
  /** 'floor' is no reader: the lower bound's requests issued bare, to measure the harness itself. */
  reader: 'coh5' | 'h5wasm' | 'jsfive' | 'floor';
  workload: string;
  /** URL through the WAN emulator (remote) or local path. */
  target: string;
  /** coh5 cache options (tuning experiments); defaults when absent. */
  cache?: { initialReadSize?: number; blockSize?: number; concurrency?: number };
  /** coh5 only: a persistent metadata cache directory (DirectoryMetadataStore), for warm re-reads. */
  metadataCache?: string;
  /** For 'floor': metadata bytes (one GET from 0), then the touched chunks' [offset, length]s. */
  floor?: { metadataBytes: number; ranges: [number, number][] };
  /**
   * Measure live memory: the process runs with --expose-gc and each sample collects garbage
   * first, so it sees what the reader still holds rather than what awaits collection. Slows the
   * run down (a full GC every 5 ms): its wall time is not reported.
   */
  live?: boolean;
}

const job = JSON.parse(process.argv[2]!) as Job;
const w = WORKLOADS.find((x) => x.id === job.workload)!;

let peakArrayBuffers = 0;
let peakRss = 0;
const gc = job.live ? (globalThis as { gc?: () => void }).gc : undefined;
const sample = () => {
  gc?.();
  const m = process.memoryUsage();
  peakArrayBuffers = Math.max(peakArrayBuffers, m.arrayBuffers);
  peakRss = Math.max(peakRss, m.rss);
};

/**
 * The kernel's high-water mark of this process's resident memory (VmHWM; it starts afresh at
 * exec, unlike getrusage's maxrss, which a spawned child inherits from its parent), so it also
 * sees peaks inside synchronous calls that the interval sampler cannot interrupt.
 */
function peakRssOfThisProcess(): number {
  return procStatusMB('VmHWM') ?? peakRss / 2 ** 20;
}

/** A memory field (kB) of /proc/self/status in MB; undefined where there is none (not Linux). */
function procStatusMB(field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const m = new RegExp(`${field}:\\s*(\\d+)\\s*kB`).exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Elements of a row-major array of `shape` inside `hs` (for readers that only read whole datasets). */
function cut(data: ArrayLike<number>, shape: number[], hs: [number, number][]): number[] {
  const out: number[] = [];
  if (shape.length === 1) for (let i = hs[0]![0]; i < hs[0]![1]; i++) out.push(Number(data[i]));
  else for (let i = hs[0]![0]; i < hs[0]![1]; i++) for (let j = hs[1]![0]; j < hs[1]![1]; j++) out.push(Number(data[i * shape[1]! + j]));
  return out;
}

async function download(url: string): Promise<ArrayBuffer> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: ${r.status}`);
  return r.arrayBuffer();
}

// Modules load (and h5wasm's WebAssembly compiles) before the clock starts: a long-lived
// process pays that once, and it is not what the benchmark compares.
const coh5 = job.reader === 'coh5' ? await import('../src/node.js') : undefined;
const h5wasm = job.reader === 'h5wasm' ? (await import('h5wasm/node')).default : undefined;
if (h5wasm) await h5wasm.ready;
const hdf5 = job.reader === 'jsfive' ? await import('jsfive') : undefined;

async function runCoh5(): Promise<{ arrays: ArrayLike<number>[]; stats: unknown }> {
  const { open, DirectoryMetadataStore } = coh5!;
  const f = await open(job.target, { cache: job.cache, metadataCache: job.metadataCache ? new DirectoryMetadataStore(job.metadataCache) : undefined });
  let arrays: ArrayLike<number>[];
  if (w.walk) {
    // The walk's "values": objects visited plus attributes read, checked against h5py's visit.
    arrays = [[await walkWithAttrs(f)]];
  } else if (w.many) {
    const res = await f.readDatasets(w.reads.map((r: Read) => ({ dataset: r.dataset, hyperslice: r.hyperslice })));
    arrays = w.reads.map((r) => res[r.dataset]!.data as ArrayLike<number>);
  } else {
    arrays = [];
    for (const r of w.reads) {
      const ds = await f.get(r.dataset);
      if (ds.kind !== 'dataset') throw new Error(`${r.dataset} is not a dataset`);
      arrays.push((await ds.read(r.hyperslice)).data as ArrayLike<number>);
    }
  }
  const s = f.stats();
  await f.close();
  return { arrays, stats: { requests: s.requests, bytesTransferred: s.bytesTransferred, waves: s.waves, bytesCached: s.bytesCached, readAheadPeakBytes: s.readAheadPeakBytes } };
}

async function runH5wasm(): Promise<{ arrays: ArrayLike<number>[] }> {
  const h5 = h5wasm!;
  // h5wasm cannot range-read over HTTP in Node (its lazy file needs synchronous XHR in a browser
  // worker), so remotely it downloads the whole file first, as jsfive does.
  let path = job.target;
  let tmp: string | undefined;
  if (w.remote) {
    tmp = join(tmpdir(), `coh5-bench-${process.pid}.h5`);
    writeFileSync(tmp, new Uint8Array(await download(job.target)));
    path = tmp;
  }
  const f = new h5.File(path, 'r');
  const arrays: ArrayLike<number>[] = [];
  for (const r of w.reads) {
    const ds = f.get(r.dataset) as InstanceType<typeof h5.Dataset>;
    arrays.push(ds.slice(r.hyperslice) as ArrayLike<number>);
  }
  f.close();
  if (tmp) rmSync(tmp);
  return { arrays };
}

async function runJsfive(): Promise<{ arrays: ArrayLike<number>[] }> {
  const buf = w.remote ? await download(job.target) : new Uint8Array(readFileSync(job.target)).buffer;
  const f = new hdf5!.File(buf, w.file);
  const arrays: ArrayLike<number>[] = [];
  for (const r of w.reads) {
    const ds = f.get(r.dataset.slice(1));
    // jsfive reads whole datasets only; the selection is cut from the full array.
    arrays.push(cut(ds.value as ArrayLike<number>, ds.shape as number[], r.hyperslice));
  }
  return { arrays };
}

// Node loads its fetch implementation (undici) on first use, ~70 ms; a long-lived process pays
// that once, so it is paid here, outside the measurement, by every reader alike.
if (job.target.startsWith('http')) await (await fetch(new URL('/__warm', job.target))).arrayBuffer();

// memoryUsage() costs ~0.3 ms a call; sampled every 25 ms it stays under 2% of a read (VmHWM gives the exact RSS peak).
/**
 * The lower bound as this harness realises it: wave 1 GETs as many bytes as the metadata on the
 * path, wave 2 GETs every touched chunk at once; nothing is parsed or decoded. What a reader takes
 * beyond this is its own cost; what this takes beyond the formula is the emulator's and fetch's.
 */
async function runFloor(): Promise<{ arrays: ArrayLike<number>[] }> {
  const get = (offset: number, length: number) => fetch(job.target, { headers: { range: `bytes=${offset}-${offset + length - 1}` } }).then((r) => r.arrayBuffer());
  await get(0, job.floor!.metadataBytes);
  await Promise.all(job.floor!.ranges.map(([o, l]) => get(o, l)));
  return { arrays: [] };
}

/**
 * BENCH_TRACE=1 prints each GET's timeline to stderr (ms from the clock's start: sent, headers in,
 * body done) so the gaps between waves, the reader's own CPU time, can be read off.
 */
const trace: string[] = [];
let t0 = 0;
if (process.env.BENCH_TRACE) {
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const sent = performance.now() - t0;
    const r = await realFetch(input, init);
    const headers = performance.now() - t0;
    const body = new Uint8Array(await r.arrayBuffer());
    trace.push(`${new Headers(init?.headers).get('range')?.padEnd(28) ?? ''} sent ${sent.toFixed(1)} headers ${headers.toFixed(1)} body ${(performance.now() - t0).toFixed(1)}`);
    return new Response(body, { status: r.status, headers: r.headers });
  }) as typeof fetch;
}

// What the process holds before the read: the memory columns subtract it ("held" = peak - this).
const baseArrayBuffersMB = process.memoryUsage().arrayBuffers / 2 ** 20;
const baseRssMB = procStatusMB('VmRSS') ?? process.memoryUsage().rss / 2 ** 20;
const timer = setInterval(sample, w.memory ? 5 : 25);
sample();
t0 = performance.now();
try {
  const out = job.reader === 'coh5' ? await runCoh5() : job.reader === 'h5wasm' ? await runH5wasm() : job.reader === 'floor' ? await runFloor() : await runJsfive();
  const wallMs = performance.now() - t0;
  sample();
  clearInterval(timer);
  if (trace.length) console.error(`${trace.join('\n')}\nend ${wallMs.toFixed(1)}`);
  const values = out.arrays.reduce((n, a) => n + a.length, 0);
  const peakRssMB = peakRssOfThisProcess();
  console.log(JSON.stringify({
    ok: true, wallMs, values, checksum: checksum(out.arrays),
    coh5: 'stats' in out ? out.stats : undefined,
    peakRssMB, peakSampledRssMB: peakRss / 2 ** 20, peakArrayBuffersMB: peakArrayBuffers / 2 ** 20,
    heldArrayBuffersMB: peakArrayBuffers / 2 ** 20 - baseArrayBuffersMB, heldRssMB: peakRssMB - baseRssMB,
  }));
} catch (e) {
  clearInterval(timer);
  console.log(JSON.stringify({ ok: false, wallMs: performance.now() - t0, error: String((e as Error)?.message ?? e).slice(0, 200) }));
}
process.exit(0);
