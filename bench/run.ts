/**
 * coh5's cloud benchmark (issue 5): `npm run bench [-- --rtt 50 --mbps 100 --only a,c --readers coh5,jsfive --repeat 1]`.
 *
 * Serves bench/data/*.h5 (generate with `/usr/bin/python3 bench/make_bench_files.py`) through a
 * WAN emulator (bench/wan-proxy.ts), runs every workload in a fresh process per reader, and
 * prints wall time, requests, bytes, waves, peak memory and the ratio to the lower bound:
 *   bound = fewest waves x RTT + (stored bytes of the touched chunks + file metadata) / bandwidth,
 * the fewest waves being what the file's pointer chain allows (bench/min-waves.ts), and to the
 * 2-wave ideal of a reader that knew the layout beforehand (the least possible: chunk addresses
 * live in metadata). Writes bench/out/results.json and bench/out/results.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open, type Dataset } from '../src/node.js';
import { lookupChunks } from '../src/format/chunk-index.js';
import { WanEmulator } from './wan-proxy.js';
import { WORKLOADS, type Workload } from './workloads.js';
import type { Job } from './worker.js';
import { report, type Row } from './report.js';
import { minWaves } from './min-waves.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const DATA = join(HERE, 'data');
const OUT = join(HERE, 'out');
const PY = '/usr/bin/python3';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}
const rttMs = Number(arg('rtt', '50'));
const mbps = Number(arg('mbps', '100'));
const only = arg('only', '').split(',').filter(Boolean);
const readers = arg('readers', 'floor,coh5,h5wasm,jsfive,h5py').split(',');
/** Runs per coh5 / local measurement (the median is kept); remote peers, which download the whole file, run once. */
const repeat = Number(arg('repeat', '5'));
/** Optional coh5 cache options (bytes), to compare tunings: --initial-read 65536 --block-size 65536. */
const cacheOpts = Object.fromEntries(([['initialReadSize', arg('initial-read', '')], ['blockSize', arg('block-size', '')]] as const).filter(([, v]) => v).map(([k, v]) => [k, Number(v)]));
const bytesPerMs = (mbps * 1e6) / 8 / 1000;

if (!existsSync(join(DATA, 'manifest.json')) || !('noisy.h5' in JSON.parse(readFileSync(join(DATA, 'manifest.json'), 'utf8')))) {
  console.log('generating bench/data (h5py + h5repack)...');
  execFileSync(PY, [join(HERE, 'make_bench_files.py')], { stdio: 'inherit' });
}
// Readers run as users run them: coh5 built (tsup, as the package ships) and plain node, with no
// TypeScript loader hooks on the module loads a cold read makes (filters load on first use).
console.log('building bench/out/dist (tsup)...');
execFileSync('npx', ['tsup', 'bench/worker.ts', '--no-config', '--format', 'esm', '--splitting', '--target', 'es2022', '--platform', 'node',
  '--out-dir', 'bench/out/dist', '--external', 'h5wasm', '--external', 'jsfive', '--external', '@aws-sdk/client-s3', '--clean', '--silent'], { cwd: ROOT, stdio: 'inherit' });
const manifest = JSON.parse(readFileSync(join(DATA, 'manifest.json'), 'utf8')) as Record<string, { size: number; metadataBytes: number }>;

/** Stored bytes of the chunks a workload's selections touch (from the chunk index itself). */
async function touchedChunkBytes(w: Workload): Promise<{ bytes: number; decoded: number; chunks: number; ranges: [number, number][] }> {
  const f = await open(join(DATA, w.file));
  let bytes = 0;
  let decoded = 0;
  let chunks = 0;
  const ranges: [number, number][] = [];
  for (const r of w.reads) {
    const ds = (await f.get(r.dataset)) as Dataset;
    const layout = ds.info.layout;
    if (layout.class !== 'chunked') throw new Error(`${r.dataset} is not chunked`);
    const recs = await lookupChunks(ds.context(), { layout, dims: ds.shape!, maxDims: ds.maxshape!, filtered: ds.filters.length > 0 }, 'all');
    const cd = ds.chunks!;
    for (const rec of recs) {
      const hit = rec.offset.every((o, d) => o < r.hyperslice[d]![1] && o + cd[d]! > r.hyperslice[d]![0]);
      if (hit) { bytes += rec.size; decoded += cd.reduce((a, b) => a * b, 1) * ds.info.datatype.size; chunks++; ranges.push([f.ctx.baseAddress + rec.address, rec.size]); }
    }
  }
  await f.close();
  return { bytes, decoded, chunks, ranges };
}

interface WorkerResult {
  ok: boolean; wallMs: number; values?: number; checksum?: number; error?: string;
  coh5?: { requests: number; bytesTransferred: number; waves: number; bytesCached: number };
  peakRssMB?: number; peakSampledRssMB?: number; peakArrayBuffersMB?: number; heldArrayBuffersMB?: number; heldRssMB?: number;
}

