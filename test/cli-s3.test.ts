/** The CLI on s3:// URLs against a real S3-compatible server (s3rver; Ceph too when S3_ENDPOINT is set). */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coh5Env } from './cli-run.js';
import { startTarget, targetNames, type S3Target } from './helpers/s3.js';

describe.each(targetNames())('coh5 on s3:// (%s)', (name) => {
  let t: S3Target;
  let env: Record<string, string>;
  beforeAll(async () => {
    t = await startTarget(name);
    await t.put('example.h5', await readFile('fixtures/example.h5'));
    if (t.publicBucket && t.publicBucket !== t.bucket) await t.put('example.h5', await readFile('fixtures/example.h5'), t.publicBucket);
    // Environment credentials, as the AWS CLI takes them; an empty profile file so no other profile interferes.
    env = { AWS_ACCESS_KEY_ID: t.accessKeyId, AWS_SECRET_ACCESS_KEY: t.secretAccessKey, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
  });
  afterAll(() => t.close());

  it('cat with environment credentials, --endpoint and --region', async () => {
    const r = await coh5Env(env, 'cat', `s3://${t.bucket}/example.h5`, '/lat', '--slice', '0:3', '--endpoint', t.endpoint, '--region', t.region);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.text)).toEqual([-89.875, -89.625, -89.375]);
  });

  it('with no credentials anywhere, a read is AccessDenied (not Network), hinting --anonymous', async () => {
    const none = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_PROFILE: '', AWS_WEB_IDENTITY_TOKEN_FILE: '', AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '', AWS_CONTAINER_CREDENTIALS_FULL_URI: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const r = await coh5Env(none, 'ls', '--endpoint', t.endpoint, '--region', t.region, `s3://${t.bucket}/example.h5`);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/AccessDenied: access denied \(CredentialsProviderError\)/);
    expect(r.stderr).toContain('for a public bucket, pass --anonymous');
    expect(r.stderr).not.toMatch(/Network/);
  });

  it('ls --anonymous on a public bucket; a missing key exits 3', async () => {
    const r = await coh5Env({}, 'ls', '--anonymous', '--endpoint', t.endpoint, `s3://${t.publicBucket}/example.h5`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.text).toMatch(/temperature\s+Dataset \{720, 1440\} <f4/);
    const missing = await coh5Env(env, 'info', '--endpoint', t.endpoint, `s3://${t.bucket}/nope.h5`);
    expect(missing.code, missing.stderr).toBe(3);
    expect(missing.stderr).toMatch(/NotFound/);
  });
});
