/**
 * The cloud-optimization report behind `coh5 inspect`: how much a reader pays to open the file
 * and find its data, and what h5repack settings would make that cheaper. It follows the usual
 * advice for cloud-optimized HDF5: paged aggregation with metadata consolidated in a few pages,
 * chunks of roughly 100 KiB to 2 MiB. Core module: no Node built-ins.
 */
import { H5Error } from '../errors.js';
import type { H5File } from '../api/file.js';
import { lookupChunks } from '../format/chunk-index.js';
import type { Dataset } from '../api/objects.js';

/** The chunk-size band the cloud-optimization advice suggests. */
export const MIN_CHUNK_BYTES = 100 * 1024;
export const MAX_CHUNK_BYTES = 2 * 1024 * 1024;
/** What the suggested chunk shapes aim at. */
export const TARGET_CHUNK_BYTES = 1024 * 1024;
/** Largest page size suggested (8 MiB, as NASA's cloud-optimized products use). */
export const SUGGESTED_PAGE_SIZE = 8 * 1024 * 1024;

/**
 * The page size suggested for a file of `fileSize` bytes: a sixteenth of the file, as a power of
 * two between 64 KiB and 8 MiB, so small files are not padded out to a few huge pages while large
 * ones get their metadata in one or two requests.
 */
export function suggestPageSize(fileSize: number): number {
  let p = 64 * 1024;
  while (p < SUGGESTED_PAGE_SIZE && p * 16 < fileSize) p *= 2;
  return p;
}

export interface DatasetReport {
  path: string;
  shape: number[] | null;
  dtype: string;
  layout: string;
  chunks: number[] | null;
  filters: string[];
  /** Uncompressed bytes of one chunk (of the whole dataset when contiguous). */
  chunkBytes: number;
  /** Chunks written, and chunks the grid holds. */
  chunksAllocated: number;
  chunksInGrid: number;
  /** Stored bytes of the raw data. */
  storedBytes: number;
  /** Mean stored bytes per chunk. */
  meanStoredChunkBytes: number;
  /** Chunks per file-space page (paged files). */
  chunksPerPage: number | null;
  verdict: 'ok' | 'small-chunks' | 'large-chunks' | 'contiguous-large' | 'tiny';
  /** Suggested chunk shape when the verdict is not ok. */
  suggestedChunks: number[] | null;
}

export interface InspectReport {
  source: string;
  fileSize: number;
  superblockVersion: number;
  paged: boolean;
  strategy: string;
  pageSize: number | null;
  /** Bytes and requests open() cost (the first read). */
  open: { requests: number; bytes: number; waves: number };
  /** Bytes and requests to read every object header and chunk index, after open. */
  metadata: { requests: number; bytes: number; waves: number };
  /** Highest metadata address seen and lowest raw-data address: metadata is consolidated when the first is below the second. */
  lastMetadataAddress: number;
  firstDataAddress: number | null;
  consolidated: boolean;
  datasets: DatasetReport[];
  /** Objects and links found by the walk (each object once). */
  counts: { groups: number; datasets: number; datatypes: number; softLinks: number; externalLinks: number };
  /** Plain-language findings. */
  findings: string[];
  /** The h5repack command that would fix what was found (null when nothing needs fixing). */
  repack: string | null;
}

const prod = (a: number[]) => a.reduce((x, y) => x * y, 1);

/** Scales a chunk shape toward TARGET_CHUNK_BYTES, changing the slowest dimensions first. */
export function suggestChunks(shape: number[], start: number[], elementSize: number): number[] {
  const c = start.map((v, d) => Math.max(1, Math.min(v, shape[d]! || 1)));
  const bytes = () => prod(c) * elementSize;
  for (let d = 0; d < c.length && bytes() < MIN_CHUNK_BYTES; d++) {
    const room = Math.floor(TARGET_CHUNK_BYTES / (bytes() / c[d]!));
    c[d] = Math.max(c[d]!, Math.min(shape[d]! || 1, room));
  }
  for (let d = 0; d < c.length && bytes() > MAX_CHUNK_BYTES; d++) {
    const room = Math.floor(TARGET_CHUNK_BYTES / (bytes() / c[d]!));
    c[d] = Math.max(1, Math.min(c[d]!, room));
  }
  return c;
}

