/**
 * CF time coordinates: "<unit> since <reference date>" with a calendar, to Date values. JS Dates
 * are proleptic Gregorian in UTC, so only the standard/gregorian/proleptic_gregorian calendars
 * are decoded (for dates after 1582-10-15 they agree); others fail with Unsupported.
 */
import { H5Error } from '../errors.js';

const UNIT_MS: Record<string, number> = {
  microseconds: 1e-3, microsecond: 1e-3, us: 1e-3,
  milliseconds: 1, millisecond: 1, msec: 1, ms: 1,
  seconds: 1000, second: 1000, secs: 1000, sec: 1000, s: 1000,
  minutes: 60_000, minute: 60_000, mins: 60_000, min: 60_000,
  hours: 3_600_000, hour: 3_600_000, hrs: 3_600_000, hr: 3_600_000, h: 3_600_000,
  days: 86_400_000, day: 86_400_000, d: 86_400_000,
};

const CALENDARS = new Set(['standard', 'gregorian', 'proleptic_gregorian']);

const UNITS_RE =
  /^\s*([a-zA-Z]+)\s+since\s+(-?\d{1,4})-(\d{1,2})-(\d{1,2})(?:[T\s]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?)?\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)?\s*$/;

/** True when `units` reads as a CF time unit ("... since ..."). */
export function isTimeUnits(units: unknown): units is string {
  return typeof units === 'string' && UNITS_RE.test(units) && (units.trim().split(/\s+/)[0]!.toLowerCase() in UNIT_MS);
}

/** The unit's length in milliseconds and the epoch in ms since 1970, from a CF units string. */
export function parseTimeUnits(units: string, calendar: unknown = 'standard'): { unitMs: number; epochMs: number } {
  const cal = String(calendar ?? 'standard').toLowerCase();
  if (!CALENDARS.has(cal)) throw new H5Error('Unsupported', `time calendar '${cal}' is not decoded (standard, gregorian and proleptic_gregorian are)`);
  const m = UNITS_RE.exec(units);
  const unitMs = m ? UNIT_MS[m[1]!.toLowerCase()] : undefined;
  if (!m || unitMs === undefined) throw new H5Error('Invalid', `'${units}' is not a CF time unit`);
  const [y, mo, d, h, mi, s] = [m[2], m[3], m[4], m[5] ?? '0', m[6] ?? '0', m[7] ?? '0'].map(Number) as number[];
  let epochMs = Date.UTC(y!, mo! - 1, d!, h!, mi!, 0) + s! * 1000;
  if (y! >= 0 && y! < 100) {
    // Date.UTC maps years 0-99 to 1900-1999.
    const t = new Date(epochMs);
    t.setUTCFullYear(y!);
    epochMs = t.getTime();
  }
  const tz = m[8];
  if (tz && /^[+-]/.test(tz)) {
    const [, sign, hh, mm] = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(tz)!;
    epochMs -= (sign === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm ?? 0)) * 60_000;
  }
  return { unitMs, epochMs };
}

/** Values (NaN for missing) in `units` to Dates (millisecond precision); missing values become null. */
export function decodeTimes(values: ArrayLike<number | bigint>, units: string, calendar?: unknown): (Date | null)[] {
  const { unitMs, epochMs } = parseTimeUnits(units, calendar);
  const out = new Array<Date | null>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    out[i] = Number.isFinite(v) ? new Date(Math.round(epochMs + v * unitMs)) : null; // to the nearest ms, not truncated
  }
  return out;
}
