/**
 * The filter registry and decodeChunk's pipeline semantics: reverse order, the per-chunk filter
 * mask, lazy loading, errors for unknown filters, failing decoders, output caps and sizes.
 */
import { describe, expect, it } from 'vitest';
import { H5Error } from '../src/errors.js';
import { decodeChunk, getFilter, registerFilter, type FilterContext, type FilterSpec } from '../src/filters/registry.js';

const spec = (id: number, clientData: number[] = [], name?: string): FilterSpec => ({ id, flags: 0, clientData, ...(name ? { name } : {}) });
const ctx = (chunkBytes: number, maxOutputBytes = 1 << 20): FilterContext => ({ elementSize: 1, chunkBytes, maxOutputBytes });

async function rejection(p: Promise<unknown>): Promise<H5Error> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(H5Error);
  return e as H5Error;
}

// Test filters in the unassigned range: "append" writes its cd_values[0] byte, "pop" removes
// the last byte after checking it, so the order of undoing shows in the result.
registerFilter(40001, async () => (input, s) => Uint8Array.from([...input, s.clientData[0]!]));
registerFilter(40002, async () => (input, s) => {
  if (input[input.length - 1] !== s.clientData[0]) throw new Error(`expected trailing ${s.clientData[0]}`);
  return input.subarray(0, input.length - 1);
});

describe('decodeChunk', () => {
  it('undoes the pipeline from the last filter to the first', async () => {
    // Written as [pop 7, pop 9]: the file bytes end ...7, 9, so 9 must be removed first.
    const out = await decodeChunk(Uint8Array.from([1, 2, 7, 9]), [spec(40002, [7]), spec(40002, [9])], 0, ctx(2));
    expect([...out]).toEqual([1, 2]);
    await expect(decodeChunk(Uint8Array.from([1, 2, 9, 7]), [spec(40002, [7]), spec(40002, [9])], 0, ctx(2))).rejects.toThrow(/expected trailing 9/);
  });

  it('skips filter i when bit i of the filter mask is set', async () => {
    const pipeline = [spec(40002, [7]), spec(40002, [9]), spec(40002, [5])];
    const out = await decodeChunk(Uint8Array.from([1, 7, 5]), pipeline, 0b010, ctx(1));
    expect([...out]).toEqual([1]);
    const all = await decodeChunk(Uint8Array.from([3, 4]), pipeline, 0b111, ctx(2));
    expect([...all]).toEqual([3, 4]);
  });

  it('reads mask bit 31 for a 32-filter pipeline', async () => {
    const pipeline = Array.from({ length: 32 }, () => spec(40002, [1]));
    const out = await decodeChunk(new Uint8Array(32).fill(1), pipeline, 0x80000000, ctx(1));
    expect([...out]).toEqual([1]);
  });

  it('requires every unmasked filter to succeed on read, optional or not', async () => {
    const optional = { ...spec(40002, [7]), flags: 1 };
    const e = await rejection(decodeChunk(Uint8Array.from([1, 2]), [optional], 0, ctx(1)));
    expect(e.code).toBe('Corrupt');
    expect(e.message).toContain('filter 40002');
    expect((e.cause as Error).message).toContain('expected trailing 7');
  });

  it('rejects a decoded chunk of the wrong size', async () => {
    const e = await rejection(decodeChunk(Uint8Array.from([1, 2, 3]), [], 0, ctx(4)));
    expect(e.code).toBe('Corrupt');
    expect(e.message).toContain('expected 4');
  });

  it('rejects a filter output over maxOutputBytes', async () => {
    const e = await rejection(decodeChunk(new Uint8Array(4), [spec(40001, [1])], 0, ctx(4, 4)));
    expect(e.code).toBe('Limit');
  });

  it('rejects a chunk larger than the cap before decoding anything', async () => {
    const e = await rejection(decodeChunk(new Uint8Array(8), [], 0, ctx(8, 4)));
    expect(e.code).toBe('Limit');
  });

  it('stops at an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    const e = await rejection(decodeChunk(new Uint8Array(1), [spec(40001, [1])], 0, { ...ctx(2), signal: controller.signal }));
    expect(e.code).toBe('Aborted');
  });

  it('names unknown filters by id and registered name', async () => {
    const zfp = await rejection(decodeChunk(new Uint8Array(1), [spec(32013)], 0, ctx(1)));
    expect(zfp.code).toBe('Unsupported');
    expect(zfp.message).toContain('filter 32013 (zfp)');
    const named = await rejection(decodeChunk(new Uint8Array(1), [spec(50123, [], 'my_codec')], 0, ctx(1)));
    expect(named.code).toBe('Unsupported');
    expect(named.message).toContain('filter 50123 (my_codec)');
    const bare = await rejection(getFilter(50124));
    expect(bare.message).toContain('filter 50124');
  });
});

describe('N-bit parameter lists', () => {
  it('passes a chunk through when the list is the 3 values H5Z__set_local_nbit writes for a bitfield or enum', async () => {
    // [count, need_not_compress, elements]: h5repack -f NBIT on a 1-byte bitfield writes [3, 1, 4].
    const out = await decodeChunk(Uint8Array.from([1, 0, 0, 1]), [spec(5, [3, 1, 4])], 0, ctx(4));
    expect([...out]).toEqual([1, 0, 0, 1]);
  });

  it('refuses a short list that asks for unpacking, or one whose count disagrees', async () => {
    expect((await rejection(decodeChunk(Uint8Array.from([1, 0, 0, 1]), [spec(5, [3, 0, 4])], 0, ctx(4)))).code).toBe('Corrupt');
    expect((await rejection(decodeChunk(Uint8Array.from([1, 0, 0, 1]), [spec(5, [4, 1, 4])], 0, ctx(4)))).code).toBe('Corrupt');
    expect((await rejection(decodeChunk(Uint8Array.from([1, 0, 0, 1]), [spec(5, [2, 1])], 0, ctx(4)))).code).toBe('Corrupt');
  });
});

describe('registerFilter', () => {
  it('loads a decoder on first use, once', async () => {
    let loads = 0;
    registerFilter(40010, async () => {
      loads++;
      return (input) => input;
    });
    expect(loads).toBe(0);
    await decodeChunk(new Uint8Array(3), [spec(40010)], 0, ctx(3));
    await decodeChunk(new Uint8Array(3), [spec(40010)], 0, ctx(3));
    expect(loads).toBe(1);
  });

  it('reports a failed load as Unsupported and retries it next time', async () => {
    let attempt = 0;
    registerFilter(40011, async () => {
      if (++attempt === 1) throw new TypeError('Failed to fetch dynamically imported module');
      return (input) => input;
    });
    const e = await rejection(getFilter(40011));
    expect(e.code).toBe('Unsupported');
    expect(e.message).toContain('loading its decoder failed');
    await expect(getFilter(40011)).resolves.toBeTypeOf('function');
  });

  it('rejects ids outside 0..65535', () => {
    expect(() => registerFilter(70000, async () => (x) => x)).toThrow(H5Error);
  });

  it('has every built-in filter registered and loadable', async () => {
    for (const id of [1, 2, 3, 4, 5, 6, 307, 32000, 32001, 32004, 32008, 32015]) {
      await expect(getFilter(id)).resolves.toBeTypeOf('function');
    }
  });
});
