/** `coh5 cat`: a dataset (or a slice of it) as JSON, CSV or .npy on stdout. */
import { H5Error, readFrame, type DimSelector } from '../node.js';
import { frameRecords } from './frame.js';
import { need, parse, REMOTE_HELP, UsageError } from './args.js';
import { csvText, jsonText, nameReferences, npyBytes, plainValues } from './format.js';
import { nest } from '../values/column.js';
import { plannedReadBytes } from '../read/read-dataset.js';
import { openUrl } from './open.js';
import { startProgress } from './progress.js';

export const CAT_HELP = `usage: coh5 cat [--slice SPEC] [--format json|csv|npy] URL PATH

Writes the dataset PATH (or a slice) to stdout; a pandas HDFStore key, its frame (index first).
  --slice SPEC     numpy-style, one item per dimension: 0:100,5:10  ::2,3  -10:  (an integer drops the dimension)
  --format FORMAT  json (default; nested arrays), csv (one row per index of the leading dimensions), npy (numeric only)
  -o, --output F   write to the file F instead of stdout

${REMOTE_HELP}`;

/** Parses '0:100,5:10' into read()'s per-dimension selectors. */
export function parseSlice(spec: string): DimSelector[] {
  const int = (s: string, what: string): number | null => {
    if (s.trim() === '') return null;
    if (!/^\s*-?\d+\s*$/.test(s)) throw new UsageError(`--slice: ${what} '${s}' is not an integer`);
    return Number(s);
  };
  return spec.split(',').map((part): DimSelector => {
    const bits = part.split(':');
    if (bits.length === 1) {
      const i = int(bits[0]!, 'index');
      if (i === null) throw new UsageError(`--slice: empty item in '${spec}'`);
      return i;
    }
    if (bits.length > 3) throw new UsageError(`--slice: '${part}' has more than two colons`);
    const step = bits.length === 3 ? int(bits[2]!, 'step') : null;
    if (step !== null && step <= 0) throw new UsageError(`--slice: step must be positive in '${part}'`);
    return [int(bits[0]!, 'start'), int(bits[1]!, 'stop'), step];
  });
}

export async function cat(argv: string[], write: (chunk: string | Uint8Array) => Promise<void>, out: (s: string) => void): Promise<void> {
  const { values: v, positionals: p } = parse(argv, {
    slice: { type: 'string' },
    format: { type: 'string', default: 'json' },
    output: { type: 'string', short: 'o' },
  });
  if (v.help) return out(CAT_HELP);
  need(p, 2, 'coh5 cat [--slice SPEC] [--format json|csv|npy] URL PATH');
  const format = v.format as string;
  if (!['json', 'csv', 'npy'].includes(format)) throw new UsageError(`--format must be json, csv or npy, not '${format}'`);
  const selection = typeof v.slice === 'string' ? parseSlice(v.slice) : undefined;
  const file = await openUrl(p[0]!, v);
  const progress = startProgress(() => file.stats());
  try {
    const node = await file.get(p[1]!);
    // A pandas HDFStore key is a group: print its frame.
    if (node.kind === 'group' && (await node.attrs()).pandas_type !== undefined && format !== 'npy') {
      const records = frameRecords(await readFrame(file, node.path));
      progress.done();
      return await write(format === 'csv' ? csvText(records, [records.length]) : `${jsonText(records)}\n`);
    }
    if (node.kind !== 'dataset') throw new H5Error('Invalid', `${node.path} is a ${node.kind}, not a dataset`, { path: node.path });
    if (selection && node.shape && selection.length > node.shape.length) {
      throw new UsageError(`--slice has ${selection.length} items for a dataset of rank ${node.shape.length}`);
    }
    // The stored bytes the read will fetch; a selection it cannot plan fails in read(), with the path.
    progress.total(await plannedReadBytes(node, selection).catch(() => null));
    const r = await node.read(selection);
    progress.done();
    if (format === 'npy') return await write(npyBytes(r));
    // A null dataspace holds no values at all (h5py: Empty): JSON null, empty CSV.
    if (r.shape === null) return await write(format === 'csv' ? '' : 'null\n');
    const flat = await nameReferences(node, plainValues(r, node.datatype));
    await write(format === 'csv' ? csvText(flat, r.shape) : `${jsonText(nest(flat, r.shape))}\n`);
  } finally {
    progress.stop();
    await file.close();
  }
}
