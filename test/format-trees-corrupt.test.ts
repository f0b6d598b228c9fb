/**
 * Damaged trees and heaps: real libhdf5 files with a byte flipped, a pointer bent back to an
 * ancestor or a count inflated. Every case must end in an H5Error 'Corrupt' (never a hang, a
 * wrong answer or a huge allocation). Checksums are recomputed where the damage would otherwise
 * be caught by the checksum before the logic under test.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemorySource } from '../src/drivers/memory.js';
import { H5Error } from '../src/errors.js';
import type { FormatContext } from '../src/format/context.js';
import { DEFAULT_LIMITS } from '../src/format/limits.js';
import { lookup3 } from '../src/format/checksum.js';
import { readChunkBTreeV1 } from '../src/format/btree-v1.js';
import { readBTreeV2Header, readBTreeV2Records } from '../src/format/btree-v2.js';
import { readGroupSymbolTable, lookupSymbolTable } from '../src/format/symbol-table.js';
import { localHeapString, readLocalHeap } from '../src/format/local-heap.js';
import { readFractalHeapHeader, readHeapObjects } from '../src/format/fractal-heap.js';
import { readGlobalHeapObjects } from '../src/format/global-heap.js';

const CORPUS = new URL('../../shared/corpus/', import.meta.url);

function load(name: string) {
  const bytes = new Uint8Array(readFileSync(new URL(name, CORPUS)));
  const oracle = JSON.parse(readFileSync(new URL(name + '.json', CORPUS), 'utf8'));
  return { bytes, oracle };
}

function ctxOver(bytes: Uint8Array, O = 8): FormatContext {
  return { source: new MemorySource(bytes), baseAddress: 0, sizeOfOffsets: O, sizeOfLengths: 8, limits: DEFAULT_LIMITS, parsed: new Map() };
}

const le = (b: Uint8Array, p: number, n: number) => {
  let v = 0;
  for (let i = 0; i < n; i++) v += b[p + i]! * 256 ** i;
  return v;
};
const put = (b: Uint8Array, p: number, n: number, v: number) => {
  for (let i = 0; i < n; i++) {
    b[p + i] = v % 256;
    v = Math.floor(v / 256);
  }
};
/** Rewrites the lookup3 checksum of bytes [start, end) stored at `end`. */
const fixChecksum = (b: Uint8Array, start: number, end: number) => put(b, end, 4, lookup3(b.subarray(start, end)));

async function corrupt(p: Promise<unknown>): Promise<H5Error> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(H5Error);
  expect((e as H5Error).code).toBe('Corrupt');
  return e as H5Error;
}

/** A message body from the first block of a v1 object header (messages start at +16). */
function v1Message(bytes: Uint8Array, at: number, wanted: number): Uint8Array {
  for (let p = at + 16; p < at + 16 + le(bytes, at + 8, 4); ) {
    const type = le(bytes, p, 2);
    const len = le(bytes, p + 2, 2);
    if (type === wanted) return bytes.subarray(p + 8, p + 8 + len);
    p += 8 + len;
  }
  throw new Error(`no message ${wanted} at ${at}`);
}

/** Finds the first occurrence of an ASCII signature at or after `from`. */
const find = (b: Uint8Array, sig: string, from = 0) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).indexOf(sig, from);

describe('damaged v2 B-trees', () => {
  const { bytes } = load('generated/gen_chunkidx_btree2.h5');
  /** The bt2_many chunk index (depth 1): its header address, from the layout message. */
  const headerAt = 463; // checked below against the BTHD signature

  it('a flipped byte in a leaf (BTLF) fails its checksum', async () => {
    const ctx = ctxOver(bytes);
    const h = await readBTreeV2Header(ctx, headerAt);
    expect(h.depth).toBe(1);
    const all = await readBTreeV2Records(ctx, h, { chunkRank: 2 });
    expect(all.length).toBe(1444);
    const leaf = find(bytes, 'BTLF');
    const bad = bytes.slice();
    bad[leaf + 20]! ^= 0x01;
    const e = await corrupt(readBTreeV2Records(ctxOver(bad), h, { chunkRank: 2 }));
    expect(e.message).toMatch(/checksum/);
  });

  it('a flipped byte in the header (BTHD) fails its checksum', async () => {
    expect(String.fromCharCode(...bytes.subarray(headerAt, headerAt + 4))).toBe('BTHD');
    const bad = bytes.slice();
    bad[headerAt + 12]! ^= 0x40;
    await corrupt(readBTreeV2Header(ctxOver(bad), headerAt));
  });

  it('an internal node whose children repeat, or that points at itself, is Corrupt', async () => {
    const h = await readBTreeV2Header(ctxOver(bytes), headerAt);
    const root = h.rootAddress!;
    const pointerSize = 8 + h.recordCountSize + h.totalRecordsSize[0]!;
    const pointers = root + 6 + h.rootRecords * h.recordSize;
    const end = pointers + (h.rootRecords + 1) * pointerSize;
    // Child 1 = child 0: the walk would visit one leaf twice.
    const twice = bytes.slice();
    twice.copyWithin(pointers + pointerSize, pointers, pointers + 8);
    fixChecksum(twice, root, end);
    await corrupt(readBTreeV2Records(ctxOver(twice), h, { chunkRank: 2 }));
    // Child 0 = the root itself.
    const self = bytes.slice();
    put(self, pointers, 8, root);
    fixChecksum(self, root, end);
    await corrupt(readBTreeV2Records(ctxOver(self), h, { chunkRank: 2 }));
  });

  it('a depth beyond the limit is refused before any node is read', async () => {
    const bad = bytes.slice();
    put(bad, headerAt + 4 + 1 + 1 + 4 + 2, 2, 1000);
    fixChecksum(bad, headerAt, headerAt + 4 + 1 + 1 + 4 + 2 + 2 + 1 + 1 + 8 + 2 + 8);
    const e = await corrupt(readBTreeV2Header(ctxOver(bad), headerAt));
    expect(e.message).toMatch(/depth/);
  });

  it('a child claiming more records than a node holds is Corrupt', async () => {
    const h = await readBTreeV2Header(ctxOver(bytes), headerAt);
    const root = h.rootAddress!;
    const pointerSize = 8 + h.recordCountSize;
    const pointers = root + 6 + h.rootRecords * h.recordSize;
    const bad = bytes.slice();
    bad[pointers + 8] = 255; // the first child's record count
    fixChecksum(bad, root, pointers + (h.rootRecords + 1) * pointerSize);
    await corrupt(readBTreeV2Records(ctxOver(bad), h, { chunkRank: 2 }));
  });
});

