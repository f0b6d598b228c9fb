/**
 * Fractal heap shapes the corpus lacks - child indirect blocks, I/O-filtered (deflate) direct
 * blocks, a filtered root direct block, huge objects in filtered and unfiltered heaps - written
 * by libhdf5 itself (Debian's h5py 3.7 / libhdf5 1.10.8, the same stack as the corpus and
 * scripts/make_fixtures.py) into a temporary directory. The oracle is what h5py lists back.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflate } from 'pako';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemorySource } from '../src/drivers/memory.js';
import type { ByteSource } from '../src/source.js';
import type { FormatContext } from '../src/format/context.js';
import { DEFAULT_LIMITS } from '../src/format/limits.js';
import { readBTreeV2Header, readBTreeV2Records } from '../src/format/btree-v2.js';
import { parseHeapId, readFractalHeapHeader, readHeapObjects, type FractalHeapHeader } from '../src/format/fractal-heap.js';
import { H5Error } from '../src/errors.js';

const GENERATOR = String.raw`
import ctypes, json, sys
import h5py
from h5py import h5g, h5o, h5p
lib = ctypes.CDLL('libhdf5_serial.so.103')
out = sys.argv[1]

def dense_group(f, name, n, deflate=False):
    gcpl = h5p.create(h5p.GROUP_CREATE)
    gcpl.set_link_creation_order(h5p.CRT_ORDER_TRACKED | h5p.CRT_ORDER_INDEXED)
    assert lib.H5Pset_link_phase_change(ctypes.c_int64(gcpl.id), 0, 0) >= 0  # dense from the first link
    if deflate:  # the group's pipeline filters its link fractal heap
        assert lib.H5Pset_deflate(ctypes.c_int64(gcpl.id), 6) >= 0
    g = h5py.Group(h5g.create(f.id, name.encode(), gcpl=gcpl))
    for i in range(n):
        g['link_%06d_' % i + 'x' * 40] = h5py.SoftLink('/target/' + 'y' * 40 + str(i))
    return g

with h5py.File(out + '/heaps.h5', 'w', libver='latest') as f:
    dense_group(f, 'deep', 9000)
    dense_group(f, 'deep_deflate', 9000, deflate=True)
    dense_group(f, 'root_direct_deflate', 2, deflate=True)
    for name, deflate in (('huge_plain', False), ('huge_deflate', True)):
        g = dense_group(f, name, 3, deflate=deflate)
        g['link_000003_' + 'x' * 40] = h5py.SoftLink('/' + 'z' * 10000)

oracle = {}
with h5py.File(out + '/heaps.h5', 'r') as f:
    for name in f:
        g = f[name]
        oracle[name] = {
            'address': h5o.get_info(g.id).addr,
            'members': {k: g.get(k, getlink=True).path for k in g},
        }
json.dump(oracle, open(out + '/heaps.json', 'w'))
`;
import { LevelWaveSource } from './helpers/wave-source.js';

let dir = '';
let bytes: Uint8Array;
let oracle: Record<string, { address: number; members: Record<string, string> }>;

beforeAll(() => {
  // Committed under fixtures/generated/; regenerated with Debian's h5py (python3-h5py) when absent.
  dir = join(__dirname, '../fixtures/generated/heaps');
  if (!existsSync(join(dir, 'heaps.h5'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('/usr/bin/python3', ['-c', GENERATOR, dir], { stdio: 'pipe' });
  }
  bytes = new Uint8Array(readFileSync(join(dir, 'heaps.h5')));
  oracle = JSON.parse(readFileSync(join(dir, 'heaps.json'), 'utf8'));
});



const context = (source?: ByteSource): FormatContext => ({
  source: source ?? new MemorySource(bytes),
  baseAddress: 0,
  sizeOfOffsets: 8,
  sizeOfLengths: 8,
  limits: DEFAULT_LIMITS,
  parsed: new Map(),
});

const le = (b: Uint8Array, p: number, n: number) => {
  let v = 0;
  for (let i = 0; i < n; i++) v += b[p + i]! * 256 ** i;
  return v;
};

/** The link info message (0x02) of a v2 object header: fractal heap and name index addresses. */
function linkInfo(address: number): { heap: number; nameIndex: number } {
  const f = bytes;
  const flags = f[address + 5]!;
  let p = address + 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
  const n = 1 << (flags & 3);
  const end = p + n + le(f, p, n);
  for (p += n; p + 4 <= end; ) {
    const type = f[p]!;
    const len = le(f, p + 1, 2);
    p += 4 + (flags & 4 ? 2 : 0);
    if (type === 0x02) {
      const q = p + 2 + (f[p + 1]! & 1 ? 8 : 0);
      return { heap: le(f, q, 8), nameIndex: le(f, q + 8, 8) };
    }
    p += len;
  }
  throw new Error('no link info message in the first header chunk');
}

