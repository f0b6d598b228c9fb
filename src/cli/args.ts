/** Argument parsing shared by every command: node:util's parseArgs plus the remote-access options. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { OpenOptions } from '../index.js';

/** A bad command line: exit code 2. */
export class UsageError extends Error {}

type Opts = NonNullable<ParseArgsConfig['options']>;

/** Options every command that opens a file takes (the library's open() options). */
export const REMOTE_OPTIONS: Opts = {
  anonymous: { type: 'boolean' },
  'no-sign-request': { type: 'boolean' },
  profile: { type: 'string' },
  region: { type: 'string' },
  endpoint: { type: 'string' },
  'path-style': { type: 'boolean' },
  'requester-pays': { type: 'boolean' },
  header: { type: 'string', multiple: true },
  'allow-external': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export const REMOTE_HELP = `Access options (local paths, file://, http(s):// and s3:// URLs):
  --anonymous, --no-sign-request   unsigned S3 requests (public buckets)
  --profile NAME                   AWS profile (else environment or default credential chain)
  --region REGION                  S3 region
  --endpoint URL                   S3-compatible endpoint (e.g. http://127.0.0.1:9000)
  --path-style                     bucket in the path (most S3-compatible stores)
  --requester-pays                 pay for requester-pays buckets
  --header 'Name: value'           extra HTTP header (repeatable)
  --allow-external                 follow external links and virtual-dataset sources
  -h, --help                       this help`;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parse(argv: string[], options: Opts): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...REMOTE_OPTIONS, ...options }, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The open() options the access flags ask for. */
export function openOptions(v: Parsed['values']): OpenOptions {
  const s3: NonNullable<OpenOptions['s3']> = {};
  if (v.anonymous || v['no-sign-request']) s3.anonymous = true;
  if (typeof v.region === 'string') s3.region = v.region;
  if (typeof v.endpoint === 'string') s3.endpoint = v.endpoint;
  if (v['path-style'] || typeof v.endpoint === 'string') s3.forcePathStyle = true;
  if (v['requester-pays']) s3.requestPayer = 'requester';
  // The SDK's default chain reads the profile from AWS_PROFILE: no extra dependency needed.
  if (typeof v.profile === 'string') process.env.AWS_PROFILE = v.profile;
  const headers: Record<string, string> = {};
  for (const h of (v.header as string[] | undefined) ?? []) {
    const i = h.indexOf(':');
    if (i <= 0) throw new UsageError(`--header needs 'Name: value', got '${h}'`);
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  const out: OpenOptions = { s3 };
  if (Object.keys(headers).length) out.http = { headers };
  if (v['allow-external']) out.allowExternal = true;
  return out;
}

export function need(positionals: string[], n: number, usage: string): void {
  if (positionals.length < n) throw new UsageError(`missing argument\nusage: ${usage}`);
}
