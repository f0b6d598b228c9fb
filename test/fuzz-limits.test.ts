/**
 * Resource limits hold before allocation: a dataset that claims 2^40 elements fails with 'Limit'
 * without allocating, and every limit can be lowered by the caller and is then enforced.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { open } from '../src/node.js';
import { H5Error } from '../src/errors.js';
import type { Dataset } from '../src/api/objects.js';
import { failure } from './helpers/failure.js';

const FX = join(import.meta.dirname, '..', 'fixtures');
const REG = join(FX, 'regressions');


describe('limits are checked before allocating', () => {
  it('a dataset of 2^40 float64 fails with Limit, allocating nothing', async () => {
    const f = await open(join(REG, 'huge_dataset.h5'));
    const huge = (await f.get('huge')) as Dataset;
    expect(huge.shape).toEqual([2 ** 40]);
    const before = process.memoryUsage().arrayBuffers;
    const e = await failure(huge.read());
    expect(e.code).toBe('Limit');
    expect(e.message).toMatch(/8796093022208 bytes.*maxReadBytes/);
    const e2 = await failure(((await f.get('huge2d')) as Dataset).read());
    expect(e2.code).toBe('Limit');
    // Nothing near the claimed size was allocated (a few KiB of metadata at most).
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
    // A small slice at the far end is fine: unwritten chunks read as the fill value.
    const tail = await huge.read([[2 ** 40 - 3, 2 ** 40]]);
    expect(Array.from(tail.data as Float64Array)).toEqual([0, 0, 0]);
    await f.close();
  });

  it('a datatype claiming a 4 GiB element (array of 2^29 doubles) opens without decoding it', async () => {
    // h5repack_objs.h5 with /arrayd's array type patched to 0x1fffffff doubles: opening it once
    // built the fill value as a 2^29-element JS array and crashed the process (out of memory).
    const f = await open(join(REG, 'huge_element.h5'));
    const d = (await f.get('/arrayd')) as Dataset;
    expect(d.dtype).toBe('|V4294967288');
    expect(d.fillvalue).toBeNull();
    const small = await open(join(REG, 'huge_element.h5'), { limits: { maxReadBytes: 64 * 1024 * 1024 } });
    const e = await failure(((await small.get('/arrayd')) as Dataset).read());
    expect(e.code).toBe('Limit');
    expect(e.message).toMatch(/4294967288 bytes, above maxReadBytes/);
    // The rest of the file still walks.
    let n = 0;
    for await (const _ of small.walk()) n++;
    expect(n).toBeGreaterThan(10);
    await Promise.all([f.close(), small.close()]);
  });

  it('maxReadBytes, maxChunkBytes and maxMetadataBytes set by the caller are enforced', async () => {
    const path = join(FX, 'large_2d.h5');
    const small = await open(path, { limits: { maxReadBytes: 10_000 } });
    const e = await failure(small.readDataset('/field'));
    expect(e.code).toBe('Limit');
    expect(e.message).toMatch(/maxReadBytes 10000/);
    // Under the limit still reads.
    expect((await small.readDataset('/field', [[0, 10], [0, 10]])).data).toHaveLength(100);
    await small.close();

    const chunky = await open(path, { limits: { maxChunkBytes: 1000 } });
    const e2 = await failure(chunky.readDataset('/field', [[0, 1], [0, 1]]));
    expect(e2.code).toBe('Limit');
    expect(e2.message).toMatch(/maxChunkBytes 1000/);
    await chunky.close();

    const meta = await failure(open(join(FX, 'attrs_latest.h5'), { limits: { maxMetadataBytes: 64 } }).then((f) => f.attrs()));
    expect(meta.code).toBe('Limit');
  });

  it('soft links in a loop stop at maxLinkHops with a clear error', async () => {
    const f = await open(join(REG, 'soft_loop.h5'));
    for (const name of ['a', 'self']) {
      const e = await failure(f.get(name));
      expect(e.code).toBe('NotFound');
      expect(e.message).toMatch(/too many soft\/external link hops/);
      // One message, not one per hop: a loop of two links used to nest 16 'is dangling' messages.
      expect(e.message).not.toMatch(/dangling/);
      expect(e.message.length).toBeLessThan(200);
    }
    const few = await open(join(REG, 'soft_loop.h5'), { limits: { maxLinkHops: 2 } });
    expect((await failure(few.get('a'))).message).toMatch(/too many/);
    await f.close();
    await few.close();
  });
});
