import { H5Error, throwIfAborted } from '../errors.js';
import type { ByteSource, ReadOptions } from '../source.js';
import { checkRange } from './memory.js';
import { DEFAULT_TIMEOUT_MS, markRetryable, withRetries, withTimeout, type RetryPolicy } from './retry.js';

/** Options every remote driver (HTTP, S3) shares. */
export interface RemoteOptions {
  /** Limit for one request, body included; an expired request is retried as 'Timeout'. Default DEFAULT_TIMEOUT_MS; 0 = none. */
  timeoutMs?: number;
  /** Overrides parts of DEFAULT_RETRY. */
  retry?: Partial<RetryPolicy>;
  /** The object's size when the caller already knows it (skips learning it). */
  size?: number;
}

/** A remote object's version and size, as a persistent cache stores them. */
export interface RemoteVersion {
  etag?: string;
  lastModified?: string;
  size: number;
}

/** What identifies one version of a remote object: its ETag, or its Last-Modified where it has no ETag. */
export interface VersionHeaders {
  etag?: string | null | undefined;
  lastModified?: string | null | undefined;
}

// Some servers and CDNs (nginx with gzip on, some proxies) weaken an ETag to W/"..."; the tag is the same.
const sameTag = (a: string, b: string) => a.replace(/^W\//, '') === b.replace(/^W\//, '');

/**
 * The part of a remote driver that is the same over HTTP and S3: each read is one ranged request
 * (retried, under a time limit), the size is learned from the first response, and the first
 * response's version is pinned so that later bytes from another version fail with 'Changed'.
 */
export abstract class RangedSource implements ByteSource {
  protected knownSize: number | undefined;
  /** The pinned version, e.g. ['etag', '"abc"']. */
  protected version: ['etag' | 'lastModified', string] | undefined;
  /** Whether the version came from assumeVersion (not yet seen in a response) rather than a response. */
  private assumed = false;
  private confirmed = false;

  constructor(
    readonly key: string,
    protected readonly remote: RemoteOptions,
  ) {
    if (remote.size !== undefined) {
      checkRange(0, remote.size, key);
      this.knownSize = remote.size;
    }
  }

  get size(): number | undefined {
    return this.knownSize;
  }

  /**
   * One request for [offset, offset+length): the bytes, fewer only at EOF (empty at or after it)
   * or when the server capped the range. Throws retryable errors for transient failures.
   */
  protected abstract fetchRange(offset: number, length: number, signal: AbortSignal, onBytes?: ReadOptions['onBytes']): Promise<Uint8Array>;

  /** One request that learns the size (a HEAD, or its fallback). */
  protected abstract probeSize(signal: AbortSignal): Promise<number>;

  async read(offset: number, length: number, options: ReadOptions = {}): Promise<Uint8Array> {
    const { signal } = options;
    checkRange(offset, length, this.key);
    throwIfAborted(signal);
    const parts: Uint8Array[] = [];
    let pos = offset;
    let left = this.clip(pos, length);
    while (left > 0) {
      const at = pos;
      const want = left;
      // Progress is reported for the first part only: it starts at `offset`, as the caller counts.
      const onBytes = parts.length === 0 ? options.onBytes : undefined;
      const chunk = await this.attempt(signal, at, (s) => this.fetchRange(at, want, s, onBytes));
      if (chunk.length === 0) break;
      parts.push(chunk);
      pos += chunk.length;
      // A server may send fewer bytes than asked (some cap a range's length): ask for the rest,
      // unless the size is unknown, in which case a short answer can only mean EOF.
      left = chunk.length < want && this.knownSize === undefined ? 0 : this.clip(pos, want - chunk.length);
    }
    return concat(parts);
  }

  async getSize(options: ReadOptions = {}): Promise<number> {
    if (this.knownSize !== undefined) return this.knownSize;
    return this.attempt(options.signal, undefined, (s) => this.probeSize(s));
  }

  async close(): Promise<void> {}

  protected attempt<T>(signal: AbortSignal | undefined, offset: number | undefined, fn: (s: AbortSignal) => Promise<T>): Promise<T> {
    const details = offset === undefined ? { source: this.key } : { source: this.key, offset };
    const perRequest = this.remote.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const limit = (remaining: number) => Math.max(1, perRequest > 0 && Number.isFinite(perRequest) ? Math.min(perRequest, remaining) : remaining);
    return withRetries((_, remaining) => withTimeout(signal, limit(remaining), fn, details), this.remote.retry, signal);
  }

  /** The length worth asking for at `offset`, given what we know of the size. */
  protected clip(offset: number, length: number): number {
    return this.knownSize === undefined ? length : Math.max(0, Math.min(length, this.knownSize - offset));
  }

  /** Records the size; a different size than the one already known means the object changed. */
  protected learnSize(size: number, offset?: number): number {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new H5Error('Unsupported', `object size ${size} is not a safe integer`, { source: this.key, offset });
    }
    if (this.knownSize !== undefined && this.knownSize !== size) {
      throw new H5Error('Changed', `the object's size changed from ${this.knownSize} to ${size} bytes`, { source: this.key, offset });
    }
    this.knownSize = size;
    return size;
  }

  /** Pins the first response's ETag (else Last-Modified); 'Changed' when a later response names another. */
  protected checkVersion(seen: VersionHeaders, offset?: number, status?: number): void {
    if (this.version === undefined) {
      if (seen.etag) this.version = ['etag', seen.etag];
      else if (seen.lastModified) this.version = ['lastModified', seen.lastModified];
      return;
    }
    const [name, pinned] = this.version;
    const now = seen[name];
    // Only a validator seen in an answer confirms an assumed version (a browser may not send If-Match).
    if (this.assumed && now && sameTag(now, pinned)) this.confirmed = true;
    // A response without the header cannot be checked (some proxies strip it); the size check still runs.
    if (now && !sameTag(now, pinned)) {
      const label = name === 'etag' ? 'ETag' : 'Last-Modified';
      throw new H5Error('Changed', `the object changed while being read (${label} ${pinned} became ${now})`, {
        source: this.key,
        offset,
        status,
      });
    }
  }

  /**
   * Starts from a version known beforehand (a persistent metadata cache's validator and size):
   * every request then carries it as a precondition (If-Match, else If-Unmodified-Since), so
   * the first answer either confirms it or fails with 'Changed'.
   */
  assumeVersion(v: RemoteVersion): void {
    this.version = v.etag ? ['etag', v.etag] : v.lastModified ? ['lastModified', v.lastModified] : undefined;
    this.knownSize = v.size;
    this.assumed = this.version !== undefined;
    this.confirmed = false;
  }

  /** Forgets a version assumed or pinned, and the size: the next response pins them afresh. */
  forgetVersion(): void {
    this.version = undefined;
    this.knownSize = this.remote.size;
    this.assumed = false;
    this.confirmed = false;
  }

  /** The pinned version and size; `confirmed` once a response has matched an assumed version. */
  get remoteVersion(): (RemoteVersion & { confirmed: boolean }) | undefined {
    if (this.version === undefined || this.knownSize === undefined) return undefined;
    const [name, value] = this.version;
    return { [name]: value, size: this.knownSize, confirmed: !this.assumed || this.confirmed };
  }

  /** The precondition header an assumed version puts on each request, if any. */
  protected conditionalHeader(): [string, string] | undefined {
    if (!this.assumed || this.version === undefined) return undefined;
    return this.version[0] === 'etag' ? ['If-Match', this.version[1]] : ['If-Unmodified-Since', this.version[1]];
  }

  /** The pinned ETag, if the version is pinned by ETag. */
  protected get pinnedEtag(): string | undefined {
    return this.version?.[0] === 'etag' ? this.version[1] : undefined;
  }
}

export function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `bytes START-END/TOTAL`, `bytes START-END/*` or `bytes *\/TOTAL` (RFC 9110 §14.4). */
export interface ContentRange {
  start?: number;
  end?: number;
  total?: number;
}

export function parseContentRange(header: string | null | undefined): ContentRange | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(header);
  if (!m) return undefined;
  const cr: ContentRange = {};
  if (m[1] !== undefined) {
    cr.start = safeInt(m[1]);
    cr.end = safeInt(m[2]!);
    if (cr.end < cr.start) return undefined;
  }
  if (m[3] !== '*') cr.total = safeInt(m[3]!);
  return cr;
}

export function safeInt(s: string): number {
  const n = Number(s);
  if (!/^\d+$/.test(s.trim()) || !Number.isSafeInteger(n)) {
    throw new H5Error('Unsupported', `byte count ${s} is not a safe integer (beyond Number.MAX_SAFE_INTEGER?)`);
  }
  return n;
}

/** A body shorter than its headers promised: the connection dropped or a proxy cut it; worth a retry. */
export function shortBody(got: number, promised: number, source: string, offset: number): H5Error {
  return markRetryable(new H5Error('Network', `short body: got ${got} of ${promised} bytes`, { source, offset }));
}
