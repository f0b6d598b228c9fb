/**
 * A real HTTP server on 127.0.0.1 that serves byte buffers with Range support (single, suffix and
 * multi-range GETs, HEAD, ETag, Last-Modified, 416) and misbehaves on demand, one request at a time, the
 * way real servers and networks do. It records every request so tests count them.
 * Unknown paths get an S3-style 404 (NoSuchKey), so the S3 driver can use it as an endpoint.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerRanges } from '../../bench/byteranges.js';

export type Fault = (
  | { type: 'status'; status: number; body?: string; contentType?: string; headers?: Record<string, string> }
  /** 503 with the S3 XML body <Code>SlowDown</Code>. */
  | { type: 'slowdown' }
  /** Headers and `afterBytes` bytes of the body, then the socket is destroyed (a reset mid-body). */
  | { type: 'reset'; afterBytes: number }
  /** Content-Length for the whole range, but only `sendBytes` bytes before the connection ends. */
  | { type: 'short-declared'; sendBytes: number }
  /** Content-Range claims the whole range, Content-Length and body have only `sendBytes`. */
  | { type: 'short-consistent'; sendBytes: number }
  /** 200 with the whole object, as a server that ignores Range does. */
  | { type: 'ignore-range' }
  /** A normal response that carries this ETag instead of the real one. */
  | { type: 'etag'; etag: string }
  /** Waits `ms` before sending anything. */
  | { type: 'stall'; ms: number }
  /** Sends headers and `afterBytes` bytes, then waits `ms` before the rest. */
  | { type: 'stall-body'; afterBytes: number; ms: number }
  /** Serves at most `maxBytes` of the range, with an honest Content-Range (servers that cap ranges). */
  | { type: 'cap'; maxBytes: number }
  /** Answers with Content-Encoding: gzip (as a misconfigured server compressing 206s would). */
  | { type: 'gzip' }
) & {
  /** Which requests the fault applies to; default GET. */
  method?: 'GET' | 'HEAD';
};

export interface RecordedRequest {
  method: string;
  path: string;
  range: string | undefined;
  headers: IncomingHttpHeaders;
}

interface Entry {
  bytes: Buffer;
  etag: string;
  lastModified: string;
}

export interface RangeServerOptions {
  /** Send ETag headers (default true). */
  etag?: boolean;
  /** Send Last-Modified headers (default true). */
  lastModified?: boolean;
}

