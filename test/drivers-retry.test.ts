import { describe, expect, it } from 'vitest';
import { H5Error } from '../src/errors.js';
import { DEFAULT_RETRY, isRetryable, markRetryable, retryPolicy, sleep, withRetries, withTimeout } from '../src/drivers/retry.js';

const FAST = { attempts: 4, baseDelayMs: 0, maxDelayMs: 0 };

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describe('withRetries', () => {
  it('retries transient failures until one succeeds', async () => {
    let calls = 0;
    const value = await withRetries(
      async (attempt) => {
        expect(attempt).toBe(calls);
        calls++;
        if (calls < 3) throw markRetryable(new H5Error('Network', 'HTTP 503', { status: 503 }));
        return 'ok';
      },
      FAST,
      undefined,
    );
    expect(value).toBe('ok');
    expect(calls).toBe(3);
  });

  it('stops after the policy attempts and throws the last error', async () => {
    let calls = 0;
    const e = await failure(
      withRetries(
        async () => {
          calls++;
          throw markRetryable(new H5Error('Network', `try ${calls}`));
        },
        FAST,
        undefined,
      ),
    );
    expect((e as H5Error).message).toBe('try 4');
    expect(calls).toBe(4);
  });

  it('does not retry errors a retry cannot cure', async () => {
    for (const err of [new H5Error('NotFound', 'x'), new H5Error('Changed', 'x'), new H5Error('Network', 'HTTP 403', { status: 403 }), new Error('bug')]) {
      let calls = 0;
      const e = await failure(
        withRetries(
          async () => {
            calls++;
            throw err;
          },
          FAST,
          undefined,
        ),
      );
      expect(e).toBe(err);
      expect(calls).toBe(1);
    }
  });

  it('never retries once the signal has fired', async () => {
    const ctrl = new AbortController();
    let calls = 0;
    const e = await failure(
      withRetries(
        async () => {
          calls++;
          ctrl.abort();
          throw markRetryable(new H5Error('Network', 'reset'));
        },
        FAST,
        ctrl.signal,
      ),
    );
    expect((e as H5Error).code).toBe('Aborted');
    expect(calls).toBe(1);
    expect(((await failure(withRetries(async () => 1, FAST, AbortSignal.abort()))) as H5Error).code).toBe('Aborted');
  });

  it('rejects a bad policy', () => {
    expect(() => retryPolicy({ attempts: 0 })).toThrow(H5Error);
    expect(retryPolicy(undefined)).toEqual(DEFAULT_RETRY);
    expect(Object.isFrozen(DEFAULT_RETRY)).toBe(true);
  });
});

describe('isRetryable', () => {
  it('knows connection failures from fetch and node:http', () => {
    expect(isRetryable(new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }))).toBe(true);
    expect(isRetryable(new TypeError('terminated'))).toBe(true);
    expect(isRetryable(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryable(new TypeError('Failed to fetch'))).toBe(true);
    expect(isRetryable(new H5Error('Timeout', 'slow'))).toBe(true);
    expect(isRetryable(new TypeError('Failed to parse URL from x'))).toBe(false);
    expect(isRetryable(new H5Error('Network', 'plain'))).toBe(false);
    expect(isRetryable('a string')).toBe(false);
  });
});

describe('withTimeout and sleep', () => {
  it('turns the time limit into Timeout and the caller abort into Aborted', async () => {
    const hang = (s: AbortSignal) =>
      new Promise<never>((_, reject) => s.addEventListener('abort', () => reject(new Error('aborted by signal'))));
    const t = (await failure(withTimeout(undefined, 20, hang, { source: 'x' }))) as H5Error;
    expect(t.code).toBe('Timeout');
    expect(t.source).toBe('x');
    const ctrl = new AbortController();
    const p = withTimeout(ctrl.signal, 60_000, hang);
    ctrl.abort();
    expect(((await failure(p)) as H5Error).code).toBe('Aborted');
  });

  it('passes other failures and results through', async () => {
    expect(await withTimeout(undefined, 1000, async () => 7)).toBe(7);
    const err = new Error('x');
    expect(await failure(withTimeout(undefined, 1000, async () => Promise.reject(err)))).toBe(err);
  });

  it('sleep stops at an abort', async () => {
    const ctrl = new AbortController();
    const p = sleep(60_000, ctrl.signal);
    ctrl.abort();
    expect(((await failure(p)) as H5Error).code).toBe('Aborted');
  });
});
