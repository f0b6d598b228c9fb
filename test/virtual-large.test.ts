import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { open } from '../src/node.js';
import type { Dataset } from '../src/api/objects.js';

/**
 * fixtures/vds_large.h5 (scripts/make_fixtures.py build_vds_large): virtual datasets of 3.2-4.8M
 * elements whose mappings hold 1.2M elements each, past the per-element path's limit. The
 * sources are s_i = arange(1.2M) + i * 1e7 as [3, 400000], so every value names its origin.
 */
const FX = join(__dirname, '..', 'fixtures', 'vds_large.h5');
const src = (i: number, r: number, c: number) => i * 10_000_000 + r * 400_000 + c;

async function dataset(path: string): Promise<Dataset> {
  const f = await open(FX);
  return (await f.get(path)) as Dataset;
}

describe('virtual datasets larger than a coordinate list', () => {
  it('reads a whole 4.8M-element VDS, 1.2M elements per mapping', async () => {
    const ds = await dataset('/rows');
    const { data, shape } = await ds.read();
    expect(shape).toEqual([12, 400_000]);
    const a = data as Int32Array;
    for (const [r, c] of [[0, 0], [2, 399_999], [3, 0], [7, 123_456], [11, 399_999]] as const) {
      expect(a[r * 400_000 + c]).toBe(src(Math.floor(r / 3), r % 3, c));
    }
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum += a[i]!;
    let want = 0;
    for (let i = 0; i < 4; i++) want += 1_200_000 * i * 10_000_000 + (1_199_999 * 1_200_000) / 2;
    expect(sum).toBe(want);
    await ds.file.close();
  });

  it('maps a strided window across source boundaries, and points, to the right sources', async () => {
    const ds = await dataset('/rows');
    const { data, shape } = await ds.read([[2, 8, 2], [399_990, 400_000, 3]]);
    expect(shape).toEqual([3, 4]);
    const want: number[] = [];
    for (const r of [2, 4, 6]) for (const c of [399_990, 399_993, 399_996, 399_999]) want.push(src(Math.floor(r / 3), r % 3, c));
    expect(Array.from(data as Int32Array)).toEqual(want);
    const pts = await ds.read({ points: [[11, 5], [0, 0], [5, 399_999]] });
    expect(Array.from(pts.data as Int32Array)).toEqual([src(3, 2, 5), src(0, 0, 0), src(1, 2, 399_999)]);
    await ds.file.close();
  });

  it('fills unmapped cells and reads windows of the sources', async () => {
    const ds = await dataset('/windows');
    const { data } = await ds.read([[0, 4], [399_998, 500_002]]);
    const a = Array.from(data as Int32Array);
    const row = (r: number) => a.slice(r * 100_004, (r + 1) * 100_004);
    // Rows 0-1: s3's rows 1-2 in columns 0-399999, then fill.
    expect(row(0).slice(0, 3)).toEqual([src(3, 1, 399_998), src(3, 1, 399_999), -7]);
    expect(row(1)[1]).toBe(src(3, 2, 399_999));
    // Rows 2-3: fill until column 500000, where s0's rows 0-1 from column 100000 begin.
    expect(row(2).slice(-3)).toEqual([-7, src(0, 0, 100_000), src(0, 0, 100_001)]);
    expect(row(3).slice(-2)).toEqual([src(0, 1, 100_000), src(0, 1, 100_001)]);
    expect(row(3).slice(0, 100_002).every((v) => v === -7)).toBe(true);
    await ds.file.close();
  });

  it('reads an interleaved (stride 2) mapping whole and strided', async () => {
    const ds = await dataset('/interleaved');
    const all = Array.from((await ds.read()).data as Int32Array);
    expect(all.slice(0, 4)).toEqual([0, 5_000_000, 1, 5_000_001]);
    expect(all.slice(-2)).toEqual([1_999, 5_001_999]);
    expect(Array.from((await ds.read([[1, 4000, 4]])).data as Int32Array).slice(0, 3)).toEqual([5_000_000, 5_000_002, 5_000_004]);
    await ds.file.close();
  });
});
