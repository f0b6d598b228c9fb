import { H5Error } from '../errors.js';

/** An S3 object named by a URL, with whatever the URL says about where it lives. */
export interface S3Location {
  bucket: string;
  key: string;
  /** The region named in an https URL's host, if any. */
  region?: string;
}

// Query parameters that carry a signature or a token: kept out of source keys (caches key on them,
// errors print them) and, for presigned URLs, they change on every signing of the same bytes.
const SECRET_PARAMS = /^(x-amz-.*|x-goog-.*|signature|awsaccessid|awsaccesskeyid|googleaccessid|expires|key-pair-id|policy|sig|se|st|sp|sv|sr|skoid|sktid|skt|ske|sks|skv|token|access_token)$/i;

/** The URL with user:password, signing parameters and the fragment removed, for use as a key. */
export function redactUrl(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    return String(url);
  }
  u.username = '';
  u.password = '';
  u.hash = '';
  for (const name of [...u.searchParams.keys()]) {
    if (SECRET_PARAMS.test(name)) u.searchParams.delete(name);
  }
  return u.toString();
}

const REGION = '([a-z]{2}(?:-[a-z]+)+-\\d+)';
// bucket.s3.amazonaws.com, bucket.s3.REGION.amazonaws.com, bucket.s3-REGION..., bucket.s3.dualstack.REGION...
const VIRTUAL_HOST = new RegExp(`^(.+)\\.s3(?:[.-]dualstack)?(?:[.-]${REGION})?\\.amazonaws\\.com(?:\\.cn)?$`);
// s3.amazonaws.com/bucket, s3.REGION.amazonaws.com/bucket, s3-REGION..., s3.dualstack.REGION...
const PATH_HOST = new RegExp(`^s3(?:[.-]dualstack)?(?:[.-]${REGION})?\\.amazonaws\\.com(?:\\.cn)?$`);

/** True for s3:// URLs and for https URLs on an AWS S3 host (virtual-hosted or path style). */
export function isS3Url(url: string | URL): boolean {
  return parseS3Url(url, { quiet: true }) !== undefined;
}

/**
 * Splits an S3 URL into bucket and key. Accepts `s3://bucket/key`, virtual-hosted
 * `https://bucket.s3.REGION.amazonaws.com/key`, path-style `https://s3.REGION.amazonaws.com/bucket/key`
 * and, when `endpoint` is given, path-style URLs under that endpoint (S3-compatible stores).
 */
export function parseS3Url(url: string | URL, opts?: { endpoint?: string; quiet?: false }): S3Location;
export function parseS3Url(url: string | URL, opts: { endpoint?: string; quiet: true }): S3Location | undefined;
export function parseS3Url(url: string | URL, opts: { endpoint?: string; quiet?: boolean } = {}): S3Location | undefined {
  const text = String(url);
  const fail = (why: string) => {
    if (opts.quiet) return undefined;
    throw new H5Error('Invalid', `not an S3 URL: ${why}`, { source: redactUrl(text) });
  };
  if (/^s3:\/\//i.test(text)) {
    // An s3:// key is taken literally, as the AWS CLI does: no percent-decoding.
    const rest = text.slice(5);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const key = slash < 0 ? '' : rest.slice(slash + 1);
    if (!bucket || !key) return fail('s3://bucket/key needs both a bucket and a key');
    return { bucket, key };
  }
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return fail('unparsable URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return fail(`scheme ${u.protocol}`);
  if (opts.endpoint !== undefined) {
    const base = new URL(opts.endpoint);
    if (u.origin === base.origin) return splitPath(u.pathname, undefined) ?? fail('no bucket/key in the path');
  }
  const host = u.hostname.toLowerCase();
  const virtual = VIRTUAL_HOST.exec(host);
  if (virtual) {
    const key = decodePath(u.pathname.slice(1));
    if (!key) return fail('no key in the path');
    return withRegion({ bucket: virtual[1]!, key }, virtual[2]);
  }
  const path = PATH_HOST.exec(host);
  if (path) return splitPath(u.pathname, path[1]) ?? fail('no bucket/key in the path');
  return fail(`host ${host} is not an S3 endpoint`);
}

function splitPath(pathname: string, region: string | undefined): S3Location | undefined {
  const parts = pathname.slice(1).split('/');
  const bucket = decodePath(parts[0] ?? '');
  const key = decodePath(parts.slice(1).join('/'));
  if (!bucket || !key) return undefined;
  return withRegion({ bucket, key }, region);
}

function withRegion(loc: S3Location, region: string | undefined): S3Location {
  if (region !== undefined) loc.region = region;
  return loc;
}

function decodePath(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

/** Percent-encodes each segment of an S3 key for use in a URL path, keeping the slashes. */
export function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/**
 * The plain https URL of a public object, for reading it without the S3 SDK (browsers).
 * Path style when an endpoint is given or the bucket has dots (a dotted bucket breaks the
 * *.s3.amazonaws.com TLS certificate), virtual-hosted otherwise.
 */
export function publicS3Url(loc: S3Location, opts: { region?: string; endpoint?: string } = {}): string {
  if (opts.endpoint !== undefined) {
    return `${opts.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(loc.bucket)}/${encodeKey(loc.key)}`;
  }
  const region = opts.region ?? loc.region;
  const host = region === undefined ? 's3.amazonaws.com' : `s3.${region}.amazonaws.com`;
  if (loc.bucket.includes('.')) return `https://${host}/${loc.bucket}/${encodeKey(loc.key)}`;
  return `https://${loc.bucket}.${host}/${encodeKey(loc.key)}`;
}
