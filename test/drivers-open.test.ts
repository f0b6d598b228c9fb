import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { H5Error } from '../src/errors.js';
import { forgetEntry, openSource } from '../src/drivers/open.js';
import { HttpSource } from '../src/drivers/http.js';
import { MemorySource } from '../src/drivers/memory.js';
import { FileSource } from '../src/drivers/file.js';
import { S3Source } from '../src/drivers/s3.js';
import type { ByteSource } from '../src/source.js';
import { RangeServer, testBytes } from './helpers/range-server.js';
import { startTarget, type S3Target } from './helpers/s3.js';
import { failure } from './helpers/failure.js';

const DATA = testBytes(10_000, 3);
let server: RangeServer;
let s3: S3Target;
let dir: string;
const opened: ByteSource[] = [];

beforeAll(async () => {
  server = await RangeServer.start();
  server.put('/f.h5', DATA);
  s3 = await startTarget('s3rver');
  await s3.put('f.h5', DATA);
  dir = await mkdtemp(join(tmpdir(), 'coh5-open-'));
  await writeFile(join(dir, 'f.h5'), DATA);
});
afterAll(async () => {
  for (const s of opened) await s.close?.();
  await server.close();
  await s3.close();
  await rm(dir, { recursive: true, force: true });
});

const keep = <T extends ByteSource>(s: T) => (opened.push(s), s);


describe('openSource', () => {
  it('passes a ByteSource through and wraps bytes in memory', async () => {
    const mem = new MemorySource(DATA);
    expect(await openSource(mem)).toBe(mem);
    const fromBytes = await openSource(DATA);
    expect(fromBytes).toBeInstanceOf(MemorySource);
    expect(await fromBytes.read(5, 5)).toEqual(DATA.subarray(5, 10));
    const fromBuffer = await openSource(DATA.slice().buffer);
    expect(await fromBuffer.read(9995, 10)).toEqual(DATA.subarray(9995));
  });

  it('opens http(s) URLs with HttpSource, passing options through', async () => {
    const src = keep(await openSource(server.urlOf('/f.h5'), { http: { headers: { 'X-Token': 'abc' } } }));
    expect(src).toBeInstanceOf(HttpSource);
    expect(await src.read(100, 100)).toEqual(DATA.subarray(100, 200));
    expect(server.requests.at(-1)!.headers['x-token']).toBe('abc');
    const url = keep(await openSource(new URL(server.urlOf('/f.h5')), { size: DATA.length }));
    expect(url.size).toBe(DATA.length);
  });

  it('loads the S3 driver for s3:// URLs, through coh5/s3', async () => {
    const src = keep(
      await openSource(`s3://${s3.bucket}/f.h5`, {
        s3: {
          endpoint: s3.endpoint,
          forcePathStyle: true,
          region: s3.region,
          credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
        },
      }),
    );
    expect(src).toBeInstanceOf(S3Source);
    expect(src.key).toBe(`s3://${s3.bucket}/f.h5`);
    expect(await src.read(9000, 2000)).toEqual(DATA.subarray(9000));
  });

  it('uses the S3 driver for an AWS https URL only when S3 options are given', async () => {
    const url = 'https://some-bucket.s3.us-west-2.amazonaws.com/a/f.h5';
    expect(await openSource(url)).toBeInstanceOf(HttpSource);
    const viaS3 = keep(await openSource(url, { s3: { anonymous: true } }));
    expect(viaS3).toBeInstanceOf(S3Source);
    expect(viaS3.key).toBe('s3://some-bucket/a/f.h5');
  });

  it('loads the file driver for paths and file:// URLs, through coh5/node', async () => {
    const path = join(dir, 'f.h5');
    for (const input of [path, pathToFileURL(path).href, pathToFileURL(path)]) {
      const src = keep(await openSource(input));
      expect(src).toBeInstanceOf(FileSource);
      expect(await src.read(0, 4)).toEqual(DATA.subarray(0, 4));
    }
    expect((await failure(openSource(join(dir, 'missing.h5')))).code).toBe('NotFound');
  });

  it('falls back to the public https URL where coh5/s3 cannot load (a browser bundle) and access is anonymous', async () => {
    // A browser without the AWS SDK cannot run here; make the one import fail as it would there
    // (and forget the entry an earlier s3:// open registered).
    forgetEntry('coh5/s3');
    vi.doMock('coh5/s3', () => {
      throw new Error('no AWS SDK in this bundle');
    });
    try {
      server.put('/pub-bucket/dir/f 1.h5', DATA);
      const src = keep(await openSource('s3://pub-bucket/dir/f 1.h5', { s3: { endpoint: server.url } }));
      expect(src).toBeInstanceOf(HttpSource);
      expect(src.key).toBe(`${server.url}/pub-bucket/dir/f%201.h5`);
      expect(await src.read(10, 10)).toEqual(DATA.subarray(10, 20));
      const signed = openSource('s3://b/k', { s3: { credentials: { accessKeyId: 'a', secretAccessKey: 'b' } } });
      expect((await failure(signed)).code).toBe('Unsupported');
    } finally {
      vi.doUnmock('coh5/s3');
    }
  });

  it('rejects unknown schemes and inputs, and honours a pre-aborted signal', async () => {
    expect((await failure(openSource('gopher://x/y'))).code).toBe('Unsupported');
    expect((await failure(openSource(42 as unknown as string))).code).toBe('Invalid');
    expect((await failure(openSource(DATA, { signal: AbortSignal.abort() }))).code).toBe('Aborted');
  });
});
