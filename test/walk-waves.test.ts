/**
 * Issue 20's "done when", by counts: walk() plus every object's attrs() of a 4,000-dataset file
 * built like a GEDI granule (h5py defaults: 8 x 50 groups, small gzip datasets with two
 * attributes each; bench/make_scale_files.py's writer, run here by /usr/bin/python3) over the
 * bench's WAN emulator (100 Mbit/s, its own process) takes at most 12 waves and moves at
 * most 1.5x the file's metadata bytes. Waves, requests and bytes are the emulator's counts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WanCounters } from '../bench/wan-proxy.js';
import { walkWithAttrs } from '../bench/workloads.js';
import { open } from '../src/index.js';

const PYTHON = '/usr/bin/python3';
const hasH5py = spawnSync(PYTHON, ['-c', 'import h5py'], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'coh5-walk-waves-'));
const file = join(dir, 'walk_4408.h5');
let meta: { size: number; metadataBytes: number; metadataBy: string; objects: number };
let child: ChildProcess | undefined;
let url = '';

const counters = async (): Promise<WanCounters> => (await (await fetch(`${url}/__counters`)).json()) as WanCounters;

beforeAll(async () => {
  if (!hasH5py) return;
  const made = spawnSync(PYTHON, ['bench/make_scale_files.py', 'walk', file, '400', '4000'], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`make_scale_files.py failed: ${made.stderr}`);
  meta = JSON.parse(made.stdout.trim().split('\n').pop()!) as typeof meta;
  // 200 ms rather than the bench's 50: the emulator names a request's wave by when it arrives, and
  // on a loaded machine the GETs of one wave can reach it more than 50 ms apart. The waves a walk
  // needs do not depend on the round trip; npm run bench measures them at 50 ms.
  child = spawn(process.execPath, ['--import', './scripts/register-ts.mjs', 'bench/wan-serve.ts', file, '--rtt', '200', '--mbps', '100'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve) => createInterface({ input: child!.stdout! }).once('line', resolve));
  url = (JSON.parse(line) as { url: string }).url;
}, 120_000);

afterAll(() => {
  child?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasH5py)(`walk of a 4,000-dataset granule over the WAN emulator${hasH5py ? '' : ' (skipped: no h5py for /usr/bin/python3)'}`, () => {
  it('takes at most 12 waves and moves at most 1.5x the metadata bytes, every object and attribute read', async () => {
    expect(meta.objects).toBe(4408);
    const f = await open(`${url}/walk_4408.h5`);
    try {
      await (await fetch(`${url}/__reset`)).arrayBuffer();
      // 4,408 objects and 8,000 attributes (two per dataset): nothing skipped to save a wave.
      expect(await walkWithAttrs(f)).toBe(4408 + 8000);
      const c = await counters();
      const ratio = c.bytes / meta.metadataBytes;
      const figures = `${c.waves} waves, ${c.requests} requests, ${c.bytes} bytes = ${ratio.toFixed(2)}x the ${meta.metadataBytes} metadata bytes (${meta.metadataBy})`;
      expect(c.waves, figures).toBeLessThanOrEqual(12);
      expect(c.bytes, figures).toBeLessThanOrEqual(1.5 * meta.metadataBytes);
      // Many small ranges per GET: far fewer requests than the 4,408 headers.
      expect(c.requests, figures).toBeLessThan(200);
      expect(f.stats().waves, figures).toBeLessThanOrEqual(12);
    } finally {
      await f.close();
    }
  }, 120_000);
});
