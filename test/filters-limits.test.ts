/**
 * Hostile and broken chunks: checksum failures, decompression bombs (output far beyond the cap
 * must fail with 'Limit' without being produced), truncated and mutated chunks for every codec
 * (always an H5Error, never another exception or a hang), and the inflate back ends.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { H5Error } from '../src/errors.js';
import { decode as decodeFletcher, fletcher32 } from '../src/filters/fletcher32.js';
import { inflateWithPako, inflateWithStream, nodeZlibInflate } from '../src/filters/inflate.js';
import { decodeChunk, type FilterContext, type FilterSpec } from '../src/filters/registry.js';

const dir = new URL('../fixtures/filters/', import.meta.url);
const raw = (name: string) => new Uint8Array(readFileSync(new URL(`raw/${name}`, dir)));
const spec = (id: number, clientData: number[] = []): FilterSpec => ({ id, flags: 0, clientData });
const MiB = 1 << 20;

async function rejection(p: Promise<unknown>): Promise<H5Error> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'expected an H5Error').toBeInstanceOf(H5Error);
  return e as H5Error;
}

interface Sample {
  label: string;
  bytes: Uint8Array;
  pipeline: FilterSpec[];
  mask: number;
  ctx: FilterContext;
}

/** One filtered chunk from every fixture dataset (the first with no filter skipped). */
function samples(): Sample[] {
  const out: Sample[] = [];
  for (const file of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const fixture = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as {
      file: string;
      datasets: { name: string; chunkShape: number[]; elementSize: number; pipeline: FilterSpec[]; chunks: { address: number; size: number; filterMask: number }[] }[];
    };
    const h5 = new Uint8Array(readFileSync(new URL(fixture.file, dir)));
    for (const d of fixture.datasets) {
      const c = d.chunks.find((k) => k.filterMask === 0);
      if (!c) continue;
      const chunkBytes = d.chunkShape.reduce((a, b) => a * b, 1) * d.elementSize;
      out.push({
        label: `${fixture.file}${d.name}`,
        bytes: h5.slice(c.address, c.address + c.size),
        pipeline: d.pipeline,
        mask: 0,
        ctx: { elementSize: d.elementSize, chunkBytes, maxOutputBytes: chunkBytes + 1024 },
      });
    }
  }
  return out;
}
const all = samples();

describe('fletcher32', () => {
  const sample = all.find((s) => s.label.endsWith('/fletcher_u1_long'))!;

  it('rejects a chunk whose data no longer matches its checksum', async () => {
    const bad = sample.bytes.slice();
    bad[100]! ^= 0x01;
    const e = await rejection(decodeChunk(bad, sample.pipeline, 0, sample.ctx));
    expect(e.code).toBe('Corrupt');
    expect(e.message).toContain('fletcher32');
  });

  it('rejects a damaged checksum', async () => {
    const bad = sample.bytes.slice();
    bad[bad.length - 1]! ^= 0x80;
    expect((await rejection(decodeChunk(bad, sample.pipeline, 0, sample.ctx))).code).toBe('Corrupt');
  });

  it('accepts the byte-swapped checksum of HDF5 before 1.6.3', async () => {
    const data = Uint8Array.from({ length: 101 }, (_, i) => (i * 37) & 0xff);
    const sum = fletcher32(data);
    const legacy = new Uint8Array(105);
    legacy.set(data);
    // the old library stored each 16-bit half byte-swapped
    new DataView(legacy.buffer).setUint32(101, (((sum & 0x00ff00ff) << 8) | ((sum >>> 8) & 0x00ff00ff)) >>> 0, true);
    const out = await decodeFletcher(legacy, spec(3), { elementSize: 1, chunkBytes: 101, maxOutputBytes: 200 });
    expect([...out]).toEqual([...data]);
  });
});

