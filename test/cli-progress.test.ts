/**
 * The CLI's progress line (src/cli/progress.ts): shown on stderr only when it is a terminal and
 * a read takes more than a second; with the read's total and a percentage once it is planned. The terminal is real: util-linux `script` runs the CLI on a
 * pseudo-terminal; the slowness is real: a fault proxy adds 1.5 s to every GET.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coh5 } from './cli-run.js';
import { FaultProxy } from './helpers/fault-proxy.js';
import { RangeServer } from './helpers/range-server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The progress lines written (each after `\r` + erase line): bytes so far, the total (with its unit) and percent when shown. */
function progressLines(out: string): { done: string; total: string | null; percent: number | null; requests: number }[] {
  const lines = [];
  for (const part of out.split('\r\x1b[K')) {
    const m = /^reading: (\d+(?:\.\d)?)(?: of (\d+(?:\.\d)? (?:B|KiB|MiB)) \((\d+)%\)| MiB) in (\d+) requests/.exec(part);
    if (m) lines.push({ done: m[1]!, total: m[2] ?? null, percent: m[3] === undefined ? null : Number(m[3]), requests: Number(m[4]) });
  }
  return lines;
}

/** h5py's sum of the stored sizes of the chunks holding elements [start, stop) of a 1-D dataset. */
function storedBytes(file: string, dataset: string, start: number, stop: number): number {
  const script = `import h5py, sys
d = h5py.File(sys.argv[1])[sys.argv[2]]
c = d.chunks[0]
print(sum(d.id.get_chunk_info_by_coord((k * c,)).size for k in range(int(sys.argv[3]) // c, (int(sys.argv[4]) - 1) // c + 1)))`;
  return Number(execFileSync('/usr/bin/python3', ['-c', script, file, dataset, String(start), String(stop)], { cwd: ROOT, encoding: 'utf8' }).trim());
}

let server: RangeServer;
let proxy: FaultProxy;
beforeAll(async () => {
  server = await RangeServer.start();
  server.put('/large_1d.h5', await readFile('fixtures/large_1d.h5'));
  server.put('/query_pandas.h5', await readFile('fixtures/query/query_pandas.h5'));
  proxy = await FaultProxy.start(server.url);
  // Every GET but open's head is slow, so the read (its chunk GETs) takes more than a second.
  proxy.choose = (req) => (req.range?.startsWith('bytes=0-') ? undefined : { type: 'latency', ms: 1500 });
});
afterAll(async () => {
  await proxy.close();
  await server.close();
});

/** Runs the CLI with a pseudo-terminal for stdin, stdout and stderr; returns everything it wrote. */
function onTerminal(args: string[]): Promise<{ code: number; out: string }> {
  const cmd = [process.execPath, '--import', './scripts/register-ts.mjs', 'src/cli/main.ts', ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', cmd, '/dev/null'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

describe('coh5 cat: the progress line', () => {
  const args = () => ['cat', '--format', 'csv', '--slice', '800000:1000000', `${proxy.url}/large_1d.h5`, '/signal'];

  it.skipIf(!hasScript)('shows on a terminal once a read passes a second, with the total and a percentage, and is cleared before the data', async () => {
    const r = await onTerminal(args());
    expect(r.code).toBe(0);
    const shown = progressLines(r.out);
    expect(shown.length).toBeGreaterThanOrEqual(2);
    // Once the read is planned: its total, the stored bytes of the chunks the slice touches (h5py
    // sums them: 15,980 bytes, shown as 15.6 KiB), and a percentage that only grows, ending at 100%.
    const known = shown.filter((l) => l.total !== null);
    expect(known.length).toBeGreaterThanOrEqual(2);
    const expected = storedBytes('fixtures/large_1d.h5', 'signal', 800_000, 1_000_000);
    for (const l of known) expect(l.total).toBe(`${(expected / 1024).toFixed(1)} KiB`);
    const percents = known.map((l) => l.percent!);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(100);
    expect(known.at(-1)!.done).toBe(known.at(-1)!.total!.split(' ')[0]);
    expect(percents[0]).toBeLessThan(100);
    // Cleared (\r, erase line) before the values are printed.
    const last = r.out.lastIndexOf('reading:');
    expect(r.out.indexOf('\r\x1b[K', last)).toBeGreaterThan(last);
    expect(r.out.trimEnd().split(/\r?\n/).length).toBeGreaterThan(100);
  }, 30_000);

  it.skipIf(!hasScript)('keeps the bytes-so-far form where the size is not known (a pandas frame)', async () => {
    const r = await onTerminal(['cat', '--format', 'csv', `${proxy.url}/query_pandas.h5`, '/multi']);
    expect(r.code).toBe(0);
    const shown = progressLines(r.out);
    expect(shown.length).toBeGreaterThanOrEqual(1);
    for (const l of shown) expect(l).toMatchObject({ total: null, percent: null });
    expect(r.out).not.toMatch(/reading:[^\r\n]*%/);
  }, 30_000);

  it('is never written when stderr is not a terminal', async () => {
    const r = await coh5(...args());
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('reading:');
    expect(r.text.split('\n').length).toBeGreaterThan(100);
  }, 30_000);
});
