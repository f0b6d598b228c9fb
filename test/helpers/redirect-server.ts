/**
 * A signed-URL service on two real HTTP servers, two origins, as NASA Earthdata and most data
 * portals run it: the portal answers a data URL (with a bearer token) by a 302/307 to a
 * short-lived signed URL on the store; the store checks the signature's age and serves ranges.
 * Both record every request (method, path, query, headers) so tests count round trips and see
 * which credentials reached which origin.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  range: string | undefined;
  headers: IncomingHttpHeaders;
}

export interface RedirectServerOptions {
  /** The token the portal wants as `Authorization: Bearer ...`; none: the portal is open. */
  token?: string;
  /** Redirect status (default 302). */
  status?: number;
  /** How the signed URL names its expiry: SigV4 (X-Amz-Date + X-Amz-Expires, default) or `Expires` (epoch seconds). */
  style?: 'sigv4' | 'expires';
}

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const amzDate = (t: number) => new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

export class RedirectServer {
  readonly portalRequests: SeenRequest[] = [];
  readonly storeRequests: SeenRequest[] = [];
  /** Lifetime of the signed URLs handed out from now on, seconds. */
  ttlSeconds = 3600;
  /** Signatures issued before this generation are refused with 403, whatever their age (a revocation, or a clock that ran past them). */
  private generation = 0;
  /** When set, the portal redirects every data URL to itself (a misconfigured service). */
  loop = false;
  private readonly files = new Map<string, { bytes: Buffer; etag: string }>();
  private version = 0;

  private constructor(
    private readonly portal: Server,
    private readonly store: Server,
    readonly portalUrl: string,
    readonly storeUrl: string,
    private readonly opts: RedirectServerOptions,
  ) {}

  static async start(opts: RedirectServerOptions = {}): Promise<RedirectServer> {
    let self: RedirectServer | undefined;
    const portal = createServer((req, res) => self!.onPortal(req, res));
    const store = createServer((req, res) => self!.onStore(req, res));
    const [p, s] = [await listen(portal), await listen(store)];
    self = new RedirectServer(portal, store, p, s, opts);
    return self;
  }

  /** The data URL of a file. */
  dataUrl(name: string): string {
    return `${this.portalUrl}/data/${name}`;
  }

  put(name: string, bytes: Uint8Array): void {
    this.files.set(name, { bytes: Buffer.from(bytes), etag: `"v${++this.version}"` });
  }

  /** Every signed URL handed out so far stops working (the store answers 403). */
  expireAll(): void {
    this.generation++;
  }

  reset(): void {
    this.portalRequests.length = 0;
    this.storeRequests.length = 0;
  }

  async close(): Promise<void> {
    for (const s of [this.portal, this.store]) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }

  private record(list: SeenRequest[], req: IncomingMessage): SeenRequest {
    const u = new URL(req.url ?? '/', 'http://x');
    const seen = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, range: req.headers.range, headers: req.headers };
    list.push(seen);
    req.resume();
    return seen;
  }

  private onPortal(req: IncomingMessage, res: ServerResponse): void {
    const seen = this.record(this.portalRequests, req);
    if (this.opts.token !== undefined && req.headers.authorization !== `Bearer ${this.opts.token}`) {
      return void res.writeHead(401, { 'Content-Type': 'text/plain' }).end('token needed');
    }
    const name = seen.path.replace(/^\/data\//, '');
    if (this.loop) return void res.writeHead(302, { Location: `/data/${name}` }).end();
    if (!this.files.has(name)) return void res.writeHead(404).end();
    const now = Date.now();
    const q = this.opts.style === 'expires'
      ? `Expires=${Math.floor(now / 1000) + this.ttlSeconds}&Signature=g${this.generation}`
      : `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=${amzDate(now)}&X-Amz-Expires=${this.ttlSeconds}&X-Amz-Signature=g${this.generation}`;
    res.writeHead(this.opts.status ?? 302, { Location: `${this.storeUrl}/bucket/${name}?${q}`, 'Content-Length': 0 }).end();
  }

  private onStore(req: IncomingMessage, res: ServerResponse): void {
    const seen = this.record(this.storeRequests, req);
    const q = seen.query;
    const signature = q.get('X-Amz-Signature') ?? q.get('Signature');
    const expiresAt = q.has('Expires')
      ? Number(q.get('Expires')) * 1000
      : Date.parse((q.get('X-Amz-Date') ?? '').replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z')) + Number(q.get('X-Amz-Expires')) * 1000;
    // S3 refuses a request that carries two authentication mechanisms (a signed query and an Authorization header).
    if (req.headers.authorization) return void res.writeHead(400, { 'Content-Type': 'text/plain' }).end('only one auth mechanism allowed');
    if (signature !== `g${this.generation}` || !(Date.now() < expiresAt)) {
      return void res.writeHead(403, { 'Content-Type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
    }
    const file = this.files.get(seen.path.replace(/^\/bucket\//, ''));
    if (!file) return void res.writeHead(404).end();
    const size = file.bytes.length;
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined && ifMatch !== file.etag) return void res.writeHead(412, { ETag: file.etag }).end();
    const m = /^bytes=(\d+)-(\d+)$/.exec(seen.range ?? '');
    if (req.method === 'HEAD') return void res.writeHead(403).end(); // signed for GET only, as S3 presigned URLs are
    if (!m) return void res.writeHead(200, { 'Content-Length': size, ETag: file.etag }).end(file.bytes);
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), size - 1);
    if (start >= size) return void res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1, ETag: file.etag }).end(file.bytes.subarray(start, end + 1));
  }
}
