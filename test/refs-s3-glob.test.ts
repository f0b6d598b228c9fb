/**
 * `coh5 refs --concat DIM 's3://bucket/granules/*.h5'` against a real S3-compatible server
 * (s3rver; Ceph too when S3_ENDPOINT is set): the bucket listed page by page with
 * ListObjectsV2, the glob matched, every match scanned with progress and combined in key order.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandS3Glob, globPattern, isS3Glob } from '../src/cli/s3-glob.js';
import { H5Error } from '../src/node.js';
import { coh5Env } from './cli-run.js';
import { startTarget, targetNames, type S3Target } from './helpers/s3.js';

interface Listing {
  endpoint: string;
  bucket: string;
  client: S3Client;
  stop(): Promise<void>;
}

/**
 * s3rver in a child Node with OpenSSL's legacy provider: s3rver encrypts its continuation tokens
 * with DES, which Node 20's OpenSSL 3 lacks without it, so in-process s3rver answers 500 to any
 * list that needs a second page.
 */
async function pagingS3rver(): Promise<Listing> {
  const directory = await mkdtemp(join(tmpdir(), 'coh5-s3rver-paging-'));
  const script = `const S3rver = require('s3rver');
new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: process.argv[1], configureBuckets: [{ name: 'paging' }] })
  .run().then(({ port }) => console.log(port));`;
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', script, directory], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim())));
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code})`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  return {
    endpoint,
    bucket: 'paging',
    client,
    async stop() {
      client.destroy();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}

const GRANULES = ['granules/2024-01-01.h5', 'granules/2024-01-02.h5', 'granules/2024-01-03.h5'];

describe('s3:// globs', () => {
  it('* and ? stay within a path segment, ** crosses them, [..] and [!..] are classes, the rest is literal', () => {
    expect(isS3Glob('s3://b/g/*.h5')).toBe(true);
    expect(isS3Glob('s3://b/g/x.h5')).toBe(false);
    expect(isS3Glob('https://b/g/*.h5')).toBe(false);
    const star = globPattern('g/*.h5');
    expect(['g/a.h5', 'g/.h5'].every((k) => star.test(k))).toBe(true);
    expect(['g/sub/a.h5', 'g/a.h5x', 'gxa.h5', 'g/aXh5'].some((k) => star.test(k))).toBe(false);
    expect(globPattern('g/**.h5').test('g/sub/deep/a.h5')).toBe(true);
    expect(globPattern('g/a?.h5').test('g/a1.h5')).toBe(true);
    expect(globPattern('g/a?.h5').test('g/a/.h5')).toBe(false);
    expect(globPattern('g/a[0-2].h5').test('g/a2.h5')).toBe(true);
    expect(globPattern('g/a[!0-2].h5').test('g/a2.h5')).toBe(false);
    expect(globPattern('g/a(1)+$.h5').test('g/a(1)+$.h5')).toBe(true);
  });
});

describe.each(targetNames())('coh5 refs --concat over an s3:// glob (%s)', (name) => {
  let t: S3Target;
  let env: Record<string, string>;
  let l: Listing;
  const listing = Array.from({ length: 23 }, (_, i) => `listing/a${String(i).padStart(2, '0')}.h5`);
  beforeAll(async () => {
    t = await startTarget(name);
    l = name === 's3rver' ? await pagingS3rver() : { endpoint: t.endpoint, bucket: t.bucket, client: t.client, stop: async () => {} };
    const example = await readFile('fixtures/example.h5');
    // Listed out of order on purpose: the result follows the keys, not the uploads.
    for (const k of [...GRANULES].reverse()) await t.put(k, example);
    await t.put('granules/notes.txt', new TextEncoder().encode('not a granule'));
    for (const k of [...listing, 'listing/a05.txt', 'listing/sub/a99.h5', 'listingx/a01.h5']) await l.client.send(new PutObjectCommand({ Bucket: l.bucket, Key: k, Body: new Uint8Array([1]) }));
    env = { AWS_ACCESS_KEY_ID: t.accessKeyId, AWS_SECRET_ACCESS_KEY: t.secretAccessKey, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
  }, 60_000);
  afterAll(async () => {
    await l?.stop();
    await t?.close();
  });

  it('follows every ListObjectsV2 page (5 keys a page) and keeps the matches in key order', async () => {
    const real = l.client;
    let pages = 0;
    const client = {
      send: (c: unknown, o?: { abortSignal?: AbortSignal }) => {
        if (c instanceof ListObjectsV2Command) pages++;
        return real.send(c as ListObjectsV2Command, o);
      },
      destroy: () => {},
    };
    {
      const urls = await expandS3Glob(`s3://${l.bucket}/listing/a*.h5`, { client, pageSize: 5 });
      expect(urls).toEqual(listing.map((k) => `s3://${l.bucket}/${k}`));
      // 24 keys under the prefix "listing/a" (23 granules and a05.txt): five pages of at most five.
      expect(pages).toBe(5);
      expect(await expandS3Glob(`s3://${l.bucket}/listing/**.h5`, { client })).toContain(`s3://${l.bucket}/listing/sub/a99.h5`);
      const none = await expandS3Glob(`s3://${l.bucket}/listing/*.nc`, { client }).catch((e: unknown) => e);
      expect(none).toBeInstanceOf(H5Error);
      expect((none as H5Error).code).toBe('NotFound');
    }
  });

  it('coh5 refs --concat granule scans each match with progress and combines them in key order', async () => {
    const r = await coh5Env(env, 'refs', '--concat', 'granule', '--endpoint', t.endpoint, '--region', t.region, `s3://${t.bucket}/granules/*.h5`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/granules\/\*\.h5 matches 3 objects/);
    expect(r.stderr.match(/scanned \d\/3 /g)).toHaveLength(3);
    const set = JSON.parse(r.text) as { refs: Record<string, unknown> };
    expect(JSON.parse(set.refs['granule/.zarray'] as string).shape).toEqual([3]);
    expect(JSON.parse(set.refs['temperature/.zarray'] as string).shape[0]).toBe(3);
    // Granule i is the i-th key: its chunks name that object.
    GRANULES.forEach((k, i) => expect((set.refs[`temperature/${i}.0.0`] as [string, number, number])[0]).toBe(`s3://${t.bucket}/${k}`));
  }, 60_000);
});
