/**
 * The HDF5 2.0 structures at the format layer: data layout message version 5, datatype message
 * version 5 with the complex class, and the version 1 mapping list of virtual datasets. Real
 * messages come from fixtures/v200 (scripts/make_v200_fixtures.py, libhdf5 2.0); hand-built ones
 * cover what the library does not write (shared names, other complex forms) and damage.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemorySource } from '../src/drivers/memory.js';
import { H5Error } from '../src/errors.js';
import { lookup3 } from '../src/format/checksum.js';
import type { FormatContext } from '../src/format/context.js';
import { readGlobalHeapObjects } from '../src/format/global-heap.js';
import { DEFAULT_LIMITS } from '../src/format/limits.js';
import { decodeDatatypeMessage, decodeLayout } from '../src/format/messages/index.js';
import { findMessages, readObjectHeader } from '../src/format/object-header.js';
import { resolveSharedMessage } from '../src/format/shared-message.js';
import { readSuperblock } from '../src/format/superblock.js';
import { MessageType, type HeaderMessage, type Layout } from '../src/format/types.js';
import { decodeVirtualMappingList } from '../src/format/virtual-mapping-list.js';
import { decodeValues } from '../src/values/decode.js';
import { numpyDtype } from '../src/values/dtype-string.js';
import { readVirtualMappings } from '../src/read/virtual.js';

const V200 = resolve(__dirname, '../fixtures/v200');

async function open(name: string) {
  const bytes = new Uint8Array(readFileSync(resolve(V200, name)));
  const manifest = JSON.parse(readFileSync(resolve(V200, `${name}.json`), 'utf8'));
  const source = new MemorySource(bytes);
  const sb = await readSuperblock(source, { limits: DEFAULT_LIMITS });
  const ctx: FormatContext = { source, baseAddress: sb.baseAddress, sizeOfOffsets: sb.sizeOfOffsets, sizeOfLengths: sb.sizeOfLengths, limits: DEFAULT_LIMITS, parsed: new Map() };
  const message = async (path: string, type: number): Promise<HeaderMessage> => {
    const oh = await readObjectHeader(ctx, manifest.objects[path].object_header.address);
    return findMessages(oh, type)[0]!;
  };
  return { ctx, manifest, message };
}

function thrown(f: () => unknown): H5Error {
  try {
    f();
  } catch (e) {
    if (e instanceof H5Error) return e;
    throw e;
  }
  throw new Error('expected an H5Error');
}

const ctx0 = { baseAddress: 0, sizeOfOffsets: 8, sizeOfLengths: 8 } as FormatContext;

describe('data layout message version 5', () => {
  const INDEX: Record<string, string> = {
    single: 'single', single_gzip: 'single', expanding_single: 'single', implicit: 'implicit', farray: 'fixed-array',
    farray_gzip: 'fixed-array', farray_paged_gzip: 'fixed-array', expanding_farray: 'fixed-array', earray: 'extensible-array',
    earray_gzip_sparse: 'extensible-array', expanding_earray: 'extensible-array', bt2: 'btree-v2', bt2_gzip_sparse: 'btree-v2',
    expanding_bt2: 'btree-v2',
  };

  it('is what libhdf5 2.0 writes for filtered chunks with every index, and decodes like version 4', async () => {
    const f = await open('v200_layouts.h5');
    const seen: string[] = [];
    for (const [path, o] of Object.entries<any>(f.manifest.objects)) {
      if (o.kind !== 'dataset') continue;
      const m = await f.message(path, MessageType.LAYOUT);
      // libhdf5 2.0.0 raises the version to 5 only where it changes something: filtered chunks.
      const version = o.layout !== 'chunked' ? 3 : o.filters.length ? 5 : 4;
      expect(m.body[0], path).toBe(version);
      const layout = decodeLayout(m.body, f.ctx, m.address);
      expect(layout.class, path).toBe(o.layout);
      if (layout.class === 'chunked') {
        expect(layout.version).toBe(version);
        if (version === 5) seen.push(`v5 ${layout.index.type}`);
        expect(layout.chunkDims).toEqual(o.chunks);
        expect(layout.index.type, path).toBe(INDEX[path.slice(1)]);
        if (path === '/single_gzip') expect(layout.index).toMatchObject({ filteredSize: o.chunk_table[0].size, filterMask: 0 });
        // The same bytes under version 4 decode to the same layout but for the version.
        const other = m.body.slice();
        other[0] = 9 - version;
        expect({ ...decodeLayout(other, f.ctx, m.address), version }).toEqual(layout);
      }
      if (layout.class === 'contiguous') expect(layout.size).toBe(o.storage_size);
      if (layout.class === 'compact') expect(layout.data.length).toBe(o.storage_size);
      seen.push(layout.class === 'chunked' ? layout.index.type : layout.class);
    }
    expect(new Set(seen)).toEqual(
      new Set(['contiguous', 'compact', 'single', 'implicit', 'fixed-array', 'extensible-array', 'btree-v2', 'v5 single', 'v5 fixed-array', 'v5 extensible-array', 'v5 btree-v2']),
    );
  });

  it('stores filtered chunk sizes wider than the chunk: gzip of random bytes outgrows each chunk', async () => {
    const f = await open('v200_layouts.h5');
    for (const name of ['expanding_farray', 'expanding_earray', 'expanding_bt2', 'expanding_single']) {
      const o = f.manifest.objects[`/${name}`];
      const chunkBytes = (o.chunks as number[]).reduce((a, b) => a * b, 1);
      expect(o.chunk_table.every((c: { size: number }) => c.size > chunkBytes), name).toBe(true);
    }
  });

  it('refuses version 6 as Unsupported and a v1 B-tree index as Corrupt', () => {
    // version 5, chunked, flags 0, rank 2 (1 + element size), 1-byte dims 4 and 8, index type 0.
    const body = Uint8Array.from([5, 2, 0, 2, 1, 4, 8, 0, ...new Array(8).fill(0xff)]);
    expect(thrown(() => decodeLayout(body, ctx0, 0)).code).toBe('Corrupt');
    body[7] = 2; // implicit index
    expect((decodeLayout(body, ctx0, 0) as Extract<Layout, { class: 'chunked' }>).index.type).toBe('implicit');
    body[0] = 6;
    expect(thrown(() => decodeLayout(body, ctx0, 0)).code).toBe('Unsupported');
  });
});

/** A float type's properties (version 1 class 1 message of `size` bytes), little or big endian. */
function floatType(size: 2 | 4 | 8, bigEndian = false): number[] {
  const [exp, mant, bias] = size === 2 ? [5, 10, 15] : size === 4 ? [8, 23, 127] : [11, 52, 1023];
  const bits = size * 8;
  return [0x11, (bigEndian ? 1 : 0) | 0x20, bits - 1, 0, size, 0, 0, 0, 0, 0, bits, 0, mant, exp, 0, mant, bias & 0xff, bias >> 8, 0, 0];
}

