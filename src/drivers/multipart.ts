import { H5Error } from '../errors.js';
import type { ByteRange } from '../source.js';
import { parseContentRange, type ContentRange } from './ranged.js';

/**
 * HTTP multi-range responses (RFC 9110 §14.6): a GET with `Range: bytes=a-b,c-d` answered by
 * `206 multipart/byteranges; boundary=B`, each part framed by `--B`, its own headers (a
 * Content-Range is required) and exactly the bytes that Content-Range names. Parsed strictly:
 * every part's length comes from its Content-Range, and the delimiter must follow it.
 */

/** One part of a multipart/byteranges body. */
export interface BytePart {
  start: number;
  /** Inclusive, as in Content-Range. */
  end: number;
  total: number | undefined;
  bytes: Uint8Array;
}

/** `Range: bytes=a-b,c-d,...` for ranges that are all non-empty. */
export function multiRangeHeader(ranges: readonly ByteRange[]): string {
  return `bytes=${ranges.map((r) => `${r.offset}-${r.offset + r.length - 1}`).join(',')}`;
}

/** The boundary of a `multipart/byteranges` Content-Type, or undefined for any other type. */
export function byterangesBoundary(contentType: string | null): string | undefined {
  if (!contentType) return undefined;
  const m = /^\s*multipart\/byteranges\s*;(.*)$/i.exec(contentType);
  if (!m) return undefined;
  const b = /(?:^|;)\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^;\s"]{1,70}))/i.exec(m[1]!);
  return b ? (b[1] ?? b[2]) : undefined;
}

const CR = 13;
const LF = 10;
const DASH = 45;

function bad(why: string, source: string): H5Error {
  return new H5Error('Network', `unexpected response: malformed multipart/byteranges body (${why})`, { source });
}

/** Whether `body` holds `text` (ASCII) at `at`. */
function hasAt(body: Uint8Array, at: number, text: string): boolean {
  if (at + text.length > body.length) return false;
  for (let i = 0; i < text.length; i++) if (body[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Parses a multipart/byteranges body into its parts, in the order sent. */
export function parseByteranges(body: Uint8Array, boundary: string, source: string): BytePart[] {
  const delimiter = `--${boundary}`;
  // A preamble is allowed before the first delimiter; the first delimiter starts a line.
  let pos = 0;
  while (!(hasAt(body, pos, delimiter) && (pos === 0 || body[pos - 1] === LF))) {
    const next = body.indexOf(DASH, pos + 1);
    if (next < 0 || pos > 1024) throw bad('no opening delimiter', source);
    pos = next;
  }
  const parts: BytePart[] = [];
  for (;;) {
    pos += delimiter.length;
    if (body[pos] === DASH && body[pos + 1] === DASH) return parts; // the close delimiter; an epilogue may follow
    // Transport padding (spaces, tabs) may follow a delimiter before its CRLF.
    while (body[pos] === 32 || body[pos] === 9) pos++;
    if (body[pos] !== CR || body[pos + 1] !== LF) throw bad('no line end after a delimiter', source);
    pos += 2;
    let range: ContentRange | undefined;
    for (;;) {
      const eol = body.indexOf(LF, pos);
      if (eol < 0 || body[eol - 1] !== CR) throw bad('unterminated part header', source);
      if (eol - pos > 8192) throw bad('part header line too long', source);
      const line = new TextDecoder().decode(body.subarray(pos, eol - 1));
      pos = eol + 1;
      if (line === '') break;
      const colon = line.indexOf(':');
      if (colon < 0) throw bad(`part header line "${line.slice(0, 80)}"`, source);
      if (line.slice(0, colon).trim().toLowerCase() === 'content-range') {
        range = parseContentRange(line.slice(colon + 1));
        if (range?.start === undefined) throw bad(`part Content-Range "${line.slice(colon + 1).trim()}"`, source);
      }
    }
    if (range?.start === undefined) throw bad('a part without Content-Range', source);
    const length = range.end! - range.start + 1;
    if (pos + length > body.length) throw bad(`part ${range.start}-${range.end} cut short`, source);
    parts.push({ start: range.start, end: range.end!, total: range.total, bytes: body.subarray(pos, pos + length) });
    pos += length;
    if (!(body[pos] === CR && body[pos + 1] === LF && hasAt(body, pos + 2, delimiter))) {
      throw bad(`no delimiter after part ${range.start}-${range.end}`, source);
    }
    pos += 2;
  }
}

/**
 * Each wanted range cut out of the parts that cover it (a server may merge adjacent or
 * overlapping ranges into one part, RFC 9110 §14.6). Ranges must already be clipped to the
 * object's size. Undefined if some range is not covered: the server did not answer what was asked.
 */
export function rangesFromParts(ranges: readonly ByteRange[], parts: readonly BytePart[]): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  for (const r of ranges) {
    const end = r.offset + r.length - 1;
    const part = parts.find((p) => p.start <= r.offset && p.end >= end);
    if (!part) return undefined;
    out.push(part.bytes.subarray(r.offset - part.start, r.offset - part.start + r.length));
  }
  return out;
}
