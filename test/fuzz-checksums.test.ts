/**
 * Integrity: every checksummed structure of the format (object headers and continuations, v2
 * B-tree nodes, fractal heap header and blocks, fixed and extensible array blocks, SOHM tables)
 * found in the 'latest' fixtures gets one bit flipped; reading the whole file must then report
 * a 'Corrupt' error naming that structure's offset, never return its altered contents.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCase, seedFiles, structureOffsets } from './helpers/fuzz-case.js';

const ROOT = join(import.meta.dirname, '..');
// Version-2 structures: the ones that carry a lookup3 checksum (v1 TREE/HEAP/SNOD/GCOL do not).
const V1 = new Set(['TREE', 'HEAP', 'SNOD', 'GCOL']);

describe('checksums', () => {
  it('a flipped bit in any checksummed structure is a Corrupt error at its offset', async () => {
    const seeds = seedFiles(ROOT).filter((s) => /^fixtures\/([^/]*latest|large_2d|paged_\w+|sohm_\w+)\.h5$/.test(s.name));
    const counts = new Map<string, number>();
    let unreached = 0;
    let cases = 0;
    for (const s of seeds) {
      // Every other structure keeps the budget small; all signatures still occur many times.
      const offsets = structureOffsets(s.bytes).filter((off) => !V1.has(String.fromCharCode(...s.bytes.subarray(off, off + 4))));
      for (const off of offsets.filter((_, i) => i % 2 === 0)) {
        const sig = String.fromCharCode(...s.bytes.subarray(off, off + 4));
        const b = s.bytes.slice();
        b[off + 7]! ^= 0x10; // past signature and version: inside the checksummed bytes
        // 20 s: a hang is a loop, not a slow case on a loaded machine (one took 5 s at load 15).
        const out = await runCase(b, 20_000);
        cases++;
        expect(['ok', 'h5error'], `${s.name} ${sig}@${off}: ${out.kind}`).toContain(out.kind);
        const errors = out.kind === 'h5error' ? [out] : out.kind === 'ok' ? out.errors : [];
        const named = errors.filter((e) => e.message.includes(`offset ${off}`));
        for (const e of named) expect(e.code, `${s.name} ${sig}@${off}: ${e.message}`).toBe('Corrupt');
        if (named.some((e) => /checksum mismatch/.test(e.message))) counts.set(sig, (counts.get(sig) ?? 0) + 1);
        if (errors.length === 0) unreached++;
      }
    }
    console.log('fuzz-checksums', JSON.stringify({ cases, unreached, checksumErrors: Object.fromEntries(counts) }));
    // Each kind of checksummed structure was caught by its checksum at least once.
    for (const sig of ['OHDR', 'OCHK', 'BTHD', 'BTLF', 'FRHP', 'FHIB', 'FAHD', 'FADB', 'EAHD', 'EAIB', 'EADB']) expect(counts.get(sig) ?? 0, sig).toBeGreaterThan(0);
    // Structures nothing references (a free-space leftover) are the only ones a full read can miss.
    expect(unreached).toBeLessThan(cases / 20);
  });
});
