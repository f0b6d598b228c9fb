/**
 * `s3://bucket/granules/*.h5` for `coh5 refs --concat`: the keys under the pattern's literal
 * prefix, listed with ListObjectsV2 page by page, kept where the pattern matches. Node-only (CLI).
 */
import { clientConfig, loadS3Sdk, withoutNodeVersionWarning, type S3Options } from '../drivers/s3.js';
import { parseS3Url } from '../drivers/url.js';
import { H5Error } from '../errors.js';

/** Whether an s3:// URL's key holds glob characters (* ? [). */
export function isS3Glob(url: string): boolean {
  return /^s3:\/\//i.test(url) && /[*?[]/.test(url.slice(url.indexOf('/', 5) + 1));
}

/**
 * The glob as a regular expression over whole keys: `*` and `?` stay within one path segment,
 * `**` crosses them, `[abc]` / `[!abc]` are character classes; everything else is literal.
 */
export function globPattern(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[' && glob.indexOf(']', i + 2) > 0) {
      const end = glob.indexOf(']', i + 2);
      const body = glob.slice(i + 1, end);
      re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`.replace(/\\/g, '\\\\');
      i = end;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * The s3:// URLs of the keys the glob matches, in S3's key order (UTF-8 binary); none is a
 * 'NotFound'. `pageSize` asks for fewer keys a page than the server's default (1,000 on AWS).
 */
export async function expandS3Glob(url: string, options: S3Options & { pageSize?: number } = {}, signal?: AbortSignal): Promise<string[]> {
  const location = parseS3Url(url, { endpoint: options.endpoint });
  const glob = location.key;
  const prefix = glob.slice(0, glob.search(/[*?[]/));
  const pattern = globPattern(glob);
  const sdk = (options.sdk ?? (await loadS3Sdk())) as unknown as typeof import('@aws-sdk/client-s3');
  const client = options.client ?? withoutNodeVersionWarning(() => new sdk.S3Client(clientConfig(location, options)));
  const keys: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await client.send(new sdk.ListObjectsV2Command({ Bucket: location.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: options.pageSize }), { abortSignal: signal });
      for (const o of page.Contents ?? []) if (o.Key !== undefined && pattern.test(o.Key)) keys.push(o.Key);
      // Quirk: some S3-compatible servers leave IsTruncated unset on the last page; the token decides.
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (e) {
    if (e instanceof H5Error) throw e;
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const code = status === 403 || status === 401 ? 'AccessDenied' : status === 404 ? 'NotFound' : 'Network';
    throw new H5Error(code, `listing s3://${location.bucket}/${prefix}: ${(e as Error).message}`, { cause: e, ...(status ? { status } : {}) });
  } finally {
    if (!options.client) client.destroy();
  }
  if (!keys.length) throw new H5Error('NotFound', `no object matches ${url}`);
  return keys.map((k) => `s3://${location.bucket}/${k}`);
}
