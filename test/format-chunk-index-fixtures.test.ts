/**
 * lookupChunks on fixtures/chunk-index (scripts/make_chunk_index_fixtures.py, libhdf5 1.10.8):
 * the index shapes the corpus lacks - fixed arrays over a maximum grid larger than the current
 * one, paged fixed and extensible arrays with pages never written, extensible arrays whose
 * unlimited dimension is not the first, deep v1 (K = 2) and v2 B-trees, never-written datasets.
 * The oracle is libhdf5's own lookup (H5Dread_chunk): each chunk's stored bytes are compared by
 * hash with the bytes at the address we find. Then: only the index blocks on the path to the
 * wanted chunks are read, one wave of reads per level; and damaged or hostile input fails cleanly.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { H5Error } from '../src/errors.js';
import { MemorySource } from '../src/drivers/memory.js';
import { readBTreeV1Node } from '../src/format/btree-v1.js';
import { readBTreeV2Header } from '../src/format/btree-v2.js';
import { lookupChunks, type ChunkIndexQuery } from '../src/format/chunk-index.js';
import type { FormatContext } from '../src/format/context.js';
import { readExtensibleArrayHeader } from '../src/format/extensible-array.js';
import { readFixedArrayHeader } from '../src/format/fixed-array.js';
import { DEFAULT_LIMITS, type Limits } from '../src/format/limits.js';
import { decodeLayout } from '../src/format/messages/layout.js';
import { findMessages, readObjectHeader } from '../src/format/object-header.js';
import { MessageType, type ChunkRecord, type Layout } from '../src/format/types.js';
import { BatchWaveSource } from './helpers/wave-source.js';

const DIR = join(__dirname, '..', 'fixtures', 'chunk-index');
const FILES = ['chunk_index_latest.h5', 'chunk_index_btree_k2.h5', 'chunk_index_ea_paged.h5'];

/** [element offset, absolute address or null, stored size, filter mask, sha1[:16] of the bytes] */
type Row = [number[], number | null, number, number, string];
interface Entry {
  index: string;
  object_header: number;
  shape: number[];
  maxshape: (number | null)[];
  chunks: number[];
  filters: number[];
  num_chunks: number;
  chunk_table: Row[];
  chunk_table_truncated?: boolean;
}
interface Manifest {
  userblock_size: number;
  sizeof_offsets: number;
  sizeof_lengths: number;
  datasets: Record<string, Entry>;
}

const manifests = new Map<string, { m: Manifest; bytes: Uint8Array }>();
function load(file: string) {
  let hit = manifests.get(file);
  if (!hit) {
    hit = {
      m: JSON.parse(readFileSync(join(DIR, file + '.json'), 'utf8')),
      bytes: new Uint8Array(readFileSync(join(DIR, file))),
    };
    manifests.set(file, hit);
  }
  return hit;
}


function context(file: string, opts: { bytes?: Uint8Array; limits?: Partial<Limits> } = {}): { ctx: FormatContext; src: BatchWaveSource } {
  const { m, bytes } = load(file);
  const src = new BatchWaveSource(new MemorySource(opts.bytes ?? bytes));
  const ctx: FormatContext = {
    source: src,
    baseAddress: m.userblock_size,
    sizeOfOffsets: m.sizeof_offsets,
    sizeOfLengths: m.sizeof_lengths,
    limits: { ...DEFAULT_LIMITS, ...opts.limits },
    parsed: new Map(),
  };
  return { ctx, src };
}

/** The dataset's query, built from its real layout message; resets the read log afterwards. */
async function query(file: string, name: string, ctx: FormatContext, src?: BatchWaveSource): Promise<ChunkIndexQuery> {
  const d = load(file).m.datasets[name]!;
  const oh = await readObjectHeader(ctx, d.object_header);
  const msg = findMessages(oh, MessageType.LAYOUT)[0]!;
  const layout = decodeLayout(msg.body, ctx, msg.address) as Extract<Layout, { class: 'chunked' }>;
  if (src) src.reads.length = 0;
  return { layout, dims: d.shape, maxDims: d.maxshape, filtered: d.filters.length > 0 };
}