function verdictOf(ds: { layout: string; chunkBytes: number; totalBytes: number }): DatasetReport['verdict'] {
  // A dataset smaller than one suggested chunk costs a request or two however it is chunked.
  if (ds.totalBytes < MIN_CHUNK_BYTES) return 'tiny';
  if (ds.layout !== 'chunked') return ds.totalBytes > MAX_CHUNK_BYTES ? 'contiguous-large' : 'ok';
  if (ds.chunkBytes < MIN_CHUNK_BYTES) return 'small-chunks';
  if (ds.chunkBytes > MAX_CHUNK_BYTES) return 'large-chunks';
  return 'ok';
}

async function datasetReport(ds: Dataset, pageSize: number | null, addrs: { meta: number[]; data: number[] }): Promise<DatasetReport> {
  const shape = ds.shape;
  const dims = shape ?? [];
  const info = ds.info;
  const elementSize = info.datatype.size;
  const total = prod(dims) * elementSize;
  const layout = info.layout;
  let chunkBytes = total;
  let allocated = 0;
  let grid = 0;
  let stored = 0;
  if (layout.class === 'chunked') {
    chunkBytes = prod(layout.chunkDims) * elementSize;
    grid = prod(dims.map((n, d) => Math.ceil(n / layout.chunkDims[d]!)));
    if (layout.index.address !== null) addrs.meta.push(layout.index.address);
    const maxDims = info.dataspace.kind === 'simple' ? info.dataspace.maxDims : [];
    const recs = dims.length && shape ? await lookupChunks(ds.context(), { layout, dims, maxDims, filtered: info.filters.length > 0 }, 'all') : [];
    allocated = recs.length;
    for (const r of recs) {
      stored += r.size;
      addrs.data.push(r.address);
    }
  } else if (layout.class === 'contiguous') {
    grid = 1;
    if (layout.address !== null) {
      allocated = 1;
      stored = layout.size;
      addrs.data.push(layout.address);
    }
  } else if (layout.class === 'compact') {
    grid = 1;
    allocated = 1;
    stored = layout.data.length;
  }
  const mean = allocated ? stored / allocated : 0;
  const verdict = layout.class === 'virtual' ? 'ok' : verdictOf({ layout: layout.class, chunkBytes, totalBytes: total });
  const needs = verdict === 'small-chunks' || verdict === 'large-chunks' || verdict === 'contiguous-large';
  return {
    path: ds.path,
    shape,
    dtype: ds.dtype,
    layout: layout.class,
    chunks: ds.chunks,
    filters: info.filters.map((f) => f.name),
    chunkBytes,
    chunksAllocated: allocated,
    chunksInGrid: grid,
    storedBytes: stored,
    meanStoredChunkBytes: Math.round(mean),
    chunksPerPage: pageSize && layout.class === 'chunked' && mean > 0 ? pageSize / mean : null,
    verdict,
    suggestedChunks: needs && dims.length ? suggestChunks(dims, ds.chunks ?? dims, elementSize) : null,
  };
}

const kib = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

/** Requests, bytes and waves the file has cost since open (or its last resetStats). */
function costSoFar(file: H5File): { requests: number; bytes: number; waves: number } {
  const s = file.stats();
  return { requests: s.requests ?? 0, bytes: s.bytesTransferred ?? 0, waves: s.waves ?? 0 };
}

