/**
 * The benchmark's network: a local range server (what S3 does for ranged GETs) behind a WAN
 * emulator that adds a round-trip time before every response's first byte and caps bandwidth,
 * shared by all concurrent responses (one pipe, like one client's link). The emulator counts
 * requests, bytes and sequential waves, so every reader is measured by the same meter, not by
 * its own statistics. `/redirect/<file>` answers like NASA Earthdata or a signed-URL service: a
 * 302 to a short-lived `/signed/<file>?expires=...` URL, each hop a round trip of its own.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { openSync, readSync, fstatSync, closeSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { answerRanges } from './byteranges.js';

export interface WanOptions {
  /** Added before each response's first byte (request + response latency), ms. */
  rttMs: number;
  /** Link bandwidth in bits per second, shared across concurrent responses. */
  bitsPerSecond: number;
  /** Bytes per paced slice (default 64 KiB); tests make it small to interleave many slices. */
  sliceBytes?: number;
  /** How long a signed URL handed out by `/redirect/` stays valid, ms (default 60 s). */
  signedTtlMs?: number;
}

export interface WanCounters {
  /** Every request answered (redirects and HEADs included), warm-ups excepted. */
  requests: number;
  /** Body bytes sent through the emulated link. */
  bytes: number;
  /**
   * Sequential waves: the longest chain of requests each sent after the previous one's response
   * ended. Requests in flight together share a wave; one sent after a response was complete
   * (because it needed those bytes, or waited for a free connection) starts the next.
   */
  waves: number;
  /** 302s answered on `/redirect/` paths. */
  redirects: number;
  /** Signed URLs refused because they had expired (403). */
  expired: number;
  /** Requests that carried If-Match (a persistent cache's validator). */
  conditional: number;
  /** 412s: If-Match named a version the file no longer is. */
  preconditionFailed: number;
  /** Responses held for the round-trip time before their first byte (every answered request). */
  delayed: number;
  /** Slices paced through the shared link (a response of n bytes takes ceil(n / sliceBytes)). */
  slices: number;
}

/** Serves files (by basename) with single- and multi-range GETs and HEAD; reads from disk per request. */
async function startRangeServer(files: string[]): Promise<{ server: Server; port: number }> {
  const byName = new Map(files.map((f) => [basename(f), f]));
  const server = createServer((req, res) => {
    const path = byName.get(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1)));
    if (!path) return void res.writeHead(404).end();
    const fd = openSync(path, 'r');
    try {
      const { size, mtimeMs } = fstatSync(fd);
      // A file rewritten in place gets a new ETag (as S3 gives a new object), even at the same size.
      const etag = `"${basename(path)}-${size}-${Math.round(mtimeMs)}"`;
      // If-Match as S3 answers it: 412 when the object is no longer the version the client read.
      if (req.headers['if-match'] !== undefined && req.headers['if-match'] !== etag) return void res.writeHead(412, { ETag: etag, 'Content-Length': 0 }).end();
      if (req.method === 'HEAD') return void res.writeHead(200, { 'Content-Length': size, 'Accept-Ranges': 'bytes', ETag: etag }).end();
      // One range, several (multipart/byteranges, as nginx and Apache serve them) or none.
      const answer = answerRanges(req.headers.range, size, (start, end) => {
        const piece = Buffer.allocUnsafe(end - start + 1);
        readSync(fd, piece, 0, piece.length, start);
        return piece;
      });
      res.writeHead(answer.status, { ...answer.headers, 'Accept-Ranges': 'bytes', ETag: etag }).end(Buffer.concat(answer.body));
    } finally {
      closeSync(fd);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

const sleepUntil = (t: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, t - performance.now())));

/** Bytes per slice: fine enough that concurrent responses interleave (~5 ms at 100 Mbit/s). */
const SLICE = 64 * 1024;

const zero = (): WanCounters => ({ requests: 0, bytes: 0, waves: 0, redirects: 0, expired: 0, conditional: 0, preconditionFailed: 0, delayed: 0, slices: 0 });

export class WanEmulator {
  readonly counters: WanCounters = zero();
  /** When the shared link is next free (performance.now() ms). */
  private busyUntil = 0;
  /** The deepest wave among responses already complete: a request arriving now is one deeper. */
  private deepestDone = 0;

