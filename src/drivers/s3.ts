// Types only: the SDK itself is an optional peer dependency, imported when an S3 source opens.
import { DEFAULT_SMALL_RANGE_CONCURRENCY } from '../defaults.js';
import type { GetObjectCommandOutput, HeadObjectCommandOutput, S3ClientConfig } from '@aws-sdk/client-s3';
import { onAbort } from '../source.js';
import { H5Error } from '../errors.js';
import { RangedSource, parseContentRange, shortBody, type RemoteOptions } from './ranged.js';
import { isConnectionError, markRetryable } from './retry.js';
import { parseS3Url, type S3Location } from './url.js';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3Options extends RemoteOptions {
  /** Unsigned requests, for public buckets: no credentials are looked up or sent. */
  anonymous?: boolean;
  /** Static credentials, or an SDK credential provider. Default: the SDK's chain (environment, profile, instance role). */
  credentials?: S3Credentials | S3CredentialsProvider;
  /** Default: the URL's region, else AWS_REGION / AWS_DEFAULT_REGION, else us-east-1 (a wrong guess is corrected by S3's region redirect). */
  region?: string;
  /** An S3-compatible store (Ceph RGW, MinIO, ...), e.g. 'http://127.0.0.1:7480'. */
  endpoint?: string;
  /** Bucket in the path, not the host name; most S3-compatible stores need it. */
  forcePathStyle?: boolean;
  /** For requester-pays buckets: you pay for the transfer. */
  requestPayer?: 'requester';
  /** Send If-Match with the pinned ETag (default true). The returned ETag is compared either way. */
  ifMatch?: boolean;
  /** A client of your own (it is not destroyed on close); region, endpoint and credentials options are then ignored. */
  client?: S3ClientLike;
  /**
   * The `@aws-sdk/client-s3` module itself, for bundlers that cannot resolve coh5's own on-demand
   * import of it (a browser build): `sdk: await import('@aws-sdk/client-s3')`. Node finds it alone.
   */
  sdk?: S3Sdk;
}

/** An SDK credential provider (what `@aws-sdk/credential-providers` makes). */
export type S3CredentialsProvider = () => Promise<S3Credentials & { expiration?: Date }>;

/**
 * What coh5 needs of an `S3Client` from `@aws-sdk/client-s3` (declared here, so an app that
 * reads no S3 type-checks without the SDK installed).
 */
export interface S3ClientLike {
  send(command: any, options?: { abortSignal?: AbortSignal }): Promise<any>;
  destroy(): void;
}

/** The parts of the `@aws-sdk/client-s3` module coh5 uses. */
export interface S3Sdk {
  S3Client: new (config: any) => S3ClientLike;
  GetObjectCommand: new (input: any) => unknown;
  HeadObjectCommand: new (input: any) => unknown;
}
type Sdk = S3Sdk;

export const S3_SDK_PACKAGE = '@aws-sdk/client-s3';

/** Imports the AWS SDK on first S3 use; its absence is an 'Unsupported' that says what to install. */
export async function loadS3Sdk(): Promise<Sdk> {
  try {
    return (await import(/* @vite-ignore */ S3_SDK_PACKAGE)) as typeof import('@aws-sdk/client-s3');
  } catch (e) {
    throw new H5Error(
      'Unsupported',
      `reading from S3 needs the optional peer dependency ${S3_SDK_PACKAGE}, which could not be loaded: npm install ${S3_SDK_PACKAGE} ` +
        `(a public object also reads over plain HTTPS without it, as https://BUCKET.s3.REGION.amazonaws.com/KEY)`,
      { cause: e },
    );
  }
}

/**
 * An S3 object read with ranged GetObject requests through the AWS SDK. The first ranged
 * response gives the size (ContentRange) and pins the ETag; later reads send If-Match and
 * compare the ETag. Retries are ours (the SDK's own are off on a client we create).
 */
export class S3Source extends RangedSource {
  /** S3 serves no multi-range GETs but many small GETs at once: a tree level's headers get this many in flight. */
  readonly smallRangeConcurrency = DEFAULT_SMALL_RANGE_CONCURRENCY;
  readonly bucket: string;
  readonly objectKey: string;
  private readonly client: S3ClientLike;
  private readonly sdk: Sdk;
  private readonly ownsClient: boolean;
  private sendIfMatch: boolean;
  private closed = false;

