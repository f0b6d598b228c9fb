/**
 * Shared by the fault tests: random slice reads of fixtures/large_2d.h5 through a fault proxy,
 * each compared value by value with the file read from memory. An outcome is 'ok' (the right
 * values, or all the values of the replacement version: a consistent read of another version),
 * an H5Error code, or a defect ('wrong-data', 'escaped').
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, type OpenOptions } from '../../src/index.js';
import { H5Error } from '../../src/errors.js';
import type { ProxyFault } from './fault-proxy.js';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');
export const CURRENT = new Uint8Array(readFileSync(join(FIXTURES, 'large_2d.h5')));
export const REPLACEMENT = new Uint8Array(readFileSync(join(FIXTURES, 'regressions', 'large_2d_replaced.h5')));
export const ROWS = 600;
export const COLS = 420;

/** The whole field of a version, read from memory (the conformance tests check it against h5py). */
export async function referenceField(bytes: Uint8Array): Promise<Float64Array> {
  const f = await open(bytes);
  const ds = await f.get('/field');
  if (ds.kind !== 'dataset') throw new Error('no /field');
  return (await ds.read()).data as Float64Array;
}

/** Deterministic PRNG (mulberry32): the same faults and slices for the same seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random fault for about `rate` of requests; stalls are rare since each costs a timeout. */
export function faultChooser(random: () => number, rate: number): () => ProxyFault | undefined {
  return () => {
    if (random() >= rate) return undefined;
    const r = random();
    if (r < 0.18) return { type: 'latency', ms: 5 + Math.floor(random() * 40) };
    if (r < 0.22) return { type: 'stall' };
    if (r < 0.26) return { type: 'stall-body', fraction: random() };
    if (r < 0.38) return { type: 'status', status: random() < 0.5 ? 500 : 503 };
    if (r < 0.5) return { type: 'slowdown' };
    if (r < 0.62) return { type: 'reset', fraction: random() };
    if (r < 0.74) return { type: 'short', fraction: random() };
    if (r < 0.87) return { type: 'full200' };
    return { type: 'replaced' };
  };
}

/**
 * The codes a transport fault may surface as; anything else on intact bytes is a defect.
 * 'Unsupported' is the drivers' answer to a 200 where a 206 was asked for (coh5 requires ranges).
 */
export const TRANSPORT = new Set(['Network', 'Timeout', 'Changed', 'Unsupported']);

export type TrialOutcome = 'ok' | 'ok-replacement' | 'wrong-data' | 'escaped' | `H5Error:${string}`;

/** Opens `url`, reads `reads` random slices and classifies each. */
export async function runTrials(
  url: string,
  options: OpenOptions,
  random: () => number,
  reads: number,
  refs: { current: Float64Array; replacement: Float64Array },
  outcomes: Map<string, number>,
  problems: string[],
): Promise<void> {
  const bump = (k: TrialOutcome) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
  let file: Awaited<ReturnType<typeof open>> | undefined;
  try {
    file = await open(url, options);
  } catch (e) {
    if (e instanceof H5Error) {
      bump(`H5Error:${e.code}`);
      if (!TRANSPORT.has(e.code)) problems.push(`open: ${e.code}: ${e.message}`);
    } else {
      bump('escaped');
      problems.push(`open: ${String(e)}`);
    }
    return;
  }
  try {
    for (let i = 0; i < reads; i++) {
      const r0 = Math.floor(random() * ROWS);
      const r1 = r0 + 1 + Math.floor(random() * Math.min(150, ROWS - r0));
      const c0 = Math.floor(random() * COLS);
      const c1 = c0 + 1 + Math.floor(random() * Math.min(150, COLS - c0));
      try {
        const res = await file.readDataset('/field', [
          [r0, r1],
          [c0, c1],
        ]);
        const got = res.data as Float64Array;
        if (matches(got, refs.current, r0, r1, c0, c1)) bump('ok');
        else if (matches(got, refs.replacement, r0, r1, c0, c1)) bump('ok-replacement');
        else {
          bump('wrong-data');
          problems.push(`wrong data for [${r0}:${r1}, ${c0}:${c1}]`);
        }
      } catch (e) {
        if (e instanceof H5Error) {
          bump(`H5Error:${e.code}`);
          if (!TRANSPORT.has(e.code)) problems.push(`read: ${e.code}: ${e.message}`);
        } else {
          bump('escaped');
          problems.push(`read: ${String(e)}`);
        }
      }
    }
  } finally {
    await file.close();
  }
}

function matches(got: Float64Array, ref: Float64Array, r0: number, r1: number, c0: number, c1: number): boolean {
  if (got.length !== (r1 - r0) * (c1 - c0)) return false;
  let k = 0;
  for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) if (!Object.is(got[k++], ref[r * COLS + c])) return false;
  return true;
}
