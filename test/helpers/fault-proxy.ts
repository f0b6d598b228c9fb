/**
 * A fault-injecting HTTP proxy on 127.0.0.1 in front of a real server (the range server or
 * s3rver). Each request is either forwarded untouched or answered with one fault chosen by
 * `choose`: the way networks, CDNs and overloaded object stores misbehave. It counts the faults
 * it injected so tests can report them.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyFault =
  /** Forward after a delay (a latency spike; the response is correct). */
  | { type: 'latency'; ms: number }
  /** Never answer: the client's per-request timeout must fire. */
  | { type: 'stall' }
  /** Headers and part of the body, then nothing: a stall mid-body. */
  | { type: 'stall-body'; fraction: number }
  | { type: 'status'; status: 500 | 502 | 503 | 504 }
  /** 503 with S3's <Code>SlowDown</Code> body. */
  | { type: 'slowdown' }
  /** Headers and part of the body, then the socket is destroyed. */
  | { type: 'reset'; fraction: number }
  /** The full Content-Length declared, part of the body sent, then a clean end. */
  | { type: 'short'; fraction: number }
  /** 200 with the whole object, as a server or cache that ignores Range. */
  | { type: 'full200' }
  /** The range served from another version of the object, with that version's ETag. */
  | { type: 'replaced' };

export interface ProxyRequest {
  method: string;
  path: string;
  range: string | undefined;
}

/** Bytes the proxy can answer with itself, for 'full200' and 'replaced'. */
export interface ObjectVersions {
  current: Uint8Array;
  replacement: Uint8Array;
}

export class FaultProxy {
  /** Faults injected, by type; 'none' counts forwarded requests. */
  readonly injected = new Map<string, number>();
  choose: (req: ProxyRequest) => ProxyFault | undefined = () => undefined;
  private readonly objects = new Map<string, ObjectVersions>();
  /** The upstream's ETag per path, learned from forwarded responses (a 'full200' must carry it). */
  private readonly etags = new Map<string, string>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly upstream: URL,
  ) {}

  static async start(upstream: string): Promise<FaultProxy> {
    let self: FaultProxy | undefined;
    const server = createServer((req, res) => self!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new FaultProxy(server, `http://127.0.0.1:${port}`, new URL(upstream));
    return self;
  }

  /** Lets the proxy answer 'full200' and 'replaced' for `path` (as the client's URL path spells it). */
  serve(path: string, versions: ObjectVersions): void {
    this.objects.set(path, versions);
  }

  total(): number {
    let n = 0;
    for (const [k, v] of this.injected) if (k !== 'none') n += v;
    return n;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const path = (req.url ?? '/').split('?')[0]!;
    const info: ProxyRequest = { method: req.method ?? 'GET', path, range: req.headers.range };
    let fault = req.method === 'GET' ? this.choose(info) : undefined;
    const versions = this.objects.get(path);
    // Faults the proxy answers itself need the object's bytes (and, for full200, its ETag).
    if ((fault?.type === 'full200' && (!versions || !this.etags.has(path))) || (fault?.type === 'replaced' && !versions)) fault = undefined;
    this.injected.set(fault?.type ?? 'none', (this.injected.get(fault?.type ?? 'none') ?? 0) + 1);
    switch (fault?.type) {
      case 'latency':
        return void setTimeout(() => this.forward(req, res, path, undefined), fault.ms);
      case 'stall':
        return; // the client gives up; close() ends the socket
      case 'status':
        res.writeHead(fault.status, { 'Content-Type': 'text/plain' });
        return void res.end(`injected ${fault.status}`);
      case 'slowdown':
        res.writeHead(503, { 'Content-Type': 'application/xml' });
        return void res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      case 'full200': {
        const body = versions!.current;
        res.writeHead(200, { 'Content-Length': String(body.length), ETag: this.etags.get(path)!, 'Content-Type': 'application/octet-stream' });
        return void res.end(body);
      }
      case 'replaced':
        return this.serveRange(res, versions!.replacement, info.range, '"replaced-version"');
      default:
        return this.forward(req, res, path, fault);
    }
  }

  private forward(req: IncomingMessage, res: ServerResponse, path: string, fault: ProxyFault | undefined): void {
    const up = request(
      { host: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        const etag = upRes.headers.etag;
        if (typeof etag === 'string' && upRes.statusCode && upRes.statusCode < 300) this.etags.set(path, etag);
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        if (!fault || fault.type === 'latency') return void upRes.pipe(res);
        // Body faults: collect the upstream body, then send only part of it.
        const parts: Buffer[] = [];
        upRes.on('data', (c: Buffer) => parts.push(c));
        upRes.on('end', () => {
          const body = Buffer.concat(parts);
          const f = fault as { type: string; fraction: number };
          const cut = body.subarray(0, Math.floor(body.length * f.fraction));
          res.write(cut, () => {
            if (f.type === 'reset') res.socket?.destroy();
            else if (f.type === 'short') res.socket?.end();
            // stall-body: leave it open; the client's timeout fires.
          });
        });
      },
    );
    up.on('error', () => res.socket?.destroy());
    up.end();
  }

  private serveRange(res: ServerResponse, bytes: Uint8Array, range: string | undefined, etag: string): void {
    const m = range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
    if (!m) {
      res.writeHead(200, { 'Content-Length': String(bytes.length), ETag: etag });
      return void res.end(bytes);
    }
    const start = Number(m[1]);
    const end = Math.min(m[2] ? Number(m[2]) : bytes.length - 1, bytes.length - 1);
    if (start >= bytes.length) {
      res.writeHead(416, { 'Content-Range': `bytes */${bytes.length}` });
      return void res.end();
    }
    const body = bytes.subarray(start, end + 1);
    res.writeHead(206, { 'Content-Length': String(body.length), 'Content-Range': `bytes ${start}-${end}/${bytes.length}`, ETag: etag });
    res.end(body);
  }
}