const key = (o: number[]) => o.join(',');
const scaled = (offset: number[], chunks: number[]) => offset.map((o, i) => o / chunks[i]!);
const sha = (b: Uint8Array) => createHash('sha1').update(b).digest('hex').slice(0, 16);

/** Differences between our records and the oracle rows (addresses and the stored bytes). */
function compare(records: ChunkRecord[], rows: Row[], bytes: Uint8Array, base: number): string[] {
  const byOffset = new Map(records.map((r) => [key(r.offset), r]));
  const out: string[] = [];
  for (const [offset, address, size, mask, hash] of rows) {
    const r = byOffset.get(key(offset));
    if (!r) {
      out.push(`${offset}: missing`);
      continue;
    }
    const at = r.address + base;
    if (address !== null && at !== address) out.push(`${offset}: address ${at}, oracle ${address}`);
    if (r.size !== size || r.filterMask !== mask) out.push(`${offset}: size/mask ${r.size}/${r.filterMask}, oracle ${size}/${mask}`);
    if (sha(bytes.subarray(at, at + r.size)) !== hash) out.push(`${offset}: the bytes at ${at} are not the chunk libhdf5 reads`);
  }
  return out;
}

describe('every fixture dataset: all chunks, and chunks by coordinate', () => {
  for (const file of FILES) {
    for (const [name, d] of Object.entries(load(file).m.datasets)) {
      it(`${file} ${name} (${d.index})`, async () => {
        const { bytes, m } = load(file);
        const { ctx } = context(file);
        const q = await query(file, name, ctx);
        expect(q.layout.index.type).toBe(d.index); // the fixture exercises the index it claims to
        const all = await lookupChunks(ctx, q, 'all');
        expect(all.length).toBe(d.num_chunks);
        expect(compare(all, d.chunk_table, bytes, m.userblock_size)).toEqual([]);

        // The listed chunks, asked for together from a cold context, plus never-written ones.
        const grid = d.shape.map((n, i) => Math.ceil(n / d.chunks[i]!));
        const stored = new Set(all.map((r) => key(r.offset)));
        const absent: number[][] = [];
        const total = grid.reduce((a, b) => a * b, 1);
        for (let i = 0; i < total && absent.length < 3; i += Math.max(1, Math.floor(total / 7))) {
          const s: number[] = [];
          for (let k = grid.length - 1, r = i; k >= 0; k--, r = Math.floor(r / grid[k + 1]!)) s[k] = r % grid[k]!;
          if (!stored.has(key(s.map((x, k) => x * d.chunks[k]!)))) absent.push(s);
        }
        const asked = [...d.chunk_table.map((r) => scaled(r[0], d.chunks)), ...absent];
        const cold = context(file).ctx;
        const got = await lookupChunks(cold, await query(file, name, cold), asked);
        expect(got.length).toBe(d.chunk_table.length);
        expect(compare(got, d.chunk_table, bytes, m.userblock_size)).toEqual([]);
        if (absent.length) expect(await lookupChunks(cold, q, absent)).toEqual([]);
      });
    }
  }
});

