import { H5Error, throwIfAborted } from '../errors.js';
import type { ByteRange, ReadOptions } from '../source.js';
import { checkRange } from './memory.js';
import { byterangesBoundary, multiRangeHeader, parseByteranges, rangesFromParts } from './multipart.js';
import { RangedSource, concat, parseContentRange, safeInt, shortBody, type RemoteOptions } from './ranged.js';
import { isConnectionError, markRetryable } from './retry.js';
import { redactUrl } from './url.js';
import { REDIRECT_STATUSES, isFresh, nextHop, originOf, resolvedUrl, signedUrlExpiry, type ResolvedUrl } from './redirect.js';

export interface HttpOptions extends RemoteOptions {
  /** Extra request headers (an Authorization token, say); sent to the data URL's origin only, not to where it redirects. */
  headers?: Record<string, string> | Array<[string, string]> | Headers;
  /** Replaces the global fetch: to sign URLs, add tracing, or route through a proxy. */
  fetch?: typeof globalThis.fetch;
  /**
   * A bearer token (NASA Earthdata, most data portals): sent as `Authorization: Bearer <token>`
   * to the data URL's origin only, never to the signed URL it redirects to.
   */
  token?: string;
  /** Passed to fetch in browsers ('include' sends cookies cross-origin). */
  credentials?: 'omit' | 'same-origin' | 'include';
  /** Passed to fetch in browsers. */
  mode?: 'cors' | 'no-cors' | 'same-origin';
}

/**
 * A file on an HTTP(S) server read with Range requests. Browser-safe: only fetch.
 * Opening costs nothing; the first read learns the size (Content-Range) and pins the version
 * (ETag, else Last-Modified): a later response from another version fails with 'Changed'.
 * The server must answer Range with 206; a 200 with the whole body is refused, not downloaded.
 */
export class HttpSource extends RangedSource {
  private readonly url: string;
  /** Basic credentials from the URL's user:password (fetch refuses URLs that carry them). */
  private readonly authorization: string | undefined;
  private readonly fetchFn: typeof globalThis.fetch;
  /** Whether a failed cross-origin request was a CORS refusal (see blockedByCors); undefined until asked. */
  private corsBlocked: boolean | undefined;
  private readonly origin: string;
  /** Where the data URL redirected to, while usable (see redirect.ts). */
  private resolved: ResolvedUrl | undefined;
  /** Settles when the request now following the data URL's redirects reaches the signed URL, or its answer. */
  private resolving: Promise<void> | undefined;
  /** Whether the data URL has redirected (then bursts share one resolution). */
  private redirects = false;
  /** Whether fetch must follow redirects itself (browsers hide them from 'manual'). */
  private fetchFollows = false;

