import { SliceSource, isAsyncBuffer, isBlobLike, type AsyncBuffer } from './blob.js';
import { H5Error, throwIfAborted } from '../errors.js';
import type { ByteSource } from '../source.js';
import { HttpSource, type HttpOptions } from './http.js';
import { MemorySource } from './memory.js';
import type { RemoteOptions } from './ranged.js';
import type { S3Options } from './s3.js';
import type { FileOptions } from './file.js';
import { isS3Url, parseS3Url, publicS3Url, redactUrl } from './url.js';

/** What openSource accepts: a source already made, bytes in memory, a URL or a local path. */
export type SourceInput = ByteSource | Uint8Array | ArrayBuffer | string | URL | AsyncBuffer | { size: number; slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> } };

/**
 * Options for openSource, nested per driver: `{ http: {...}, s3: {...}, file: {...} }`.
 * `timeoutMs`, `retry` and `size` at the top level apply to the HTTP and S3 drivers unless the
 * driver's own options set them. Giving `s3` options also routes https S3 URLs through the S3 driver.
 */
export interface OpenSourceOptions extends RemoteOptions {
  http?: HttpOptions;
  s3?: S3Options;
  file?: Omit<FileOptions, 'signal'>;
  /** Aborts opening (for files: the open; HTTP and S3 open without a request). */
  signal?: AbortSignal;
}

// Held in variables so that bundlers do not follow these imports into browser bundles: the
// Node file driver and the AWS SDK load only when a file path or an s3:// URL is opened.
const NODE_ENTRY = 'coh5/node';
const S3_ENTRY = 'coh5/s3';

/**
 * Picks the driver for `input`:
 * - a ByteSource is returned as it is; Uint8Array / ArrayBuffer -> MemorySource;
 * - http(s) URL -> HttpSource, except an AWS S3 https URL when `s3` options are given -> S3 driver;
 * - `s3://bucket/key` -> the S3 driver (from 'coh5/s3', which imports the optional AWS SDK). Where
 *   coh5/s3 cannot load (a browser bundle) and no credentials or client were given, or where the
 *   SDK is not installed and `s3.anonymous` is set, the object is read anonymously through its
 *   public https URL (give `s3.region` for buckets outside us-east-1); otherwise a missing SDK
 *   is an 'Unsupported' error naming the package to install;
 * - a path or file:// URL -> the file driver (from 'coh5/node'; Node only).
 */
export async function openSource(input: SourceInput, options: OpenSourceOptions = {}): Promise<ByteSource> {
  throwIfAborted(options.signal);
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) return new MemorySource(input);
  if (typeof input !== 'string' && !(input instanceof URL)) {
    if (isByteSource(input)) return input;
    // A File/Blob or an AsyncBuffer: read slice by slice, never whole.
    if (isBlobLike(input) || isAsyncBuffer(input)) return new SliceSource(input);
    throw new H5Error('Invalid', 'openSource needs a ByteSource, bytes, a URL or a path');
  }
  const text = String(input);
  const scheme = schemeOf(text);
  if (scheme === 'http' || scheme === 'https') {
    if (options.s3 !== undefined && isS3Url(text)) return openS3Driver(text, options);
    return new HttpSource(text, { ...remoteDefaults(options), ...options.http });
  }
  if (scheme === 's3') return openS3Driver(text, options);
  if (scheme === undefined || scheme === 'file') {
    const node = await load<{ openFile(p: string, o?: FileOptions): Promise<ByteSource> }>(NODE_ENTRY);
    if ('error' in node) {
      throw new H5Error('Unsupported', 'local files can be opened only in Node (coh5/node)', { source: text, cause: node.error });
    }
    return node.module.openFile(text, { ...options.file, signal: options.signal });
  }
  throw new H5Error('Unsupported', `no driver for ${scheme}: URLs`, { source: redactUrl(text) });
}

async function openS3Driver(url: string, options: OpenSourceOptions): Promise<ByteSource> {
  const s3 = { ...remoteDefaults(options), ...options.s3 };
  const mod = await load<{ openS3(url: string, o: S3Options): Promise<ByteSource> }>(S3_ENTRY);
  if ('module' in mod) {
    try {
      return await mod.module.openS3(url, s3);
    } catch (e) {
      // The entry loaded but its optional peer, the AWS SDK, is not installed: unsigned access
      // was asked for, so the public https URL serves; anything else needs the SDK (the error says so).
      if (!(s3.anonymous && e instanceof H5Error && e.code === 'Unsupported' && e.message.includes('@aws-sdk/client-s3'))) throw e;
    }
  } else if (s3.credentials !== undefined || s3.client !== undefined) {
    throw new H5Error('Unsupported', 'signed S3 access needs coh5/s3 (the AWS SDK), which could not be loaded', {
      source: redactUrl(url),
      cause: mod.error,
    });
  }
  // Without the SDK only unsigned access is possible: the public https URL says the same thing.
  const loc = parseS3Url(url, { endpoint: s3.endpoint });
  const https = publicS3Url(loc, { region: s3.region, endpoint: s3.endpoint });
  return new HttpSource(https, { ...remoteDefaults(options), ...options.http });
}

function remoteDefaults(o: OpenSourceOptions): RemoteOptions {
  const r: RemoteOptions = {};
  if (o.timeoutMs !== undefined) r.timeoutMs = o.timeoutMs;
  if (o.retry !== undefined) r.retry = o.retry;
  if (o.size !== undefined) r.size = o.size;
  return r;
}

/** The URL scheme, lower-case; undefined for a bare path (a Windows drive letter is a path). */
function schemeOf(text: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(text);
  if (!m || /^[a-z]:[\\/]/i.test(text)) return undefined;
  return m[1]!.toLowerCase();
}

function isByteSource(x: unknown): x is ByteSource {
  return typeof x === 'object' && x !== null && typeof (x as ByteSource).read === 'function' && typeof (x as ByteSource).key === 'string';
}

/** Entries already loaded by the application (importing 'coh5/node' or 'coh5/s3' registers them). */
const registered = new Map<string, unknown>();

/** Called by the `coh5/node` and `coh5/s3` entries so open() needs no self-import to find them. */
export function registerEntry(specifier: 'coh5/node' | 'coh5/s3', module: unknown): void {
  registered.set(specifier, module);
}

/** Forgets a registered entry, so the next open() imports it again (tests simulate a bundle without it). */
export function forgetEntry(specifier: 'coh5/node' | 'coh5/s3'): void {
  registered.delete(specifier);
}

/** A dynamic import that reports, rather than throws, a module that cannot load (browsers, bundles). */
async function load<T>(specifier: string): Promise<{ module: T } | { error: unknown }> {
  if (registered.has(specifier)) return { module: registered.get(specifier) as T };
  try {
    return { module: (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as T };
  } catch (error) {
    return { error };
  }
}
