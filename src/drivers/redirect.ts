/**
 * Redirected data URLs: NASA Earthdata and most signed-URL services answer a data URL with a
 * 302/307 to a short-lived signed URL (S3, a CDN). The HTTP driver remembers where the bytes
 * are until that URL expires, so later range GETs go straight there (one round trip each).
 */
import { H5Error } from '../errors.js';
import { SIGNED_URL_EXPIRY_MARGIN_MS } from '../defaults.js';
import { redactUrl } from './url.js';

/** Redirect statuses a range GET (or HEAD) follows, method unchanged (RFC 9110 §15.4). */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Hops followed before giving up; fetch itself allows 20, but a data URL needs one or two. */
export const MAX_REDIRECTS = 10;

/** The URL a data URL redirected to, and until when it may be used. */
export interface ResolvedUrl {
  url: string;
  origin: string;
  /** ms since the epoch; undefined when the URL names no expiry (then used until refused). */
  expiresAt: number | undefined;
}

export function resolvedUrl(url: string): ResolvedUrl {
  return { url, origin: originOf(url), expiresAt: signedUrlExpiry(url) };
}

/** Whether a remembered URL may still be used now (not within the safety margin of its expiry). */
export function isFresh(r: ResolvedUrl | undefined, now = Date.now()): r is ResolvedUrl {
  return r !== undefined && (r.expiresAt === undefined || now < r.expiresAt - SIGNED_URL_EXPIRY_MARGIN_MS);
}

/**
 * When a signed URL stops working, from its own query: SigV4's X-Amz-Date + X-Amz-Expires
 * (seconds), else an `Expires` parameter (SigV2 and CloudFront: epoch seconds; a value too large
 * to be seconds is read as milliseconds, as some signing services write it).
 */
export function signedUrlExpiry(url: string): number | undefined {
  let params: URLSearchParams;
  try {
    params = new URL(url).searchParams;
  } catch {
    return undefined;
  }
  const get = (name: string) => {
    for (const [k, v] of params) if (k.toLowerCase() === name) return v;
    return undefined;
  };
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(get('x-amz-date') ?? '');
  const lifetime = Number(get('x-amz-expires'));
  if (date && Number.isFinite(lifetime)) {
    const [, y, mo, d, h, mi, s] = date.map(Number) as number[];
    return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) + lifetime * 1000;
  }
  const expires = Number(get('expires'));
  if (!Number.isFinite(expires) || expires <= 0) return undefined;
  return expires > 1e11 ? expires : expires * 1000;
}

export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

/** The next hop's URL, or a clear error for a redirect without Location, a loop, or too many hops. */
export function nextHop(from: string, status: number, location: string | null, seen: Set<string>, key: string): string {
  if (!location) throw new H5Error('Network', `HTTP ${status} redirect without a Location header`, { source: key, status });
  let next: string;
  try {
    next = new URL(location, from).href;
  } catch {
    throw new H5Error('Network', `HTTP ${status} redirect to an unparsable Location`, { source: key, status });
  }
  if (seen.has(next)) {
    throw new H5Error('Network', `redirect loop: ${redactUrl(from)} sent us back to ${redactUrl(next)} after ${seen.size} hops`, { source: key, status });
  }
  if (seen.size >= MAX_REDIRECTS) throw new H5Error('Network', `more than ${MAX_REDIRECTS} redirects`, { source: key, status });
  return next;
}
