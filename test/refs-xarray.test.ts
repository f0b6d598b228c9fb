/**
 * coh5's references read back by the Python stack a user scales out with (Debian's xarray, zarr,
 * fsspec, h5netcdf, dask, distributed): every corpus variable h5netcdf reads against the same
 * variable through the references, and a LocalCluster reduction over 20 combined granules.
 * Without those packages the tests skip with a message, except in CI (CI=true), where they fail.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PYTHON = '/usr/bin/python3';
const CORPUS = join(ROOT, '..', 'shared', 'corpus');

const probe = spawnSync(PYTHON, ['-c', 'import xarray, zarr, fsspec, h5netcdf, h5py, dask, distributed'], { encoding: 'utf8' });
const missing = probe.status === 0 ? null : (probe.error?.message ?? probe.stderr.trim().split('\n').pop() ?? 'unknown error');
if (missing && process.env.CI === 'true') {
  throw new Error(`CI needs python3-xarray python3-zarr python3-fsspec python3-h5netcdf python3-h5py python3-dask python3-distributed: ${missing}`);
}
if (missing) console.warn(`refs-xarray: skipped, the Python side is missing (${missing}); apt-get install python3-xarray python3-zarr python3-fsspec python3-h5netcdf python3-dask python3-distributed`);

const work = mkdtempSync(join(tmpdir(), 'coh5-xarray-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(script: string, ...args: string[]) {
  const r = spawnSync(PYTHON, [join(ROOT, 'scripts', script), ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(missing !== null)('references read through xarray and Dask', () => {
  it('a LocalCluster reduces 20 granules combined by coh5 refs --concat time to what h5py gives', () => {
    const r = run('dask_refs_check.py', work);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out).toMatchObject({ granules: 20, workers: 2, time_ok: true, temp_equal: true, count_dtype: 'int32' });
    expect(out.temp_chunks).toEqual([20, 2, 2]);
    expect(out.zeros[0]).toBe(out.zeros[1]);
  }, 300_000);

  it.skipIf(!existsSync(CORPUS))('at least 98% of the corpus variables h5netcdf reads are equal through the references; the rest are left out with a reason', () => {
    const json = join(work, 'corpus.json');
    const r = run('compare_refs_xarray.py', '--json', json, CORPUS);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { total: number; equal: number; percent: number; unequal: Array<[string, string]>; by_reason: Array<[string, number]> };
    // What is not equal, by kind of reason (each variable with its own reason is in the script's output).
    console.info(`refs-xarray: ${report.equal} of ${report.total} equal (${report.percent.toFixed(2)}%); not equal:\n${report.by_reason.map(([r, n]) => `  ${n}  ${r}`).join('\n')}`);
    expect(report.total).toBeGreaterThan(4000);
    // Issue 19's target; measured 98.15% (4,510 of 4,595), every other variable left out with its reason.
    expect(report.percent).toBeGreaterThanOrEqual(98);
    // What is not equal was left out of the references, with its reason: no variable reads back different,
    // except through fsspec 2022.11's own bug (chunks stored out of file order, batched), which the script
    // proves by reading the same references one key at a time.
    const silent = report.unequal.filter(([, reason]) => !reason.startsWith('not referenced: ') && !reason.startsWith('values differ only through fsspec 2022.11'));
    expect(silent, JSON.stringify(silent.slice(0, 20))).toEqual([]);
  }, 900_000);
});
