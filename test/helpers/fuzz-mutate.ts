/**
 * fast-check arbitraries for hostile files: a seed file and a list of mutations (bit flips,
 * truncation, huge lengths/counts, pointers to other structures (cycles), splices), applied in order.
 */
import fc from 'fast-check';
import { structureOffsets } from './fuzz-case.js';

export type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'truncate'; at: number }
  | { op: 'huge'; at: number; width: 2 | 4 | 8; value: bigint }
  | { op: 'pointer'; at: number; target: number }
  | { op: 'splice'; from: number; to: number; length: number }
  | { op: 'zero'; at: number; length: number };

// Values that break length and count arithmetic: all ones, 2^31, 2^32, 2^40 (elements), 2^53+, the undefined address.
const HUGE = [0xffffn, 0x8000n, 0xffff_ffffn, 0x8000_0000n, 0x1_0000_0000n, 1n << 40n, (1n << 53n) + 1n, 0xffff_ffff_ffff_ffffn, 0x7fff_ffff_ffff_ffffn];

/** A position as a fraction of the file, so one arbitrary fits every seed; metadata sits near the start, so bias low. */
// (Integers scaled to [0, 1): fc.double shrinks towards and favours tiny values, which would all hit the signature.)
const fraction = (max: number) => fc.integer({ min: 0, max: 999_999 }).map((n) => (n / 1_000_000) * max);
const position = fc.oneof({ weight: 3, arbitrary: fraction(0.1) }, { weight: 1, arbitrary: fraction(1) });

export const mutationArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fraction(1) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('huge' as const), at: position, width: fc.constantFrom(2 as const, 4 as const, 8 as const), value: fc.constantFrom(...HUGE) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('pointer' as const), at: position, target: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('splice' as const), from: position, to: position, length: fc.integer({ min: 1, max: 512 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('zero' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }) },
);

/** Applies mutations (positions are fractions of the current length) to a copy of `seed`. */
export function mutate(seed: Uint8Array, mutations: readonly FracMutation[]): Uint8Array {
  let b = seed.slice();
  const targets = structureOffsets(seed);
  const pos = (f: number) => Math.min(b.length - 1, Math.floor(f * b.length));
  for (const m of mutations) {
    if (b.length === 0) break;
    switch (m.op) {
      case 'flip':
        b[pos(m.at)]! ^= 1 << m.bit;
        break;
      case 'truncate':
        b = b.slice(0, pos(m.at));
        break;
      case 'huge':
        writeLE(b, pos(m.at), m.width, m.value);
        break;
      case 'pointer': {
        // An address of another (or the same) structure: parents pointing at ancestors make cycles.
        const t = targets.length ? targets[m.target % targets.length]! : m.target % b.length;
        writeLE(b, pos(m.at), 8, BigInt(t));
        break;
      }
      case 'splice': {
        const from = pos(m.from);
        const part = b.slice(from, from + m.length);
        b.set(part.subarray(0, Math.max(0, b.length - pos(m.to))), pos(m.to));
        break;
      }
      case 'zero':
        b.fill(0, pos(m.at), pos(m.at) + m.length);
        break;
    }
  }
  return b;
}

export type FracMutation = Mutation;

function writeLE(b: Uint8Array, at: number, width: number, value: bigint): void {
  for (let i = 0; i < width && at + i < b.length; i++) b[at + i] = Number((value >> BigInt(8 * i)) & 0xffn);
}

/** A whole case: which seed file, and 1–4 mutations. */
export function caseArb(seedCount: number) {
  return fc.record({ seed: fc.nat({ max: seedCount - 1 }), mutations: fc.array(mutationArb, { minLength: 1, maxLength: 3 }) });
}
