/**
 * The persistent metadata cache over S3 (s3rver always; Ceph when S3_ENDPOINT is set): a warm open
 * makes one GetObject, carrying the stored ETag as IfMatch; an object overwritten since is read
 * afresh (Ceph answers 412; s3rver ignores IfMatch, and the ETag it returns tells instead).
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../src/s3.js';
import { open } from '../src/api/file.js';
import { DirectoryMetadataStore } from '../src/cache/directory-store.js';
import { startTarget, targetNames, type S3Target } from './helpers/s3.js';

const v1 = readFileSync('fixtures/warm/v1.h5');
const v2 = readFileSync('fixtures/warm/v2.h5');
const expected = (f: (i: number) => number) => Array.from({ length: 10 }, (_, k) => f(15_000 + k));

describe.each(targetNames())('persistent metadata cache over S3 (%s)', (name) => {
  let t: S3Target;
  const dir = mkdtempSync(join(tmpdir(), 'coh5-warm-s3-'));
  /** A real client whose GetObject inputs are recorded, so the test sees IfMatch go out. */
  const gets: Array<{ Range?: string; IfMatch?: string }> = [];
  const client = {
    send: (cmd: { constructor: { name: string }; input: object }, o?: { abortSignal?: AbortSignal }) => {
      if (cmd.constructor.name === 'GetObjectCommand') gets.push(cmd.input);
      return t.client.send(cmd as never, o);
    },
    destroy: () => {},
  };
  const readOnce = async () => {
    const f = await open(`s3://${t.bucket}/warm.h5`, { s3: { client, retry: { attempts: 2, baseDelayMs: 1 } }, metadataCache: new DirectoryMetadataStore(dir),
      // A 64 KiB first read: the 160 KB file would otherwise come whole, and the slice need no GET.
      cache: { initialReadSize: 65536 },
    });
    const r = await f.readDataset('/x', [[15_000, 15_010]]);
    const requests = f.stats().requests;
    await f.close();
    return { values: Array.from(r.data as Float64Array), requests };
  };

  beforeAll(async () => {
    t = await startTarget(name);
    await t.put('warm.h5', v1);
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a warm open reads the slice with one GetObject that carries IfMatch', async () => {
    expect((await readOnce()).values).toEqual(expected((i) => i));
    gets.length = 0;
    const warm = await readOnce();
    expect(warm.values).toEqual(expected((i) => i));
    expect(warm.requests).toBe(1);
    expect(gets).toHaveLength(1);
    expect(gets[0]!.IfMatch).toMatch(/^"[0-9a-f]+"$/);
  });

  it('an object overwritten since is detected and read afresh, never stale', async () => {
    await t.put('warm.h5', v2);
    gets.length = 0;
    const changed = await readOnce();
    expect(changed.values).toEqual(expected((i) => -i - 0.5));
    expect(gets[0]!.IfMatch).toBeDefined();
    gets.length = 0;
    expect((await readOnce()).values).toEqual(expected((i) => -i - 0.5));
    expect(gets).toHaveLength(1);
  });
});
