import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { open } from '../src/node.js';
import { H5Error } from '../src/errors.js';
import { together } from '../src/api/together.js';
import { RecordingSource } from './helpers/recording-source.js';

const fixture = (name: string) => readFile(join(__dirname, '..', 'fixtures', name));
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('together: one call\'s parallel tasks stop at the first failure', () => {
  it('rejects with the first failure and aborts the others', async () => {
    const seen: string[] = [];
    const boom = new H5Error('NotFound', 'no such thing');
    const slow = (signal: AbortSignal) =>
      new Promise<number>((resolve, reject) => {
        const t = setTimeout(() => resolve(1), 1000);
        signal.addEventListener('abort', () => {
          clearTimeout(t);
          seen.push(String((signal.reason as H5Error).code));
          reject(signal.reason);
        });
      });
    await expect(together(undefined, [slow, async () => Promise.reject(boom), slow])).rejects.toBe(boom);
    expect(seen).toEqual(['Aborted', 'Aborted']);
  });

  it("passes the caller's abort to every task, and resolves in order when all succeed", async () => {
    expect(await together(undefined, [async () => 1, async () => 2])).toEqual([1, 2]);
    const caller = new AbortController();
    const p = together(caller.signal, [(s) => new Promise((_r, reject) => s.addEventListener('abort', () => reject(new H5Error('Aborted', 'stopped'))))]);
    caller.abort();
    await expect(p).rejects.toMatchObject({ code: 'Aborted' });
  });

  it('readDatasets: a missing dataset stops the other reads of the call, not just its own', async () => {
    const bytes = new Uint8Array(await fixture('large_1d.h5'));
    const src = new RecordingSource(bytes, { delayMs: 15 });
    const f = await open(src, { cache: { initialReadSize: 4096, blockSize: 4096 } });
    const e = await f.readDatasets([{ dataset: '/signal' }, { dataset: '/missing' }]).catch((x: unknown) => x);
    expect((e as H5Error).code).toBe('NotFound');
    await settle(200);
    // /signal's 100 chunks (~90 KB) were never fetched: its walk stopped with the call.
    const moved = src.requests.reduce((n, r) => n + Math.max(0, r.bytes), 0);
    expect(moved).toBeLessThan(40_000);
    expect(src.inFlight).toBe(0);
    // The file still works afterwards.
    expect(((await f.readDataset('/signal', [[0, 3]])).data as Float32Array).length).toBe(3);
    await f.close();
  });
});
