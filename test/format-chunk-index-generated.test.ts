/**
 * v2 B-tree chunk indexes three levels deep (over 5000 records with the library's 2048-byte
 * nodes): too big to commit, so libhdf5 itself writes them into a temporary directory (Debian's
 * h5py 3.7 / libhdf5 1.10.8, as scripts/make_chunk_index_fixtures.py). The oracle is libhdf5's
 * H5Dget_chunk_info_by_coord for a spread of chunks and H5Dget_num_chunks.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemorySource } from '../src/drivers/memory.js';
import { readBTreeV2Header } from '../src/format/btree-v2.js';
import { lookupChunks, type ChunkIndexQuery } from '../src/format/chunk-index.js';
import type { FormatContext } from '../src/format/context.js';
import { DEFAULT_LIMITS } from '../src/format/limits.js';
import { decodeLayout } from '../src/format/messages/layout.js';
import { findMessages, readObjectHeader } from '../src/format/object-header.js';
import { MessageType, type Layout } from '../src/format/types.js';

const GENERATOR = String.raw`
import json, sys
import h5py, numpy as np
from h5py import h5o
out = sys.argv[1]
with h5py.File(out + '/deep.h5', 'w', libver='latest') as f:
    f.create_dataset('plain', data=(np.arange(6400) % 100).astype('i1').reshape(80, 80),
                     maxshape=(None, None), chunks=(1, 1), track_times=False)
    g = f.create_dataset('gzip', shape=(100, 60), maxshape=(None, None), chunks=(1, 1), dtype='<i2',
                         compression='gzip', fillvalue=-1, track_times=False)
    g[:, :] = (np.arange(6000) % 1000).astype('<i2').reshape(100, 60)
    g[50:53, 10:20] = -1  # stays written: chunks equal to the fill value are still stored
oracle = {}
with h5py.File(out + '/deep.h5', 'r') as f:
    for name in ('plain', 'gzip'):
        d = f[name]
        n = d.id.get_num_chunks()
        picks = []
        for i in list(range(0, n, 97)) + [n - 1]:
            info = d.id.get_chunk_info(i)
            picks.append([list(info.chunk_offset), info.byte_offset, info.size, info.filter_mask])
        oracle[name] = {'address': h5o.get_info(d.id).addr, 'shape': list(d.shape), 'num_chunks': n,
                        'filtered': d.compression is not None, 'picks': picks}
json.dump(oracle, open(out + '/deep.json', 'w'))
`;
import { BatchWaveSource } from './helpers/wave-source.js';

interface Oracle {
  address: number;
  shape: number[];
  num_chunks: number;
  filtered: boolean;
  picks: [number[], number, number, number][];
}

let dir = '';
let bytes: Uint8Array;
let oracle: Record<string, Oracle>;

beforeAll(() => {
  // Committed under fixtures/generated/; regenerated with Debian's h5py (python3-h5py) when absent.
  dir = join(__dirname, '../fixtures/generated/chunk-index-deep');
  if (!existsSync(join(dir, 'deep.h5'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('/usr/bin/python3', ['-c', GENERATOR, dir], { stdio: 'pipe' });
  }
  bytes = new Uint8Array(readFileSync(join(dir, 'deep.h5')));
  oracle = JSON.parse(readFileSync(join(dir, 'deep.json'), 'utf8'));
});



async function open(name: string): Promise<{ ctx: FormatContext; src: BatchWaveSource; q: ChunkIndexQuery; depth: number }> {
  const src = new BatchWaveSource(new MemorySource(bytes));
  const ctx: FormatContext = { source: src, baseAddress: 0, sizeOfOffsets: 8, sizeOfLengths: 8, limits: DEFAULT_LIMITS, parsed: new Map() };
  const o = oracle[name]!;
  const oh = await readObjectHeader(ctx, o.address);
  const msg = findMessages(oh, MessageType.LAYOUT)[0]!;
  const layout = decodeLayout(msg.body, ctx, msg.address) as Extract<Layout, { class: 'chunked' }>;
  expect(layout.index.type).toBe('btree-v2');
  const h = await readBTreeV2Header(ctx, layout.index.address!);
  src.reads.length = 0;
  return { ctx, src, q: { layout, dims: o.shape, maxDims: o.shape.map(() => null), filtered: o.filtered }, depth: h.depth };
}

describe('three-level v2 B-tree chunk indexes written by libhdf5', () => {
  for (const name of ['plain', 'gzip']) {
    it(`${name}: all records, level by level`, async () => {
      const { ctx, src, q, depth } = await open(name);
      expect(depth).toBe(2);
      const all = await lookupChunks(ctx, q, 'all');
      expect(all.length).toBe(oracle[name]!.num_chunks);
      expect(src.shape.length).toBe(depth + 1); // root, internal nodes, leaves (the header was read already)
      const byOffset = new Map(all.map((r) => [r.offset.join(','), r]));
      for (const [offset, address, size, mask] of oracle[name]!.picks) {
        expect(byOffset.get(offset.join(',')), `${offset}`).toEqual({ offset, address, size, filterMask: mask });
      }
    });

    it(`${name}: each chunk alone reads one node per level`, async () => {
      for (const [offset, address, size, mask] of oracle[name]!.picks) {
        const { ctx, src, q, depth } = await open(name);
        const got = await lookupChunks(ctx, q, [offset]); // chunk dims are 1: coordinates = offsets
        expect(got).toEqual([{ offset, address, size, filterMask: mask }]);
        expect(src.reads.length).toBeLessThanOrEqual(depth + 1);
        expect(src.shape.every((n) => n === 1)).toBe(true);
      }
    });

    it(`${name}: many chunks at once, one wave per level`, async () => {
      const { ctx, src, q, depth } = await open(name);
      const picks = oracle[name]!.picks;
      const got = await lookupChunks(ctx, q, [...picks.map((p) => p[0]), [q.dims[0]! + 5, 0]]);
      expect(got.length).toBe(picks.length);
      expect(src.shape.length).toBeLessThanOrEqual(depth + 1);
      const leavesRead = src.reads.length;
      const cold = await open(name);
      await lookupChunks(cold.ctx, cold.q, 'all');
      expect(leavesRead).toBeLessThan(cold.src.reads.length); // pruning skipped subtrees
    });
  }
});
