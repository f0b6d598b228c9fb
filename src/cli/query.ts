/** `coh5 query`: the rows of a 1-D table (or a pandas table key) matching a where-clause, as JSON or CSV. */
import { H5Error, query, queryFrame, type Dataset } from '../node.js';
import { need, parse, REMOTE_HELP, UsageError } from './args.js';
import { csvText, jsonText } from './format.js';
import { frameRecords, queryRecords } from './frame.js';
import { openUrl } from './open.js';

export const QUERY_HELP = `usage: coh5 query [--fields a,b] [--limit N] [--format json|csv] URL PATH WHERE

Writes the rows of the 1-D dataset PATH (a compound table, or a numeric/string dataset as the
column 'value') matching WHERE, e.g. '(temp > 32) & (station == b"A")'. PATH may also be a pandas
HDFStore key stored with format='table': WHERE then names the frame's columns and index.
  --fields a,b     the columns to print (default: all); nested members as pos.x
  --limit N        stop after N matches (no more data is fetched)
  --format FORMAT  json (default; one object per row) or csv

${REMOTE_HELP}`;

export async function queryCommand(argv: string[], write: (chunk: string) => Promise<void>, out: (s: string) => void): Promise<void> {
  const { values: v, positionals: p } = parse(argv, {
    fields: { type: 'string' },
    limit: { type: 'string' },
    format: { type: 'string', default: 'json' },
    output: { type: 'string', short: 'o' },
  });
  if (v.help) return out(QUERY_HELP);
  need(p, 3, 'coh5 query [--fields a,b] [--limit N] [--format json|csv] URL PATH WHERE');
  const format = v.format as string;
  if (format !== 'json' && format !== 'csv') throw new UsageError(`--format must be json or csv, not '${format}'`);
  const limit = v.limit === undefined ? undefined : Number(v.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) throw new UsageError(`--limit must be a non-negative integer, not '${v.limit}'`);
  const fields = typeof v.fields === 'string' ? v.fields.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  const file = await openUrl(p[0]!, v);
  try {
    const node = await file.get(p[1]!);
    let records: Record<string, unknown>[];
    if (node.kind === 'group') {
      const frame = await queryFrame(file, node.path, p[2]!, { limit });
      if (fields) frame.columns = frame.columns.filter((c) => fields.includes(c.name));
      records = frameRecords(frame);
    } else if (node.kind === 'dataset') {
      const ds = node as Dataset;
      records = queryRecords(ds, await query(ds, p[2]!, { fields, limit }));
    } else {
      throw new H5Error('Invalid', `${node.path} is a named datatype, not a table`, { path: node.path });
    }
    if (format === 'csv') await write(records.length ? csvText(records, [records.length]) : '');
    else await write(`${jsonText(records)}\n`);
  } finally {
    await file.close();
  }
}
