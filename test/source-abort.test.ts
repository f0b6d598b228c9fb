/**
 * onAbort (src/source.ts): every subscriber of one signal behind a single 'abort' listener, so
 * a walk's thousands of concurrent reads under one signal print no MaxListenersExceededWarning.
 */
import { getEventListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onAbort } from '../src/source.js';
import { open } from '../src/node.js';
import { RangeServer } from './helpers/range-server.js';

describe('onAbort', () => {
  it('calls each subscriber once through one listener, and removes it when the last leaves', () => {
    const ctrl = new AbortController();
    const calls: number[] = [];
    const offs = Array.from({ length: 50 }, (_, i) => onAbort(ctrl.signal, () => calls.push(i)));
    expect(getEventListeners(ctrl.signal, 'abort')).toHaveLength(1);
    offs[3]!();
    offs[3]!(); // twice is harmless
    ctrl.abort();
    expect(calls).toHaveLength(49);
    expect(calls).not.toContain(3);
    ctrl.abort();
    expect(calls).toHaveLength(49);

    const other = new AbortController();
    const offA = onAbort(other.signal, () => calls.push(-1));
    const offB = onAbort(other.signal, () => calls.push(-2));
    offA();
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(1);
    offB();
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(0);
    // A new subscriber after the last left gets a listener again.
    onAbort(other.signal, () => calls.push(-3));
    other.abort();
    expect(calls.slice(49)).toEqual([-3]);
  });

  it('30 concurrent opens over HTTP under one signal hold one listener on it, not one each', async () => {
    const server = await RangeServer.start();
    server.put('/w.h5', readFileSync(resolve(__dirname, '../fixtures/walk/walk_earliest.h5')));
    const f = await open(server.urlOf('/w.h5'), { cache: { initialReadSize: 1024, blockSize: 1024, maxGap: 0 } });
    const ctrl = new AbortController();
    const paths = [0, 1, 2, 3].flatMap((g) => [0, 1, 2, 3, 4].flatMap((s) => [0, 1].map((d) => `/g${g}/s${s}/d${d}`))).slice(0, 30);
    let most = 0;
    let done = false;
    const all = Promise.all(paths.map((p) => f.get(p, { signal: ctrl.signal }))).finally(() => (done = true));
    // Sample the listeners on every turn while the opens' reads are waiting on the server.
    while (!done) {
      most = Math.max(most, getEventListeners(ctrl.signal, 'abort').length);
      await new Promise((r) => setImmediate(r));
    }
    expect((await all).map((n) => n.kind)).toEqual(paths.map(() => 'dataset'));
    expect(most).toBe(1);
    await f.close();
    await server.close();
  });
});
