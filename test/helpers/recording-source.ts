import { H5Error, abortError, throwIfAborted } from '../../src/errors.js';
import { checkRange } from '../../src/drivers/memory.js';
import type { ByteSource, ReadOptions } from '../../src/source.js';

export interface RecordedRequest {
  offset: number;
  length: number;
  /** Bytes returned, -1 while in flight or if it failed. */
  bytes: number;
  aborted: boolean;
}

export interface RecordingSourceOptions {
  /** Milliseconds each request waits before answering (a setTimeout), so waves are observable. */
  delayMs?: number;
  /** Hide the size until the first response arrives, like an HTTP driver without a HEAD. */
  sizeUnknown?: boolean;
  key?: string;
  /** Make requests overlapping this offset fail with a 'Network' error. */
  failAt?: number;
}

/**
 * A ByteSource over bytes in memory that records every request and the most in flight at once,
 * with an optional per-request delay. It is the real component for testing the layers above
 * a driver: those only see the ByteSource contract, which this implements in full.
 */
export class RecordingSource implements ByteSource {
  readonly key: string;
  readonly requests: RecordedRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;
  delayMs: number;
  private sizeKnown: boolean;
  private readonly failAt: number | undefined;

  constructor(
    readonly bytes: Uint8Array,
    options: RecordingSourceOptions = {},
  ) {
    this.key = options.key ?? 'recording:test';
    this.delayMs = options.delayMs ?? 0;
    this.sizeKnown = !options.sizeUnknown;
    this.failAt = options.failAt;
  }

  get size(): number | undefined {
    return this.sizeKnown ? this.bytes.byteLength : undefined;
  }

  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    checkRange(offset, length, this.key);
    throwIfAborted(options?.signal);
    const record: RecordedRequest = { offset, length, bytes: -1, aborted: false };
    this.requests.push(record);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.wait(options?.signal);
      if (this.failAt !== undefined && offset <= this.failAt && this.failAt < offset + length) {
        throw new H5Error('Network', 'injected failure', { source: this.key, offset });
      }
      const end = Math.min(offset + length, this.bytes.byteLength);
      const out = this.bytes.slice(Math.min(offset, end), end);
      this.sizeKnown = true; // a real driver learns the size from Content-Range
      record.bytes = out.byteLength;
      return out;
    } catch (e) {
      if (options?.signal?.aborted) record.aborted = true;
      throw e;
    } finally {
      this.inFlight--;
    }
  }

  async getSize(): Promise<number> {
    this.sizeKnown = true;
    return this.bytes.byteLength;
  }

  /** Forgets the recorded requests (not the size). */
  reset(): void {
    this.requests.length = 0;
    this.maxInFlight = this.inFlight;
  }

  private wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.delayMs <= 0) return void queueMicrotask(() => (signal?.aborted ? reject(abortError(signal)) : resolve()));
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortError(signal));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, this.delayMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** Bytes whose value at i is a function of i, so any misplaced byte shows. */
export function patternBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + (i >>> 8) * 13 + (i >>> 16)) & 0xff;
  return out;
}