  constructor(
    url: string | URL,
    private readonly options: HttpOptions = {},
  ) {
    super(redactUrl(url), options);
    const { url: bare, authorization } = splitUserinfo(String(url));
    this.url = bare;
    this.authorization = authorization;
    this.origin = originOf(bare);
    if (options.fetch === undefined && typeof globalThis.fetch !== 'function') {
      throw new H5Error('Unsupported', 'no fetch in this environment; pass options.fetch', { source: this.key });
    }
    // Browsers reject fetch called with a `this` other than window ("Illegal invocation").
    this.fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /**
   * One request for the data URL. The first one follows its redirects (if any) and remembers the
   * final URL; later ones go straight there until it expires or is refused, then the data URL is
   * asked again. Once the data URL is known to redirect, requests that start while a resolution is
   * in flight wait for its signed URL instead of each paying the redirect (a plain server's burst
   * never waits: nothing to wait for, and waiting would cost a wave).
   */
  private async request(method: 'GET' | 'HEAD', range: string | undefined, signal: AbortSignal): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      if (this.redirects && this.resolving && !isFresh(this.resolved)) await this.resolving;
      const target = this.resolved;
      if (!isFresh(target)) return this.resolve(method, range, signal);
      const res = await this.send(target.url, method, range, signal, this.fetchFollows ? 'follow' : 'manual');
      // Quirk: an expired or revoked signed URL answers 403 (S3), 401 or 400 (some CDNs); the data
      // URL hands out a fresh one. HEAD is not re-resolved: URLs signed for GET refuse it anyway.
      // A signed URL that itself redirects has moved on: ask the data URL where to go now.
      const refused = (method === 'GET' && (res.status === 400 || res.status === 401 || res.status === 403)) || REDIRECT_STATUSES.has(res.status);
      if (!refused) return res;
      res.body?.cancel().catch(() => {});
      if (this.resolved === target) this.resolved = undefined;
      // Once more through a signed URL another request just fetched; then the data URL, whatever it says.
      if (attempt > 0) return this.resolve(method, range, signal);
    }
  }

  /** Asks the data URL, following redirects; remembers where a successful answer came from. */
  private resolve(method: 'GET' | 'HEAD', range: string | undefined, signal: AbortSignal): Promise<Response> {
    let release!: () => void;
    const resolving = new Promise<void>((r) => (release = r));
    const mine = this.resolving === undefined;
    if (mine) this.resolving = resolving;
    const settle = () => {
      if (this.resolving === resolving) this.resolving = undefined;
      release();
    };
    let early: ResolvedUrl | undefined;
    const p = this.follow(method, range, signal, (next) => {
      // A hop to a signed URL (it names its expiry) is where the bytes are: waiters may go now.
      if (!mine || signedUrlExpiry(next) === undefined) return;
      this.redirects = true;
      this.resolved = early = resolvedUrl(next);
      settle();
    });
    void p
      .then(
        (res) => {
          const final = this.finalUrl(res);
          if ((res.ok || res.status === 416) && final !== this.url) {
            this.redirects = true;
            this.resolved = resolvedUrl(final);
          } else if (early !== undefined && this.resolved === early) this.resolved = undefined;
        },
        () => {
          if (early !== undefined && this.resolved === early) this.resolved = undefined;
        },
      )
      .finally(settle);
    return p;
  }

  /** Where a response came from: the last hop we followed, or what fetch followed (response.url). */
  private finalUrl(res: Response): string {
    return this.lastHops.get(res) ?? (res.redirected && res.url ? res.url : this.url);
  }

  private readonly lastHops = new WeakMap<Response, string>();

  /**
   * Follows redirects by hand (redirect: 'manual'), so credentials go only to the data URL's origin
   * and a loop is a clear error. Where fetch hides redirects (browsers answer 'manual' with an
   * opaque response), fetch follows them itself and response.url tells where it ended.
   */
  private async follow(method: 'GET' | 'HEAD', range: string | undefined, signal: AbortSignal, onHop: (url: string) => void): Promise<Response> {
    if (this.fetchFollows) return this.send(this.url, method, range, signal, 'follow');
    const seen = new Set<string>();
    let url = this.url;
    for (;;) {
      const res = await this.send(url, method, range, signal, 'manual');
      if (res.type === 'opaqueredirect') {
        this.fetchFollows = true;
        return this.send(this.url, method, range, signal, 'follow');
      }
      if (!REDIRECT_STATUSES.has(res.status)) {
        if (url !== this.url) this.lastHops.set(res, url);
        return res;
      }
      res.body?.cancel().catch(() => {});
      seen.add(url);
      url = nextHop(url, res.status, res.headers.get('location'), seen, this.key);
      onHop(url);
    }
  }

  /** One fetch. The caller's headers, token and credentials go to the data URL's origin only. */
  private send(url: string, method: 'GET' | 'HEAD', range: string | undefined, signal: AbortSignal, redirect: RequestRedirect): Promise<Response> {
    const home = originOf(url) === this.origin;
    const headers = new Headers(home ? this.options.headers : undefined);
    if (home && this.options.token !== undefined && !headers.has('Authorization')) headers.set('Authorization', `Bearer ${this.options.token}`);
    if (home && this.authorization !== undefined && !headers.has('Authorization')) headers.set('Authorization', this.authorization);
    if (range !== undefined) headers.set('Range', range);
    const validator = this.conditionalHeader();
    // Quirk: If-Match is not a CORS-safelisted header, so a page would pay a preflight round trip
    // for it cross-origin; there the response's ETag (which the server must expose) is compared instead.
    if (validator && !this.crossOriginFromPage(url)) headers.set(validator[0], validator[1]);
    // No Accept-Encoding here: the Fetch standard itself adds `identity` to any request with Range
    // (so ranges count file bytes, not gzip bytes), and a second copy would be a duplicate header.
    const init: RequestInit = { method, headers, signal, redirect };
    // Cookies ('include') stay with the data URL's origin: a signed URL needs none, and S3's CORS refuses credentialed reads.
    if (this.options.credentials !== undefined) init.credentials = home ? this.options.credentials : 'omit';
    if (this.options.mode !== undefined) init.mode = this.options.mode;
    return this.fetchFn(url, init).catch(async (e: unknown) => {
      if (await this.blockedByCors(e, signal)) throw corsError(this.key, this.url);
      throw this.transportError(e);
    });
  }

  /** True in a page or worker reading another origin than its own (where CORS applies). */
  private crossOriginFromPage(url: string): boolean {
    const page = (globalThis as { location?: { origin?: string } }).location?.origin;
    return typeof page === 'string' && page !== 'null' && originOf(url) !== page;
  }

  /**
   * Browsers report a CORS refusal exactly as a dead network ("Failed to fetch"). A `no-cors` HEAD
   * tells them apart: it resolves (opaquely) when the server answered, rejects when it is unreachable.
   * Only for cross-origin requests in a page; the answer is kept, so it is asked once per source.
   */
  private async blockedByCors(e: unknown, signal: AbortSignal): Promise<boolean> {
    if (this.corsBlocked !== undefined) return this.corsBlocked;
    const page = (globalThis as { location?: { origin?: string } }).location?.origin;
    if (!(e instanceof TypeError) || !isConnectionError(e) || page === undefined || this.options.mode === 'no-cors') return false;
    let target: string;
    try {
      target = new URL(this.url).origin;
    } catch {
      return false;
    }
    if (target === page) return false;
    try {
      const probe = await this.fetchFn(this.url, { method: 'HEAD', mode: 'no-cors', signal, credentials: this.options.credentials });
      this.corsBlocked = probe.type === 'opaque' || probe.ok;
    } catch {
      return false; // unreachable: a network failure, which a retry may cure
    }
    return this.corsBlocked;
  }

  /**
   * Multi-range support: undefined until the first multi-range request tells, then true, or false
   * for a server that ignored it (answered 200, one range, or not every range asked for).
   */
  multiRange: boolean | undefined;

  /**
   * Many ranges in one GET (`Range: bytes=a-b,c-d,...`), answered `206 multipart/byteranges`
   * and parsed strictly. Where the server does not serve multi-range, this call falls back to
   * one GET per range and `multiRange` becomes false, so callers stop asking.
   */
  async readRanges(ranges: readonly ByteRange[], options: ReadOptions = {}): Promise<Uint8Array[]> {
    const { signal } = options;
    for (const r of ranges) checkRange(r.offset, r.length, this.key);
    throwIfAborted(signal);
    const clipped = ranges.map((r) => ({ offset: r.offset, length: this.clip(r.offset, r.length) }));
    const asked = clipped.filter((r) => r.length > 0);
    if (asked.length > 1 && this.multiRange !== false && this.knownSize !== undefined) {
      const got = await this.attempt(signal, asked[0]!.offset, (s) => this.fetchRanges(asked, s));
      if (got) {
        let k = 0;
        return clipped.map((r) => (r.length > 0 ? got[k++]! : new Uint8Array(0)));
      }
      this.multiRange = false;
    }
    return Promise.all(ranges.map((r) => this.read(r.offset, r.length, options)));
  }

  /** One multi-range GET; undefined when the server did not answer it as one (then nothing was kept). */
  private async fetchRanges(ranges: readonly ByteRange[], signal: AbortSignal): Promise<Uint8Array[] | undefined> {
    const offset = ranges[0]!.offset;
    const res = await this.request('GET', multiRangeHeader(ranges), signal);
    try {
      // 200 (Range ignored for several ranges), 416: not served as asked; the body stays unread.
      if (res.status === 200 || res.status === 416) return undefined;
      if (res.status !== 206) throw await this.statusError(res, offset);
      this.checkVersion(versionOf(res), offset, res.status);
      checkEncoding(res, this.key);
      const boundary = byterangesBoundary(res.headers.get('content-type'));
      const body = await this.body(res, offset);
      if (boundary === undefined) {
        // One part: a server may merge the ranges into one (RFC 9110 §14.6); else it served only some.
        const cr = parseContentRange(res.headers.get('content-range'));
        if (cr?.start === undefined) return undefined;
        if (body.length !== cr.end! - cr.start + 1) throw shortBody(body.length, cr.end! - cr.start + 1, this.key, offset);
        if (cr.total !== undefined) this.learnSize(cr.total, offset);
        const out = rangesFromParts(ranges, [{ start: cr.start, end: cr.end!, total: cr.total, bytes: body }]);
        if (out) this.multiRange = true;
        return out;
      }
      const parts = parseByteranges(body, boundary, this.key);
      for (const p of parts) if (p.total !== undefined) this.learnSize(p.total, p.start);
      // A multipart answer without some range asked for: the server serves multi-range only in part.
      const out = rangesFromParts(ranges, parts);
      if (out) this.multiRange = true;
      return out;
    } finally {
      if (!res.bodyUsed) res.body?.cancel().catch(() => {});
    }
  }

  protected async fetchRange(offset: number, length: number, signal: AbortSignal, onBytes?: ReadOptions['onBytes']): Promise<Uint8Array> {
    const res = await this.request('GET', `bytes=${offset}-${offset + length - 1}`, signal);
    try {
      if (res.status === 416) return this.onUnsatisfiable(res, offset);
      if (res.status !== 206 && res.status !== 200) throw await this.statusError(res, offset);
      this.checkVersion(versionOf(res), offset, res.status);
      checkEncoding(res, this.key);
      if (res.status === 200) return await this.onWholeBody(res, offset, length);
      const header = res.headers.get('content-range');
      const cr = parseContentRange(header);
      if (header !== null && cr?.start === undefined) throw this.badResponse(`unparsable Content-Range ${header}`, offset);
      if (cr?.total !== undefined) this.learnSize(cr.total, offset);
      if (cr !== undefined && (cr.start !== offset || cr.end! >= offset + length)) {
        throw this.badResponse(`server sent bytes ${cr.start}-${cr.end} for bytes ${offset}-${offset + length - 1}`, offset);
      }
      const body = await this.body(res, offset, cr === undefined ? undefined : cr.end! - cr.start! + 1, onBytes);
      if (cr === undefined) {
        // Quirk: a CORS response hides Content-Range unless the server exposes it; trust the body.
        if (body.length > length) throw this.badResponse(`${body.length} bytes for a ${length}-byte range`, offset);
        if (body.length < length && this.knownSize === undefined) this.knownSize = offset + body.length;
        return body;
      }
      const promised = cr.end! - cr.start! + 1;
      if (body.length > promised) throw this.badResponse(`${body.length} bytes for Content-Range ${cr.start}-${cr.end}`, offset);
      if (body.length < promised) throw shortBody(body.length, promised, this.key, offset);
      return body;
    } finally {
      // Never leave a body unread on an error path: it would pin the connection (or download on).
      if (!res.bodyUsed) res.body?.cancel().catch(() => {});
    }
  }

  /** 416: the range starts at or after EOF (`Content-Range: bytes *\/SIZE`): an empty read. */
  private onUnsatisfiable(res: Response, offset: number): Uint8Array {
    this.checkVersion(versionOf(res), offset, 416);
    const cr = parseContentRange(res.headers.get('content-range'));
    if (cr?.total !== undefined) {
      this.learnSize(cr.total, offset);
      if (offset < cr.total) throw this.badResponse(`416 for a range inside the ${cr.total}-byte object`, offset, 416);
    }
    return new Uint8Array(0);
  }

  /**
   * 200: the server ignored Range. Acceptable only when the whole object is no longer than what
   * was asked for at offset 0; otherwise refuse rather than download the whole file.
   */
  private async onWholeBody(res: Response, offset: number, length: number): Promise<Uint8Array> {
    const declared = res.headers.get('content-length');
    const total = declared === null ? undefined : Number(declared);
    if (offset !== 0 || total === undefined || !Number.isSafeInteger(total) || total > length) {
      throw new H5Error(
        'Unsupported',
        `the server ignored the Range header (status 200 with the whole ${declared ?? 'unknown'}-byte body); coh5 needs HTTP range requests`,
        { source: this.key, offset, status: 200 },
      );
    }
    const body = await this.body(res, offset);
    if (body.length !== total) throw shortBody(body.length, total, this.key, offset);
    this.learnSize(total, offset);
    return body;
  }

  /** HEAD for Content-Length; where HEAD is refused (some signed URLs sign GET only), GET bytes=0-0. */
  protected async probeSize(signal: AbortSignal): Promise<number> {
    const head = await this.request('HEAD', undefined, signal);
    const declared = head.headers.get('content-length');
    if (head.ok && declared !== null && !head.headers.get('content-encoding')) {
      this.checkVersion(versionOf(head), undefined, head.status);
      return this.learnSize(safeInt(declared));
    }
    if (!head.ok && head.status !== 403 && head.status !== 405 && head.status !== 501) throw await this.statusError(head, undefined);
    const res = await this.request('GET', 'bytes=0-0', signal);
    try {
      if (res.status !== 206 && res.status !== 200 && res.status !== 416) throw await this.statusError(res, 0);
      this.checkVersion(versionOf(res), 0, res.status);
      // A 206 or 416 names the size in Content-Range; a 200 (Range ignored) in Content-Length.
      const size = res.status === 200 ? res.headers.get('content-length') : parseContentRange(res.headers.get('content-range'))?.total;
      if (size === null || size === undefined) {
        throw new H5Error('Unsupported', 'the server does not report the object size', { source: this.key, status: res.status });
      }
      return this.learnSize(typeof size === 'number' ? size : safeInt(size));
    } finally {
      res.body?.cancel().catch(() => {});
    }
  }

  /**
   * The response body. With `onBytes` and a known length, streamed into one buffer and reported
   * as it fills, so the start of a combined range is used before its end arrives.
   */
  private async body(res: Response, offset: number, expected?: number, onBytes?: ReadOptions['onBytes']): Promise<Uint8Array> {
    try {
      if (!onBytes || expected === undefined || !res.body) return new Uint8Array(await res.arrayBuffer());
      return await streamBody(res.body, expected, onBytes);
    } catch (e) {
      throw this.transportError(e, offset);
    }
  }

  private transportError(e: unknown, offset?: number): H5Error {
    if (e instanceof H5Error) return e;
    // fetch's own messages may quote the URL: keep its signature parameters out of ours.
    let text = (e instanceof Error ? e.message : String(e)).split(this.url).join(this.key);
    if (this.resolved) text = text.split(this.resolved.url).join(redactUrl(this.resolved.url));
    const cause = e instanceof Error && e.message !== text ? Object.assign(new Error(text), { name: e.name }) : e;
    const err = new H5Error('Network', `request failed: ${text}`, {
      source: this.key,
      offset,
      cause,
    });
    return isConnectionError(e) ? markRetryable(err) : err;
  }

  private badResponse(why: string, offset: number, status?: number): H5Error {
    return new H5Error('Network', `unexpected response: ${why}`, { source: this.key, offset, status });
  }

  /** An H5Error for a failure status: 404 NotFound, 412 Changed, 408/429/5xx retryable 'Network'. */
  private async statusError(res: Response, offset: number | undefined): Promise<H5Error> {
    const details = { source: this.key, offset, status: res.status };
    if (res.status === 404 || res.status === 410) return new H5Error('NotFound', `no such object (HTTP ${res.status})`, details);
    if (res.status === 412) return new H5Error('Changed', 'the object changed while being read (HTTP 412)', details);
    const code = await errorCode(res);
    if (res.status === 401 || res.status === 403) {
      return new H5Error('AccessDenied', `access denied (HTTP ${res.status}${code ? ` ${code}` : ''}): the server needs credentials (headers) or a presigned URL`, details);
    }
    const err = new H5Error('Network', `request failed (HTTP ${res.status}${code ? ` ${code}` : ''})`, details);
    return res.status === 408 || res.status === 429 || res.status >= 500 ? markRetryable(err) : err;
  }
}