  constructor(
    location: S3Location,
    private readonly options: S3Options,
    /** The loaded `@aws-sdk/client-s3` module (see loadS3Sdk). */
    sdk: Sdk,
  ) {
    // The key names bucket and key only: never an endpoint's userinfo nor any credential.
    super(`s3://${location.bucket}/${location.key}`, options);
    this.bucket = location.bucket;
    this.objectKey = location.key;
    this.sendIfMatch = options.ifMatch ?? true;
    this.ownsClient = options.client === undefined;
    this.sdk = sdk;
    this.client = options.client ?? withoutNodeVersionWarning(() => new sdk.S3Client(clientConfig(location, options)));
  }

  protected async fetchRange(offset: number, length: number, signal: AbortSignal): Promise<Uint8Array> {
    const ifMatch = this.sendIfMatch ? this.pinnedEtag : undefined;
    let out: GetObjectCommandOutput;
    try {
      out = await this.client.send(
        new this.sdk.GetObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey,
          Range: `bytes=${offset}-${offset + length - 1}`,
          IfMatch: ifMatch,
          RequestPayer: this.options.requestPayer,
        }),
        { abortSignal: signal },
      );
    } catch (e) {
      return this.onGetError(e, offset, ifMatch !== undefined, signal);
    }
    const body = out.Body as unknown as BodyStream | undefined;
    try {
      const status = out.$metadata.httpStatusCode;
      this.checkVersion({ etag: out.ETag, lastModified: out.LastModified?.toUTCString() }, offset, status);
      const cr = parseContentRange(out.ContentRange);
      if (cr?.start === undefined) {
        // Quirk: an empty object (and some stores for a range covering everything) answers 200, no ContentRange.
        const total = out.ContentLength;
        if (offset !== 0 || total === undefined || total > length) {
          throw new H5Error('Unsupported', `the store ignored the Range header (ContentRange ${out.ContentRange ?? 'missing'})`, {
            source: this.key,
            offset,
            status,
          });
        }
        this.learnSize(total, offset);
        return await readBody(body, total, signal, this.key, offset);
      }
      if (cr.total !== undefined) this.learnSize(cr.total, offset);
      if (cr.start !== offset || cr.end! >= offset + length) {
        throw new H5Error('Network', `unexpected response: bytes ${cr.start}-${cr.end} for bytes ${offset}-${offset + length - 1}`, {
          source: this.key,
          offset,
          status,
        });
      }
      return await readBody(body, cr.end! - cr.start + 1, signal, this.key, offset);
    } finally {
      discard(body);
    }
  }

  private async onGetError(e: unknown, offset: number, sentIfMatch: boolean, signal: AbortSignal): Promise<Uint8Array> {
    const err = e as SdkError;
    const status = err?.$metadata?.httpStatusCode;
    // 416 InvalidRange: the range starts at or after EOF.
    if (status === 416 || err?.name === 'InvalidRange') {
      const size = Number(err.ActualObjectSize);
      if (Number.isSafeInteger(size)) {
        this.learnSize(size, offset);
        if (offset < size) throw this.sdkError(e, offset);
      }
      return new Uint8Array(0);
    }
    if (status === 412 || err?.name === 'PreconditionFailed') {
      if (sentIfMatch) await this.checkIfMatchHonest(offset, signal);
      throw new H5Error('Changed', 'the object changed while being read (If-Match failed)', { source: this.key, offset, status });
    }
    throw this.sdkError(e, offset);
  }

  /**
   * Quirk: some S3-compatible stores fail If-Match even for the right ETag. A HEAD tells: an
   * unchanged ETag means the store is wrong, so stop sending If-Match and retry.
   */
  private async checkIfMatchHonest(offset: number, signal: AbortSignal): Promise<void> {
    let etag: string | undefined;
    try {
      const head = new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey, RequestPayer: this.options.requestPayer });
      etag = ((await this.client.send(head, { abortSignal: signal })) as HeadObjectCommandOutput).ETag;
    } catch {
      return; // Cannot tell; report the 412 as a change (an abort is reported by the caller).
    }
    if (etag !== undefined && etag === this.pinnedEtag) {
      this.sendIfMatch = false;
      throw markRetryable(new H5Error('Network', 'the store refused If-Match for an unchanged ETag; retrying without it', { source: this.key, offset }));
    }
  }

  protected async probeSize(signal: AbortSignal): Promise<number> {
    try {
      const out: HeadObjectCommandOutput = await this.client.send(
        new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey, RequestPayer: this.options.requestPayer }),
        { abortSignal: signal },
      );
      this.checkVersion({ etag: out.ETag, lastModified: out.LastModified?.toUTCString() }, undefined, out.$metadata.httpStatusCode);
      if (out.ContentLength === undefined) throw new H5Error('Unsupported', 'HeadObject gave no ContentLength', { source: this.key });
      return this.learnSize(out.ContentLength);
    } catch (e) {
      throw this.sdkError(e, undefined);
    }
  }

  /** An H5Error for an SDK failure, its message scrubbed of any credential. */
  private sdkError(e: unknown, offset: number | undefined): H5Error {
    if (e instanceof H5Error) return e;
    const err = e as SdkError;
    const status = err?.$metadata?.httpStatusCode;
    const name = typeof err?.name === 'string' ? err.name : 'Error';
    const message = this.scrub(e instanceof Error ? e.message : String(e));
    const details = { source: this.key, offset, status };
    if (status === undefined && isConnectionError(e)) {
      return markRetryable(new H5Error('Network', `request failed: ${message}`, { ...details, cause: e }));
    }
    // A sanitized cause: the SDK's error object may carry request details we do not vouch for.
    const cause = Object.assign(new Error(message), { name });
    if (status === 404 || NOT_FOUND.has(name)) return new H5Error('NotFound', `no such object (${name})`, { ...details, cause });
    if (status === 401 || status === 403 || DENIED.has(name)) {
      const hint = this.options.anonymous ? '' : '; for a public bucket, pass s3: { anonymous: true }';
      return new H5Error('AccessDenied', `access denied (${status === undefined ? '' : `HTTP ${status} `}${name}): ${message}${hint}`, { ...details, cause });
    }
    const out = new H5Error('Network', `request failed (${status === undefined ? '' : `HTTP ${status} `}${name}): ${message}`, { ...details, cause });
    const transient = status === undefined ? false : status === 408 || status === 429 || status >= 500;
    return transient || TRANSIENT.has(name) ? markRetryable(out) : out;
  }

  private scrub(message: string): string {
    const c = this.options.credentials as Partial<S3Credentials> | undefined;
    for (const secret of [c?.secretAccessKey, c?.sessionToken, c?.accessKeyId]) {
      if (typeof secret === 'string' && secret.length > 0) message = message.split(secret).join('***');
    }
    return message;
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) this.client.destroy();
  }
}