  private constructor(
    private readonly opts: WanOptions,
    private readonly upstream: { server: Server; port: number },
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(files: string[], opts: WanOptions): Promise<WanEmulator> {
    const upstream = await startRangeServer(files);
    let self: WanEmulator | undefined;
    const server = createServer((req, res) => void self!.handle(req, res));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new WanEmulator(opts, upstream, server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  reset(): void {
    this.t0 = performance.now();
    if (this.log) this.log.length = 0;
    Object.assign(this.counters, zero());
    this.deepestDone = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    // A warm-up request: the client's HTTP stack loads before the clock starts; not counted.
    if (req.url === '/__warm') return void res.writeHead(204).end();
    // Control endpoints for an emulator in another process (bench/wan-serve.ts); not counted.
    if (req.url === '/__counters') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(this.counters));
    if (req.url === '/__reset') {
      this.reset();
      return void res.writeHead(204).end();
    }
    this.counters.requests++;
    if (req.headers['if-match'] !== undefined) this.counters.conditional++;
    const arrived = performance.now();
    const wave = this.deepestDone + 1;
    const url = new URL(req.url ?? '/', this.url);
    const done = () => {
      this.deepestDone = Math.max(this.deepestDone, wave);
      this.counters.waves = Math.max(this.counters.waves, wave);
    };
    const route = url.pathname.split('/');
    if (route[1] === 'redirect' || route[1] === 'signed') {
      const name = route.slice(2).join('/');
      await sleepUntil(arrived + this.opts.rttMs);
      this.counters.delayed++;
      if (route[1] === 'redirect') {
        // A signed-URL service: the data URL answers with where the bytes are, valid for a while.
        this.counters.redirects++;
        const expires = Math.round(Date.now() + (this.opts.signedTtlMs ?? 60_000));
        res.writeHead(302, { Location: `/signed/${name}?expires=${expires}&signature=bench`, 'Content-Length': 0 }).end();
        done();
        this.note(req, arrived, 0);
        return;
      }
      if (Number(url.searchParams.get('expires')) < Date.now()) {
        // S3 answers an expired presigned URL with 403 AccessDenied.
        this.counters.expired++;
        res.writeHead(403, { 'Content-Length': 0 }).end();
        done();
        this.note(req, arrived, 0);
        return;
      }
    }
    const path = route[1] === 'signed' ? `/${route.slice(2).join('/')}` : url.pathname;
    const up = await new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
      const r = request({ host: '127.0.0.1', port: this.upstream.port, path, method: req.method, headers: { range: req.headers.range ?? '', ...(req.headers['if-match'] ? { 'if-match': req.headers['if-match'] } : {}) } }, (u) => {
        const parts: Buffer[] = [];
        u.on('data', (c: Buffer) => parts.push(c));
        u.on('end', () => resolve({ status: u.statusCode ?? 502, headers: u.headers, body: Buffer.concat(parts) }));
        u.on('error', reject);
      });
      r.on('error', reject);
      r.end();
    }).catch(() => undefined);
    if (!up) return void res.writeHead(502).end();
    if (up.status === 412) this.counters.preconditionFailed++;
    // Time to first byte: one round trip after the request arrived (a signed URL's already waited).
    if (route[1] !== 'signed') {
      await sleepUntil(arrived + this.opts.rttMs);
      this.counters.delayed++;
    }
    const headers: Record<string, string | string[]> = {};
    for (const k of ['content-length', 'content-range', 'content-type', 'accept-ranges', 'etag']) {
      const v = up.headers[k];
      if (v !== undefined) headers[k] = v;
    }
    res.writeHead(up.status, headers);
    const bytesPerMs = this.opts.bitsPerSecond / 8 / 1000;
    const sliceBytes = this.opts.sliceBytes ?? SLICE;
    // One response's slices go out in order from this one loop: independent timers per slice
    // would let a late timer's slice overtake an earlier one and corrupt the body.
    // Each slice's slot follows this response's previous slot (not the clock), so a timer that
    // wakes late does not slow the emulated link down.
    let prevEnd = performance.now();
    for (let off = 0; off < up.body.length; off += sliceBytes) {
      const slice = up.body.subarray(off, off + sliceBytes);
      // Reserve the shared link for this slice; concurrent responses queue behind each other.
      const start = Math.max(prevEnd, this.busyUntil);
      prevEnd = this.busyUntil = start + slice.length / bytesPerMs;
      await sleepUntil(prevEnd);
      if (res.destroyed) return;
      this.counters.bytes += slice.length;
      this.counters.slices++;
      if (!res.write(slice)) await new Promise<void>((r) => res.once('drain', () => r()));
    }
    res.end();
    done();
    this.note(req, arrived, up.body.length);
  }

  private note(req: IncomingMessage, arrived: number, bytes: number): void {
    if (this.log) this.log.push({ range: `${req.method} ${req.url} ${req.headers.range ?? ''}`, arrived: arrived - this.t0, done: performance.now() - this.t0, bytes });
  }

  /** Per-request log (for diagnosis), relative to the last reset(). */
  log: Array<{ range: string; arrived: number; done: number; bytes: number }> | undefined = process.env.WAN_LOG ? [] : undefined;
  private t0 = performance.now();

  async close(): Promise<void> {
    for (const s of [this.server, this.upstream.server]) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }
}