/** A complex datatype message: version 5, class 11, class bits, size, then the part type. */
function complexType(bits: number, part: number[], size: number): Uint8Array {
  return Uint8Array.from([0x5b, bits, 0, 0, size, 0, 0, 0, ...part]);
}

describe('datatype message version 5 and the complex class', () => {
  it('decodes homogeneous rectangular complex types to their parts, as H5Tencode writes them', () => {
    const c8 = decodeDatatypeMessage(complexType(1, floatType(4), 8), 0);
    expect(c8).toMatchObject({ class: 'complex', size: 8, base: { class: 'float', size: 4, order: '<', mantissaSize: 23 } });
    expect(numpyDtype(c8)).toBe('<c8');
    expect(numpyDtype(decodeDatatypeMessage(complexType(1, floatType(8, true), 16), 0))).toBe('>c16');
    expect(numpyDtype(decodeDatatypeMessage(complexType(1, floatType(2), 4), 0))).toBe('<c4');
  });

  it('refuses the forms and part types the library does not support, and inconsistent sizes', () => {
    expect(thrown(() => decodeDatatypeMessage(complexType(0, floatType(4), 8), 0)).message).toMatch(/different types/);
    expect(thrown(() => decodeDatatypeMessage(complexType(1 | (1 << 1), floatType(4), 8), 0)).message).toMatch(/polar/);
    expect(thrown(() => decodeDatatypeMessage(complexType(1 | (2 << 1), floatType(4), 8), 0)).message).toMatch(/exponential/);
    const int4 = [0x10, 0, 0, 0, 4, 0, 0, 0, 0, 0, 32, 0];
    expect(thrown(() => decodeDatatypeMessage(complexType(1, int4, 8), 0)).message).toMatch(/integer parts/);
    expect(thrown(() => decodeDatatypeMessage(complexType(1, floatType(4), 12), 0)).code).toBe('Corrupt');
    const v4 = complexType(1, floatType(4), 8);
    v4[0] = 0x4b;
    expect(thrown(() => decodeDatatypeMessage(v4, 0)).code).toBe('Corrupt');
    v4[0] = 0x6b;
    expect(thrown(() => decodeDatatypeMessage(v4, 0)).code).toBe('Unsupported');
  });

  it('is the version of every non-atomic datatype libhdf5 2.0 writes under the v200 bounds', async () => {
    const f = await open('v200_dtypes.h5');
    const classes = new Map<string, number>();
    for (const [path, o] of Object.entries<any>(f.manifest.objects)) {
      if (o.kind !== 'dataset') continue;
      const m = await resolveSharedMessage(f.ctx, await f.message(path, MessageType.DATATYPE), async () => null);
      const dt = decodeDatatypeMessage(m.body, m.address);
      const version = m.body[0]! >> 4;
      // Atomic types keep their lowest version; compound, enum, array, vlen and complex go to 5.
      if (['compound', 'enum', 'array', 'vlen', 'complex'].includes(dt.class)) expect(version, path).toBe(5);
      classes.set(dt.class, (classes.get(dt.class) ?? 0) + 1);
      if (o.dtype) expect(numpyDtype(dt), path).toBe(o.dtype);
    }
    expect(classes.get('complex')).toBe(9);
    for (const c of ['compound', 'enum', 'array', 'vlen']) expect(classes.get(c), c).toBeGreaterThan(0);
  });

  it('decodes complex values to interleaved (real, imaginary) floats', async () => {
    const c16be = decodeDatatypeMessage(complexType(1, floatType(8, true), 16), 0);
    const bytes = new Uint8Array(32);
    const v = new DataView(bytes.buffer);
    [1.5, -2, Infinity, 0.25].forEach((x, k) => v.setFloat64(8 * k, x, false));
    const col = await decodeValues(ctx0, bytes, c16be, 2);
    expect(col).toEqual({ kind: 'complex', count: 2, data: new Float64Array([1.5, -2, Infinity, 0.25]) });
    const half = decodeDatatypeMessage(complexType(1, floatType(2), 4), 0);
    const h = await decodeValues(ctx0, Uint8Array.from([0x00, 0x3c, 0x00, 0xc4, 0x00, 0x7c, 0x00, 0x38]), half, 2);
    expect(h).toEqual({ kind: 'complex', count: 2, data: new Float32Array([1, -4, Infinity, 0.5]) });
  });
});

