/**
 * Blosc2 (filter 32026): the frame, chunk and B2ND metalayer parsers on chunks written by
 * PyTables and python-blosc2 (fixtures/filters2/blosc2.h5, scripts/make_filter2_fixtures.py),
 * and broken frames: each must fail with the right H5Error code, allocating nothing big.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { H5Error } from '../src/errors.js';
import { readB2ndMeta } from '../src/filters/b2nd.js';
import { readBlosc2Chunk } from '../src/filters/blosc2-chunk.js';
import { readBlosc2Frame } from '../src/filters/blosc2-frame.js';
import { decodeChunk, type FilterContext, type FilterSpec } from '../src/filters/registry.js';

interface Record {
  name: string;
  chunkShape: number[];
  elementSize: number;
  pipeline: FilterSpec[];
  chunks: { offset: number[]; address: number; size: number }[];
}
const dir = new URL('../fixtures/filters/', import.meta.url);
const fixture = JSON.parse(readFileSync(new URL('blosc2.json', dir), 'utf8')) as { file: string; datasets: Record[] };
const h5 = new Uint8Array(readFileSync(new URL(fixture.file, dir)));

/** The first stored chunk of a dataset, its pipeline and a context sized for it. */
function sample(name: string): { bytes: Uint8Array; pipeline: FilterSpec[]; ctx: FilterContext } {
  const d = fixture.datasets.find((x) => x.name === name)!;
  const c = d.chunks[0]!;
  const chunkBytes = d.chunkShape.reduce((a, b) => a * b, 1) * d.elementSize;
  return { bytes: h5.slice(c.address, c.address + c.size), pipeline: d.pipeline, ctx: { elementSize: d.elementSize, chunkBytes, maxOutputBytes: chunkBytes + 1024 } };
}

async function failure(p: Promise<unknown>): Promise<H5Error> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'expected an H5Error').toBeInstanceOf(H5Error);
  return e as H5Error;
}

const BIG = 1 << 30;

describe('frame parsing', () => {
  it('reads a plain super-chunk frame: sizes, no metalayers, one chunk after the header', async () => {
    const { bytes } = sample('/lz4_shuffle_f4');
    const frame = await readBlosc2Frame(bytes, BIG);
    expect(frame.nbytes).toBe(800);
    expect(frame.typesize).toBe(4);
    expect(frame.chunksize).toBe(800);
    expect(frame.metalayers.size).toBe(0);
    expect(frame.chunks).toEqual([{ at: frame.headerLen }]);
    const h = readBlosc2Chunk(frame.bytes, frame.headerLen, frame.dataEnd);
    // 256-byte blocks: three whole ones and a leftover of 32 bytes; LZ4 (format code 1), shuffle in slot 5.
    expect([h.nbytes, h.blocksize, h.nblocks, h.codec, h.overhead, h.filters[5]]).toEqual([800, 256, 4, 1, 32, 1]);
  });

  it('reads the b2nd metalayer of a PyTables B2ND chunk', async () => {
    const frame = await readBlosc2Frame(sample('/b2nd_3d_f8').bytes, BIG);
    const meta = readB2ndMeta(frame.metalayers.get('b2nd')!);
    expect(meta).toEqual({ shape: [9, 7, 5], chunkshape: [9, 7, 5], blockshape: [2, 4, 4] });
    // The chunk is padded to whole blocks: 10 x 8 x 8 elements of 8 bytes.
    expect(frame.nbytes).toBe(10 * 8 * 8 * 8);
  });

  it('reads the chunk grid of a multi-chunk B2ND frame and special offsets', async () => {
    const multi = await readBlosc2Frame(sample('/b2nd_multichunk_i4').bytes, BIG);
    expect(readB2ndMeta(multi.metalayers.get('b2nd')!)).toEqual({ shape: [12, 10], chunkshape: [5, 4], blockshape: [3, 3] });
    expect(multi.chunks).toHaveLength(9);
    const zeros = await readBlosc2Frame(sample('/frame_special_offsets_i4').bytes, BIG);
    expect(zeros.chunks).toEqual([{ special: 1 }]);
  });
});

