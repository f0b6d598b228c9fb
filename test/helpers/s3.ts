/**
 * Real S3-compatible servers for the S3 driver tests:
 * - 's3rver', always: started in-process on 127.0.0.1 (port 0) over a temp directory. It does not
 *   enforce auth on unsigned requests, mishandles suffix ranges, `bytes=0-0` and If-Match (it
 *   ignores If-Match), and never answers a ranged GET of an empty object; tests avoid those with it.
 * - 'ceph', when S3_ENDPOINT (+ S3_ACCESS_KEY, S3_SECRET_KEY) is set: e.g. a Ceph RGW started by
 *   ../shared/tools/ceph-rgw.sh. Path style, us-east-1; it enforces auth, honours If-Match and
 *   public-read bucket policies like AWS.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

export type TargetName = 's3rver' | 'ceph';

export interface S3Target {
  name: TargetName;
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A private bucket, and a bucket anyone may read (null where the server has no policies). */
  bucket: string;
  publicBucket: string | null;
  /** Whether unsigned requests to the private bucket are refused. */
  enforcesAuth: boolean;
  /** Whether GetObject honours If-Match (412 on mismatch). */
  honoursIfMatch: boolean;
  /** Whether a ranged GET of an empty object gets an answer (s3rver hangs). */
  rangesEmptyObjects: boolean;
  client: S3Client;
  put(key: string, bytes: Uint8Array, bucket?: string): Promise<void>;
  close(): Promise<void>;
}

/** The servers available here: s3rver always, Ceph (or any S3) when S3_ENDPOINT is set. */
export function targetNames(): TargetName[] {
  return process.env.S3_ENDPOINT ? ['s3rver', 'ceph'] : ['s3rver'];
}

export async function startTarget(name: TargetName): Promise<S3Target> {
  return name === 's3rver' ? startS3rver() : startEnvTarget();
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer?: Server;
}

async function startS3rver(): Promise<S3Target> {
  const S3rver = createRequire(import.meta.url)('s3rver') as new (opts: object) => S3rverInstance;
  const directory = await mkdtemp(join(tmpdir(), 'coh5-s3rver-'));
  const bucket = 'coh5-test';
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const creds = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: creds });
  return {
    name: 's3rver',
    endpoint,
    region: 'us-east-1',
    ...creds,
    bucket,
    // s3rver serves everyone; the "public" bucket is the same one.
    publicBucket: bucket,
    enforcesAuth: false,
    honoursIfMatch: false,
    rangesEmptyObjects: false,
    client,
    put: (key, bytes, b = bucket) => put(client, b, key, bytes),
    async close() {
      client.destroy();
      // The SDK keeps connections alive; close them or close() waits for them forever.
      server.httpServer?.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function startEnvTarget(): Promise<S3Target> {
  const endpoint = process.env.S3_ENDPOINT!;
  const creds = { accessKeyId: process.env.S3_ACCESS_KEY ?? '', secretAccessKey: process.env.S3_SECRET_KEY ?? '' };
  const region = process.env.S3_REGION ?? 'us-east-1';
  const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials: creds });
  // Unique names: the cluster outlives a test run.
  const stamp = `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  const bucket = `coh5-test-${stamp}`;
  const publicBucket = `coh5-public-${stamp}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await client.send(new CreateBucketCommand({ Bucket: publicBucket }));
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${publicBucket}/*`] }],
  };
  await client.send(new PutBucketPolicyCommand({ Bucket: publicBucket, Policy: JSON.stringify(policy) }));
  return {
    name: 'ceph',
    endpoint,
    region,
    ...creds,
    bucket,
    publicBucket,
    enforcesAuth: true,
    honoursIfMatch: true,
    rangesEmptyObjects: true,
    client,
    put: (key, bytes, b = bucket) => put(client, b, key, bytes),
    async close() {
      for (const b of [bucket, publicBucket]) {
        const list = await client.send(new ListObjectsV2Command({ Bucket: b }));
        for (const o of list.Contents ?? []) await client.send(new DeleteObjectCommand({ Bucket: b, Key: o.Key! }));
        await client.send(new DeleteBucketCommand({ Bucket: b }));
      }
      // The gateway keeps idle connections open; destroy the client so the test process can exit.
      client.destroy();
    },
  };
}

async function put(client: S3Client, bucket: string, key: string, bytes: Uint8Array): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
}
