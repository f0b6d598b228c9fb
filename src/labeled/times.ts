/**
 * CF time coordinates: "<unit> since <reference date>" with a calendar (CF conventions 4.4.1).
 *
 * Real-world calendars name instants, so their values decode to Dates (decodeTimes; instants, and
 * a Date prints proleptic Gregorian labels):
 *   standard, gregorian   mixed: the reference date is Julian before 1582-10-15, Gregorian after
 *                         (1582-10-05 to 1582-10-14 do not exist)
 *   proleptic_gregorian   Gregorian rules for every year
 *   julian                Julian rules for every year
 * Model calendars do not name instants (2000-02-30 exists in one, not in another), so their
 * values decode to CFDate labels in that calendar (decodeCalendarDates): noleap / 365_day,
 * all_leap / 366_day, 360_day.
 * 'none' and unknown calendars fail with Unsupported.
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

const DAY_MS = 86_400_000;

/** A date in a model calendar (noleap, all_leap, 360_day), as cftime would label it. */
export interface CFDate {
  calendar: string;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** Seconds, with the milliseconds as a fraction. */
  second: number;
}

type Kind = 'mixed' | 'gregorian' | 'julian' | { monthDays: number[] };

const MONTHS_365 = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MONTHS_366 = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MONTHS_360 = new Array<number>(12).fill(30);

const CALENDARS: Record<string, Kind> = {
  standard: 'mixed',
  gregorian: 'mixed',
  proleptic_gregorian: 'gregorian',
  julian: 'julian',
  noleap: { monthDays: MONTHS_365 },
  '365_day': { monthDays: MONTHS_365 },
  all_leap: { monthDays: MONTHS_366 },
  '366_day': { monthDays: MONTHS_366 },
  '360_day': { monthDays: MONTHS_360 },
};

const UNITS_RE =
  /^\s*([a-zA-Z]+)\s+since\s+(-?\d{1,4})-(\d{1,2})-(\d{1,2})(?:[T\s]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?)?\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)?\s*$/;

/** True when `units` reads as a CF time unit ("... since ..."). */
export function isTimeUnits(units: unknown): units is string {
  return typeof units === 'string' && UNITS_RE.test(units) && (units.trim().split(/\s+/)[0]!.toLowerCase() in UNIT_MS);
}

/** Julian day number of a Gregorian (proleptic) calendar date. */
function gregorianDay(y: number, m: number, d: number): number {
  const a = Math.floor((14 - m) / 12);
  const yy = y + 4800 - a;
  const mm = m + 12 * a - 3;
  return d + Math.floor((153 * mm + 2) / 5) + 365 * yy + Math.floor(yy / 4) - Math.floor(yy / 100) + Math.floor(yy / 400) - 32045;
}

/** Julian day number of a Julian calendar date. */
function julianDay(y: number, m: number, d: number): number {
  const a = Math.floor((14 - m) / 12);
  const yy = y + 4800 - a;
  const mm = m + 12 * a - 3;
  return d + Math.floor((153 * mm + 2) / 5) + 365 * yy + Math.floor(yy / 4) - 32083;
}

/** Julian day number of 1970-01-01. */
const UNIX_JDN = 2_440_588;

function calendarKind(calendar: unknown): { name: string; kind: Kind } {
  const name = String(calendar ?? 'standard').toLowerCase();
  const kind = CALENDARS[name];
  if (!kind) throw new H5Error('Unsupported', `time calendar '${name}' is not decoded (${Object.keys(CALENDARS).join(', ')} are)`);
  return { name, kind };
}

/** Days since the calendar's own day 0 for a model calendar: year x its length + days before the month + day. */
function modelDay(monthDays: number[], y: number, m: number, d: number): number {
  const yearDays = monthDays.reduce((a, b) => a + b, 0);
  let before = 0;
  for (let i = 0; i < m - 1; i++) before += monthDays[i]!;
  return y * yearDays + before + d - 1;
}

/**
 * The unit's length in milliseconds and the reference date as a millisecond count: since
 * 1970-01-01 for the real calendars, since the model calendar's year 0 for the others.
 */