describe('reads only the path to the wanted chunks, one wave per level', () => {
  it('paged fixed array: header, then the page bitmap and the one page together', async () => {
    const file = 'chunk_index_latest.h5';
    const { ctx, src } = context(file);
    const q = await query(file, '/fa_paged_sparse', ctx, src);
    const got = await lookupChunks(ctx, q, [[2075]]);
    expect(got.map((r) => r.offset)).toEqual([[2075]]);
    expect(src.shape).toEqual([1, 2]); // FAHD; then FADB prefix + page 2 in one wave
    const h = await readFixedArrayHeader(ctx, q.layout.index.address!);
    const pageBytes = 1024 * h.format.entrySize + 4;
    expect(src.reads.every((r) => r.length < pageBytes)).toBe(true); // never the whole data block
    // A chunk in the page never written: the bitmap says so, nothing comes back.
    expect(await lookupChunks(ctx, q, [[1500]])).toEqual([]);
  });

  it('paged extensible array: header, index block, super block, one page', async () => {
    const file = 'chunk_index_ea_paged.h5';
    const { ctx, src } = context(file);
    const q = await query(file, '/ea_paged_sparse', ctx, src);
    const sb13 = 4 + (2 ** 13 - 1) * 16; // first element of super block 13, whose data blocks are paged
    const want = sb13 + 2048 + 1105; // data block 1, page 1
    const got = await lookupChunks(ctx, q, [[want]]);
    expect(got.map((r) => r.offset)).toEqual([[want]]);
    expect(src.shape).toEqual([1, 1, 1, 1]);
    expect(src.reads[3]!.length).toBe(1024 * ctx.sizeOfOffsets + 4); // one page, not the 2048-element block
    // Page 0 of that data block was never written (its bit is clear): not read, not returned.
    src.reads.length = 0;
    expect(await lookupChunks(ctx, q, [[sb13 + 2048 + 5]])).toEqual([]);
    expect(src.reads).toEqual([]); // everything needed is already parsed
  });

  it('extensible array: wanted chunks in the index block, its data blocks and super blocks in one pass', async () => {
    const file = 'chunk_index_latest.h5';
    const { ctx, src } = context(file);
    const q = await query(file, '/ea_sparse_1d', ctx, src);
    const got = await lookupChunks(ctx, q, [[1], [105], [2005], [2995], [500]]);
    expect(got.map((r) => r.offset[0]).sort((a, b) => a - b)).toEqual([1, 105, 2005, 2995]);
    // EAHD; EAIB; the index block's data block with both super blocks; their data blocks.
    expect(src.shape).toEqual([1, 1, 3, 2]);
  });

  it('v2 B-tree: one node per level for one chunk; every node level by level for all', async () => {
    const file = 'chunk_index_latest.h5';
    const { ctx, src } = context(file);
    const q = await query(file, '/bt2_deep', ctx, src);
    const h = await readBTreeV2Header(ctx, q.layout.index.address!);
    expect(h.depth).toBe(1);
    src.reads.length = 0;
    const got = await lookupChunks(ctx, q, [[17, 23]]);
    expect(got.map((r) => r.offset)).toEqual([[17, 23]]);
    expect(src.reads.length).toBeLessThanOrEqual(h.depth + 1); // root to (at most) a leaf
    expect(src.shape.every((n) => n === 1)).toBe(true);
    const cold = context(file);
    const q2 = await query(file, '/bt2_deep', cold.ctx, cold.src);
    expect((await lookupChunks(cold.ctx, q2, 'all')).length).toBe(900);
    expect(cold.src.waves).toBe(h.depth + 2); // header, then one wave per level
  });

  it('deep v1 B-tree (K = 2): one node per level, also for the last chunk', async () => {
    const file = 'chunk_index_btree_k2.h5';
    const probe = context(file).ctx;
    const q = await query(file, '/bt1_deep', probe);
    const root = await readBTreeV1Node(probe, q.layout.index.address!, 1, 3);
    expect(root.level).toBe(3); // four levels
    for (const chunk of [[4, 7], [9, 9], [0, 0], [5, 0]]) {
      const { ctx, src } = context(file);
      const qq = await query(file, '/bt1_deep', ctx, src);
      const got = await lookupChunks(ctx, qq, [chunk]);
      expect(got.map((r) => r.offset)).toEqual([chunk.map((c) => c * 2)]);
      expect(src.shape).toEqual(new Array(root.level + 1).fill(1));
    }
  });
});

/** The fixture's bytes with one byte flipped at an absolute offset. */
function damaged(file: string, at: number): Uint8Array {
  const b = load(file).bytes.slice();
  b[at] ^= 0x5a;
  return b;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    expect(e).toBeInstanceOf(H5Error);
    return (e as H5Error).code;
  }
}

