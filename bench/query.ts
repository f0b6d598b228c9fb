/**
 * What query() costs over the WAN emulator (50 ms RTT, 100 Mbit/s): a selective where-clause on a
 * 10M-row compound table (no index, so every chunk must be read: the bytes should be the table's
 * stored chunk bytes plus metadata, no more), and the same kind of query with `limit`, which
 * should stop after the first batch. Prints wall time, requests, waves, bytes and rows/s.
 *
 *   node --import ./scripts/register-ts.mjs bench/query.ts
 *
 * bench/data/query_10m.h5 is written on first use by /usr/bin/python3 (h5py).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { WanEmulator } from './wan-proxy.js';
import { open, query, type Dataset } from '../src/node.js';

const HERE = resolve(import.meta.dirname ?? __dirname);
const FILE = resolve(HERE, 'data/query_10m.h5');
if (!existsSync(FILE)) {
  mkdirSync(resolve(HERE, 'data'), { recursive: true });
  execFileSync('/usr/bin/python3', ['-c', `
import sys, numpy as np, h5py
n = 10_000_000
dt = np.dtype([('id', '<i8'), ('temp', '<f4'), ('station', 'S1'), ('x', '<f4')])
rng = np.random.default_rng(5)
with h5py.File(sys.argv[1], 'w') as f:
    d = f.create_dataset('weather', (n,), dtype=dt, chunks=(65536,), compression='gzip', compression_opts=1, shuffle=True)
    step = 1_000_000
    for a in range(0, n, step):
        b = np.zeros(step, dtype=dt)
        b['id'] = np.arange(a, a + step)
        b['temp'] = rng.normal(15, 10, step).astype('f4')
        b['station'] = rng.choice([b'A', b'B', b'C', b'D'], step)
        b['x'] = rng.uniform(-1, 1, step).astype('f4')
        d[a:a + step] = b
`, FILE], { stdio: 'inherit' });
}

const { statSync } = await import('node:fs');
console.log(`file: ${statSync(FILE).size} bytes on disk`);

const wan = await WanEmulator.start([FILE], { rttMs: 50, bitsPerSecond: 100e6 });
await fetch(`${wan.url}/__warm`);
console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (2 cores, shared with other jobs)`);

async function measure(label: string, where: string, options: { limit?: number; fields?: string[] }): Promise<void> {
  wan.reset();
  const t0 = performance.now();
  const f = await open(`${wan.url}/query_10m.h5`);
  const ds = (await f.get('/weather')) as Dataset;
  const r = await query(ds, where, options);
  const ms = performance.now() - t0;
  const s = f.stats();
  console.log(JSON.stringify({
    label, where, ...options, matches: r.rows.length, scanned: r.scanned, batches: r.batches,
    requests: wan.counters.requests, waves: s.waves, bytes: wan.counters.bytes, ms: Math.round(ms),
    rowsPerSecond: Math.round(r.scanned / (ms / 1000)),
  }));
  await f.close();
}

await measure('selective, whole table', '(temp > 50) & (station == b"A")', { fields: ['id', 'temp'] });
await measure('limit 100', '(temp > 20) & (station == b"A")', { limit: 100, fields: ['id', 'temp'] });
await measure('limit 100, rarer match', 'temp > 45', { limit: 100, fields: ['id', 'temp'] });
console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
await wan.close();