function runWorker(job: Job): Promise<WorkerResult> {
  return new Promise((resolve) => {
    // BENCH_NODE_ARGS: extra node flags for the readers' processes (e.g. --cpu-prof, to profile).
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, ...(job.live ? ['--expose-gc'] : []), join(OUT, 'dist', 'worker.js'), JSON.stringify(job)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('close', () => {
      if (process.env.BENCH_TRACE && err) console.log(err.trimEnd().replace(/^/gm, '    '));
      const line = out.trim().split('\n').pop() ?? '';
      try { resolve(JSON.parse(line) as WorkerResult); } catch { resolve({ ok: false, wallMs: NaN, error: (err || out).slice(-300) }); }
    });
  });
}

function h5py(w: Workload): { wallMs: number; checksum: number; values: number } | undefined {
  try {
    const reads = JSON.stringify(w.reads.map((r) => [r.dataset, r.hyperslice]));
    return JSON.parse(execFileSync(PY, [join(HERE, 'h5py_bench.py'), join(DATA, w.file), reads], { encoding: 'utf8' }).trim());
  } catch {
    return undefined;
  }
}


const wan = await WanEmulator.start(['base.h5', 'paged.h5', 'latest.h5', 'big.h5'].map((f) => join(DATA, f)), { rttMs, bitsPerSecond: mbps * 1e6 });
const rows: Row[] = [];
try {
  for (const w of WORKLOADS) {
    if (only.length && !only.includes(w.id)) continue;
    const touched = await touchedChunkBytes(w);
    const bytesNeeded = touched.bytes + manifest[w.file]!.metadataBytes;
    const idealMs = w.remote ? 2 * rttMs + bytesNeeded / bytesPerMs : null;
    const min = w.remote ? await minWaves(join(DATA, w.file), w.reads, { rttMs, bytesPerMs, metadataBytes: manifest[w.file]!.metadataBytes }) : null;
    const boundMs = min ? min.boundMs : null;
    // The reference checksum: h5py (native HDF5) on the local file.
    const ref = h5py(w);
    console.log(`\n${w.id}: ${w.label} [${w.file}] touches ${touched.chunks} chunks, ${(touched.bytes / 1e6).toFixed(3)} MB stored` + (min ? `; fewest waves ${min.waves}, bound ${min.boundMs.toFixed(0)} ms, 2-wave ideal ${idealMs!.toFixed(0)} ms` : ''));
    type Run = WorkerResult & { requests: number; bytes: number };
    // Debian's h5py has no ros3 driver; the whole-file peers sit out the memory workloads.
    const active = readers.filter((x) => !(x === 'floor' && !w.remote) && !(x === 'h5py' && (w.remote || !ref)) && !(w.memory && (x === 'h5wasm' || x === 'jsfive')));
    // Remote peers download the whole file each time (seconds): one run; the rest: `repeat` runs.
    const runsOf = (reader: string) => (w.remote && reader !== 'coh5' && reader !== 'floor' ? 1 : repeat);
    const all = new Map<string, Run[]>(active.map((x) => [x, []]));
    // Repetitions interleave the readers, so a burst of load on a shared machine hits them alike.
    for (let i = 0; i < repeat; i++) {
      for (const reader of active) {
        const list = all.get(reader)!;
        if (i >= runsOf(reader) || list.some((x) => !x.ok)) continue;
        if (reader === 'h5py') {
          const h = h5py(w);
          list.push(h ? { ok: true, wallMs: h.wallMs, checksum: h.checksum, values: h.values, requests: 0, bytes: 0 } : { ok: false, wallMs: NaN, error: 'h5py failed', requests: 0, bytes: 0 });
          continue;
        }
        wan.reset();
        const target = w.remote ? `${wan.url}/${w.file}` : join(DATA, w.file);
        const r = await runWorker({ reader: reader as Job['reader'], workload: w.id, target, cache: cacheOpts, floor: { metadataBytes: manifest[w.file]!.metadataBytes, ranges: touched.ranges } });
        list.push({ ...r, requests: wan.counters.requests, bytes: wan.counters.bytes });
        if (wan.log) for (const l of wan.log) console.log(`    ${l.range.padEnd(28)} arrived ${l.arrived.toFixed(0).padStart(5)} done ${l.done.toFixed(0).padStart(5)} ms  ${l.bytes} B`);
      }
    }
    // Memory workloads: one more coh5 run measuring live memory (garbage collected at each sample).
    const live = w.memory && active.includes('coh5') ? await runWorker({ reader: 'coh5', workload: w.id, target: w.remote ? `${wan.url}/${w.file}` : join(DATA, w.file), cache: cacheOpts, live: true }) : undefined;
    for (const reader of active) {
      const results = all.get(reader)!;
      const ok = results.filter((x) => x.ok).sort((x, y) => x.wallMs - y.wallMs);
      const r = ok.length ? ok[Math.floor(ok.length / 2)]! : results[0]!;
      const checksumOk = reader === 'floor' ? null : r.ok && ref ? Math.abs(r.checksum! - ref.checksum) <= 1e-7 * Math.max(1, Math.abs(ref.checksum)) && r.values === ref.values : null;
      rows.push({
        workload: w.id, file: w.file, reader, remote: w.remote,
        wallMs: r.ok ? r.wallMs : null, runs: ok.length, wallMinMs: ok[0]?.wallMs ?? null, wallMaxMs: ok[ok.length - 1]?.wallMs ?? null,
        requests: w.remote ? r.requests : null, bytesMoved: w.remote ? r.bytes : null,
        waves: r.coh5?.waves ?? (r.ok && w.remote ? (reader === 'floor' ? 2 : 1) : null),
        peakRssMB: r.peakRssMB ?? null, peakArrayBuffersMB: r.peakArrayBuffersMB ?? null,
        heldArrayBuffersMB: r.heldArrayBuffersMB ?? null, heldRssMB: r.heldRssMB ?? null, memory: w.memory ?? false,
        liveArrayBuffersMB: reader === 'coh5' && live?.ok ? live.heldArrayBuffersMB! : null,
        outputBytes: r.values !== undefined ? r.values * 4 : null, touchedStoredBytes: touched.bytes, touchedDecodedBytes: touched.decoded, bytesCached: r.coh5?.bytesCached ?? null,
        boundMs, ratio: r.ok && boundMs ? r.wallMs / boundMs : null, minWaves: min?.waves ?? null, idealMs, bytesNeeded, checksumOk, error: r.ok ? undefined : r.error,
      });
      const row = rows[rows.length - 1]!;
      const spread = ok.length > 1 ? ` (${row.wallMinMs!.toFixed(0)}-${row.wallMaxMs!.toFixed(0)})` : '';
      console.log(`  ${reader.padEnd(7)} ${r.ok ? `${r.wallMs.toFixed(0).padStart(6)} ms${spread}` : `FAILED: ${r.error}`}` + (r.ok && w.remote ? `  ${row.requests} req  ${(row.bytesMoved! / 1e6).toFixed(3)} MB  waves ${row.waves}  x${row.ratio!.toFixed(2)} of bound` : '') + (r.ok && r.peakRssMB !== undefined ? `  rss ${r.peakRssMB.toFixed(0)} MB  arrayBuffers ${r.peakArrayBuffersMB!.toFixed(0)} MB` : '') + (checksumOk === false ? '  CHECKSUM MISMATCH' : ''));
    }
    // The bound's own check: no reader that learns addresses from the file can beat it.
    for (const x of rows) {
      if (x.workload === w.id && x.reader === 'coh5' && min && x.waves !== null && x.waves < min.waves) console.log(`  WARNING: coh5 took ${x.waves} waves, fewer than the bound's ${min.waves}: bench/min-waves.ts is wrong`);
      if (x.workload === w.id && x.reader === 'coh5' && x.ratio !== null && x.ratio < 1) console.log(`  WARNING: coh5 beat the lower bound (x${x.ratio.toFixed(2)}): bench/min-waves.ts is wrong`);
    }
    const floor = rows.find((x) => x.workload === w.id && x.reader === 'floor' && x.wallMs !== null);
    for (const x of rows) if (x.workload === w.id && floor && x.wallMs !== null) x.vsFloor = x.wallMs / floor.wallMs!;
  }
} finally {
  await wan.close();
}

const machine = {
  date: new Date().toISOString(),
  node: process.version,
  nproc: execFileSync('nproc', { encoding: 'utf8' }).trim(),
  cpu: cpus()[0]?.model ?? 'unknown',
  memory: (() => { try { return execFileSync('free', ['-h'], { encoding: 'utf8' }).trim(); } catch { return `${(totalmem() / 2 ** 30).toFixed(1)} GiB`; } })(),
  rttMs, mbps,
};

const { table, targets, targetTable } = report(rows);
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'results.json'), JSON.stringify({ machine, manifest, workloads: WORKLOADS, rows, targets }, null, 2));
writeFileSync(join(OUT, 'results.md'), `# coh5 benchmark run\n\n${machine.date}, node ${machine.node}, ${machine.nproc} cores (${machine.cpu}), RTT ${rttMs} ms, ${mbps} Mbit/s\n\n\`\`\`\n${machine.memory}\n\`\`\`\n\n${table}\n\n${targetTable}\n`);
console.log(`\n${table}\n\n${targetTable}\n\nwrote bench/out/results.json and bench/out/results.md`);