describe('damaged and hostile input', () => {
  const file = 'chunk_index_latest.h5';

  it('a flipped byte in a fixed array page is a checksum error for that page only', async () => {
    const { ctx } = context(file);
    const q = await query(file, '/fa_paged_sparse', ctx);
    const h = await readFixedArrayHeader(ctx, q.layout.index.address!);
    const prefix = 4 + 1 + 1 + 4 + ctx.sizeOfOffsets + Math.ceil(3 / 8);
    const page2 = h.dataBlockAddress! + prefix + 2 * (1024 * h.format.entrySize + 4);
    const bad = context(file, { bytes: damaged(file, page2 + 100) }).ctx;
    expect(await code(lookupChunks(bad, q, [[2075]]))).toBe('Corrupt');
    expect((await lookupChunks(bad, q, [[5]])).length).toBe(1); // page 0 is intact
  });

  it('a flipped byte in an extensible array header, super block or v2 B-tree node is Corrupt', async () => {
    const { ctx } = context(file);
    const ea = await query(file, '/ea_sparse_1d', ctx);
    expect(await code(lookupChunks(context(file, { bytes: damaged(file, ea.layout.index.address! + 9) }).ctx, ea, 'all'))).toBe('Corrupt');
    const h = await readExtensibleArrayHeader(ctx, ea.layout.index.address!);
    // The index block's super block addresses follow its elements and data block addresses.
    const ib = h.indexBlockAddress!;
    const sbAddrAt = ib + 4 + 1 + 1 + ctx.sizeOfOffsets + h.indexElements * 8 + h.indexBlockDataBlocks * 8;
    const view = new DataView(load(file).bytes.buffer);
    const sb = Number(view.getBigUint64(sbAddrAt + 2 * 8, true)); // super block 6 (index 2 of the stored ones)
    expect(await code(lookupChunks(context(file, { bytes: damaged(file, sb + 20) }).ctx, ea, [[2005]]))).toBe('Corrupt');
    const bt = await query(file, '/bt2_deep', ctx);
    const bh = await readBTreeV2Header(ctx, bt.layout.index.address!);
    expect(await code(lookupChunks(context(file, { bytes: damaged(file, bh.rootAddress! + 12) }).ctx, bt, 'all'))).toBe('Corrupt');
  });

  it('a data block larger than the metadata limit is a Limit error, not an allocation', async () => {
    const { ctx } = context(file, { limits: { maxMetadataBytes: 1000 } });
    const q = await query(file, '/ea_dense_1d', ctx);
    expect(await code(lookupChunks(ctx, q, [[1100]]))).toBe('Limit');
  });

  it('coordinates of the wrong rank, negative or fractional are Invalid; outside the grid, absent', async () => {
    const { ctx } = context(file);
    const q = await query(file, '/fa_maxshape_2d', ctx);
    expect(await code(lookupChunks(ctx, q, [[1]]))).toBe('Invalid');
    expect(await code(lookupChunks(ctx, q, [[-1, 0]]))).toBe('Invalid');
    expect(await code(lookupChunks(ctx, q, [[0.5, 0]]))).toBe('Invalid');
    expect(await lookupChunks(ctx, q, [[7, 0], [0, 8]])).toEqual([]); // the max grid is 7 x 8
    expect(await lookupChunks(ctx, q, [])).toEqual([]);
  });

  it('a layout that disagrees with the index is Corrupt', async () => {
    const { ctx } = context(file);
    const q = await query(file, '/fa_maxshape_2d', ctx);
    // The fixed array holds one element per chunk of the maximum grid: another grid is not this array.
    expect(await code(lookupChunks(ctx, { ...q, maxDims: [20, 40] }, 'all'))).toBe('Corrupt');
    expect(await code(lookupChunks(ctx, { ...q, filtered: true }, 'all'))).toBe('Corrupt');
    const ea = await query(file, '/ea_unlim_middle_3d', ctx);
    expect(await code(lookupChunks(ctx, { ...ea, maxDims: [8, 7, 4] }, 'all'))).toBe('Corrupt');
  });
});
