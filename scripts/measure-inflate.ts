/**
 * Measures the inflate back ends of src/filters/inflate.ts and the hand-written LZ4 block
 * decoder against lz4js, on ~1 MiB of chunk-like data. Not a test: the numbers go into the
 * comments of inflate.ts and lz4-block.ts.
 *
 *   npx tsx scripts/measure-inflate.ts
 *   LZ4JS=/path/to/node_modules/lz4js/lz4.js npx tsx scripts/measure-inflate.ts   # adds lz4js
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { inflateWithPako, inflateWithStream, nodeZlibInflate } from '../src/filters/inflate.js';
import { lz4DecodeBlock } from '../src/filters/lz4-block.js';

const RUNS = 30;

async function median(label: string, fn: () => unknown): Promise<void> {
  for (let i = 0; i < 3; i++) await fn(); // warm up the JIT
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(34)} ${times[RUNS >> 1]!.toFixed(2)} ms (min ${times[0]!.toFixed(2)})`);
}

/** A float64 series like a climate or sensor chunk: smooth, with short mantissas and some noise. */
function chunkLikeData(bytes: number): Uint8Array {
  const values = new Float64Array(bytes / 8);
  let seed = 12345;
  for (let i = 0; i < values.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    values[i] = Math.round((1000 * Math.sin(i / 97) + 500 * Math.cos(i / 13) + (seed % 100) / 10) * 64) / 64;
  }
  return new Uint8Array(values.buffer);
}

const raw = chunkLikeData(1 << 20);
const deflated = new Uint8Array(deflateSync(raw, { level: 6 }));
console.log(`inflate: ${raw.length} bytes from ${deflated.length} deflated`);
const cap = raw.length;
const nodeAsync = await nodeZlibInflate();
for (const [label, out] of [
  ['node:zlib', new Uint8Array(inflateSync(deflated))],
  ['pako', await inflateWithPako(deflated, cap)],
  ['DecompressionStream', await inflateWithStream(deflated, cap)],
] as const) {
  if (Buffer.compare(out, raw) !== 0) throw new Error(`${label} decoded wrongly`);
}
await median('node:zlib inflateSync', () => inflateSync(deflated, { maxOutputLength: cap }));
await median('node:zlib inflate (thread pool)', () => nodeAsync(deflated, cap));
await median('DecompressionStream', () => inflateWithStream(deflated, cap));
await median('pako Inflate', () => inflateWithPako(deflated, cap));

interface Lz4js {
  compressBound(n: number): number;
  compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
  decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number;
}
const lz4jsPath = process.env.LZ4JS;
if (lz4jsPath) {
  const lz4 = ((await import(lz4jsPath)) as { default: Lz4js }).default;
  const BLOCK = 64 * 1024;
  const blocks: { data: Uint8Array; size: number }[] = [];
  for (let at = 0; at < raw.length; at += BLOCK) {
    const dst = new Uint8Array(lz4.compressBound(BLOCK));
    const n = lz4.compressBlock(raw, dst, at, BLOCK, new Uint32Array(1 << 16));
    blocks.push({ data: dst.subarray(0, n), size: BLOCK });
  }
  console.log(`lz4: ${raw.length} bytes from ${blocks.reduce((a, b) => a + b.data.length, 0)} in 64 KiB blocks`);
  const out = new Uint8Array(raw.length);
  const mine = () => {
    let op = 0;
    for (const b of blocks) op = lz4DecodeBlock(b.data, 0, b.data.length, out, op, op + b.size, 'lz4');
  };
  mine();
  if (Buffer.compare(out, raw) !== 0) throw new Error('lz4DecodeBlock decoded wrongly');
  await median('lz4DecodeBlock (coh5)', mine);
  await median('lz4js decompressBlock', () => {
    let op = 0;
    for (const b of blocks) op = lz4.decompressBlock(b.data, out, 0, b.data.length, op);
  });
}
