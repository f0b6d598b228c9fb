/**
 * Warm re-reads through a persistent metadata cache, each read in a process of its own (spawned
 * node, as a new process of a user's would run), against a real HTTP server that counts requests
 * and waves (the benchmark's WAN emulator, 100 ms per round trip, honouring If-Match like S3).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WanEmulator } from '../bench/wan-proxy.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'coh5-warm-'));
const served = join(dir, 'warm.h5');
const cacheDir = join(dir, 'cache');
let wan: WanEmulator;

/** x[i] of each fixture version (scripts/make_warm_fixtures.py). */
const v1 = (i: number) => i;
const v2 = (i: number) => -i - 0.5;
const expected = (f: (i: number) => number, start: number, stop: number) => Array.from({ length: stop - start }, (_, k) => f(start + k));

async function readInNewProcess(start: number, stop: number, maxBytes = 1 << 30): Promise<{ values: number[]; requests: number; waves: number }> {
  const { stdout } = await run(process.execPath, ['--import', './scripts/register-ts.mjs', 'test/helpers/warm-reader.ts', `${wan.url}/warm.h5`, cacheDir, String(maxBytes), String(start), String(stop)]);
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

/** Replaces the served file, as an object rewritten in place: same size, new ETag. */
function serve(version: 'v1' | 'v2', mtime: number): void {
  copyFileSync(join('fixtures/warm', `${version}.h5`), served);
  utimesSync(served, mtime, mtime);
}

beforeAll(async () => {
  serve('v1', 1_700_000_000);
  // 100 ms per round trip: requests sent together reach the server in one wave even on a loaded machine.
  wan = await WanEmulator.start([served], { rttMs: 100, bitsPerSecond: 1e9 });
});
afterAll(async () => {
  await wan.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('persistent metadata cache (DirectoryMetadataStore), one process per read', () => {
  it('a new process re-reading a slice needs one wave: the chunk GET, with If-Match', { timeout: 60_000 }, async () => {
    wan.reset();
    const cold = await readInNewProcess(15_000, 15_010);
    expect(cold.values).toEqual(expected(v1, 15_000, 15_010));
    expect(wan.counters.waves).toBe(2);
    expect(wan.counters.conditional).toBe(0);
    expect(readdirSync(cacheDir)).toHaveLength(1);

    wan.reset();
    const warm = await readInNewProcess(15_000, 15_010);
    expect(warm.values).toEqual(expected(v1, 15_000, 15_010));
    expect(wan.counters.waves).toBe(1);
    expect(wan.counters.requests).toBe(1);
    expect(wan.counters.conditional).toBe(1);
    expect(warm.waves).toBe(1);
  });

  it('a file changed on the server (same size, new ETag) is detected by the 412 and read afresh, never stale', { timeout: 60_000 }, async () => {
    serve('v2', 1_700_000_100);
    wan.reset();
    const changed = await readInNewProcess(15_000, 15_010);
    expect(changed.values).toEqual(expected(v2, 15_000, 15_010));
    expect(wan.counters.preconditionFailed).toBe(1);
    // The refused GET, then a cold read of the new version.
    expect(wan.counters.waves).toBe(3);

    // The entry now holds v2: warm again, one wave.
    wan.reset();
    const again = await readInNewProcess(15_000, 15_010);
    expect(again.values).toEqual(expected(v2, 15_000, 15_010));
    expect(wan.counters.waves).toBe(1);
    expect(wan.counters.preconditionFailed).toBe(0);
  });

  it('a read the stored blocks answer alone is confirmed by one conditional request', { timeout: 60_000 }, async () => {
    // x[0:10] lies in the first 64 KiB, which the cold read stored: no chunk GET is needed.
    wan.reset();
    const r = await readInNewProcess(0, 10);
    expect(r.values).toEqual(expected(v2, 0, 10));
    expect(wan.counters.requests).toBe(1);
    expect(wan.counters.conditional).toBe(1);

    serve('v1', 1_700_000_200);
    wan.reset();
    const changed = await readInNewProcess(0, 10);
    expect(changed.values).toEqual(expected(v1, 0, 10));
    expect(wan.counters.preconditionFailed).toBe(1);
  });

  it('a store bound smaller than the entry keeps nothing, and the next process reads cold', { timeout: 60_000 }, async () => {
    rmSync(cacheDir, { recursive: true, force: true });
    await readInNewProcess(15_000, 15_010, 10_000);
    expect(existsSync(cacheDir) ? readdirSync(cacheDir).filter((n) => n.endsWith('.coh5meta')) : []).toHaveLength(0);
    wan.reset();
    await readInNewProcess(15_000, 15_010, 10_000);
    expect(wan.counters.waves).toBe(2);
  });
});
