/**
 * What listing attributes with references costs over the WAN emulator (50 ms, 100 Mbit/s):
 * requests, waves and time of open + every root member's attributes (netCDF-4 files, whose
 * variables carry DIMENSION_LIST and REFERENCE_LIST), of openGroup on the same files, and of
 * open + the root's attributes on files of 1,000 datasets whose root holds an object reference:
 * fixtures/references/refs_many.h5 (headers packed together) and bench/data/refs_granule.h5
 * (written here on first use: each dataset has 160 KiB of storage after its header, so the
 * headers lie further apart than a coalesced GET spans, as in a real granule).
 *
 *   node --import ./scripts/register-ts.mjs bench/refs-attrs.ts
 *
 * It uses only calls that existed before references became values, so the same file run from
 * another checkout measures that code on the same machine (the README's before/after figures).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { WanEmulator } from './wan-proxy.js';
import { open, openGroup, type H5File } from '../src/node.js';

const HERE = resolve(import.meta.dirname ?? __dirname);
// CORPUS points elsewhere when this runs from a checkout that is not beside ../shared.
const CORPUS = process.env.CORPUS ?? resolve(HERE, '../../shared/corpus');
const files = {
  netcdf141: resolve(CORPUS, 'thirdparty/netcdf-c/ncdump/ref_nc_test_netcdf4_4_0.nc'),
  netcdf2000: resolve(CORPUS, 'thirdparty/netcdf-c/nc_test4/ref_hdf5_compat1.nc'),
  many: resolve(HERE, '../fixtures/references/refs_many.h5'),
  granule: resolve(HERE, 'data/refs_granule.h5'),
};
if (!existsSync(files.granule)) {
  mkdirSync(resolve(HERE, 'data'), { recursive: true });
  // Storage allocated at creation and never written: a sparse 160 MB file that takes seconds to write.
  execFileSync('/usr/bin/python3', ['-c', `
import sys, h5py
from h5py import h5d, h5p
with h5py.File(sys.argv[1], 'w') as f:
    g = f.create_group('data')
    for i in range(1000):
        dcpl = h5p.create(h5p.DATASET_CREATE)
        dcpl.set_alloc_time(h5d.ALLOC_TIME_EARLY)
        dcpl.set_fill_time(h5d.FILL_TIME_NEVER)
        d = h5py.Dataset(h5d.create(g.id, b'v%04d' % i, h5py.h5t.IEEE_F32LE, h5py.h5s.create_simple((40960,)), dcpl=dcpl))
        if i == 777: f.attrs['favourite'] = d.ref
    f.attrs['title'] = 'one thousand datasets, 160 KiB apart'
`, files.granule]);
}
const wan = await WanEmulator.start(Object.values(files), { rttMs: 50, bitsPerSecond: 100e6 });
await fetch(`${wan.url}/__warm`);

async function measure(label: string, file: string, work: (f: H5File) => Promise<unknown>): Promise<void> {
  wan.reset();
  const t0 = performance.now();
  const f = await open(`${wan.url}/${file.split('/').pop()}`);
  await work(f);
  const ms = performance.now() - t0;
  const s = f.stats();
  console.log(JSON.stringify({ label, requests: wan.counters.requests, waves: s.waves, bytes: wan.counters.bytes, ms: Math.round(ms) }));
  await f.close();
}

for (const [name, path] of [['netcdf141', files.netcdf141], ['netcdf2000', files.netcdf2000]] as const) {
  await measure(`${name}: open + list({attributes: true})`, path, (f) => f.list({ attributes: true }));
  await measure(`${name}: open + openGroup('/')`, path, (f) => openGroup(f, '/'));
}
await measure('many: open + attrs()', files.many, (f) => f.attrs());
await measure('granule: open + attrs()', files.granule, (f) => f.attrs());
// The reference calls themselves (absent from older checkouts, where these lines are skipped).
const probe = await open(files.granule);
const hasReferenceCalls = 'referencePath' in probe;
await probe.close();
if (hasReferenceCalls) {
  const favourite = async (f: H5File) => (await f.attrs()).favourite as never;
  await measure('granule: open + attrs() + dereference(favourite)', files.granule, async (f) => f.dereference(await favourite(f)));
  await measure('granule: open + attrs() + referencePath(favourite)', files.granule, async (f) => f.referencePath(await favourite(f)));
  await measure('granule: open + walk() (what naming a reference cost before)', files.granule, async (f) => {
    for await (const _ of f.walk());
  });
}
await wan.close();