describe('decompression bombs stop at maxOutputBytes', () => {
  const ctx: FilterContext = { elementSize: 1, chunkBytes: MiB, maxOutputBytes: MiB };
  const zeros64 = new Uint8Array(deflateSync(new Uint8Array(64 * MiB), { level: 9 }));

  it.each([
    ['node:zlib', async (b: Uint8Array, max: number) => (await nodeZlibInflate())(b, max)],
    ['DecompressionStream', inflateWithStream],
    ['pako', inflateWithPako],
  ])('deflate via %s', async (_name, inflate) => {
    expect(zeros64.length).toBeLessThan(128 * 1024);
    expect((await rejection(inflate(zeros64, MiB))).code).toBe('Limit');
  });

  it('deflate filter', async () => {
    expect((await rejection(decodeChunk(zeros64, [spec(1)], 0, ctx))).code).toBe('Limit');
  });

  it('bzip2', async () => {
    const bomb = raw('bomb64m.bz2');
    expect(bomb.length).toBeLessThan(1024);
    expect((await rejection(decodeChunk(bomb, [spec(307)], 0, ctx))).code).toBe('Limit');
  });

  it('zstd frame declaring its 64 MiB size', async () => {
    expect((await rejection(decodeChunk(raw('bomb64m_content_size.zst'), [spec(32015)], 0, ctx))).code).toBe('Limit');
  });

  it('zstd frame without a size, streamed', async () => {
    expect((await rejection(decodeChunk(raw('bomb64m_no_content_size.zst'), [spec(32015)], 0, ctx))).code).toBe('Limit');
  });

  it('zstd frame declaring an 8 GiB window', async () => {
    // magic, no single-segment flag, window descriptor exponent 23 -> 2^33, no size
    const frame = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 23 << 3, 0x01, 0x00, 0x00]);
    expect((await rejection(decodeChunk(frame, [spec(32015)], 0, ctx))).code).toBe('Limit');
  });

  it('lzf back-references', async () => {
    // one literal, then maximal matches (264 bytes at distance 1) for 3 bytes each
    const parts = [0x00, 0x41];
    for (let i = 0; i < 20000; i++) parts.push(0xe0, 0xff, 0x00);
    expect((await rejection(decodeChunk(Uint8Array.from(parts), [spec(32000, [4, 261, 0])], 0, ctx))).code).toBe('Limit');
  });

  it.each([
    ['lz4: 2^40 byte header', 32004, [], header(2 ** 40, 1 << 20)],
    ['blosc: 2 GiB frame', 32001, [], blosc(0x7fffffff)],
    ['szip: 4 GiB size header', 4, [141, 32, 8, 64], le32(0xffffffff, 8)],
    ['bitshuffle: 2^40 byte header', 32008, [0, 3, 4, 0, 2], header(2 ** 40, 8192)],
    ['nbit: 2^31 elements', 5, [8, 0, 0x80000000, 1, 4, 0, 12, 0], new Uint8Array(16)],
    ['scaleoffset: 2^31 elements', 6, [2, 0, 0x80000000, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], new Uint8Array(32)],
  ])('%s is refused before allocating', async (_name, id, cd, bytes) => {
    const e = await rejection(decodeChunk(bytes, [spec(id, cd)], 0, ctx));
    expect(e.code).toBe('Limit');
  });
});

/** The 12-byte header of the LZ4 and bitshuffle filters: uint64 BE size, uint32 BE block size. */
function header(size: number, block: number): Uint8Array {
  const b = new Uint8Array(28);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, BigInt(size));
  v.setUint32(8, block);
  return b;
}
function blosc(nbytes: number): Uint8Array {
  const b = new Uint8Array(64);
  const v = new DataView(b.buffer);
  b.set([2, 1, 0x01, 4]);
  v.setUint32(4, nbytes, true);
  v.setUint32(8, 65536, true);
  v.setUint32(12, 64, true);
  return b;
}
function le32(value: number, pad: number): Uint8Array {
  const b = new Uint8Array(4 + pad);
  new DataView(b.buffer).setUint32(0, value, true);
  return b;
}

