/**
 * Issue 14's round-trip promises, counted by the benchmark's WAN emulator (a real HTTP server in
 * its own process, 1 s per round trip: requests sent together stay one wave even on a machine so
 * loaded that the parsing between two waves takes half a second of wall time) on files h5py writes (scripts/make_wave_files.py). Counts, never times.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WanCounters } from '../bench/wan-proxy.js';
import { open, type OpenOptions } from '../src/index.js';

const PY = '/usr/bin/python3';
const hasH5py = existsSync(PY) && (() => {
  try {
    execFileSync(PY, ['-c', 'import h5py'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasH5py) console.warn('api-waves: skipped, /usr/bin/python3 with h5py is needed to write the files');

const dir = mkdtempSync(join(tmpdir(), 'coh5-waves-'));
let child: ChildProcess | undefined;
let url = '';

async function counters(path: '__counters' | '__reset'): Promise<WanCounters> {
  const r = await fetch(`${url}/${path}`);
  return path === '__counters' ? ((await r.json()) as WanCounters) : (await r.arrayBuffer(), {} as WanCounters);
}

/** Opens `file`, runs `work`, and returns what the emulator counted for both. */
async function measure(file: string, work: (f: Awaited<ReturnType<typeof open>>) => Promise<unknown>, options?: OpenOptions): Promise<WanCounters> {
  await counters('__reset');
  const f = await open(`${url}/${file}`, options);
  try {
    await work(f);
  } finally {
    await f.close();
  }
  return counters('__counters');
}

const MANY = Array.from({ length: 50 }, (_, i) => ({ dataset: `/v${String(i).padStart(2, '0')}`, hyperslice: [[50_000, 51_000]] }));
/** What coh5 did before issue 14: a 64 KiB first read, and 16 GETs in flight. */
const BEFORE: OpenOptions = { cache: { initialReadSize: 64 * 1024, concurrency: 16 } };

beforeAll(async () => {
  if (!hasH5py) return;
  execFileSync(PY, ['scripts/make_wave_files.py', dir], { stdio: 'inherit' });
  child = spawn(process.execPath, ['--import', './scripts/register-ts.mjs', 'bench/wan-serve.ts', join(dir, 'many.h5'), join(dir, 'latest_first.h5'), '--rtt', '1000', '--mbps', '2000'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve) => createInterface({ input: child!.stdout! }).once('line', resolve));
  url = (JSON.parse(line) as { url: string }).url;
  // Connections opened first (uncounted), so the GETs of one wave reach the emulator together.
  await Promise.all(Array.from({ length: 64 }, async () => (await fetch(`${url}/__warm`)).arrayBuffer()));
}, 60_000);

afterAll(() => {
  child?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasH5py)('round trips of issue 14 workloads (WAN emulator)', () => {
  it('1,000 values from each of 50 datasets in one readDatasets: every level of the walk is one wave', async () => {
    let sum = 0;
    const c = await measure('many.h5', async (f) => {
      const res = await f.readDatasets(MANY);
      for (const r of Object.values(res)) for (const v of r.data as Float32Array) sum += Math.abs(v);
    });
    expect(Number.isFinite(sum) && sum !== 0).toBe(true);
    // Open (the head and the rest of the first read), the root's B-tree and heap, its symbol table
    // nodes, the 50 headers (merged where they lie close), then the chunks; one dataset's chunk
    // B-tree node lies past its header's block, which costs it a wave more.
    expect(c.waves).toBe(6);
    expect(c.requests).toBeLessThanOrEqual(2 + 1 + 11 + 50 + 50);
    const before = await measure('many.h5', (f) => f.readDatasets(MANY), BEFORE);
    // The same read at 16 in flight queues headers and chunks behind one another.
    expect(before.waves).toBeGreaterThan(c.waves);
  }, 120_000);

  it("a libver 'latest' file whose chunk index lies past the first 64 KiB: open and 1,000 values in 2 waves", async () => {
    const read = (f: Awaited<ReturnType<typeof open>>) => f.readDataset('/x', [[1_500_000, 1_501_000]]);
    const c = await measure('latest_first.h5', read);
    // The head and the rest of the first read (the index with it), then the chunk.
    expect([c.waves, c.requests]).toEqual([2, 3]);
    const before = await measure('latest_first.h5', read, BEFORE);
    expect([before.waves, before.requests]).toEqual([3, 3]);
  }, 60_000);
});
