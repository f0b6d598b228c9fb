/** CF decoding rules (src/labeled/cf.ts) and CF time units (src/labeled/times.ts) on hand-made values. */
import { describe, expect, it } from 'vitest';
import { H5Error } from '../src/errors.js';
import { decodeCF, scalarAttr } from '../src/labeled/cf.js';
import { decodeCalendarDates, decodeTimes, isTimeUnits, parseTimeUnits } from '../src/labeled/times.js';

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
    // The standard calendar is Julian before 1582-10-15: its 0001-01-01 is proleptic Gregorian 0000-12-30.
    expect(parseTimeUnits('minutes since 0001-01-01 00:00:00').epochMs).toBe(new Date('0000-12-30T00:00:00Z').getTime());
    expect(parseTimeUnits('minutes since 0001-01-01 00:00:00', 'proleptic_gregorian').epochMs).toBe(new Date('0001-01-01T00:00:00Z').getTime());
    expect(isTimeUnits('meters')).toBe(false);
    expect(isTimeUnits('fortnights since 2000-01-01')).toBe(false);
    expect(isTimeUnits('microseconds since 2000-01-01')).toBe(true);
  });

  it('decodes values to Dates, NaN to null, and sends model calendars to decodeCalendarDates', () => {
    const d = decodeTimes(new Float64Array([0, 1.5, NaN]), 'days since 2000-01-01', 'proleptic_gregorian');
    expect(d.map((x) => x?.toISOString() ?? null)).toEqual(['2000-01-01T00:00:00.000Z', '2000-01-02T12:00:00.000Z', null]);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(H5Error);
        return (e as H5Error).code;
      }
      return 'no error';
    };
    expect(code(() => decodeTimes([0], 'days since 2000-01-01', '360_day'))).toBe('Unsupported');
    expect(code(() => decodeCalendarDates([0], 'days since 2000-01-01', 'standard'))).toBe('Unsupported');
    expect(code(() => decodeTimes([0], 'days since 2000-01-01', 'none'))).toBe('Unsupported');
    expect(code(() => decodeTimes([0], 'days since 1582-10-10', 'standard'))).toBe('Invalid');
    expect(code(() => decodeCalendarDates([0], 'days since 2001-02-29', 'noleap'))).toBe('Invalid');
  });

  // Expected values below agree with cftime 1.6.2 (Debian's python3-cftime) num2date.
  it('the mixed Julian/Gregorian calendar steps from 1582-10-04 to 1582-10-15; julian is Julian throughout', () => {
    const iso = (xs: (Date | null)[]) => xs.map((x) => x!.toISOString().slice(0, 10));
    expect(iso(decodeTimes([0, 1], 'days since 1582-10-04', 'standard'))).toEqual(['1582-10-14', '1582-10-15']);
    expect(iso(decodeTimes([0, 1], 'days since 1582-10-04', 'proleptic_gregorian'))).toEqual(['1582-10-04', '1582-10-05']);
    // Julian 2000-01-01 is Gregorian 2000-01-14; Julian 1500-02-29 exists.
    expect(iso(decodeTimes([0], 'days since 2000-01-01', 'julian'))).toEqual(['2000-01-14']);
    expect(iso(decodeTimes([1], 'days since 1500-02-28', 'gregorian'))).toEqual(['1500-03-10']);
    // Julian 0001-01-01 is JDN 1721424 and Gregorian 2000-01-01 JDN 2451545: 730121 days apart
    // (Python's proleptic datetime counts 730119, two days fewer).
    expect(iso(decodeTimes([730_121], 'days since 0001-01-01', 'standard'))).toEqual(['2000-01-01']);
    expect(iso(decodeTimes([730_119], 'days since 0001-01-01', 'proleptic_gregorian'))).toEqual(['2000-01-01']);
  });

  it('model calendars decode to labels in their own calendar', () => {
    const label = (xs: (ReturnType<typeof decodeCalendarDates>[number])[]) =>
      xs.map((x) => (x ? `${x.year}-${x.month}-${x.day} ${x.hour}:${x.minute}:${x.second}` : null));
    expect(label(decodeCalendarDates([0, 29, 30, 59.5, 360, NaN], 'days since 2000-01-01', '360_day'))).toEqual([
      '2000-1-1 0:0:0', '2000-1-30 0:0:0', '2000-2-1 0:0:0', '2000-2-30 12:0:0', '2001-1-1 0:0:0', null,
    ]);
    expect(label(decodeCalendarDates([1, 365], 'days since 2000-02-28', 'noleap'))).toEqual(['2000-3-1 0:0:0', '2001-2-28 0:0:0']);
    expect(label(decodeCalendarDates([1], 'hours since 1999-12-31 23:00', '365_day'))).toEqual(['2000-1-1 0:0:0']);
    expect(label(decodeCalendarDates([1, -1.5], 'days since 2001-02-28', 'all_leap'))).toEqual(['2001-2-29 0:0:0', '2001-2-26 12:0:0']);
    expect(decodeCalendarDates([90.25], 'seconds since 2000-01-01', '360_day')[0]).toEqual({ calendar: '360_day', year: 2000, month: 1, day: 1, hour: 0, minute: 1, second: 30.25 });
  });
});
