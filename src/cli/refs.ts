/** `coh5 refs`: kerchunk version-1 references for the file's Zarr-expressible datasets, or many granules combined. */
import { resolve } from 'node:path';
import { combineReferences } from '../tools/kerchunk-combine.js';
import { buildReferences, type ReferenceSet } from '../tools/kerchunk.js';
import { need, parse, REMOTE_HELP } from './args.js';
import { openUrl } from './open.js';

/** Files whose metadata is scanned at once: each scan is a few waves of small requests, so latency, not bandwidth, bounds it. */
const SCAN_CONCURRENCY = 8;

export const REFS_HELP = `usage: coh5 refs [-o refs.json] [--url URL2] URL
       coh5 refs --concat DIM [-o refs.json] URL...

Writes a kerchunk reference set (version 1): .zgroup/.zarray/.zattrs entries and chunk keys
mapped to [url, offset, length] (or inlined, base64), for every dataset Zarr v2 can express:
numbers, bools, enums, strings, packed compounds; deflate, shuffle and Blosc pipelines.
Others are listed on stderr with the reason.
  -o, --output F   write to F instead of stdout
  --url URL2       the URL the references name (default: URL as given)
  --concat DIM     one reference set for all URLs (in the order given), concatenated along
                   dimension DIM (an existing one, with its coordinate values, or a new one
                   indexed by granule); files are scanned ${SCAN_CONCURRENCY} at a time, with progress
                   on stderr

${REMOTE_HELP}`;

export async function refs(argv: string[], write: (chunk: string | Uint8Array) => Promise<void>, out: (s: string) => void): Promise<void> {
  const { values: v, positionals: p } = parse(argv, { output: { type: 'string', short: 'o' }, url: { type: 'string' }, concat: { type: 'string' } });
  if (v.help) return out(REFS_HELP);
  need(p, 1, 'coh5 refs [-o refs.json] URL');
  if (typeof v.concat === 'string') {
    const sets: ReferenceSet[] = new Array(p.length);
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < p.length) {
        const i = next++;
        sets[i] = await referencesOf(p[i]!, v, refUrl(p[i]!), `${p[i]}:`);
        process.stderr.write(`coh5: scanned ${++done}/${p.length} ${p[i]}\n`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(SCAN_CONCURRENCY, p.length) }, worker));
    await write(`${JSON.stringify(combineReferences(sets, v.concat))}\n`);
    return;
  }
  await write(`${JSON.stringify(await referencesOf(p[0]!, v, typeof v.url === 'string' ? v.url : refUrl(p[0]!), ''))}\n`);
}

/** One file's references; `label` prefixes its stderr lines when many files are combined. */
async function referencesOf(input: string, v: Parameters<typeof openUrl>[1], url: string, label: string): Promise<ReferenceSet> {
  const file = await openUrl(input, v);
  try {
    const { refs: r, skipped, warnings } = await buildReferences(file, { url });
    for (const s of skipped) process.stderr.write(`coh5: skipped ${label}${s.path}: ${s.reason}\n`);
    for (const w of warnings) process.stderr.write(`coh5: warning: ${label}${w.path}: ${w.message}\n`);
    return r;
  } finally {
    await file.close();
  }
}

/** URLs stay as given; a local path becomes absolute, so the references work from any directory. */
function refUrl(input: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : resolve(input);
}
