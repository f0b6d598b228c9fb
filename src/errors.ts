/** Every failure coh5 reports is an H5Error with one of these codes. */
export type H5ErrorCode =
  | 'NotFound' // no object, link, attribute or file at that name or URL
  | 'Unsupported' // valid HDF5 that coh5 does not (yet) read
  | 'Corrupt' // the bytes contradict the format: bad signature, checksum, length
  | 'Network' // the transport failed after retries (HTTP status, reset, short body)
  | 'AccessDenied' // the server or file system refused: HTTP 401/403, S3 AccessDenied or missing credentials, EACCES
  | 'Aborted' // the caller's AbortSignal fired (name 'AbortError')
  | 'Timeout' // a request, or the whole call, took longer than its time limit (name 'TimeoutError')
  | 'Changed' // the object changed while we read it (ETag mismatch)
  | 'Limit' // a configured resource limit would be exceeded
  | 'NotAllowed' // following an external link or VDS source file was not permitted
  | 'Invalid'; // the caller's arguments are wrong

export interface H5ErrorDetails {
  /** HDF5 object path or link involved, where known ('' counts as not known: an object opened from a reference). */
  path?: string;
  /** File offset (absolute, in bytes) of the structure involved, where known. */
  offset?: number;
  /** The source's key (URL or file path), where known. */
  source?: string;
  /** HTTP status, where the error came from a response. */
  status?: number;
  cause?: unknown;
  /** For 'Aborted' and 'Timeout' from a signal: the signal's reason. */
  reason?: unknown;
}

/** The error name the web platform gives each code that has one (fetch and zarrita reject with these). */
function errorName(code: H5ErrorCode): string {
  return code === 'Aborted' ? 'AbortError' : code === 'Timeout' ? 'TimeoutError' : 'H5Error';
}

export class H5Error extends Error {
  /** 'AbortError' for code 'Aborted', 'TimeoutError' for 'Timeout' (the DOMException names), else 'H5Error'. */
  override name: string;
  readonly code: H5ErrorCode;
  /** For 'Aborted' and 'Timeout' caused by an AbortSignal: `signal.reason`, as the caller gave it. */
  readonly reason?: unknown;
  readonly path?: string;
  readonly offset?: number;
  readonly source?: string;
  readonly status?: number;

  constructor(code: H5ErrorCode, message: string, details: H5ErrorDetails = {}) {
    const where: string[] = [];
    if (details.path) where.push(`path ${details.path}`);
    if (details.offset !== undefined) where.push(`offset ${details.offset}`);
    if (details.source !== undefined) where.push(`in ${details.source}`);
    super(where.length ? `${message} (${where.join(', ')})` : message, { cause: details.cause });
    this.code = code;
    this.name = errorName(code);
    if (details.reason !== undefined) this.reason = details.reason;
    if (details.path) this.path = details.path;
    if (details.offset !== undefined) this.offset = details.offset;
    if (details.source !== undefined) this.source = details.source;
    if (details.status !== undefined) this.status = details.status;
  }

  /** A copy of this error that also names an HDF5 path (keeps code, offset and cause). */
  withPath(path: string): H5Error {
    if (this.path !== undefined) return this;
    const e = new H5Error(this.code, this.message, { path, offset: this.offset, status: this.status, cause: this.cause, reason: this.reason });
    return e;
  }
}

export function isH5Error(e: unknown): e is H5Error {
  return e instanceof H5Error;
}

/** Throws an 'Aborted' H5Error if the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

export function abortError(signal?: AbortSignal): H5Error {
  const reason = signal?.reason;
  if (reason instanceof H5Error) return reason;
  // AbortSignal.timeout() fires with a DOMException named TimeoutError: a timeout, not an abort.
  if ((reason as { name?: unknown } | undefined)?.name === 'TimeoutError') {
    return new H5Error('Timeout', 'the signal timed out', { cause: reason, reason });
  }
  return new H5Error('Aborted', 'the read was aborted', { cause: reason, reason });
}

/** Wraps anything thrown into an H5Error of the given code, keeping H5Errors as they are. */
export function toH5Error(e: unknown, code: H5ErrorCode, message: string, details: H5ErrorDetails = {}): H5Error {
  if (e instanceof H5Error) return e;
  return new H5Error(code, `${message}: ${e instanceof Error ? e.message : String(e)}`, { ...details, cause: e });
}
