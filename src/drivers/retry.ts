import { H5Error, abortError, throwIfAborted } from '../errors.js';
import { whenAborted } from '../source.js';

/** How often and how patiently a driver repeats a request that failed for a transient reason. */
export interface RetryPolicy {
  /** Total tries, the first one included. 1 disables retries. */
  attempts: number;
  /** The backoff window before the first retry; it doubles on each retry. */
  baseDelayMs: number;
  /** The backoff window never grows beyond this. */
  maxDelayMs: number;
}

/**
 * Defaults shared by the HTTP and S3 drivers.
 * - attempts 4: S3 and CDNs shed load with short bursts of 503/429; three retries outlast a burst
 *   (the AWS SDKs' standard mode uses 3 attempts; one more because a dataset read is worth a wait).
 * - baseDelayMs 200: above a typical S3 first-byte latency, so a retry does not land in the same
 *   overloaded instant; the windows 200, 400, 800 ms add up to under 1.5 s before giving up.
 * - maxDelayMs 5000: a caller-imposed larger `attempts` never sleeps longer than this per try.
 */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({ attempts: 4, baseDelayMs: 200, maxDelayMs: 5000 });

/**
 * The per-request time limit (headers and body) when the caller gives none. The largest GET coh5
 * plans is 16 MiB (DEFAULT_DIRECT_MAX_REQUEST_BYTES), ~1.3 s at 100 Mbit/s: 30 s still allows a
 * link twenty times slower, yet a stalled connection is abandoned and retried within a wait a
 * user sits through. Callers who issue larger reads of their own should raise it.
 */
export const DEFAULT_TIMEOUT_MS = 30_000;

export function retryPolicy(p: Partial<RetryPolicy> | undefined): RetryPolicy {
  const policy = { ...DEFAULT_RETRY, ...p };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1 || policy.baseDelayMs < 0 || policy.maxDelayMs < 0) {
    throw new H5Error('Invalid', `bad retry policy ${JSON.stringify(policy)}`);
  }
  return policy;
}

/** H5Errors the drivers marked as transient (a 5xx, a short body); see markRetryable. */
const transient = new WeakSet<object>();

/** Marks an error as worth another try and returns it. */
export function markRetryable<E extends object>(e: E): E {
  transient.add(e);
  return e;
}

// Node (undici and node:http) name a dropped connection by these codes.
const RESET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** True for errors another try may cure: marked H5Errors, timeouts, and raw connection failures. */
export function isRetryable(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  if (transient.has(e)) return true;
  if (e instanceof H5Error) return e.code === 'Timeout';
  return isConnectionError(e);
}

/** A raw error from fetch or node:http that means the connection failed, not the server's answer. */
export function isConnectionError(e: unknown): boolean {
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && RESET_CODES.has(code)) return true;
    // undici reports a failed connect as "fetch failed" and a body cut short as "terminated".
    if (typeof message === 'string' && /^(fetch failed|terminated|socket hang up|aborted|other side closed)$/i.test(message)) {
      return true;
    }
    // Browsers give only "Failed to fetch" / "NetworkError when attempting to fetch resource." / "Load failed".
    if (e instanceof TypeError && typeof message === 'string' && /^(failed to fetch|networkerror when attempting to fetch resource\.|load failed|network request failed)$/i.test(message)) {
      return true;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Runs `fn` until it succeeds, fails for a reason a retry cannot cure, or runs out of attempts,
 * sleeping with exponential backoff and full jitter between tries (so many clients that failed
 * together do not retry together). Never retries, nor sleeps, once `signal` has fired.
 */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  policy: Partial<RetryPolicy> | undefined,
  signal: AbortSignal | undefined,
): Promise<T> {
  const p = retryPolicy(policy);
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(signal);
    try {
      return await fn(attempt);
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      if (attempt + 1 >= p.attempts || !isRetryable(e)) throw e;
      const window = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** attempt);
      await sleep(Math.random() * window, signal);
    }
  }
}

/** Resolves after `ms`, or rejects with 'Aborted' as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      offAbort?.();
      resolve();
    }, ms);
    const offAbort = signal ? whenAborted(signal, onAbort) : undefined;
  });
}

/**
 * Runs one request under a signal that fires when the caller's signal fires or `timeoutMs`
 * passes, whichever is first (a manual AbortSignal.any, which Node 20.0-20.2 lacks). The caller's
 * abort becomes 'Aborted', the time limit 'Timeout'; anything else thrown passes through.
 */
export async function withTimeout<T>(
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
  fn: (signal: AbortSignal) => Promise<T>,
  details: { source?: string; offset?: number } = {},
): Promise<T> {
  throwIfAborted(signal);
  const ctrl = new AbortController();
  const limit = timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = new H5Error('Timeout', `request took longer than ${limit} ms`, details);
  const offAbort = signal ? whenAborted(signal, () => ctrl.abort(abortError(signal))) : undefined;
  // A limit of 0 or Infinity means no limit.
  const timer = limit > 0 && Number.isFinite(limit) ? setTimeout(() => ctrl.abort(timeout), limit) : undefined;
  try {
    return await fn(ctrl.signal);
  } catch (e) {
    if (signal?.aborted) throw abortError(signal);
    if (ctrl.signal.aborted && ctrl.signal.reason === timeout) throw timeout;
    throw e;
  } finally {
    clearTimeout(timer);
    offAbort?.();
  }
}
