/**
 * The CLI's progress line (src/cli/progress.ts): shown on stderr only when it is a terminal and
 * a read takes more than a second. The terminal is real: util-linux `script` runs the CLI on a
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

let server: RangeServer;
let proxy: FaultProxy;
beforeAll(async () => {
  server = await RangeServer.start();
  server.put('/large_1d.h5', await readFile('fixtures/large_1d.h5'));
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

  it.skipIf(!hasScript)('shows on a terminal once a read passes a second, and is cleared before the data', async () => {
    const r = await onTerminal(args());
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\r\x1b\[Kreading: \d+\.\d MiB in \d+ requests/);
    // Cleared (\r, erase line) before the values are printed.
    const last = r.out.lastIndexOf('reading:');
    expect(r.out.indexOf('\r\x1b[K', last)).toBeGreaterThan(last);
    expect(r.out.trimEnd().split(/\r?\n/).length).toBeGreaterThan(100);
  }, 30_000);

  it('is never written when stderr is not a terminal', async () => {
    const r = await coh5(...args());
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('reading:');
    expect(r.text.split('\n').length).toBeGreaterThan(100);
  }, 30_000);
});