/** 'all' as a serialized selection (type 3, version 1, 8 reserved bytes). */
const ALL = [3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const le64 = (n: number) => Array.from({ length: 8 }, (_, k) => (k === 0 ? n : 0));
const cstr = (s: string) => [...Buffer.from(s), 0];

/** A mapping list heap object with its checksum. */
function mappingList(version: number, entries: number[][]): Uint8Array {
  const body = [version, ...le64(entries.length), ...entries.flat()];
  const c = lookup3(Uint8Array.from(body));
  return Uint8Array.from([...body, c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24]);
}

describe('virtual dataset mapping list version 1', () => {
  it('reads the lists libhdf5 2.0 writes: version 1 with flag 0x04 for sources in the same file', async () => {
    const f = await open('v200_vds.h5');
    const m = await f.message('/mixed', MessageType.LAYOUT);
    const layout = decodeLayout(m.body, f.ctx, m.address) as Extract<Layout, { class: 'virtual' }>;
    expect(layout.class).toBe('virtual');
    const [obj] = await readGlobalHeapObjects(f.ctx, [{ collectionAddress: layout.heapAddress!, index: layout.heapIndex }]);
    expect(obj![0]).toBe(1);
    const list = await readVirtualMappings(f.ctx, layout);
    const want = f.manifest.objects['/mixed'].virtual_mappings.map((x: any) => [x.file, x.dataset]);
    expect(list.map((x) => [x.file, x.dataset])).toEqual(want);
    expect(list.map((x) => x.file)).toEqual(['.', 'v200_vds_source.h5', '.', '.', 'v200_vds_source.h5']);
    const printf = await f.message('/printf', MessageType.LAYOUT);
    const p = await readVirtualMappings(f.ctx, decodeLayout(printf.body, f.ctx, printf.address) as Extract<Layout, { class: 'virtual' }>);
    expect(p.map((x) => [x.file, x.dataset, x.virtual.type])).toEqual([['.', 'p%b', 'hyperslabs']]);
  });

  it('takes shared names from the earlier mapping named by index', () => {
    const obj = mappingList(1, [
      [0x00, ...cstr('a.h5'), ...cstr('/x'), ...ALL, ...ALL],
      [0x04, ...cstr('/y'), ...ALL, ...ALL],
      [0x01 | 0x02, ...le64(0), ...le64(0), ...ALL, ...ALL],
      [0x04 | 0x02, ...le64(1), ...ALL, ...ALL],
    ]);
    const list = decodeVirtualMappingList(obj, ctx0, 0);
    expect(list.map((m) => [m.file, m.dataset])).toEqual([['a.h5', '/x'], ['.', '/y'], ['a.h5', '/x'], ['.', '/y']]);
    expect(list[0]!.source).toEqual({ type: 'all' });
  });

  it('reads version 0 (no flags byte) and refuses damage', () => {
    const v0 = decodeVirtualMappingList(mappingList(0, [[...cstr('.'), ...cstr('/d'), ...ALL, ...ALL]]), ctx0, 0);
    expect(v0.map((m) => [m.file, m.dataset])).toEqual([['.', '/d']]);
    const code = (o: Uint8Array) => thrown(() => decodeVirtualMappingList(o, ctx0, 0)).code;
    expect(code(mappingList(2, []))).toBe('Unsupported');
    expect(code(mappingList(1, [[0x08, ...cstr('f'), ...cstr('d'), ...ALL, ...ALL]]))).toBe('Corrupt');
    expect(code(mappingList(1, [[0x05, ...le64(0), ...cstr('d'), ...ALL, ...ALL]]))).toBe('Corrupt');
    expect(code(mappingList(1, [[0x02, ...cstr('f'), ...le64(0), ...ALL, ...ALL]]))).toBe('Corrupt');
    const damaged = mappingList(1, [[0x04, ...cstr('/d'), ...ALL, ...ALL]]);
    damaged[12] ^= 1;
    expect(thrown(() => decodeVirtualMappingList(damaged, ctx0, 0)).message).toMatch(/checksum mismatch/);
  });
});