const NOT_FOUND = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound', 'NoSuchVersion']);
// S3's refusals, and the SDK's error when no credentials are found (no request was made).
const DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'AllAccessDisabled', 'CredentialsProviderError']);
// S3 asks clients to back off and retry on these, whatever the status.
const TRANSIENT = new Set(['SlowDown', 'InternalError', 'ServiceUnavailable', 'RequestTimeout', 'ThrottlingException', 'RequestTimeTooSkewed']);

interface SdkError {
  name?: string;
  $metadata?: { httpStatusCode?: number };
  ActualObjectSize?: string | number;
}

/** Opens `s3://bucket/key` or an https S3 URL for range reads. No request is made until the first read. */
export async function openS3(url: string | URL, options: S3Options = {}): Promise<S3Source> {
  const location = parseS3Url(url, { endpoint: options.endpoint });
  return new S3Source(location, options, options.sdk ?? (await loadS3Sdk()));
}

function env(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name] || undefined;
}

/** The AWS SDK's own switch for the warning below. */
export const NODE_VERSION_WARNING_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

/**
 * On Node < 22 the AWS SDK prints NodeVersionSupportWarning when a client is made: news about
 * the SDK's future releases, not about this read. The client is made with the SDK's own switch
 * set for that moment only; an app that set the switch itself (to anything) decides.
 * @internal
 */