describe('damaged v1 B-trees', () => {
  const { bytes, oracle } = load('generated/gen_chunkidx_btree1_many.h5');
  // /grid's chunk B-tree root, from its layout message (v3: version, class, dimensionality, address).
  const findRoot = async () => v1Message(bytes, oracle.objects['/grid'].object_header.address, 0x08).subarray(3, 11).reduce((a, b, i) => a + b * 256 ** i, 0);

  it('the intact tree reads', async () => {
    const root = await findRoot();
    const records = await readChunkBTreeV1(ctxOver(bytes), root, 3);
    expect(records.length).toBe(oracle.objects['/grid'].chunks_allocated);
  });

  it('a node pointing at itself is Corrupt, not a hang', async () => {
    const root = await findRoot();
    const bad = bytes.slice();
    // First child address sits after the 24-byte header and the first key (4 + 4 + 3 * 8 bytes).
    put(bad, root + 24 + 32, 8, root);
    await corrupt(readChunkBTreeV1(ctxOver(bad), root, 3));
  });

  it('two children naming one node are Corrupt', async () => {
    const root = await findRoot();
    const bad = bytes.slice();
    bad.copyWithin(root + 24 + 32 + 8 + 32, root + 24 + 32, root + 24 + 32 + 8);
    await corrupt(readChunkBTreeV1(ctxOver(bad), root, 3));
  });

  it('a level beyond the depth limit is Corrupt', async () => {
    const root = await findRoot();
    const bad = bytes.slice();
    bad[root + 5] = 200;
    await corrupt(readChunkBTreeV1(ctxOver(bad), root, 3));
  });

  it('a node cut off by the end of the file is Corrupt', async () => {
    const root = await findRoot();
    await corrupt(readChunkBTreeV1(ctxOver(bytes.slice(0, root + 100)), root, 3));
  });
});

describe('damaged old-style groups', () => {
  const { bytes, oracle } = load('generated/gen_group_symtab_many.h5');
  // The /big group's symbol table message: B-tree and local heap addresses (checked by the corpus test).
  const big = oracle.objects['/big'];
  const stab = () => {
    const m = v1Message(bytes, big.object_header.address, 0x11);
    return { btree: le(m, 0, 8), heap: le(m, 8, 8) };
  };

  it('a SNOD claiming 65535 symbols is Corrupt (no allocation beyond the file)', async () => {
    const { btree, heap } = stab();
    const bad = bytes.slice();
    for (let at = find(bad, 'SNOD'); at >= 0; at = find(bad, 'SNOD', at + 1)) put(bad, at + 6, 2, 65535);
    await corrupt(readGroupSymbolTable(ctxOver(bad), btree, heap));
  });

  it('a bad SNOD signature is Corrupt', async () => {
    const { btree, heap } = stab();
    const bad = bytes.slice();
    for (let at = find(bad, 'SNOD'); at >= 0; at = find(bad, 'SNOD', at + 1)) bad[at + 1] = 0x58;
    await corrupt(readGroupSymbolTable(ctxOver(bad), btree, heap));
    await corrupt(lookupSymbolTable(ctxOver(bad), btree, heap, 'member_0001'));
  });

  it('a name offset outside the local heap is Corrupt', async () => {
    const { heap } = stab();
    const h = await readLocalHeap(ctxOver(bytes), heap);
    expect(() => localHeapString(h, h.data.length + 5)).toThrowError(H5Error);
    const unterminated = { ...h, data: h.data.slice(0, 3).fill(0x41) };
    expect(() => localHeapString(unterminated, 0)).toThrowError(/unterminated/);
  });

  it('a group B-tree node pointing back at its root is Corrupt', async () => {
    const { btree, heap } = stab();
    const bad = bytes.slice();
    // Type-0 node: 24-byte header, then key 0 (8 bytes), child 0 (8 bytes).
    put(bad, btree + 24 + 8, 8, btree);
    await corrupt(readGroupSymbolTable(ctxOver(bad), btree, heap));
    await corrupt(lookupSymbolTable(ctxOver(bad), btree, heap, 'member_0000'));
  });
});

