/** `coh5 refs`: kerchunk version-1 references for the file's Zarr-expressible datasets. */
import { resolve } from 'node:path';
import { buildReferences } from '../tools/kerchunk.js';
import { need, parse, REMOTE_HELP } from './args.js';
import { openUrl } from './open.js';

export const REFS_HELP = `usage: coh5 refs [-o refs.json] [--url URL2] URL

Writes a kerchunk reference set (version 1): .zgroup/.zarray/.zattrs entries and chunk keys
mapped to [url, offset, length], for every dataset Zarr can express (numeric, chunked or
contiguous, with deflate/shuffle/fletcher32-free pipelines). Others are listed on stderr.
  -o, --output F   write to F instead of stdout
  --url URL2       the URL the references name (default: URL as given)

${REMOTE_HELP}`;

export async function refs(argv: string[], write: (chunk: string | Uint8Array) => Promise<void>, out: (s: string) => void): Promise<void> {
  const { values: v, positionals: p } = parse(argv, { output: { type: 'string', short: 'o' }, url: { type: 'string' } });
  if (v.help) return out(REFS_HELP);
  need(p, 1, 'coh5 refs [-o refs.json] URL');
  const file = await openUrl(p[0]!, v);
  try {
    const { refs: r, skipped, warnings } = await buildReferences(file, { url: typeof v.url === 'string' ? v.url : refUrl(p[0]!) });
    for (const s of skipped) process.stderr.write(`coh5: skipped ${s.path}: ${s.reason}\n`);
    for (const w of warnings) process.stderr.write(`coh5: warning: ${w.path}: ${w.message}\n`);
    await write(`${JSON.stringify(r)}\n`);
  } finally {
    await file.close();
  }
}

/** URLs stay as given; a local path becomes absolute, so the references work from any directory. */
function refUrl(input: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : resolve(input);
}