export function withoutNodeVersionWarning<T>(make: () => T): T {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (env === undefined || env[NODE_VERSION_WARNING_SWITCH] !== undefined) return make();
  env[NODE_VERSION_WARNING_SWITCH] = 'true';
  try {
    return make();
  } finally {
    delete env[NODE_VERSION_WARNING_SWITCH];
  }
}

/** @internal The S3Client configuration for a location and coh5's S3 options (the driver's and the CLI's s3:// globs'). */
export function clientConfig(location: S3Location, o: S3Options): S3ClientConfig {
  const config: S3ClientConfig = {
    region: o.region ?? location.region ?? env('AWS_REGION') ?? env('AWS_DEFAULT_REGION') ?? 'us-east-1',
    // Retries, with their counting and abort rules, are ours; SDK retries would multiply them.
    maxAttempts: 1,
    // Quirk: a bucket in another region answers 301 PermanentRedirect; the SDK follows it with this on.
    followRegionRedirects: true,
    // Ranged GETs carry no whole-object checksum to validate; asking for one only adds headers.
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestChecksumCalculation: 'WHEN_REQUIRED',
  };
  if (o.endpoint !== undefined) config.endpoint = o.endpoint;
  if (o.forcePathStyle !== undefined) config.forcePathStyle = o.forcePathStyle;
  if (o.anonymous) {
    // Unsigned requests: a signer that signs nothing, and empty credentials so none are looked up.
    config.credentials = { accessKeyId: '', secretAccessKey: '' };
    config.signer = { sign: async (request) => request };
  } else if (o.credentials !== undefined) {
    config.credentials = o.credentials as S3ClientConfig['credentials'];
  }
  return config;
}

/** The body as Node's Readable (what the SDK gives in Node) or a web ReadableStream (browsers). */
type BodyStream =
  | (AsyncIterable<Uint8Array> & { destroy(error?: Error): void })
  | ReadableStream<Uint8Array>;

/** Reads exactly `expected` bytes of the body; a shorter body is a retryable 'Network' error. */
async function readBody(body: BodyStream | undefined, expected: number, signal: AbortSignal, key: string, offset: number): Promise<Uint8Array> {
  const out = new Uint8Array(expected);
  let got = 0;
  if (body === undefined) {
    if (expected === 0) return out;
    throw shortBody(0, expected, key, offset);
  }
  const reader = 'getReader' in body ? body.getReader() : undefined;
  // The SDK stops watching the signal once headers arrive; a stalled body must still be cut off.
  const stop = () => (reader ? reader.cancel(signal.reason).catch(() => {}) : discard(body, signal.reason));
  const stopWaiting = onAbort(signal, stop);
  try {
    const chunks: AsyncIterable<Uint8Array> = reader ? readerChunks(reader) : (body as AsyncIterable<Uint8Array>);
    for await (const chunk of chunks) {
      if (signal.aborted) break;
      if (got + chunk.length > expected) {
        throw new H5Error('Network', `unexpected response: body longer than ${expected} bytes`, { source: key, offset });
      }
      out.set(chunk, got);
      got += chunk.length;
    }
  } catch (e) {
    if (e instanceof H5Error || signal.aborted) throw e;
    const err = new H5Error('Network', `body read failed: ${e instanceof Error ? e.message : String(e)}`, { source: key, offset, cause: e });
    throw markRetryable(err);
  } finally {
    stopWaiting();
    reader?.releaseLock();
  }
  // A cancelled web stream ends quietly; withTimeout turns the fired signal into 'Aborted' or 'Timeout'.
  if (signal.aborted) throw signal.reason;
  if (got < expected) throw shortBody(got, expected, key, offset);
  return out;
}

async function* readerChunks(reader: ReadableStreamDefaultReader<Uint8Array>): AsyncGenerator<Uint8Array> {
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

/** Stops a body we will not read further, so it neither downloads on nor pins a connection. */
function discard(body: BodyStream | undefined, reason?: unknown): void {
  if (body === undefined) return;
  try {
    if ('getReader' in body) {
      if (!body.locked) body.cancel(reason).catch(() => {});
    } else if (!(body as { readableEnded?: boolean }).readableEnded) {
      body.destroy(reason instanceof Error ? reason : undefined);
    }
  } catch {
    // Already closed.
  }
}
