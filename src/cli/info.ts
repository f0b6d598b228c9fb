/** `coh5 info` and `coh5 inspect`: what h5stat/hsinfo give, and the cloud-optimization report. */
import { inspectFile, MAX_CHUNK_BYTES, MIN_CHUNK_BYTES, type InspectReport } from '../tools/inspect.js';
import { need, parse, REMOTE_HELP } from './args.js';
import { openUrl } from './open.js';

export const INFO_HELP = `usage: coh5 info [--json] URL

Superblock, sizes, object and chunk counts, stored size and compression ratio.
  --json   the figures as JSON

${REMOTE_HELP}`;

export const INSPECT_HELP = `usage: coh5 inspect [--json] URL

A cloud-optimization report: paged aggregation and page size, whether metadata are consolidated
ahead of the data, the bytes and requests that opening and walking the metadata cost, each
dataset's chunk size against the suggested ${MIN_CHUNK_BYTES / 1024} KiB to ${MAX_CHUNK_BYTES / 1024 / 1024} MiB, its chunk count and chunks
per page, and the h5repack command that fixes what it finds.
  --json   the report as JSON

${REMOTE_HELP}`;

async function report(argv: string[], help: string, out: (s: string) => void): Promise<{ r: InspectReport; json: boolean } | null> {
  const { values: v, positionals: p } = parse(argv, { json: { type: 'boolean' } });
  if (v.help) {
    out(help);
    return null;
  }
  need(p, 1, help.split('\n')[0]!.replace('usage: ', ''));
  const file = await openUrl(p[0]!, v);
  try {
    return { r: await inspectFile(file, undefined, p[0]!), json: !!v.json };
  } finally {
    await file.close();
  }
}

// NaN: the size of a virtual dataset whose extent its closed sources decide (Dataset.extentKnown).
const size = (n: number) =>
  Number.isNaN(n) ? '? B (extent unknown)' : n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(2)} GiB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(2)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;

export interface InfoSummary {
  source: string;
  superblockVersion: number;
  fileSize: number;
  strategy: string;
  pageSize: number | null;
  groups: number;
  datasets: number;
  datatypes: number;
  softLinks: number;
  externalLinks: number;
  chunkedDatasets: number;
  chunks: number;
  logicalBytes: number;
  storedBytes: number;
  compressionRatio: number | null;
}

export function summarize(r: InspectReport): InfoSummary {
  let logical = 0;
  let stored = 0;
  let chunks = 0;
  let chunked = 0;
  for (const d of r.datasets) {
    if (d.layout === 'virtual') continue;
    const n = (d.shape ?? []).reduce((a, b) => a * b, 1);
    // Logical bytes of what is stored: element bytes of the allocated chunks (or the whole dataset).
    logical += d.layout === 'chunked' ? d.chunksAllocated * d.chunkBytes : d.storedBytes ? d.chunkBytes * (n ? 1 : 0) : 0;
    stored += d.storedBytes;
    if (d.layout === 'chunked') {
      chunked++;
      chunks += d.chunksAllocated;
    }
  }
  return {
    source: r.source,
    superblockVersion: r.superblockVersion,
    fileSize: r.fileSize,
    strategy: r.strategy,
    pageSize: r.pageSize,
    ...r.counts,
    chunkedDatasets: chunked,
    chunks,
    logicalBytes: logical,
    storedBytes: stored,
    compressionRatio: stored ? Math.round((logical / stored) * 100) / 100 : null,
  };
}

export async function info(argv: string[], out: (s: string) => void): Promise<void> {
  const got = await report(argv, INFO_HELP, out);
  if (!got) return;
  const s = summarize(got.r);
  if (got.json) return out(JSON.stringify(s, null, 2));
  out(
    [
      `file:              ${s.source}`,
      `superblock:        version ${s.superblockVersion}`,
      `file size:         ${size(s.fileSize)} (${s.fileSize} bytes)`,
      `file space:        ${s.strategy}${s.pageSize ? `, page size ${s.pageSize}` : ''}`,
      `objects:           ${s.groups} groups, ${s.datasets} datasets, ${s.datatypes} named datatypes`,
      `links:             ${s.softLinks} soft, ${s.externalLinks} external`,
      `chunks:            ${s.chunks} in ${s.chunkedDatasets} chunked datasets`,
      `raw data:          ${size(s.logicalBytes)} logical, ${size(s.storedBytes)} stored`,
      `compression ratio: ${s.compressionRatio ?? '-'}`,
    ].join('\n'),
  );
}

export async function inspect(argv: string[], out: (s: string) => void): Promise<void> {
  const got = await report(argv, INSPECT_HELP, out);
  if (!got) return;
  const r = got.r;
  if (got.json) return out(JSON.stringify(r, null, 2));
  const lines = [
    `file:        ${r.source} (${size(r.fileSize)}, superblock v${r.superblockVersion})`,
    `paged:       ${r.paged ? `yes, page size ${r.pageSize} (${size(r.pageSize!)})` : `no (strategy ${r.strategy})`}`,
    `metadata:    ${r.consolidated ? 'consolidated ahead of the raw data' : 'interleaved with the raw data'}`,
    `open cost:   ${r.open.requests} request(s), ${size(r.open.bytes)}`,
    `all metadata: +${r.metadata.requests} request(s) in ${r.metadata.waves} wave(s), ${size(r.metadata.bytes)}`,
    '',
    'datasets:',
  ];
  for (const d of r.datasets) {
    const per = d.chunksPerPage === null ? '' : `, ${d.chunksPerPage.toFixed(1)} chunks/page`;
    const chunk = d.layout === 'chunked' ? `chunk ${d.chunks!.join('x')} = ${size(d.chunkBytes)}` : `${d.layout} ${size(d.chunkBytes)}`;
    const mark = d.verdict === 'ok' || d.verdict === 'tiny' ? 'ok ' : 'FIX';
    lines.push(`  ${mark} ${d.path}: ${chunk}, ${d.chunksAllocated}/${d.chunksInGrid} chunks stored (${size(d.storedBytes)})${per}`);
    if (d.suggestedChunks) lines.push(`      suggest chunks ${d.suggestedChunks.join('x')} (${d.verdict})`);
  }
  lines.push('', 'findings:', ...r.findings.map((f) => `  - ${f}`), '');
  lines.push(r.repack ? `fix: ${r.repack}` : 'nothing to fix: the file is cloud-optimized');
  out(lines.join('\n'));
}
