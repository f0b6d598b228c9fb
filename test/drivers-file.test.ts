import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile, mkdir, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { H5Error } from '../src/errors.js';
import { openFile } from '../src/drivers/file.js';
import { sameBytes, testBytes } from './helpers/range-server.js';
import { failure } from './helpers/failure.js';

const SIZE = 3 * 1024 * 1024 + 17;
const DATA = testBytes(SIZE, 5);
const slice = (offset: number, length: number) => DATA.subarray(offset, offset + length);

let dir: string;
let path: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coh5-file-'));
  path = join(dir, 'data.bin');
  await writeFile(path, DATA);
  await writeFile(join(dir, 'empty.bin'), new Uint8Array(0));
  await mkdir(join(dir, 'sub'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});


describe('openFile', () => {
  it('reads exact bytes at the start, middle and end; size from fstat', async () => {
    const src = await openFile(path);
    expect(src.size).toBe(SIZE);
    expect(src.key).toBe(path);
    expect(await src.read(0, 8)).toEqual(slice(0, 8));
    expect(sameBytes(await src.read(1_234_567, 2_000_000), slice(1_234_567, 2_000_000))).toBe('equal');
    expect(await src.read(SIZE - 1, 1)).toEqual(slice(SIZE - 1, 1));
    await src.close();
  });

  it('opens file:// URLs (string or URL) and relative paths', async () => {
    for (const input of [pathToFileURL(path).href, pathToFileURL(path), relative(process.cwd(), path)]) {
      const src = await openFile(input);
      expect(src.key).toBe(path);
      expect(await src.read(100, 10)).toEqual(slice(100, 10));
      await src.close();
    }
  });

  it('returns a short read at EOF and an empty one past it', async () => {
    const src = await openFile(path);
    expect(await src.read(SIZE - 5, 100)).toEqual(slice(SIZE - 5, 5));
    expect(await src.read(SIZE + 100, 100)).toEqual(new Uint8Array(0));
    expect(await src.read(0, 0)).toEqual(new Uint8Array(0));
    await src.close();
    const empty = await openFile(join(dir, 'empty.bin'));
    expect(empty.size).toBe(0);
    expect(await empty.read(0, 10)).toEqual(new Uint8Array(0));
    await empty.close();
  });

  it('serves concurrent reads on one handle', async () => {
    const src = await openFile(path);
    const offsets = Array.from({ length: 16 }, (_, i) => i * 150_001);
    const got = await Promise.all(offsets.map((o) => src.read(o, 9999)));
    got.forEach((bytes, i) => expect(sameBytes(bytes, slice(offsets[i]!, 9999))).toBe('equal'));
    await src.close();
  });

  it('reports a missing file as NotFound and a directory as Invalid', async () => {
    const e = await failure(openFile(join(dir, 'missing.h5')));
    expect(e.code).toBe('NotFound');
    expect(e.source).toBe(join(dir, 'missing.h5'));
    expect((await failure(openFile(join(dir, 'sub')))).code).toBe('Invalid');
  });

  it('reports an unreadable file as NotAllowed', async (ctx) => {
    // root reads everything regardless of mode bits.
    if (process.getuid?.() === 0) return ctx.skip();
    const locked = join(dir, 'locked.bin');
    await writeFile(locked, DATA.subarray(0, 10));
    await chmod(locked, 0o000);
    expect((await failure(openFile(locked))).code).toBe('NotAllowed');
  });

  it('honours aborts: before a read, and one that fires while the read is in flight', async () => {
    const src = await openFile(path);
    expect((await failure(src.read(0, 10, { signal: AbortSignal.abort() }))).code).toBe('Aborted');
    expect((await failure(openFile(path, { signal: AbortSignal.abort() }))).code).toBe('Aborted');
    const ctrl = new AbortController();
    const p = src.read(0, SIZE, { signal: ctrl.signal });
    ctrl.abort();
    expect((await failure(p)).code).toBe('Aborted');
    await src.close();
  });

  it('rejects reads after close; close twice is safe', async () => {
    const src = await openFile(path);
    await src.close();
    await src.close();
    expect((await failure(src.read(0, 10))).code).toBe('Invalid');
  });

  it('rejects bad ranges', async () => {
    const src = await openFile(path);
    expect((await failure(src.read(-1, 10))).code).toBe('Invalid');
    expect((await failure(src.read(0, Number.MAX_SAFE_INTEGER + 2))).code).toBe('Invalid');
    await src.close();
  });
});
