/**
 * Runs in Node before the browser tests: starts the CORS range server and s3rver (a bucket with a
 * CORS rule that exposes Content-Range and ETag), uploads the fixtures, and provides the URLs and
 * h5py's oracle values to the tests running in Chromium.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { TestProject } from 'vitest/node';
import { startCorsServer } from './cors-server.js';
import { makeBigFile } from './make-big-file.js';

const FIXTURES = ['example.h5', 'large_2d.h5'];
const BUCKET = 'coh5-browser';

const CORS_XML = `<CORSConfiguration><CORSRule>
<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>
<AllowedHeader>*</AllowedHeader><ExposeHeader>Content-Range</ExposeHeader><ExposeHeader>ETag</ExposeHeader>
<ExposeHeader>Content-Length</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds>
</CORSRule></CORSConfiguration>`;

export interface Hyperslab {
  start: number[];
  stop: number[];
  step: number[];
  shape: number[];
  data: unknown;
}

/** h5py's values for a numeric dataset: hyperslabs, the sum, or the whole data (small datasets). */
export interface OracleDataset {
  shape: number[];
  hyperslabs: Hyperslab[];
  sum: number | null;
  data: number[] | null;
}

declare module 'vitest' {
  export interface ProvidedContext {
    httpBase: string;
    s3Endpoint: string;
    s3Bucket: string;
    oracle: Record<string, Record<string, OracleDataset>>;
    bigSize: number;
  }
}

export default async function setup(project: TestProject) {
  const files = new Map<string, Uint8Array>();
  const oracle: Record<string, Record<string, OracleDataset>> = {};
  for (const f of FIXTURES) {
    files.set(`/${f}`, new Uint8Array(await readFile(`fixtures/${f}`)));
    const objects = JSON.parse(await readFile(`fixtures/${f}.json`, 'utf8')).objects as Record<string, Record<string, unknown>>;
    oracle[f] = {};
    for (const [path, o] of Object.entries(objects)) {
      if (o.kind !== 'dataset' || !/^[<>|][iuf]\d$/.test(String(o.dtype))) continue;
      const summary = o.summary as { sum?: number } | undefined;
      oracle[f][path] = {
        shape: o.shape as number[],
        hyperslabs: (o.hyperslabs as Hyperslab[] | undefined) ?? [],
        sum: summary?.sum ?? null,
        data: Array.isArray(o.data) ? (o.data as number[]) : null,
      };
    }
  }
  // The warm re-read test's file (scripts/make_warm_fixtures.py): x[i] = i, metadata before 160 KiB of chunks.
  files.set('/warm.h5', new Uint8Array(await readFile('fixtures/warm/v1.h5')));
  // The H5Web viewer tests' ~80 MB file, written by HDF5 (h5wasm) here rather than committed.
  const big = await makeBigFile(await mkdtemp(join(tmpdir(), 'coh5-browser-big-')));
  files.set('/big.h5', big);
  const http = await startCorsServer(files);

  const S3rver = createRequire(import.meta.url)('s3rver') as new (opts: object) => { run(): Promise<{ port: number }>; close(): Promise<void>; httpServer?: Server };
  const dir = await mkdtemp(join(tmpdir(), 'coh5-browser-s3-'));
  const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: BUCKET, configs: [CORS_XML] }] });
  const { port } = await s3.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  for (const [path, bytes] of files) await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: path.slice(1), Body: bytes }));
  client.destroy();

  project.provide('httpBase', http.url);
  project.provide('s3Endpoint', endpoint);
  project.provide('s3Bucket', BUCKET);
  project.provide('oracle', oracle);
  project.provide('bigSize', big.length);

  return async () => {
    await http.close();
    s3.httpServer?.closeAllConnections();
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  };
}
