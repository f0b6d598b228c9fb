/**
 * The long fuzz run (`npm run fuzz -- [--seconds N] [--seed S] [--save DIR]`): mutates every
 * fixture and corpus file with fast-check for N seconds (default 600), runs each case through the
 * same harness as test/fuzz-mutations.test.ts, and prints the outcome counts. A case where anything
 * but an H5Error escapes, or that hangs, is written to DIR (default fixtures/regressions/found)
 * with the mutations that made it, to become a regression fixture.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { runCase, seedFiles } from '../test/helpers/fuzz-case.js';
import { caseArb, mutate } from '../test/helpers/fuzz-mutate.js';
import { FaultProxy } from '../test/helpers/fault-proxy.js';
import { CURRENT, REPLACEMENT, faultChooser, referenceField, rng, runTrials } from '../test/helpers/fault-trials.js';
import { RangeServer } from '../test/helpers/range-server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const seconds = Number(arg('seconds', '600'));
// Dataset reads through the fault proxy after the mutation run (0 skips them).
const faultReads = Number(arg('reads', '2000'));
const seed = Number(arg('seed', String(Date.now() % 2 ** 31)));
const saveDir = arg('save', join(root, 'fixtures', 'regressions', 'found'));

const seeds = seedFiles(root);
const counts = new Map<string, number>();
const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
let failures = 0;
const started = Date.now();
console.log(`fuzz: ${seeds.length} seed files, seed ${seed}, ${seconds} s`);

// A case that hangs may be a victim: work orphaned by the case before it (still running after that
// case's promise settled) can starve the event loop. So the last few cases are saved with it, and
// any case slower than a second is saved too.
const recent: { name: string; bytes: Uint8Array; mutations: unknown }[] = [];
const save = (c: { name: string; bytes: Uint8Array; mutations: unknown }, why: string) => {
  const hash = createHash('sha1').update(c.bytes).digest('hex').slice(0, 12);
  mkdirSync(saveDir, { recursive: true });
  writeFileSync(join(saveDir, `${hash}.h5`), c.bytes);
  writeFileSync(join(saveDir, `${hash}.json`), JSON.stringify({ from: c.name, mutations: c.mutations, why }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
  return hash;
};
outer: for (let batch = 0; ; batch++) {
  // Batches keep memory flat; each batch's seed follows from the run's seed.
  for (const c of fc.sample(caseArb(seeds.length), { seed: seed + batch * 7919, numRuns: 1000 })) {
    if (Date.now() - started > seconds * 1000) break outer;
    const s = seeds[c.seed]!;
    const entry = { name: s.name, bytes: mutate(s.bytes, c.mutations), mutations: c.mutations };
    recent.push(entry);
    if (recent.length > 4) recent.shift();
    const t0 = Date.now();
    const out = await runCase(entry.bytes);
    const ms = Date.now() - t0;
    bump(out.kind === 'h5error' ? `h5error:${out.code}` : out.kind);
    if (out.kind === 'escaped' || out.kind === 'hang') {
      failures++;
      const why = out.kind === 'hang' ? `hang after ${out.reads} reads` : String((out.error as Error)?.stack ?? out.error);
      const hash = save(entry, why);
      for (const prev of recent.slice(0, -1)) save(prev, `ran just before ${hash}`);
      console.log(`FAIL ${hash} from ${s.name}: ${why.split('\n')[0]}`);
    } else if (ms > 1000) {
      bump('slow');
      console.log(`SLOW ${save(entry, `took ${ms} ms`)} from ${s.name}: ${ms} ms`);
    }
  }
}
// 'slow' marks cases already counted by their outcome.
const total = [...counts].reduce((a, [k, v]) => (k === 'slow' ? a : a + v), 0);
console.log(`cases ${total} in ${((Date.now() - started) / 1000).toFixed(1)} s; failures ${failures}`);
for (const [k, v] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${k}: ${v}`);

if (faultReads > 0) {
  // The network half: random slices of large_2d.h5 through the fault proxy, 8 reads per open.
  const server = await RangeServer.start();
  server.put('/large_2d.h5', CURRENT);
  const proxy = await FaultProxy.start(server.url);
  proxy.serve('/large_2d.h5', { current: CURRENT, replacement: REPLACEMENT });
  const refs = { current: await referenceField(CURRENT), replacement: await referenceField(REPLACEMENT) };
  const random = rng(seed);
  proxy.choose = faultChooser(random, 0.2);
  const outcomes = new Map<string, number>();
  const problems: string[] = [];
  const options = {
    http: { timeoutMs: 250, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 4 } },
    cache: { blockSize: 4096, initialReadSize: 4096, cacheBytes: 64 * 1024, directMaxRequestBytes: 32 * 1024 },
  };
  for (let done = 0; done < faultReads; done += 8) await runTrials(proxy.url + '/large_2d.h5', options, random, 8, refs, outcomes, problems);
  await proxy.close();
  await server.close();
  const requests = [...proxy.injected.values()].reduce((a, b) => a + b, 0);
  console.log(`network: ${requests} requests, ${proxy.total()} faults injected`);
  for (const [k, v] of [...proxy.injected].sort((a, b) => b[1] - a[1])) console.log(`  fault ${k}: ${v}`);
  for (const [k, v] of [...outcomes].sort((a, b) => b[1] - a[1])) console.log(`  outcome ${k}: ${v}`);
  for (const p of problems) console.log(`PROBLEM ${p}`);
  failures += problems.length;
}
process.exitCode = failures ? 1 : 0;
