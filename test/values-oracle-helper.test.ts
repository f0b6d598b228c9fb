/**
 * The oracle comparison helpers themselves: toOracleValue produces the corpus JSON encoding, and
 * compareOracle finds every kind of difference (so the corpus tests built on them can fail).
 */
import { describe, expect, it } from 'vitest';
import { MemorySource } from '../src/drivers/memory.js';
import type { FormatContext } from '../src/format/context.js';
import { DEFAULT_LIMITS } from '../src/format/limits.js';
import type { Datatype } from '../src/format/types.js';
import { decodeValues } from '../src/values/decode.js';
import { compareOracle, toOracleValue } from './helpers/oracle.js';

const ctx: FormatContext = {
  source: new MemorySource(new Uint8Array(0)),
  baseAddress: 0,
  sizeOfOffsets: 8,
  sizeOfLengths: 8,
  limits: DEFAULT_LIMITS,
  parsed: new Map(),
};
const i1: Datatype = { class: 'integer', size: 1, order: '<', signed: true, bitOffset: 0, precision: 8 };
const u8: Datatype = { class: 'integer', size: 8, order: '<', signed: false, bitOffset: 0, precision: 64 };
const f8: Datatype = {
  class: 'float',
  size: 8,
  order: '<',
  bitOffset: 0,
  precision: 64,
  signLocation: 63,
  exponentLocation: 52,
  exponentSize: 11,
  mantissaLocation: 0,
  mantissaSize: 52,
  exponentBias: 1023,
  mantissaNormalization: 2,
  padding: 0,
};

async function oracleOf(dt: Datatype, bytes: number[] | Uint8Array, shape: number[]): Promise<unknown> {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return toOracleValue(await decodeValues(ctx, b, dt, shape.reduce((a, x) => a * x, 1)), dt, shape);
}

describe('toOracleValue', () => {
  it('integers beyond 2^53 as decimal strings, floats with NaN/Infinity strings, scalars bare', async () => {
    const big = new Uint8Array(new BigUint64Array([1n, 2n ** 64n - 1n]).buffer);
    expect(await oracleOf(u8, big, [2])).toEqual([1, '18446744073709551615']);
    const f = new Uint8Array(new Float64Array([NaN, -Infinity, 0.5, Infinity]).buffer);
    expect(await oracleOf(f8, f, [2, 2])).toEqual([
      ['NaN', '-Infinity'],
      [0.5, 'Infinity'],
    ]);
    expect(await oracleOf(i1, [0xff], [])).toBe(-1);
  });

  it('h5py booleans, complex numbers, opaque hex, NUMPY-tagged strings, arrays nested by their dims', async () => {
    const bool: Datatype = { class: 'enum', size: 1, base: i1, members: [{ name: 'FALSE', value: 0 }, { name: 'TRUE', value: 1 }] };
    expect(await oracleOf(bool, [1, 0], [2])).toEqual([true, false]);
    const complex: Datatype = { class: 'compound', size: 16, members: [{ name: 'r', offset: 0, type: f8 }, { name: 'i', offset: 8, type: f8 }] };
    expect(await oracleOf(complex, new Uint8Array(new Float64Array([1.5, -2.5]).buffer), [])).toEqual({ r: 1.5, i: -2.5 });
    expect(await oracleOf({ class: 'opaque', size: 2, tag: '' }, [0x0a, 0xff, 0, 1], [2])).toEqual(['0aff', '0001']);
    expect(await oracleOf({ class: 'opaque', size: 3, tag: 'NUMPY:|S3' }, [0x61, 0x62, 0], [1])).toEqual(['ab']);
    const arr: Datatype = { class: 'array', size: 6, dims: [2, 3], base: i1 };
    expect(await oracleOf(arr, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2])).toEqual([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [
        [7, 8, 9],
        [10, 11, 12],
      ],
    ]);
  });

  it('undecodable fixed strings as {$bytes_hex}', async () => {
    expect(await oracleOf({ class: 'string', size: 2, padding: 'nullterm', charset: 'ascii' }, [0x80, 0, 0x41, 0x42], [2])).toEqual([
      { $bytes_hex: '80' },
      'AB',
    ]);
  });
});

describe('compareOracle', () => {
  it('accepts equal values and float noise within the tolerance', () => {
    expect(compareOracle([1, 'NaN', '18446744073709551615', { a: [true, null] }], [1, 'NaN', '18446744073709551615', { a: [true, null] }])).toEqual([]);
    expect(compareOracle(0.1 + 0.2, 0.3)).toEqual([]);
    expect(compareOracle(2 ** 40, '1099511627776')).toEqual([]);
  });

  it('reports every kind of difference with its path', () => {
    expect(compareOracle([1, 2], [1, 3])).toEqual(['[1]: expected 3, got 2']);
    expect(compareOracle(1.001, 1)).toHaveLength(1);
    expect(compareOracle('NaN', 0)).toHaveLength(1);
    expect(compareOracle([1], [1, 2])).toEqual(['<root>: expected 2 items, got 1']);
    expect(compareOracle({ a: 1, c: 3 }, { a: 1, b: 2 })).toEqual(['.b: missing (expected 2)', '.c: unexpected 3']);
    expect(compareOracle('18446744073709551614', '18446744073709551615')).toHaveLength(1);
    expect(compareOracle(2, { error: 'h5py failed' })).toHaveLength(1);
    expect(compareOracle({ error: 'ours' }, { $ref: null, error: 'h5py failed' })).toEqual([]);
    expect(compareOracle('anything', { $unserialisable: "numpy.datetime64('2017')" })).toEqual([]);
  });

  it('checks summaries against the whole array', () => {
    const data = Array.from({ length: 30 }, (_, i) => [i, i === 7 ? 'NaN' : i + 0.5]);
    const summary = {
      first: [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5],
      last: [25, 25.5, 26, 26.5, 27, 27.5, 28, 28.5, 29, 29.5],
      sum: data.flat().reduce<number>((s, v) => (typeof v === 'number' ? s + v : s), 0),
      min: 0,
      max: 29.5,
      nan_count: 1,
    };
    expect(compareOracle(data, summary, { depth: 2 })).toEqual([]);
    expect(compareOracle(data, { ...summary, nan_count: 0 }, { depth: 2 })).toEqual(['.nan_count: expected 0, got 1']);
    expect(compareOracle(data, { ...summary, sum: summary.sum + 1 }, { depth: 2 })).toHaveLength(1);
    expect(compareOracle(data, { ...summary, max: 30 }, { depth: 2 })).toHaveLength(1);
    const bigs = ['9223372036854775807', 1, '-9223372036854775808'];
    expect(compareOracle(bigs, { first: bigs, last: bigs, min: '-9223372036854775808', max: '9223372036854775807' })).toEqual([]);
    const recs = [
      { a: 1, s: 'x' },
      { a: 2, s: 'y' },
    ];
    expect(compareOracle(recs, { first: recs, last: recs, field_sums: { a: 3 } })).toEqual([]);
    expect(compareOracle(recs, { first: recs, last: recs, field_sums: { a: 4 } })).toHaveLength(1);
    // Variable-length sequences stay whole elements when flattening.
    const vl = [[[1], []], [[2, 3], [4]]];
    expect(compareOracle(vl, { first: [[1], [], [2, 3], [4]], last: [[1], [], [2, 3], [4]] })).toEqual([]);
  });
});
