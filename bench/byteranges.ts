/**
 * Answers a Range header the way an HTTP server does (RFC 9110 §14): one range as a 206 with
 * Content-Range, several as a 206 multipart/byteranges body, none satisfiable as a 416. Used by
 * the bench's range server (wan-proxy.ts) and the tests' (test/helpers/range-server.ts), so both
 * serve multi-range GETs as nginx and Apache do. Ranges are served as asked, never merged, so
 * the bytes counted are the bytes a client asked for plus the multipart framing.
 */

export interface RangeAnswer {
  status: 200 | 206 | 416;
  headers: Record<string, string | number>;
  /** The body's pieces, in order (parts of the file and multipart framing). */
  body: Buffer[];
}

/** Most ranges one request may carry (a server's defence against range floods). */
export const MAX_RANGES = 1000;

/**
 * The [start, end] (inclusive) byte ranges of a `bytes=` header within `size`, unsatisfiable
 * ones dropped; undefined when the header is absent or not a bytes range (serve the whole body).
 */
export function parseRangeHeader(header: string | undefined, size: number): Array<[number, number]> | undefined {
  const m = /^\s*bytes\s*=\s*(.+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const specs = m[1]!.split(',').map((x) => x.trim());
  if (specs.length > MAX_RANGES || specs.some((x) => !/^(\d*)-(\d*)$/.test(x) || x === '-')) return undefined;
  const out: Array<[number, number]> = [];
  for (const spec of specs) {
    const [a, b] = spec.split('-') as [string, string];
    let start: number;
    let end: number;
    if (a === '') {
      start = Math.max(0, size - Number(b));
      end = size - 1;
    } else {
      start = Number(a);
      end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
      if (b !== '' && Number(b) < start) return undefined; // invalid: the whole header is ignored
    }
    if (start < size && end >= start) out.push([start, end]);
  }
  return out;
}

/** The answer to `rangeHeader` for a file of `size` bytes, reading its pieces with `slice`. */
export function answerRanges(rangeHeader: string | undefined, size: number, slice: (start: number, end: number) => Buffer, contentType = 'application/octet-stream'): RangeAnswer {
  const ranges = parseRangeHeader(rangeHeader, size);
  if (ranges === undefined) {
    return { status: 200, headers: { 'Content-Length': size, 'Content-Type': contentType }, body: [slice(0, size - 1)] };
  }
  if (ranges.length === 0) return { status: 416, headers: { 'Content-Range': `bytes */${size}`, 'Content-Length': 0 }, body: [] };
  if (ranges.length === 1) {
    const [start, end] = ranges[0]!;
    return {
      status: 206,
      headers: { 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Type': contentType },
      body: [slice(start, end)],
    };
  }
  const boundary = `coh5-byteranges-${size.toString(36)}-${ranges.length}`;
  const body: Buffer[] = [];
  for (const [start, end] of ranges) {
    body.push(Buffer.from(`\r\n--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: bytes ${start}-${end}/${size}\r\n\r\n`, 'latin1'));
    body.push(slice(start, end));
  }
  body.push(Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1'));
  return {
    status: 206,
    headers: { 'Content-Length': body.reduce((n, b) => n + b.length, 0), 'Content-Type': `multipart/byteranges; boundary=${boundary}` },
    body,
  };
}