/** A soft link message: its name and target (spec IV.A.2.g). */
function softLink(b: Uint8Array): [string, string] {
  const flags = b[1]!;
  expect(flags & 8 ? b[2] : 0).toBe(1); // link type 1: soft
  let p = 2 + (flags & 8 ? 1 : 0) + (flags & 4 ? 8 : 0) + (flags & 16 ? 1 : 0);
  const n = 1 << (flags & 3);
  const len = le(b, p, n);
  p += n;
  const name = new TextDecoder().decode(b.subarray(p, p + len));
  p += len;
  const tlen = le(b, p, 2);
  return [name, new TextDecoder().decode(b.subarray(p + 2, p + 2 + tlen))];
}

/** Deflate only, as the generator set it; the pipeline message must say so (filter id 1). */
const unfilter = async (data: Uint8Array, pipeline: Uint8Array, mask: number, expectedSize: number) => {
  const version = pipeline[0]!;
  const id = le(pipeline, version === 1 ? 8 : 2, 2);
  expect(id).toBe(1);
  expect(mask).toBe(0);
  const out = inflate(data);
  expect(out.length).toBe(expectedSize);
  return out;
};

async function links(name: string, source?: ByteSource) {
  const info = linkInfo(oracle[name]!.address);
  const ctx = context(source);
  const heap = await readFractalHeapHeader(ctx, info.heap);
  const recs = await readBTreeV2Records(ctx, await readBTreeV2Header(ctx, info.nameIndex));
  const ids = recs.map((r) => (r as { heapId: Uint8Array }).heapId);
  return { ctx, heap, ids };
}

function asMap(objects: Uint8Array[]): Record<string, string> {
  return Object.fromEntries(objects.map(softLink));
}

describe('fractal heaps the corpus lacks, written by libhdf5', () => {
  it('child indirect blocks: 9000 links, one wave per level of indirect blocks, then all direct blocks', async () => {
    const rec = new LevelWaveSource(new MemorySource(bytes));
    const { ctx, heap, ids } = await links('deep');
    expect(heap.currentRootRows).toBeGreaterThan(heap.maxDirectRows);
    const objects = await readHeapObjects({ ...ctx, source: rec, parsed: new Map() }, heap, ids);
    expect(asMap(objects)).toEqual(oracle.deep!.members);
    // Wave 1: the root indirect block; 2: its child indirect blocks; 3: every direct block.
    expect(rec.waves).toBe(3);
    const offsets = rec.reads.map((r) => r.offset);
    expect(new Set(offsets).size).toBe(offsets.length);
    expect(rec.reads.filter((r) => r.wave === 2).length).toBeGreaterThan(1);
  });

  it('deflate-filtered direct blocks under indirect blocks', async () => {
    const { ctx, heap, ids } = await links('deep_deflate');
    expect(heap.filterLength).toBeGreaterThan(0);
    expect(heap.currentRootRows).toBeGreaterThan(heap.maxDirectRows);
    const objects = await readHeapObjects(ctx, heap, ids, { unfilter });
    expect(asMap(objects)).toEqual(oracle.deep_deflate!.members);
  });

  it('filtered heaps decode through the filter registry by default', async () => {
    const { heap, ids } = await links('deep_deflate');
    expect(heap.filterPipeline?.map((f) => f.id)).toEqual([1]);
    expect(asMap(await readHeapObjects(context(), heap, ids))).toEqual(oracle.deep_deflate!.members);
  });

  it('a damaged filtered direct block is Corrupt, not garbage', async () => {
    const { ctx, heap, ids } = await links('root_direct_deflate');
    const bad = bytes.slice();
    const at = heap.rootBlockAddress!;
    for (let i = 8; i < heap.rootFilteredSize!; i++) bad[at + i] = 0x55;
    const e = await readHeapObjects({ ...ctx, source: new MemorySource(bad), parsed: new Map() }, heap, ids).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(H5Error);
    expect((e as H5Error).code).toBe('Corrupt');
  });

  it('a filtered root direct block (size and mask from the header)', async () => {
    const { ctx, heap, ids } = await links('root_direct_deflate');
    expect(heap.currentRootRows).toBe(0);
    expect(heap.rootFilteredSize).toBeGreaterThan(0);
    expect(heap.rootFilteredSize).toBeLessThan(heap.startingBlockSize);
    expect(asMap(await readHeapObjects(ctx, heap, ids, { unfilter }))).toEqual(oracle.root_direct_deflate!.members);
  });

  for (const name of ['huge_plain', 'huge_deflate']) {
    it(`${name}: a huge link message found through the huge-object B-tree`, async () => {
      const { ctx, heap, ids } = await links(name);
      const kinds = ids.map((id) => parseHeapId(ctx, heap, id).kind);
      expect(kinds.filter((k) => k === 'huge').length).toBe(1);
      const objects = await readHeapObjects(ctx, heap, ids, { unfilter });
      expect(asMap(objects)).toEqual(oracle[name]!.members);
      expect(objects.find((o) => o.length > 10000)).toBeDefined();
      if (name === 'huge_deflate') {
        // Filtered huge objects are indexed by type-2 records (filter mask, memory size).
        const bt = await readBTreeV2Header(ctx, (heap as FractalHeapHeader).hugeObjectsBTreeAddress!);
        expect(bt.type).toBe(2);
      }
    });
  }
});