export function parseTimeUnits(units: string, calendar: unknown = 'standard'): { unitMs: number; epochMs: number } {
  const { name, kind } = calendarKind(calendar);
  const m = UNITS_RE.exec(units);
  const unitMs = m ? UNIT_MS[m[1]!.toLowerCase()] : undefined;
  if (!m || unitMs === undefined) throw new H5Error('Invalid', `'${units}' is not a CF time unit`);
  const [y, mo, d, h, mi, s] = [m[2], m[3], m[4], m[5] ?? '0', m[6] ?? '0', m[7] ?? '0'].map(Number) as [number, number, number, number, number, number];
  const beforeSwitch = y < 1582 || (y === 1582 && (mo < 10 || (mo === 10 && d < 15)));
  const julian = kind === 'julian' || (kind === 'mixed' && beforeSwitch);
  const monthDays = typeof kind === 'object' ? kind.monthDays : y % 4 === 0 && (julian || y % 100 !== 0 || y % 400 === 0) ? MONTHS_366 : MONTHS_365;
  if (mo < 1 || mo > 12 || d < 1 || d > monthDays[mo - 1]! || h > 23 || mi > 59 || s >= 61) {
    throw new H5Error('Invalid', `'${units}': no such date in the ${name} calendar`);
  }
  let day: number;
  if (typeof kind === 'object') day = modelDay(kind.monthDays, y, mo, d);
  else {
    if (kind === 'mixed' && y === 1582 && mo === 10 && d > 4 && d < 15) {
      throw new H5Error('Invalid', `'${units}': 1582-10-05 to 1582-10-14 do not exist in the ${name} calendar`);
    }
    day = (julian ? julianDay(y, mo, d) : gregorianDay(y, mo, d)) - UNIX_JDN;
  }
  let epochMs = day * DAY_MS + (h * 60 + mi) * 60_000 + s * 1000;
  const tz = m[8];
  if (tz && /^[+-]/.test(tz)) {
    const [, sign, hh, mm] = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(tz)!;
    epochMs -= (sign === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm ?? 0)) * 60_000;
  }
  return { unitMs, epochMs };
}

/** A millisecond count since a model calendar's year 0 as a label in that calendar. */
function modelDate(calendar: string, monthDays: number[], ms: number): CFDate {
  const yearDays = monthDays.reduce((a, b) => a + b, 0);
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const year = Math.floor(days / yearDays);
  let dayOfYear = days - year * yearDays;
  let month = 0;
  while (dayOfYear >= monthDays[month]!) dayOfYear -= monthDays[month++]!;
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  return { calendar, year, month: month + 1, day: dayOfYear + 1, hour, minute, second: rest / 1000 };
}

/** Whether a calendar names instants (decodeTimes) rather than model-calendar labels (decodeCalendarDates). */
export function isModelCalendar(calendar: unknown): boolean {
  return typeof calendarKind(calendar).kind === 'object';
}

/** Values to milliseconds from the reference count, to the nearest ms (not truncated); null where missing. */
function offsets(values: ArrayLike<number | bigint>, unitMs: number, epochMs: number): (number | null)[] {
  const out = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    out[i] = Number.isFinite(v) ? Math.round(epochMs + v * unitMs) : null;
  }
  return out;
}

/**
 * Values (NaN for missing) in `units` of a real-world calendar (standard, gregorian,
 * proleptic_gregorian, julian) to Dates, to the nearest millisecond; missing values become null.
 * Model calendars fail with Unsupported: use decodeCalendarDates.
 */
export function decodeTimes(values: ArrayLike<number | bigint>, units: string, calendar?: unknown): (Date | null)[] {
  const { name, kind } = calendarKind(calendar);
  if (typeof kind === 'object') throw new H5Error('Unsupported', `the ${name} calendar does not name instants: decode it with decodeCalendarDates`);
  const { unitMs, epochMs } = parseTimeUnits(units, calendar);
  return offsets(values, unitMs, epochMs).map((ms) => (ms === null ? null : new Date(ms)));
}

/**
 * Values in `units` of a model calendar (noleap / 365_day, all_leap / 366_day, 360_day) to
 * CFDate labels in that calendar, as cftime gives them; missing values become null.
 */
export function decodeCalendarDates(values: ArrayLike<number | bigint>, units: string, calendar: unknown): (CFDate | null)[] {
  const { name, kind } = calendarKind(calendar);
  if (typeof kind !== 'object') throw new H5Error('Unsupported', `the ${name} calendar names instants: decode it with decodeTimes`);
  const { unitMs, epochMs } = parseTimeUnits(units, calendar);
  return offsets(values, unitMs, epochMs).map((ms) => (ms === null ? null : modelDate(name, kind.monthDays, ms)));
}
