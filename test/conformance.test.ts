/**
 * Conformance: every HDF5 file in ../shared/corpus/ and fixtures/ against its oracle manifest.
 * Files listed in conformance-known-failures.json may fail (each with its reason); any other
 * failure, or a listed file that now passes, fails this test so the list stays true.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile, type FileResult, type UnreadValues } from './helpers/conformance.js';

const CORPUS = resolve(__dirname, '../../shared/corpus');
const FIXTURES = resolve(__dirname, '../fixtures');
const known: Record<string, string> = JSON.parse(readFileSync(resolve(__dirname, 'conformance-known-failures.json'), 'utf8'));
/**
 * Datasets the oracle could not read and coh5 reads, by file: the values another reader gave
 * (`verified` says which and what it printed). They are checked against those values instead,
 * and an entry the check no longer uses (the oracle reads it now, or it vanished) fails the test.
 */
const unread: Record<string, Record<string, { oracle: string; verified: string; data: unknown }>> = JSON.parse(
  readFileSync(resolve(__dirname, 'conformance-oracle-unread.json'), 'utf8'),
);

function oracles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...oracles(p));
    else if (name.endsWith('.h5.json') || name.endsWith('.hdf5.json') || name.endsWith('.nc.json') || name.endsWith('.nc4.json') || name.endsWith('.he5.json') || name.endsWith('.hdf.json')) {
      if (existsSync(p.slice(0, -5)) && JSON.parse(readFileSync(p, 'utf8')).schema === 'hdf5-oracle/1') out.push(p);
    }
  }
  return out.sort();
}

async function runAll(label: string, dir: string, rel: (p: string) => string) {
  const results: FileResult[] = [];
  for (const o of oracles(dir)) results.push(await checkFile(o.slice(0, -5), o, (unread[rel(o.slice(0, -5))] ?? {}) as UnreadValues));
  const failing = results.filter((r) => r.diffs.length);
  const unexpected = failing.filter((r) => !(rel(r.file) in known));
  const fixed = results.filter((r) => !r.diffs.length && rel(r.file) in known);
  console.log(`${label}: ${results.length - failing.length} of ${results.length} files match their oracle fully`);
  for (const r of failing) console.log(`  ${rel(r.file) in known ? 'known' : 'NEW'} ${rel(r.file)}: ${r.diffs.slice(0, 3).join(' | ')}`);
  expect(unexpected.map((r) => `${rel(r.file)}: ${r.diffs.slice(0, 5).join(' | ')}`)).toEqual([]);
  expect(fixed.map((r) => rel(r.file))).toEqual([]);
  const prefix = rel(join(dir, 'x')).slice(0, -1);
  const listed = Object.entries(unread).filter(([f]) => f.startsWith(prefix)).flatMap(([f, objs]) => Object.keys(objs).map((p) => `${f}:${p}`));
  const used = results.flatMap((r) => r.checkedUnread.map((p) => `${rel(r.file)}:${p}`));
  expect(used.sort()).toEqual(listed.sort());
}

describe('conformance', () => {
  const haveCorpus = existsSync(CORPUS);
  // The title says why when it is skipped: a checkout without ../shared beside it.
  it.skipIf(!haveCorpus)(`every ../shared/corpus file matches its oracle${haveCorpus ? '' : ' (skipped: no ../shared/corpus)'}`, async () => {
    await runAll('corpus', CORPUS, (p) => `corpus/${p.slice(CORPUS.length + 1)}`);
  }, 600_000);

  it('every fixtures/ file matches its oracle', async () => {
    await runAll('fixtures', FIXTURES, (p) => `fixtures/${p.slice(FIXTURES.length + 1)}`);
  }, 300_000);
});
