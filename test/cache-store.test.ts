import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectoryMetadataStore } from '../src/cache/directory-store.js';
import { decodeMetadata, encodeMetadata, type StoredMetadata } from '../src/cache/metadata-store.js';
import { testBytes } from './helpers/range-server.js';

const root = mkdtempSync(join(tmpdir(), 'coh5-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const entry = (key: string, bytes = 10_000): StoredMetadata => ({
  key,
  etag: `"${key}"`,
  size: 1_000_000,
  blocks: [
    { offset: 0, bytes: testBytes(bytes, key.length + 1) },
    { offset: 65_536, bytes: testBytes(100, 7) },
  ],
});
const pause = () => new Promise((r) => setTimeout(r, 30));

describe('metadata entries as bytes', () => {
  it('round-trip, and a damaged or foreign entry reads as missing', () => {
    const e = entry('https://h/a.h5');
    const bytes = encodeMetadata(e);
    expect(decodeMetadata(bytes, e.key)).toEqual(e);
    expect(decodeMetadata(bytes, 'https://h/other.h5')).toBeUndefined();
    expect(decodeMetadata(bytes.subarray(0, bytes.length - 1), e.key)).toBeUndefined();
    for (const at of [30, bytes.length - 50]) {
      const flipped = bytes.slice();
      flipped[at] ^= 0x10;
      expect(decodeMetadata(flipped, e.key)).toBeUndefined();
    }
  });
});

describe('DirectoryMetadataStore', () => {
  it('keeps entries across store instances (processes) and forgets deleted ones', async () => {
    const dir = join(root, 'a');
    await new DirectoryMetadataStore(dir).put(entry('s3://b/k1'));
    expect(await new DirectoryMetadataStore(dir).get('s3://b/k1')).toEqual(entry('s3://b/k1'));
    await new DirectoryMetadataStore(dir).delete('s3://b/k1');
    expect(await new DirectoryMetadataStore(dir).get('s3://b/k1')).toBeUndefined();
  });

  it('evicts least recently used entries by bytes; a get counts as a use', async () => {
    const dir = join(root, 'b');
    const one = encodeMetadata(entry('k1')).byteLength;
    const store = new DirectoryMetadataStore(dir, { maxBytes: Math.floor(2.5 * one) });
    await store.put(entry('k1'));
    await pause();
    await store.put(entry('k2'));
    await pause();
    expect(await store.get('k1')).toBeDefined(); // k1 is now more recent than k2
    await pause();
    await store.put(entry('k3'));
    expect(await store.get('k2')).toBeUndefined();
    expect(await store.get('k1')).toBeDefined();
    expect(await store.get('k3')).toBeDefined();
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it('stores nothing for an entry larger than the whole bound, and reads a damaged file as missing', async () => {
    const dir = join(root, 'c');
    const store = new DirectoryMetadataStore(dir, { maxBytes: 5_000 });
    await store.put(entry('big', 10_000));
    expect(await store.get('big')).toBeUndefined();
    const ok = new DirectoryMetadataStore(dir);
    await ok.put(entry('k'));
    const [name] = readdirSync(dir);
    writeFileSync(join(dir, name!), 'not an entry');
    expect(await ok.get('k')).toBeUndefined();
  });
});