describe('damaged fractal heaps', () => {
  const { bytes } = load('generated/gen_attr_dense_latest.h5');
  const heapAt = () => {
    // The /many_attrs attribute heap has a root indirect block; find the FRHP whose root has rows.
    for (let at = find(bytes, 'FRHP'); at >= 0; at = find(bytes, 'FRHP', at + 1)) {
      if (le(bytes, at + 140, 2) > 0) return at; // current # of rows in the root indirect block
    }
    throw new Error('no heap with a root indirect block');
  };

  it('a flipped byte in the header (FRHP) fails its checksum', async () => {
    const at = heapAt();
    await readFractalHeapHeader(ctxOver(bytes), at);
    const bad = bytes.slice();
    bad[at + 30]! ^= 0x10;
    const e = await corrupt(readFractalHeapHeader(ctxOver(bad), at));
    expect(e.message).toMatch(/checksum/);
  });

  it('a flipped byte in a direct block (FHDB) fails its checksum', async () => {
    const at = heapAt();
    const ctx = ctxOver(bytes);
    const h = await readFractalHeapHeader(ctx, at);
    expect(h.directBlocksChecksummed).toBe(true);
    const ib = h.rootBlockAddress!;
    const first = le(bytes, ib + 5 + 8 + h.heapOffsetSize, 8);
    expect(String.fromCharCode(...bytes.subarray(first, first + 4))).toBe('FHDB');
    // A managed ID for 10 bytes at the first object of that block (offset = its prefix size).
    const id = new Uint8Array(h.heapIdLength);
    put(id, 1, h.heapOffsetSize, 5 + 8 + h.heapOffsetSize + 4);
    put(id, 1 + h.heapOffsetSize, h.heapLengthSize, 10);
    expect((await readHeapObjects(ctx, h, [id]))[0]!.length).toBe(10);
    const bad = bytes.slice();
    bad[first + 40]! ^= 0x01;
    await corrupt(readHeapObjects(ctxOver(bad), h, [id]));
  });

  it('an indirect block entry pointing at the indirect block itself is Corrupt', async () => {
    const at = heapAt();
    const h = await readFractalHeapHeader(ctxOver(bytes), at);
    const ib = h.rootBlockAddress!;
    const entries = ib + 5 + 8 + h.heapOffsetSize;
    const n = Math.min(h.currentRootRows, h.maxDirectRows) * h.tableWidth;
    const bad = bytes.slice();
    put(bad, entries, 8, ib);
    fixChecksum(bad, ib, entries + n * 8);
    const id = new Uint8Array(h.heapIdLength);
    put(id, 1, h.heapOffsetSize, 30);
    put(id, 1 + h.heapOffsetSize, h.heapLengthSize, 4);
    await corrupt(readHeapObjects(ctxOver(bad), h, [id]));
  });

  it('a managed ID beyond the heap, or overrunning its block, is Corrupt', async () => {
    const at = heapAt();
    const ctx = ctxOver(bytes);
    const h = await readFractalHeapHeader(ctx, at);
    const id = new Uint8Array(h.heapIdLength);
    put(id, 1, h.heapOffsetSize, 2 ** 30);
    put(id, 1 + h.heapOffsetSize, h.heapLengthSize, 4);
    await corrupt(readHeapObjects(ctx, h, [id]));
    put(id, 1, h.heapOffsetSize, 30);
    put(id, 1 + h.heapOffsetSize, h.heapLengthSize, 60000);
    await corrupt(readHeapObjects(ctx, h, [id]));
  });
});

describe('damaged global heap collections', () => {
  const { bytes } = load('generated/gen_dtype_strings_earliest.h5');

  it('an object larger than its collection is Corrupt', async () => {
    const col = find(bytes, 'GCOL');
    const ok = await readGlobalHeapObjects(ctxOver(bytes), [{ collectionAddress: col, index: 1 }]);
    expect(ok[0]!.length).toBeGreaterThan(0);
    const bad = bytes.slice();
    put(bad, col + 16 + 8, 8, 2 ** 40);
    await corrupt(readGlobalHeapObjects(ctxOver(bad), [{ collectionAddress: col, index: 1 }]));
  });

  it('an index the collection lacks, or a bad signature, is Corrupt', async () => {
    const col = find(bytes, 'GCOL');
    await corrupt(readGlobalHeapObjects(ctxOver(bytes), [{ collectionAddress: col, index: 60000 }]));
    const bad = bytes.slice();
    bad[col] = 0x58;
    await corrupt(readGlobalHeapObjects(ctxOver(bad), [{ collectionAddress: col, index: 1 }]));
  });
});
