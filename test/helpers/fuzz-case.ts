/**
 * One fuzz case: open bytes through a MemorySource, walk the tree, read every dataset and every
 * attribute, under a per-case time limit. Shared by test/fuzz-*.test.ts (a fixed-seed budget)
 * and scripts/fuzz.ts (the long run). The outcome says what escaped; only 'ok' and 'h5error'
 * are acceptable.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Limits } from '../../src/index.js';
import { H5Error } from '../../src/errors.js';
import { MemorySource } from '../../src/drivers/memory.js';
import type { ByteSource, ReadOptions } from '../../src/source.js';

export type Outcome =
  /** Open and walk succeeded; `errors` are the H5Errors of single datasets or attribute sets. */
  | { kind: 'ok'; datasets: number; attributes: number; errors: H5Error[] }
  | { kind: 'h5error'; code: string; message: string }
  | { kind: 'escaped'; error: unknown }
  | { kind: 'hang'; reads: number };

/**
 * Limits small enough that a case that breaks them cannot hurt the machine, large enough that
 * every fixture and corpus file reads completely when intact.
 */
export const FUZZ_LIMITS: Partial<Limits> = {
  maxReadBytes: 64 * 1024 * 1024,
  maxChunkBytes: 16 * 1024 * 1024,
  maxMetadataBytes: 8 * 1024 * 1024,
};

/** Source reads one case may make before we call it a loop (intact files need a few hundred). */
const MAX_READS = 50_000;

/** Counts reads and fails the case when a structure loop keeps reading forever. */
class BoundedSource implements ByteSource {
  reads = 0;
  readonly key: string;
  readonly size: number;
  constructor(private readonly inner: MemorySource) {
    this.key = inner.key;
    this.size = inner.size;
  }
  read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    if (++this.reads > MAX_READS) return Promise.reject(new Hang(this.reads));
    return this.inner.read(offset, length, options);
  }
  getSize(): Promise<number> {
    return this.inner.getSize();
  }
}

class Hang extends Error {
  constructor(readonly reads: number) {
    super(`more than ${MAX_READS} reads`);
  }
}

/** Walks and reads everything; resolves to counts or throws whatever the reader threw. */
async function exercise(source: ByteSource, signal: AbortSignal): Promise<{ datasets: number; attributes: number; errors: H5Error[] }> {
  const f = await open(source, { limits: FUZZ_LIMITS, signal, cache: { blockSize: 4096 } });
  let datasets = 0;
  let attributes = 0;
  const errors: H5Error[] = [];
  const countAttrs = async (obj: { attrs(o: { signal: AbortSignal }): Promise<Record<string, unknown>> }) => {
    try {
      attributes += Object.keys(await obj.attrs({ signal })).length;
    } catch (e) {
      if (!(e instanceof H5Error)) throw e;
      errors.push(e);
    }
  };
  await countAttrs(f);
  for await (const { node } of f.walk({ signal })) {
    if (!node) continue;
    await countAttrs(node);
    if (node.kind !== 'dataset') continue;
    // Each dataset on its own: an H5Error in one must not stop the others being read.
    try {
      const r = await node.read(undefined, { signal });
      const bytes = (r.data as { byteLength?: number }).byteLength;
      if (bytes !== undefined && bytes > FUZZ_LIMITS.maxReadBytes!) {
        throw new Error(`a read returned ${bytes} bytes, above maxReadBytes`);
      }
      datasets++;
    } catch (e) {
      if (!(e instanceof H5Error)) throw e;
      errors.push(e);
    }
  }
  return { datasets, attributes, errors };
}

/** Runs one case with a time limit: an AbortSignal with a timeout, and a race against a timer. */
export async function runCase(bytes: Uint8Array, timeoutMs = 5000): Promise<Outcome> {
  const source = new BoundedSource(new MemorySource(bytes, 'fuzz-case'));
  const signal = AbortSignal.timeout(timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  // The timer fires a little after the signal, so a reader that honours the signal reports
  // 'Aborted' first; one that ignores it still cannot hang the run.
  const hang = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'hang', reads: source.reads }), timeoutMs + 1000);
  });
  // A case that ran past its time limit is a hang however it ended: the timeout's abort surfaces
  // as 'Timeout' (AbortSignal.timeout), as 'Aborted', or inside a per-object error list.
  const work = exercise(source, signal).then(
    (r): Outcome => (signal.aborted ? { kind: 'hang', reads: source.reads } : { kind: 'ok', ...r }),
    (e: unknown): Outcome => {
      if (e instanceof Hang) return { kind: 'hang', reads: e.reads };
      if (hasHang(e)) return { kind: 'hang', reads: source.reads };
      if (e instanceof H5Error) {
        if (signal.aborted) return { kind: 'hang', reads: source.reads };
        return { kind: 'h5error', code: e.code, message: e.message };
      }
      return { kind: 'escaped', error: e };
    },
  );
  try {
    return await Promise.race([work, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** A Hang wrapped by the reader (e.g. as the cause of a 'Corrupt' H5Error) is still a hang. */
function hasHang(e: unknown): boolean {
  for (let c = e, i = 0; c && i < 10; c = (c as { cause?: unknown }).cause, i++) if (c instanceof Hang) return true;
  return false;
}

/** HDF5 files by name: the corpus's writers/ and thirdparty/ use .hdf5, .nc (netCDF-4) and .mat (v7.3) too. */
const HDF5_NAME = /\.(h5|hdf5|nc|mat)$/;

/** HDF5 files to mutate: fixtures/, ../shared/corpus (writers/ included) and ../shared/hostile. */

export function seedFiles(root: string, maxBytes = 200_000): { name: string; bytes: Uint8Array }[] {
  const out: { name: string; bytes: Uint8Array }[] = [];
  const visit = (dir: string, label: string) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(dir, n);
      const st = statSync(p);
      if (st.isDirectory()) visit(p, `${label}/${n}`);
      else if (HDF5_NAME.test(n) && st.size <= maxBytes) out.push({ name: `${label}/${n}`, bytes: new Uint8Array(readFileSync(p)) });
    }
  };
  visit(join(root, 'fixtures'), 'fixtures');
  visit(join(root, '..', 'shared', 'corpus'), 'corpus');
  visit(join(root, '..', 'shared', 'hostile'), 'hostile');
  return out.filter((f) => !f.name.startsWith('fixtures/regressions/'));
}

/** Offsets of the format's signatures in a file: targets for pointer mutations (cycles, splices). */
export function structureOffsets(bytes: Uint8Array): number[] {
  const sigs = ['TREE', 'HEAP', 'SNOD', 'OHDR', 'OCHK', 'GCOL', 'FRHP', 'FHDB', 'FHIB', 'BTHD', 'BTIN', 'BTLF', 'FAHD', 'FADB', 'EAHD', 'EAIB', 'EASB', 'EADB', 'SMTB', 'SMLI'];
  const codes = sigs.map((s) => [...s].map((c) => c.charCodeAt(0)));
  const out: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i++) {
    for (const c of codes) {
      if (bytes[i] === c[0] && bytes[i + 1] === c[1] && bytes[i + 2] === c[2] && bytes[i + 3] === c[3]) {
        out.push(i);
        break;
      }
    }
  }
  return out;
}