describe('broken chunks of every codec fail with an H5Error', () => {
  it('has samples for every fixture codec', () => {
    const ids = new Set(all.flatMap((s) => s.pipeline.map((p) => p.id)));
    expect([...ids].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 305, 307, 32000, 32001, 32004, 32008, 32015, 32026]);
  });

  it.each(all.map((s) => [s.label, s] as const))('truncated %s', async (_label, s) => {
    for (const keep of [0, 1, 4, 12, 21, s.bytes.length >> 1, s.bytes.length - 2]) {
      if (keep < 0 || keep >= s.bytes.length) continue;
      const e = await rejection(decodeChunk(s.bytes.subarray(0, keep), s.pipeline, 0, s.ctx));
      expect(['Corrupt', 'Limit']).toContain(e.code);
    }
    // N-bit and scale-offset have no framing and HDF5 may store one spare byte at the end:
    // without it they may still decode, but then to exactly the same data.
    const whole = await decodeChunk(s.bytes, s.pipeline, 0, s.ctx);
    try {
      const short = await decodeChunk(s.bytes.subarray(0, s.bytes.length - 1), s.pipeline, 0, s.ctx);
      expect(s.pipeline.every((p) => p.id === 5 || p.id === 6)).toBe(true);
      expect(Buffer.compare(short, whole)).toBe(0);
    } catch (e) {
      expect(e).toBeInstanceOf(H5Error);
    }
  });

  it('mutated chunks decode or fail with an H5Error', async () => {
    const filtered = all.filter((s) => s.pipeline.length > 0);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: filtered.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        async (which, flips) => {
          const s = filtered[which]!;
          const bytes = s.bytes.slice();
          for (const [at, x] of flips) bytes[at % bytes.length]! ^= x;
          try {
            const out = await decodeChunk(bytes, s.pipeline, 0, s.ctx);
            return out.length === s.ctx.chunkBytes;
          } catch (e) {
            return e instanceof H5Error && (e.code === 'Corrupt' || e.code === 'Limit' || e.code === 'Unsupported');
          }
        },
      ),
      { numRuns: 400, seed: 20240611 },
    );
  });
});

describe('blosc frames HDF5 never writes', () => {
  it('decodes a memcpyed frame (data stored after the header)', async () => {
    const data = Uint8Array.from({ length: 40 }, (_, i) => i);
    const frame = new Uint8Array(16 + 40);
    frame.set([2, 1, 0x02 | 0x01, 4]);
    const v = new DataView(frame.buffer);
    v.setUint32(4, 40, true);
    v.setUint32(8, 40, true);
    v.setUint32(12, 56, true);
    frame.set(data, 16);
    const out = await decodeChunk(frame, [spec(32001)], 0, { elementSize: 4, chunkBytes: 40, maxOutputBytes: 40 });
    expect([...out]).toEqual([...data]);
  });

  it('refuses a frame format from a newer Blosc', async () => {
    const frame = blosc(64);
    frame[0] = 3;
    expect((await rejection(decodeChunk(frame, [spec(32001)], 0, { elementSize: 4, chunkBytes: 64, maxOutputBytes: 64 }))).code).toBe('Unsupported');
  });
});

describe('inflate back ends', () => {
  const data = Uint8Array.from({ length: 100000 }, (_, i) => (i * i) & 0xff);
  const z = new Uint8Array(deflateSync(data));

  it.each([
    ['node:zlib', async (b: Uint8Array, max: number) => (await nodeZlibInflate())(b, max)],
    ['DecompressionStream', inflateWithStream],
    ['pako', inflateWithPako],
  ])('%s decodes, and rejects truncated and garbage input as Corrupt', async (_name, inflate) => {
    expect(Buffer.compare(await inflate(z, data.length), data)).toBe(0);
    expect((await rejection(inflate(z.subarray(0, z.length >> 1), data.length))).code).toBe('Corrupt');
    expect((await rejection(inflate(Uint8Array.from([0x78, 0x9c, 0xff, 0xff, 0xff]), data.length))).code).toBe('Corrupt');
    expect((await rejection(inflate(z, data.length - 1))).code).toBe('Limit');
  });
});
