/**
 * Dates and durations in where-clauses, as pandas reads them in `HDFStore.select`: a string
 * compared with a datetime column is a `Timestamp` (a naive one taken as UTC, since pandas
 * compares it with the stored UTC instants; an offset or `Z` is honoured), a string compared
 * with a timedelta column a `Timedelta`, and a number compared with a timedelta column seconds.
 * Both become int64 counts of the column's unit.
 */

/** A column of int64 counts of `unit`: datetimes (UTC instants) or timedeltas. */
export interface TimeColumn {
  kind: 'datetime' | 'timedelta';
  unit: 's' | 'ms' | 'us' | 'ns';
}

const NS_PER: Record<TimeColumn['unit'], bigint> = { s: 1_000_000_000n, ms: 1_000_000n, us: 1000n, ns: 1n };

/** Counts of `unit` from nanoseconds, rounded down (a date between two ticks sorts after the earlier one). */
export function fromNanos(ns: bigint, unit: TimeColumn['unit']): bigint {
  const per = NS_PER[unit];
  const q = ns / per;
  return ns % per !== 0n && ns < 0n ? q - 1n : q;
}

/** Nanoseconds since 1970-01-01 UTC of a fraction of a second written as digits ('5' → 500 ms). */
function fractionNanos(digits: string | undefined): bigint {
  return digits ? BigInt((digits + '000000000').slice(0, 9)) : 0n;
}

function daysFromCivil(y: number, m: number, d: number): number {
  // Date.UTC handles years 0-99 as 1900+; setUTCFullYear does not.
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  return Math.floor(t.getTime() / 86400000);
}

/**
 * The ISO 8601 forms pandas' Timestamp reads, and their compact and slashed variants:
 * '2020', '2020-01', '2020-01-02', '20200102', '2020/01/02', each optionally followed by
 * (T or space) 'HH', 'HH:MM', 'HH:MM:SS', 'HH:MM:SS.fff' (or 'HHMM', 'HHMMSS'), then 'Z',
 * '+HH:MM', '+HHMM', '+HH' or ' UTC'. Returns nanoseconds since the epoch (UTC), or null.
 */
export function parseDate(text: string): bigint | null {
  const m = /^\s*(\d{4})(?:([-/]?)(\d{2})(?:\2(\d{2}))?)?(?:[T ](\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?\s*$/i.exec(text);
  if (!m) return null;
  const [, ys, , mos, ds, hs, mis, ss, frac, zone] = m;
  const y = Number(ys), mo = Number(mos ?? 1), d = Number(ds ?? 1);
  const h = Number(hs ?? 0), mi = Number(mis ?? 0), sec = Number(ss ?? 0);
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(2000, mo, 0)).getUTCDate() || h > 23 || mi > 59 || sec > 59) return null;
  if (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return null;
  let offsetMinutes = 0;
  if (zone && /^[+-]/.test(zone)) {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    offsetMinutes = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0));
  }
  const seconds = BigInt(daysFromCivil(y, mo, d)) * 86400n + BigInt(h * 3600 + mi * 60 + sec - offsetMinutes * 60);
  return seconds * 1_000_000_000n + fractionNanos(frac);
}

const DURATION_UNITS: Array<[RegExp, bigint]> = [
  [/^(?:d|days?)$/i, 86_400_000_000_000n],
  [/^(?:h|hr|hrs|hours?)$/i, 3_600_000_000_000n],
  [/^(?:m|min|mins|minutes?|t)$/i, 60_000_000_000n],
  [/^(?:s|sec|secs|seconds?)$/i, 1_000_000_000n],
  [/^(?:ms|milli|millis|milliseconds?|l)$/i, 1_000_000n],
  [/^(?:us|µs|micro|micros|microseconds?|u)$/i, 1000n],
  [/^(?:ns|nano|nanos|nanoseconds?|n)$/i, 1n],
];

/** A decimal number of `per` nanoseconds, exactly ('1.5' hours). */
function scaled(num: string, per: bigint): bigint {
  const [int, frac = ''] = num.split('.');
  return BigInt(int || '0') * per + (BigInt((frac + '000000000').slice(0, 9)) * per) / 1_000_000_000n;
}

/**
 * The duration strings pandas' Timedelta reads: '1 days 02:00:00.5', '-1 day, 3:00:00',
 * '02:00:00', and unit sequences '1h30m', '90min', '1.5 hours', '10s'. Nanoseconds, or null.
 */
export function parseDuration(text: string): bigint | null {
  let s = text.trim();
  let sign = 1n;
  if (s.startsWith('-')) {
    sign = -1n;
    s = s.slice(1).trim();
  } else if (s.startsWith('+')) s = s.slice(1).trim();
  if (!s) return null;
  const clock = /^(?:(\d+)\s*days?,?\s*)?(?:(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/i.exec(s);
  if (clock && (clock[1] !== undefined || clock[2] !== undefined)) {
    const [, days, h, mi, sec, frac] = clock;
    const seconds = BigInt(days ?? 0) * 86400n + BigInt(Number(h ?? 0) * 3600 + Number(mi ?? 0) * 60 + Number(sec ?? 0));
    return sign * (seconds * 1_000_000_000n + fractionNanos(frac));
  }
  let total = 0n;
  let rest = s;
  while (rest) {
    const part = /^(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-zµ]+)\s*,?\s*/.exec(rest);
    if (!part) return null;
    const per = DURATION_UNITS.find(([re]) => re.test(part[2]!))?.[1];
    if (per === undefined) return null;
    total += scaled(part[1]!, per);
    rest = rest.slice(part[0].length);
  }
  return sign * total;
}

/** Seconds (pandas' unit for a bare number against a timedelta column) as nanoseconds. */
export function secondsToNanos(v: number | bigint): bigint {
  if (typeof v === 'bigint') return v * 1_000_000_000n;
  return BigInt(Math.round(v * 1e9));
}
