/**
 * Which inflate path a full local read should take (issue 14's "local reads"): the 100 stored
 * chunks of bench/data/base.h5's /x (gzip level 4 + shuffle, 400 KB each inflated), inflated
 * whole in memory by node:zlib's inflateSync on the main thread, by its thread pool with 1, 2 and
 * 4 calls at once (what src/filters/inflate.ts does: as many as the pool has threads), and by
 * pako. Prints min and median of 9 rounds and the 1-minute load average, for bench/RESULTS.md.
 *
 *   node --import ./scripts/register-ts.mjs scripts/measure-inflate-paths.ts [FILE] [DATASET]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { inflateSync, inflate } from 'node:zlib';
import { open, type Dataset } from '../src/node.js';
import { lookupChunks } from '../src/format/chunk-index.js';
import { inflateWithPako } from '../src/filters/inflate.js';

const file = process.argv[2] ?? new URL('../bench/data/base.h5', import.meta.url).pathname;
const name = process.argv[3] ?? '/x';
const f = await open(file);
const ds = (await f.get(name)) as Dataset;
const layout = ds.info.layout;
if (layout.class !== 'chunked') throw new Error(`${name} is not chunked`);
const recs = await lookupChunks(ds.context(), { layout, dims: ds.shape!, maxDims: ds.maxshape!, filtered: true }, 'all');
const whole = readFileSync(file);
const chunks = recs.map((r) => whole.subarray(f.ctx.baseAddress + r.address, f.ctx.baseAddress + r.address + r.size));
const cap = ds.chunks!.reduce((a, b) => a * b, 1) * ds.info.datatype.size + 1024;
await f.close();

const pooledOne = (c: Uint8Array) =>
  new Promise<unknown>((resolve, reject) => inflate(c, { maxOutputLength: cap, chunkSize: cap }, (e, out) => (e ? reject(e) : resolve(out))));
async function pooled(k: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) await pooledOne(chunks[next++]!);
  };
  await Promise.all(Array.from({ length: k }, worker));
}
const paths: Record<string, () => unknown> = {
  'inflateSync (main thread)': () => chunks.forEach((c) => inflateSync(c, { maxOutputLength: cap, chunkSize: cap })),
  'thread pool, 1 at once': () => pooled(1),
  'thread pool, 2 at once': () => pooled(2),
  'thread pool, 4 at once (coh5)': () => pooled(4),
  pako: async () => {
    for (const c of chunks) await inflateWithPako(c, cap);
  },
};
const times = new Map<string, number[]>();
const load = [loadavg()[0]!];
// Rounds interleave the paths, so a burst of load on a shared machine hits them alike.
for (let round = 0; round < 9; round++) {
  for (const [label, fn] of Object.entries(paths)) {
    const t0 = performance.now();
    await fn();
    (times.get(label) ?? times.set(label, []).get(label)!).push(performance.now() - t0);
  }
}
load.push(loadavg()[0]!);
console.log(`${chunks.length} chunks of ${name} (${(chunks.reduce((n, c) => n + c.length, 0) / 1e6).toFixed(1)} MB stored), 1-min load ${load.map((x) => x.toFixed(1)).join(' -> ')}`);
for (const [label, t] of times) {
  t.sort((a, b) => a - b);
  console.log(`${label.padEnd(32)} min ${t[0]!.toFixed(0).padStart(5)} ms  median ${t[4]!.toFixed(0).padStart(5)} ms`);
}