describe('broken frames', () => {
  const plain = sample('/lz4_shuffle_f4');
  const decode = (bytes: Uint8Array, s = plain) => decodeChunk(bytes, s.pipeline, 0, s.ctx);

  it('decodes the unbroken chunk', async () => {
    expect((await decode(plain.bytes)).length).toBe(800);
  });

  it('every truncation is Corrupt', async () => {
    for (let keep = 0; keep < plain.bytes.length; keep += 7) {
      expect((await failure(decode(plain.bytes.subarray(0, keep)))).code).toBe('Corrupt');
    }
  });

  it('a bad magic, a bad marker or a frame longer than the chunk is Corrupt', async () => {
    const magic = plain.bytes.slice();
    magic[3] = 0x78;
    expect((await failure(decode(magic))).message).toMatch(/b2frame/);
    const marker = plain.bytes.slice();
    marker[47] = 0xd3;
    expect((await failure(decode(marker))).message).toMatch(/typesize marker/);
    const long = plain.bytes.slice();
    long[23] = long[23]! + 1; // frame_len, the low byte of a big-endian uint64
    expect((await failure(decode(long))).code).toBe('Corrupt');
  });

  it('a huge decoded size is Limit before anything is allocated', async () => {
    const huge = plain.bytes.slice();
    huge[30] = 0x10; // nbytes = 2^60 + ...
    const e = await failure(decode(huge));
    expect(e.code).toBe('Limit');
  });

  it('a chunk offset past the data is Corrupt, a chunk of the wrong size is Corrupt', async () => {
    const frame = await readBlosc2Frame(plain.bytes, BIG);
    // The offsets chunk of this frame is memcpyed: its one int64 follows its 32-byte header.
    const off = plain.bytes.slice();
    off[frame.dataEnd + 32 + 1] = 0x7f;
    expect((await failure(decode(off))).message).toMatch(/past the/);
    const size = plain.bytes.slice();
    size[frame.headerLen + 4] = 0x10; // the chunk's nbytes: 0x310 instead of 0x320
    expect((await failure(decode(size))).code).toBe('Corrupt');
  });

  it('a bad codec, a foreign filter, VL blocks or a dictionary are Unsupported', async () => {
    const at = (await readBlosc2Frame(plain.bytes, BIG)).headerLen;
    const cases: Array<[number, number, RegExp]> = [
      [2, 0xb5, /compressor code 5/], // flags with format code 5 (reserved)
      [2, 0x55, /compressor code 2/], // Snappy: Blosc 1 only
      [16 + 5, 35, /filter 35/], // bytedelta, a python-blosc2 plugin filter
      [30, 1, /variable-length blocks/],
      [31, 1, /dictionary/],
      [0, 9, /format version 9/],
    ];
    for (const [k, v, re] of cases) {
      const b = plain.bytes.slice();
      b[at + k] = v;
      const e = await failure(decode(b));
      expect([e.code, e.message]).toEqual(['Unsupported', expect.stringMatching(re)]);
    }
  });

  it('an unknown special-value kind and a lazy chunk are Corrupt', async () => {
    const at = (await readBlosc2Frame(plain.bytes, BIG)).headerLen;
    for (const flags of [0x50, 0x08]) {
      const b = plain.bytes.slice();
      b[at + 31] = flags;
      expect((await failure(decode(b))).code).toBe('Corrupt');
    }
  });

  it('a B2ND shape that is not the chunk shape in the client data is Corrupt', async () => {
    const s = sample('/b2nd_3d_f8');
    const pipeline = [{ ...s.pipeline[0]!, clientData: [...s.pipeline[0]!.clientData.slice(0, 8), 9, 7, 4] }];
    const e = await failure(decodeChunk(s.bytes, pipeline, 0, s.ctx));
    expect(e.message).toMatch(/not the chunk shape/);
  });

  it('B2ND padding far beyond the output is Limit', async () => {
    const s = sample('/b2nd_2d_i2');
    const frame = await readBlosc2Frame(s.bytes, BIG);
    const meta = frame.metalayers.get('b2nd')!;
    const at = meta.byteOffset - s.bytes.byteOffset;
    // shape [16, 10] -> [1, 1], chunk shape kept: 160 chunk elements decoded for 1 output element.
    const b = s.bytes.slice();
    const view = new DataView(b.buffer);
    view.setBigInt64(at + 5, 1n);
    view.setBigInt64(at + 14, 1n);
    const e = await failure(decodeChunk(b, [{ id: 32026, flags: 0, clientData: [] }], 0, { elementSize: 2, chunkBytes: 2, maxOutputBytes: 2 }));
    expect(e.code).toBe('Limit');
  });
});
