/**
 * LZO (filter 305): the LZO1X decompressor on hand-made streams and on liblzo2's output
 * (fixtures/filters2/lzo.h5, scripts/make_filter2_fixtures.py), and broken streams.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { H5Error } from '../src/errors.js';
import { decode, lzo1xDecompress } from '../src/filters/lzo.js';
import type { FilterContext } from '../src/filters/registry.js';

const dir = new URL('../fixtures/filters/', import.meta.url);
const fixture = JSON.parse(readFileSync(new URL('lzo.json', dir), 'utf8')) as {
  file: string;
  datasets: { name: string; chunkShape: number[]; elementSize: number; chunks: { address: number; size: number }[] }[];
};
const h5 = new Uint8Array(readFileSync(new URL(fixture.file, dir)));

function sample(name: string): { bytes: Uint8Array; ctx: FilterContext } {
  const d = fixture.datasets.find((x) => x.name === name)!;
  const c = d.chunks[0]!;
  const chunkBytes = d.chunkShape.reduce((a, b) => a * b, 1) * d.elementSize;
  return { bytes: h5.slice(c.address, c.address + c.size), ctx: { elementSize: d.elementSize, chunkBytes, maxOutputBytes: chunkBytes + 1024 } };
}
const spec = { id: 305, flags: 0, clientData: [1, 23, 0] };
const END = [0x11, 0, 0];

function failure(f: () => unknown): H5Error {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(H5Error);
    return e as H5Error;
  }
  throw new Error('expected an H5Error');
}

describe('LZO1X streams', () => {
  it('a first byte above 17 starts with literals; M2 and M1 matches repeat them', () => {
    // 4 literals "abcd", then an M2 match (t = 0x40 | dist-1 bits): 3 bytes from 4 back, then the end.
    const stream = Uint8Array.from([17 + 4, 97, 98, 99, 100, 0x40 | (3 << 2), 0, ...END]);
    const { out, end } = lzo1xDecompress(stream, 7, 64);
    expect(new TextDecoder().decode(out)).toBe('abcdabc');
    expect(end).toBe(stream.length);
    // After a literal run, t < 16 is a 3-byte M1 match 2049 or more bytes back: none here.
    expect(failure(() => lzo1xDecompress(Uint8Array.from([17 + 4, 97, 98, 99, 100, 0, 0, ...END]), 8, 64)).message).toMatch(/before the start/);
  });

  it('an extended literal run (zero bytes add 255)', () => {
    const stream = Uint8Array.from([0, 0, 5, ...new Array<number>(255 + 15 + 5 + 3).fill(120), ...END]);
    const { out } = lzo1xDecompress(stream, 0, 1000);
    expect(out.length).toBe(278);
    expect(out.every((b) => b === 120)).toBe(true);
  });

  it('a chunk larger than the cap is Limit, output growing from the expected size until then', () => {
    const { bytes } = sample('/far_matches_u1');
    expect(lzo1xDecompress(bytes, 16, 1 << 20).out.length).toBe(18700);
    expect(failure(() => lzo1xDecompress(bytes, 16, 10_000)).code).toBe('Limit');
  });

  it('truncated streams and trailing bytes are Corrupt', async () => {
    const s = sample('/lzo1x_1_i4_edges');
    for (let keep = 0; keep < s.bytes.length; keep += 13) {
      expect(failure(() => decode(s.bytes.subarray(0, keep), spec, s.ctx)).code).toBe('Corrupt');
    }
    const longer = new Uint8Array(s.bytes.length + 3);
    longer.set(s.bytes);
    expect(failure(() => decode(longer, spec, s.ctx)).message).toMatch(/3 bytes follow/);
  });

  it("PyTables 0.5's Adler-32 tail is checked", async () => {
    const s = sample('/pytables05_checksum_i2');
    expect(((await decode(s.bytes, spec, s.ctx)) as Uint8Array).length).toBe(600);
    const bad = s.bytes.slice();
    bad[bad.length - 8]! ^= 1;
    expect(failure(() => decode(bad, spec, s.ctx)).message).toMatch(/Adler-32/);
  });
});
