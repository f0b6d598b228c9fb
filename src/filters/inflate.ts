import pLimit from 'p-limit';
import { H5Error } from '../errors.js';
import { concat, corrupt, tooLarge } from './fail.js';

/**
 * zlib-format inflate (RFC 1950), picked at runtime so the core imports no Node built-in:
 *   Node                      -> node:zlib's thread-pool `inflate` with `maxOutputLength`
 *   browsers, Deno, Bun, ...  -> DecompressionStream('deflate'), reading until the cap
 *   neither                   -> pako, streamed through onData with the same cap
 *
 * Measured by scripts/measure-inflate.ts (Node 20.20, 1 MiB of float64 chunk data deflated at
 * level 6 to 386 KiB; median (min) of 30 runs on 2 shared, busy cores, so only ratios matter):
 *   node:zlib inflateSync             2.9 ms (1.9)
 *   node:zlib inflate, thread pool    3.7 ms (3.1)
 *   DecompressionStream               4.3 ms (3.4)
 *   pako 3 Inflate                    7.7 ms (6.7)
 * Native zlib is 2.5-3.5x faster than pako. The thread-pool form costs ~1 ms of hand-off per
 * call but keeps the event loop free and lets concurrent chunk reads inflate in parallel, which
 * is what a reader issuing many range requests at once needs; so Node uses it.
 */
export type InflateFn = (input: Uint8Array, maxOutputBytes: number) => Promise<Uint8Array>;

/** The implementations prepareInflate() picks from, by the name inflateImplementation() reports. */
export type InflateImplementation = 'node:zlib thread pool' | 'DecompressionStream' | 'pako';

const NAME = 'deflate';
let chosen: Promise<InflateFn> | undefined;
let chosenName: InflateImplementation | undefined;

/** Which implementation inflates in this runtime; undefined until the first deflate chunk (or prepareInflate()) picked one. */
export function inflateImplementation(): InflateImplementation | undefined {
  return chosenName;
}

export function inflate(input: Uint8Array, maxOutputBytes: number): Promise<Uint8Array> {
  return prepareInflate().then((fn) => fn(input, maxOutputBytes));
}

/** Picks (and loads) the implementation once; the deflate filter's loader calls it so the pick overlaps I/O. */
export function prepareInflate(): Promise<InflateFn> {
  chosen ??= pick();
  return chosen;
}

function pick(): Promise<InflateFn> {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (proc?.versions?.node) {
    return nodeZlibInflate().then(
      (fn) => ((chosenName = 'node:zlib thread pool'), fn),
      () => fallback(),
    );
  }
  return Promise.resolve(fallback());
}

function fallback(): InflateFn {
  const stream = typeof DecompressionStream === 'function';
  chosenName = stream ? 'DecompressionStream' : 'pako';
  return stream ? inflateWithStream : inflateWithPako;
}

interface NodeZlib {
  inflate(
    buf: Uint8Array,
    opts: { maxOutputLength: number; chunkSize?: number },
    cb: (err: (Error & { code?: string }) | null, out: Uint8Array) => void,
  ): void;
}

/**
 * Inflates handed to node:zlib at once. Each call allocates its whole output buffer when it is
 * made, not when a thread takes it up, and every queued call also delays file reads, which share
 * libuv's thread pool; so no more calls are made than the pool has threads (UV_THREADPOOL_SIZE,
 * default 4).
 */
function threadPoolSize(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.UV_THREADPOOL_SIZE;
  const n = Number(env);
  return Number.isInteger(n) && n > 0 ? n : 4;
}

/** node:zlib, imported with a variable specifier so browser bundlers neither resolve nor bundle it. */
export async function nodeZlibInflate(): Promise<InflateFn> {
  const specifier = 'node:zlib';
  const zlib = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as NodeZlib;
  const limit = pLimit(threadPoolSize());
  return (input, maxOutputBytes) => limit(() => inflateOnce(zlib, input, maxOutputBytes));
}

function inflateOnce(zlib: NodeZlib, input: Uint8Array, maxOutputBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    // maxOutputLength must be in 1..buffer.kMaxLength (2^31 - 1 is within it on every
    // platform; no HDF5 chunk is larger). A cap of 0 can only be met by an empty result anyway.
    // chunkSize: zlib's output buffer. Its default (16 KiB) splits a chunk's output into many
    // pieces, each a callback on the main thread plus a final concat; sized to the expected
    // output (the cap is the chunk's size plus a little slack) it comes back in one piece.
    // bench/: 100 parallel inflates of 400 KB chunks ~1.5x faster (median 127 vs 194 ms).
    const chunkSize = Math.max(64, Math.min(maxOutputBytes, 8 * 1024 * 1024));
    zlib.inflate(input, { maxOutputLength: Math.max(1, Math.min(maxOutputBytes, 2 ** 31 - 1)), chunkSize }, (err, out) => {
      if (err) {
        reject(err.code === 'ERR_BUFFER_TOO_LARGE' ? tooLarge(NAME, maxOutputBytes + 1, maxOutputBytes) : corrupt(NAME, err.message, err));
      } else if (out.length > maxOutputBytes) {
        reject(tooLarge(NAME, out.length, maxOutputBytes));
      } else {
        resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
      }
    });
  });
}

/** The web platform's streaming inflate; stops reading (and cancels) once the cap is passed. */
export const inflateWithStream: InflateFn = async (input, maxOutputBytes) => {
  const stream = new DecompressionStream('deflate');
  const writer = stream.writable.getWriter();
  // Errors surface on the readable side; these promises only need their rejections observed.
  writer.write(input as Uint8Array<ArrayBuffer>).catch(() => undefined);
  writer.close().catch(() => undefined);
  const reader = stream.readable.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxOutputBytes) throw tooLarge(NAME, total, maxOutputBytes);
      parts.push(value);
    }
  } catch (e) {
    reader.cancel().catch(() => undefined);
    if (e instanceof H5Error) throw e;
    throw corrupt(NAME, e instanceof Error ? e.message : String(e), e);
  }
  return concat(parts, total);
};

/** pako, for runtimes with neither node:zlib nor DecompressionStream. */
export const inflateWithPako: InflateFn = async (input, maxOutputBytes) => {
  const { Inflate } = await import('pako');
  const inflator = new Inflate({ chunkSize: 64 * 1024 });
  const parts: Uint8Array[] = [];
  let total = 0;
  inflator.onData = (chunk: Uint8Array) => {
    total += chunk.length;
    // Throwing here unwinds out of push(), so no more than one chunk past the cap is produced.
    if (total > maxOutputBytes) throw tooLarge(NAME, total, maxOutputBytes);
    parts.push(chunk);
  };
  try {
    inflator.push(input, true);
  } catch (e) {
    if (e instanceof H5Error) throw e;
    throw corrupt(NAME, e instanceof Error ? e.message : String(e), e);
  }
  if (inflator.err) throw corrupt(NAME, inflator.msg || `zlib error ${inflator.err}`);
  if (!inflator.ended) throw corrupt(NAME, 'the stream ends before its final block');
  return concat(parts, total);
};
