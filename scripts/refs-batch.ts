/**
 * Writes coh5's kerchunk references for many files in one process (the xarray comparison runs
 * hundreds of files; one Node start each would dominate). Usage:
 *   node --import ./scripts/register-ts.mjs scripts/refs-batch.ts OUTDIR FILE...
 * OUTDIR/<n>.json holds {file, refs, skipped, warnings} or {file, error} for the n-th FILE.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { open } from '../src/node.js';
import { buildReferences } from '../src/tools/kerchunk.js';

const [outDir, ...files] = process.argv.slice(2);
if (!outDir || !files.length) throw new Error('usage: refs-batch.ts OUTDIR FILE...');
await mkdir(outDir, { recursive: true });
for (const [n, name] of files.entries()) {
  const path = resolve(name);
  let result: unknown;
  try {
    // Virtual-dataset sources beside the file are followed, as h5netcdf follows them (`coh5 refs --allow-external`).
    const file = await open(path, { allowExternal: [dirname(path)] });
    try {
      result = { file: path, ...(await buildReferences(file, { url: path })) };
    } finally {
      await file.close();
    }
  } catch (e) {
    result = { file: path, error: e instanceof Error ? e.message : String(e) };
  }
  await writeFile(join(outDir, `${n}.json`), JSON.stringify(result));
}
