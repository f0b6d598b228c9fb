/**
 * Ordinary use prints no process warnings: no MaxListenersExceededWarning from many reads
 * waiting on one signal, and no AWS NodeVersionSupportWarning when an S3 client is made.
 * Each test fails if any warning at all is emitted while it runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { open, openGroup } from '../src/index.js';
import { S3Source, loadS3Sdk } from '../src/s3.js';
import { NODE_VERSION_WARNING_SWITCH } from '../src/drivers/s3.js';
import { onAbort } from '../src/source.js';
import { RangeServer } from './helpers/range-server.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
let server: RangeServer;
let warnings: string[];
const record = (w: Error): void => {
  warnings.push(`${w.name}: ${w.message}`);
};
// process.emitWarning delivers on the next tick; a macrotask lets every pending one arrive.
const settle = () => new Promise((r) => setTimeout(r, 20));

beforeAll(async () => {
  server = await RangeServer.start();
  server.put('/many.h5', new Uint8Array(readFileSync(join(FIXTURES, 'references', 'refs_many.h5'))));
  server.put('/large.h5', new Uint8Array(readFileSync(join(FIXTURES, 'large_2d.h5'))));
});
afterAll(() => server.close());
beforeEach(() => {
  warnings = [];
  process.on('warning', record);
});
afterEach(() => {
  process.off('warning', record);
});

describe('no MaxListenersExceededWarning', () => {
  it('200 datasets read concurrently under one signal, with readDatasets and readDataset', async () => {
    const f = await open(server.urlOf('/many.h5'), { cache: { concurrency: 2 } });
    const names = (await (await f.getGroup('/many')).keys()).slice(0, 200);
    expect(names).toHaveLength(200);
    const signal = new AbortController().signal;
    const all = await f.readDatasets(names.map((n) => `/many/${n}`), { signal });
    expect(Object.keys(all)).toHaveLength(200);
    const each = await Promise.all(names.map((n) => f.readDataset(`/many/${n}`, undefined, { signal })));
    expect(each).toHaveLength(200);
    await f.close();
    await settle();
    expect(warnings).toEqual([]);
  });

  it('a throttled chunked read (concurrency 2) under a signal', async () => {
    const f = await open(server.urlOf('/large.h5'), { cache: { concurrency: 2, blockSize: 4096 } });
    const ds = await f.getDataset((await f.keys())[0]!);
    const { data } = await ds.read(undefined, { signal: new AbortController().signal });
    expect((data as ArrayLike<number>).length).toBeGreaterThan(1000);
    await f.close();
    await settle();
    expect(warnings).toEqual([]);
  });

  it('openGroup().read() of a group of 200+ datasets', async () => {
    const f = await open(server.urlOf('/many.h5'));
    const g = await openGroup(f, '/many');
    const read = await g.read();
    expect(Object.keys(read).length).toBeGreaterThanOrEqual(200);
    await f.close();
    await settle();
    expect(warnings).toEqual([]);
  });

  it('an abort still reaches every waiter, and a waiter that left is not called', () => {
    const ctrl = new AbortController();
    let called = 0;
    const stops = Array.from({ length: 50 }, () => onAbort(ctrl.signal, () => called++));
    stops[0]!();
    stops[0]!();
    ctrl.abort();
    expect(called).toBe(49);
    // Once aborted, new waiters are not called (the caller checks signal.aborted first).
    onAbort(ctrl.signal, () => called++);
    expect(called).toBe(49);
  });
});

describe('no AWS NodeVersionSupportWarning', () => {
  it('making an S3 client prints nothing, and leaves the environment as it was', async () => {
    expect(process.env[NODE_VERSION_WARNING_SWITCH]).toBeUndefined();
    const sdk = await loadS3Sdk();
    const source = new S3Source({ bucket: 'b', key: 'k.h5' }, { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 's' } }, sdk);
    await settle();
    expect(warnings).toEqual([]);
    expect(process.env[NODE_VERSION_WARNING_SWITCH]).toBeUndefined();
    await source.close();
  });
});