export class RangeServer {
  readonly requests: RecordedRequest[] = [];
  /** Status for every HEAD (e.g. 403 or 405 as with some signed URLs); undefined serves HEAD. */
  headStatus: number | undefined;
  /** Called for each request after the queue is consulted; a returned fault applies to it. */
  hook: ((req: RecordedRequest, index: number) => Fault | undefined) | undefined;
  /** Serve several ranges in one GET as multipart/byteranges (true); false ignores them and sends the whole body, as S3 does. */
  multiRange = true;
  sendEtag: boolean;
  sendLastModified: boolean;
  /** Responses whose connection the client closed before they were complete (a cancelled GET). */
  cancelled = 0;
  private readonly files = new Map<string, Entry>();
  private queue: Fault[] = [];
  private version = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    opts: RangeServerOptions,
  ) {
    this.sendEtag = opts.etag ?? true;
    this.sendLastModified = opts.lastModified ?? true;
  }

  static async start(opts: RangeServerOptions = {}): Promise<RangeServer> {
    let self: RangeServer | undefined;
    const server = createServer((req, res) => self!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new RangeServer(server, `http://127.0.0.1:${port}`, opts);
    return self;
  }

  /** The URL of a path on this server. */
  urlOf(path: string): string {
    return `${this.url}${path}`;
  }

  /** Serves `bytes` at `path`, replacing what was there (with a new ETag and Last-Modified). */
  put(path: string, bytes: Uint8Array): void {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.version++;
    const hash = createHash('sha1').update(buf).digest('hex').slice(0, 16);
    const lastModified = new Date(Date.UTC(2024, 0, 1, 0, 0, this.version)).toUTCString();
    this.files.set(path, { bytes: buf, etag: `"${hash}-${this.version}"`, lastModified });
  }

  /** Queues faults; each applies to the next request of its method, in order. */
  fault(...faults: Fault[]): void {
    this.queue.push(...faults);
  }

  /** Forgets recorded requests, queued faults, the hook and the HEAD refusal; serves multi-range again. */
  reset(): void {
    this.requests.length = 0;
    this.queue = [];
    this.hook = undefined;
    this.headStatus = undefined;
    this.multiRange = true;
  }

  count(method = 'GET'): number {
    return this.requests.filter((r) => r.method === method).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private takeFault(req: RecordedRequest, index: number): Fault | undefined {
    const i = this.queue.findIndex((f) => (f.method ?? 'GET') === req.method);
    if (i >= 0) return this.queue.splice(i, 1)[0];
    return this.hook?.(req, index);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const rec: RecordedRequest = { method: req.method ?? 'GET', path, range: req.headers.range, headers: req.headers };
    this.requests.push(rec);
    res.on('close', () => {
      if (!res.writableFinished) this.cancelled++;
    });
    const fault = this.takeFault(rec, this.requests.length - 1);
    // Drain the request so keep-alive works; the body of a GET/HEAD is empty anyway.
    req.resume();
    if (fault?.type === 'stall') {
      const timer = setTimeout(() => this.respond(req, res, rec, undefined), fault.ms);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    this.respond(req, res, rec, fault);
  }

  private respond(req: IncomingMessage, res: ServerResponse, rec: RecordedRequest, fault: Fault | undefined): void {
    if (fault?.type === 'status') {
      res.writeHead(fault.status, { 'Content-Type': fault.contentType ?? 'text/plain', ...fault.headers });
      res.end(rec.method === 'HEAD' ? undefined : (fault.body ?? `status ${fault.status}`));
      return;
    }
    if (fault?.type === 'slowdown') {
      return xmlError(res, 503, 'SlowDown', 'Please reduce your request rate.');
    }
    const file = this.files.get(rec.path);
    if (!file) return xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    const size = file.bytes.length;
    const headers: Record<string, string> = { 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' };
    if (this.sendEtag) headers.ETag = fault?.type === 'etag' ? fault.etag : file.etag;
    if (this.sendLastModified) headers['Last-Modified'] = file.lastModified;
    if (fault?.type === 'gzip') headers['Content-Encoding'] = 'gzip';

    if (rec.method === 'HEAD') {
      if (this.headStatus !== undefined) {
        res.writeHead(this.headStatus);
        return void res.end();
      }
      res.writeHead(200, { ...headers, 'Content-Length': String(size) });
      return void res.end();
    }
    if (rec.method !== 'GET') return xmlError(res, 405, 'MethodNotAllowed', 'Only GET and HEAD.');

    if (rec.range?.includes(',') && this.multiRange && fault === undefined) {
      // Several ranges: a multipart/byteranges answer, as nginx and Apache give.
      const answer = answerRanges(rec.range, size, (start, end) => file.bytes.subarray(start, end + 1));
      res.writeHead(answer.status, { ...headers, ...answer.headers });
      return void res.end(Buffer.concat(answer.body));
    }
    const range = fault?.type === 'ignore-range' ? undefined : parseRange(rec.range, size);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Type': 'application/xml' });
      return void res.end(`<?xml version="1.0"?><Error><Code>InvalidRange</Code><ActualObjectSize>${size}</ActualObjectSize></Error>`);
    }
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (range !== undefined) {
      [start, end] = range;
      status = 206;
      if (fault?.type === 'cap') end = Math.min(end, start + fault.maxBytes - 1);
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
    const body = file.bytes.subarray(start, end + 1);
    headers['Content-Length'] = String(body.length);

    switch (fault?.type) {
      case 'reset':
        res.writeHead(status, headers);
        res.write(body.subarray(0, fault.afterBytes), () => res.socket?.destroy());
        return;
      case 'short-declared':
        res.writeHead(status, headers);
        res.write(body.subarray(0, fault.sendBytes), () => res.socket?.end());
        return;
      case 'short-consistent': {
        const part = body.subarray(0, fault.sendBytes);
        res.writeHead(status, { ...headers, 'Content-Length': String(part.length) });
        return void res.end(part);
      }
      case 'stall-body': {
        res.writeHead(status, headers);
        res.write(body.subarray(0, fault.afterBytes));
        const timer = setTimeout(() => res.end(body.subarray(fault.afterBytes)), fault.ms);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      default:
        res.writeHead(status, headers);
        res.end(body);
    }
  }
}

/** [start, end] inclusive, undefined for no (or a multi-) range, 'unsatisfiable' for a 416. */
function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    // Suffix range: the last N bytes.
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return [Math.max(0, size - n), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return [start, end];
}

function xmlError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

/** Deterministic pseudo-random bytes (xorshift32), so a wrong offset never matches by chance. */
export function testBytes(n: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Byte equality for large arrays (toEqual walks megabytes slowly); names the first differing byte. */
export function sameBytes(got: Uint8Array, want: Uint8Array): string {
  if (got.length !== want.length) return `length ${got.length}, want ${want.length}`;
  const i = Buffer.from(got.buffer, got.byteOffset, got.length).equals(Buffer.from(want.buffer, want.byteOffset, want.length))
    ? -1
    : got.findIndex((v, k) => v !== want[k]);
  return i < 0 ? 'equal' : `byte ${i} is ${got[i]}, want ${want[i]}`;
}
