/** Opening the URL a command names, with the access options, and the exit code of an error. */
import { registerEntry } from '../drivers/open.js';
import type { S3Options } from '../drivers/s3.js';
import { H5Error, open, type H5File } from '../node.js';
import { openOptions, UsageError, type Parsed } from './args.js';

// The S3 driver from this build (not whatever 'coh5/s3' resolves to), loaded only for s3:// URLs:
// the AWS SDK costs startup time every other command need not pay.
registerEntry('coh5/s3', { openS3: async (url: string, o: S3Options) => (await import('../s3.js')).openS3(url, o) });

export async function openUrl(url: string, v: Parsed['values']): Promise<H5File> {
  const opts = openOptions(v);
  if (opts.s3 && Object.keys(opts.s3).length === 0) delete opts.s3;
  return open(url, opts);
}

/** 2 bad arguments, 3 object or file not found, 4 network and everything else. */
export function exitCode(e: unknown): number {
  if (e instanceof UsageError) return 2;
  if (e instanceof H5Error) {
    if (e.code === 'Invalid') return 2;
    if (e.code === 'NotFound') return 3;
  }
  return 4;
}

export function errorMessage(e: unknown): string {
  // The library's hint names its option; on the command line the same thing is a flag.
  if (e instanceof H5Error) return `${e.code}: ${e.message.replace('pass s3: { anonymous: true }', 'pass --anonymous')}`;
  return e instanceof Error ? e.message : String(e);
}