/** Opens a URL for range reads. No request is made until the first read. */
export async function openHttp(url: string | URL, options: HttpOptions = {}): Promise<HttpSource> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(String(url))?.[1]?.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') throw new H5Error('Invalid', 'not an http(s) URL', { source: redactUrl(url) });
  return new HttpSource(url, options);
}

/** The URL without user:password, and those as a Basic Authorization header (as curl sends them). */
function splitUserinfo(url: string): { url: string; authorization?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url };
  }
  if (!u.username && !u.password) return { url };
  const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  u.username = '';
  u.password = '';
  const bytes = new TextEncoder().encode(pair);
  let latin1 = '';
  for (const b of bytes) latin1 += String.fromCharCode(b);
  return { url: u.href, authorization: `Basic ${btoa(latin1)}` };
}

function versionOf(res: Response) {
  return { etag: res.headers.get('etag'), lastModified: res.headers.get('last-modified') };
}

/** Quirk: Content-Encoding on a 206 means the range counts encoded bytes, which fetch then decodes. */
function checkEncoding(res: Response, key: string): void {
  const enc = res.headers.get('content-encoding');
  if (enc && enc.toLowerCase() !== 'identity') {
    throw new H5Error('Unsupported', `the server compressed the response (Content-Encoding: ${enc}); byte ranges would not match the file`, {
      source: key,
      status: res.status,
    });
  }
}

