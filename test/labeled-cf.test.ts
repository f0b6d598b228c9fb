/** CF decoding rules (src/labeled/cf.ts) and CF time units (src/labeled/times.ts) on hand-made values. */
import { describe, expect, it } from 'vitest';
import { H5Error } from '../src/errors.js';
import { decodeCF, scalarAttr } from '../src/labeled/cf.js';
import { decodeTimes, isTimeUnits, parseTimeUnits } from '../src/labeled/times.js';

const arr = (x: unknown): number[] => Array.from(x as ArrayLike<number>);

describe('decodeCF', () => {
  it('leaves non-numeric data and attribute-free data alone', () => {
    expect(decodeCF(['a', 'b'], { _FillValue: 'a' })).toBeNull();
    const d = new Int32Array([1, 2]);
    expect(decodeCF(d, {})!.data).toBe(d);
    expect(decodeCF(d, {})!.mask).toBeUndefined();
  });

  it('masks floats with NaN: _FillValue (one-element arrays too), missing_value lists, valid_range', () => {
    const out = decodeCF(new Float64Array([1, -999, 5, 1e30, -1, 7]), {
      _FillValue: new Float64Array([-999]),
      missing_value: new Float64Array([1e30, 7]),
      valid_range: new Float64Array([0, 100]),
    })!;
    expect(arr(out.data)).toEqual([1, NaN, 5, NaN, NaN, NaN]);
    expect(out.data).toBeInstanceOf(Float64Array);
    // A NaN _FillValue matches NaNs; valid_min alone leaves the top open.
    expect(arr(decodeCF(new Float32Array([NaN, 3, -3]), { _FillValue: NaN, valid_min: 0 })!.data)).toEqual([NaN, 3, NaN]);
  });

  it('unpacks scale_factor/add_offset after masking the packed values', () => {
    const out = decodeCF(new Int16Array([0, 100, -32768, 250]), { scale_factor: 0.5, add_offset: 10, _FillValue: -32768, valid_max: 200 })!;
    expect(out.data).toBeInstanceOf(Float32Array);
    expect(arr(out.data)).toEqual([10, 60, NaN, NaN]);
    const wide = decodeCF(new Int32Array([3]), { scale_factor: 2 })!;
    expect(wide.data).toBeInstanceOf(Float64Array);
    expect(arr(wide.data)).toEqual([6]);
    expect(arr(decodeCF(new BigInt64Array([5n, -1n]), { add_offset: 1, _FillValue: -1n })!.data)).toEqual([6, NaN]);
  });

  it('keeps unscaled integers as integers with a mask; honours _Unsigned', () => {
    const out = decodeCF(new Int8Array([-2, 0, 4, 9]), { missing_value: -2, valid_min: -1, valid_max: 4 })!;
    expect(out.data).toBeInstanceOf(Int8Array);
    expect(Array.from(out.mask!)).toEqual([1, 0, 0, 1]);
    const u = decodeCF(new Int8Array([-1, 1]), { _Unsigned: 'true', _FillValue: 255 })!;
    expect(arr(u.data)).toEqual([255, 1]);
    expect(Array.from(u.mask!)).toEqual([1, 0]);
    const big = decodeCF(new BigInt64Array([7n, 8n]), { _FillValue: 8n })!;
    expect(Array.from(big.mask!)).toEqual([0, 1]);
  });

  it('scalarAttr takes the first element of arrays', () => {
    expect(scalarAttr(new Int32Array([42]))).toBe(42);
    expect(scalarAttr([3n])).toBe(3n);
    expect(scalarAttr('x')).toBeUndefined();
  });
});

describe('CF time units', () => {
  it('parses units and reference dates in the forms CF allows', () => {
    expect(parseTimeUnits('seconds since 2018-01-01T00:00:00.000000Z')).toEqual({ unitMs: 1000, epochMs: Date.UTC(2018, 0, 1) });
    expect(parseTimeUnits('days since 1970-1-1')).toEqual({ unitMs: 86_400_000, epochMs: 0 });
    expect(parseTimeUnits('hours since 2000-01-01 12:30:15.5 +02:00').epochMs).toBe(Date.UTC(2000, 0, 1, 10, 30, 15, 500));
    expect(parseTimeUnits('minutes since 0001-01-01 00:00:00').epochMs).toBe(new Date('0001-01-01T00:00:00Z').getTime());
    expect(isTimeUnits('meters')).toBe(false);
    expect(isTimeUnits('fortnights since 2000-01-01')).toBe(false);
    expect(isTimeUnits('microseconds since 2000-01-01')).toBe(true);
  });

  it('decodes values to Dates, NaN to null, and refuses calendars Dates cannot hold', () => {
    const d = decodeTimes(new Float64Array([0, 1.5, NaN]), 'days since 2000-01-01', 'proleptic_gregorian');
    expect(d.map((x) => x?.toISOString() ?? null)).toEqual(['2000-01-01T00:00:00.000Z', '2000-01-02T12:00:00.000Z', null]);
    let err: unknown;
    try {
      decodeTimes([0], 'days since 2000-01-01', '360_day');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(H5Error);
    expect((err as H5Error).code).toBe('Unsupported');
  });
});
