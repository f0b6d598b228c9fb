/** `coh5 refs`: kerchunk references (JSON version 1, or Parquet) for the file's Zarr-expressible datasets, or many granules combined. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { combineReferences } from '../tools/kerchunk-combine.js';
import { DEFAULT_RECORD_SIZE, parquetReferences } from '../tools/kerchunk-parquet.js';
import { buildReferences, type ReferenceSet } from '../tools/kerchunk.js';
import { need, openOptions, parse, REMOTE_HELP, UsageError } from './args.js';
import { openUrl } from './open.js';
import { expandS3Glob, isS3Glob } from './s3-glob.js';

/** Files whose metadata is scanned at once: each scan is a few waves of small requests, so latency, not bandwidth, bounds it. */
const SCAN_CONCURRENCY = 8;

export const REFS_HELP = `usage: coh5 refs [-o refs.json] [--url URL2] URL
       coh5 refs --concat DIM [-o refs.json] URL...
       coh5 refs --format parquet -o DIR [--record-size N] [--concat DIM] URL...

Writes a kerchunk reference set (version 1): .zgroup/.zarray/.zattrs entries and chunk keys
mapped to [url, offset, length] (or inlined, base64), for every dataset Zarr v2 can express:
numbers, bools, enums, opaque data, strings, compounds (packed, padded, nested); deflate,
shuffle and Blosc pipelines. Others are listed on stderr with the reason.
  -o, --output F     write to F instead of stdout (a directory for --format parquet)
  --url URL2         the URL the references name (default: URL as given)
  --concat DIM       one reference set for all URLs (in the order given), concatenated along
                     dimension DIM (an existing one, with its coordinate values, or a new one
                     indexed by granule); files are scanned ${SCAN_CONCURRENCY} at a time, with progress
                     on stderr
  --format F         json (default) or parquet: kerchunk's Parquet references, what fsspec's
                     LazyReferenceMapper reads (.zmetadata, and per array refs.N.parq files with
                     columns path, offset, size, raw), for sets too large for one JSON
  --record-size N    chunk references per refs.N.parq file (default ${DEFAULT_RECORD_SIZE})

An s3:// URL whose key holds * ? or [...] is a glob: its bucket is listed (ListObjectsV2, every
page) and the matching keys are taken in key order ('s3://bucket/granules/*.h5'; ** crosses /).

${REMOTE_HELP}`;

export async function refs(argv: string[], write: (chunk: string | Uint8Array) => Promise<void>, out: (s: string) => void): Promise<void> {
  const { values: v, positionals: p } = parse(argv, {
    output: { type: 'string', short: 'o' },
    url: { type: 'string' },
    concat: { type: 'string' },
    format: { type: 'string' },
    'record-size': { type: 'string' },
  });
  if (v.help) return out(REFS_HELP);
  need(p, 1, 'coh5 refs [-o refs.json] URL');
  const format = (v.format as string | undefined) ?? 'json';
  if (format !== 'json' && format !== 'parquet') throw new UsageError(`--format takes json or parquet, not '${format}'`);
  if (format === 'parquet' && typeof v.output !== 'string') throw new UsageError('--format parquet writes a directory: give it with -o DIR');
  const recordSize = v['record-size'] === undefined ? DEFAULT_RECORD_SIZE : Number(v['record-size']);
  if (!Number.isInteger(recordSize) || recordSize < 1) throw new UsageError(`--record-size takes a positive integer, not '${v['record-size']}'`);
  const inputs = await expandInputs(p, v);
  let set: ReferenceSet;
  if (typeof v.concat === 'string') set = combineReferences(await scanAll(inputs, v), v.concat);
  else if (inputs.length > 1) throw new UsageError(`${inputs.length} files given (${p.join(' ')}): combine them with --concat DIM`);
  else set = await referencesOf(inputs[0]!, v, typeof v.url === 'string' ? v.url : refUrl(inputs[0]!), '');
  if (format === 'json') return write(`${JSON.stringify(set)}\n`);
  const root = v.output as string;
  const files = await parquetReferences(set, { recordSize });
  for (const [path, bytes] of files) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), bytes);
  }
  process.stderr.write(`coh5: wrote ${files.size} files to ${root} (record size ${recordSize})\n`);
}

/** The inputs with every s3:// glob replaced by the keys it matches. */
async function expandInputs(inputs: string[], v: Parameters<typeof openUrl>[1]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    if (!isS3Glob(input)) {
      out.push(input);
      continue;
    }
    const urls = await expandS3Glob(input, openOptions(v).s3);
    process.stderr.write(`coh5: ${input} matches ${urls.length} object${urls.length === 1 ? '' : 's'}\n`);
    out.push(...urls);
  }
  return out;
}

/** Every input's references, SCAN_CONCURRENCY at a time, in the order given, a progress line each. */
async function scanAll(inputs: string[], v: Parameters<typeof openUrl>[1]): Promise<ReferenceSet[]> {
  const sets: ReferenceSet[] = new Array(inputs.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const i = next++;
      sets[i] = await referencesOf(inputs[i]!, v, refUrl(inputs[i]!), `${inputs[i]}:`);
      process.stderr.write(`coh5: scanned ${++done}/${inputs.length} ${inputs[i]}\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SCAN_CONCURRENCY, inputs.length) }, worker));
  return sets;
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