/** The S3-style `<Code>SlowDown</Code>` of an XML error body, for the message; such bodies are small. */
async function errorCode(res: Response): Promise<string | undefined> {
  if (!/xml/i.test(res.headers.get('content-type') ?? '')) return undefined;
  try {
    return /<Code>([A-Za-z0-9.]{1,64})<\/Code>/.exec(await res.text())?.[1];
  } catch {
    return undefined;
  }
}

/** Not retried: the page's origin may not read this server until the server's CORS rule changes. */
function corsError(key: string, url: string): H5Error {
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin ?? 'this page';
  return new H5Error(
    'AccessDenied',
    `blocked by CORS: ${new URL(url).origin} answered, but does not let ${origin} read ${key}. Its CORS rule must allow ` +
      `the origin ${origin}, the methods GET and HEAD, the request header Range, and expose the response headers ` +
      `Content-Range, Content-Length and ETag (an S3 bucket: AllowedOrigin, AllowedMethod GET/HEAD, AllowedHeader Range, ExposeHeader Content-Range/ETag)`,
    { source: key },
  );
}

/**
 * Reads a body of `expected` bytes into one buffer, calling `onBytes` with the filled prefix after
 * each piece. A longer body is returned whole (the caller rejects it); a shorter one, as received.
 */
async function streamBody(body: ReadableStream<Uint8Array>, expected: number, onBytes: (received: Uint8Array) => void): Promise<Uint8Array> {
  const out = new Uint8Array(expected);
  const extra: Uint8Array[] = [];
  let filled = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const fits = Math.min(value.length, expected - filled);
    out.set(value.subarray(0, fits), filled);
    filled += fits;
    if (fits < value.length) extra.push(value.subarray(fits));
    else onBytes(out.subarray(0, filled));
  }
  if (extra.length) return concat([out, ...extra]);
  return filled === expected ? out : out.subarray(0, filled);
}