/** Shell-quotes a word for the suggested command. */
function q(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Walks a freshly opened file and builds the report. `openCost` is what open() cost (default: the
 * file's stats when called, which is that cost right after open()); `name` is the report's
 * `source` (default: the file's key). The file's statistics are reset by the walk.
 */
export async function inspectFile(file: H5File, openCost: { requests: number; bytes: number; waves: number } = costSoFar(file), name = file.key): Promise<InspectReport> {
  const ext = file.extension;
  const strategy = ext?.fileSpaceStrategy ?? ext?.fileSpaceInfo?.strategy ?? 'fsm_aggr';
  const paged = strategy === 'page';
  const pageSize = paged ? (ext?.pageSize ?? ext?.fileSpaceInfo?.pageSize ?? 4096) : null;
  const addrs = { meta: [] as number[], data: [] as number[] };
  const datasets: DatasetReport[] = [];
  const counts = { groups: 1, datasets: 0, datatypes: 0, softLinks: 0, externalLinks: 0 };
  const seen = new Set<number>();
  file.resetStats();
  // Each dataset's report (its chunk index walked) starts as the walk reaches it and runs
  // alongside the rest of the walk: awaited one by one, each chunk index cost its own waves.
  const reports: Promise<DatasetReport>[] = [];
  for await (const { node, link } of file.walk()) {
    if (link.kind === 'soft') counts.softLinks++;
    if (link.kind === 'external') counts.externalLinks++;
    if (!node || seen.has(node.address)) continue;
    seen.add(node.address);
    addrs.meta.push(node.address);
    if (node.kind === 'group') counts.groups++;
    if (node.kind === 'datatype') counts.datatypes++;
    if (node.kind === 'dataset') {
      counts.datasets++;
      const report = datasetReport(node, pageSize, addrs).catch((e: unknown) => {
        if (!(e instanceof H5Error) || e.code === 'Network' || e.code === 'Aborted') throw e;
        // An index coh5 cannot walk is reported, not fatal: the rest of the report still helps.
        return {
          path: node.path, shape: node.shape, dtype: node.dtype, layout: node.layout, chunks: node.chunks, filters: [],
          chunkBytes: 0, chunksAllocated: 0, chunksInGrid: 0, storedBytes: 0, meanStoredChunkBytes: 0, chunksPerPage: null,
          verdict: 'ok', suggestedChunks: null,
        } satisfies DatasetReport;
      });
      report.catch(() => {}); // met below, by Promise.all, in walk order
      reports.push(report);
    }
  }
  datasets.push(...(await Promise.all(reports)));
  const s = file.stats();
  const metadata = { requests: s.requests ?? 0, bytes: s.bytesTransferred ?? 0, waves: s.waves ?? 0 };
  const lastMeta = addrs.meta.length ? Math.max(...addrs.meta) : 0;
  const firstData = addrs.data.length ? addrs.data.reduce((a, b) => Math.min(a, b)) : null;
  const consolidated = firstData === null || lastMeta < firstData;
  const fileSize = file.superblock.eofAddress;

  const findings: string[] = [];
  if (paged) findings.push(`paged aggregation with ${kib(pageSize!)} pages`);
  else findings.push(`not paged (file space strategy ${strategy}): metadata are scattered in small blocks among the data`);
  if (paged && pageSize! < 1024 * 1024 && fileSize > 16 * 1024 * 1024) findings.push(`page size ${kib(pageSize!)} is small for a ${kib(fileSize)} file: each metadata page is one request`);
  findings.push(consolidated ? 'metadata precede all raw data' : 'metadata are interleaved with raw data');
  findings.push(`open: ${openCost.requests} request(s), ${kib(openCost.bytes)}; all metadata: ${metadata.requests} more request(s) in ${metadata.waves} wave(s), ${kib(metadata.bytes)}`);
  const bad = datasets.filter((d) => d.suggestedChunks);
  for (const d of bad) {
    const what = d.verdict === 'contiguous-large' ? `contiguous ${kib(d.chunkBytes)}` : `chunks of ${kib(d.chunkBytes)}`;
    findings.push(`${d.path}: ${what}, outside ${kib(MIN_CHUNK_BYTES)}-${kib(MAX_CHUNK_BYTES)}; suggest chunks ${d.suggestedChunks!.join('x')}`);
  }
  const smallPages = paged && pageSize! < 1024 * 1024 && fileSize > 16 * 1024 * 1024;
  let repack: string | null = null;
  if (!paged || smallPages || bad.length) {
    const parts = ['h5repack', '-S', 'PAGE', '-G', String(paged && !smallPages ? pageSize : suggestPageSize(fileSize))];
    for (const d of bad) parts.push('-l', q(`${d.path}:CHUNK=${d.suggestedChunks!.join('x')}`));
    // h5repack reads local files only: a remote file is copied down first, so the command runs as given.
    const local = /^(https?|s3):\/\//i.test(name) ? name.split(/[?#]/)[0]!.split('/').pop() || 'file.h5' : name;
    parts.push(q(local), q(outName(local)));
    repack = parts.join(' ');
    if (/^https?:\/\//i.test(name)) repack = `curl -fLo ${q(local)} ${q(name)} && ${repack}`;
    else if (/^s3:\/\//i.test(name)) repack = `aws s3 cp ${q(name)} ${q(local)} && ${repack}`;
  }
  return {
    source: name,
    fileSize,
    superblockVersion: file.superblock.version,
    paged,
    strategy,
    pageSize,
    open: openCost,
    metadata,
    lastMetadataAddress: lastMeta,
    firstDataAddress: firstData,
    consolidated,
    datasets,
    counts,
    findings,
    repack,
  };
}

function outName(name: string): string {
  const base = name.split(/[\\/]/).pop() || 'file.h5';
  return base.replace(/(\.\w+)?$/, (ext) => `.optimized${ext || '.h5'}`);
}
