/** `coh5 ls`: the tree, as h5ls -r / hsls give it. */
import { H5Error, type H5Node, type LinkInfo } from '../node.js';
import { need, parse, REMOTE_HELP } from './args.js';
import { openUrl } from './open.js';

export const LS_HELP = `usage: coh5 ls [-r] [-l] [--json] URL [PATH]

Lists the members of the group PATH (default /), or describes the dataset PATH.
  -r, --recursive   every object below PATH, with full paths
  -l, --long        layout, chunks, filters, max shape and attribute count
  --json            one JSON object per line

${REMOTE_HELP}`;

interface Row {
  path: string;
  kind: string;
  shape?: number[] | null;
  maxshape?: (number | null)[] | null;
  dtype?: string;
  layout?: string;
  chunks?: number[] | null;
  filters?: string[];
  target?: string;
  attributes?: number;
  error?: string;
}

async function rowOf(path: string, node: H5Node | null, link: LinkInfo | null, long: boolean): Promise<Row> {
  if (!node) {
    const target = link?.kind === 'soft' ? link.target : link?.kind === 'external' ? `${link.file}:${link.path}` : undefined;
    return { path, kind: `${link?.kind ?? 'unknown'} link`, target };
  }
  const row: Row = { path, kind: node.kind };
  if (node.kind === 'dataset') {
    Object.assign(row, { shape: node.shape, maxshape: node.maxshape, dtype: node.dtype });
    if (long) Object.assign(row, { layout: node.layout, chunks: node.chunks, filters: node.filters.map((f) => f.name) });
  }
  if (node.kind === 'datatype') row.dtype = node.dtype;
  if (long) {
    // A damaged attribute should not hide the rest of the tree: note it on the row instead.
    try {
      row.attributes = (await node.attributes()).length;
    } catch (e) {
      row.error = `attributes: ${(e as Error).message}`;
    }
  }
  return row;
}

// NaN: a virtual dataset's extent that sources outside allowExternal decide.
const dim = (d: number | null) => (d === null ? 'Inf' : Number.isNaN(d) ? '?' : String(d));
const dims = (s: (number | null)[] | null | undefined) => (s === null ? 'null' : s ? `{${s.map(dim).join(', ')}}` : '');

/** h5ls's shape: `{SCALAR}`, `{NULL}`, else each size with `/max` where the maximum differs (`/Inf` when unlimited). */
function shapeText(shape: number[] | null | undefined, maxshape: (number | null)[] | null | undefined): string {
  if (shape?.length === 0) return '{SCALAR}';
  if (shape === null) return '{NULL}';
  if (!shape) return dims(shape);
  return `{${shape.map((d, i) => (maxshape && maxshape[i] !== d ? `${dim(d)}/${dim(maxshape[i] ?? null)}` : dim(d))).join(', ')}}`;
}

function text(r: Row, name: string, long: boolean): string {
  let s = `${name.padEnd(24)} `;
  if (r.kind === 'group') s += 'Group';
  else if (r.kind === 'datatype') s += `Type ${r.dtype}`;
  else if (r.kind === 'dataset') {
    s += `Dataset ${shapeText(r.shape, r.maxshape)} ${r.dtype}`;
    if (long) {
      s += ` ${r.layout}`;
      if (r.chunks) s += ` chunks ${dims(r.chunks)}`;
      if (r.filters?.length) s += ` [${r.filters.join(', ')}]`;
    }
  } else s += `${r.kind}${r.target ? ` -> ${r.target}` : ''}`;
  if (long && r.attributes) s += ` (${r.attributes} attr${r.attributes === 1 ? '' : 's'})`;
  if (r.error) s += ` [error: ${r.error}]`;
  return s;
}

export async function ls(argv: string[], out: (s: string) => void): Promise<void> {
  const { values: v, positionals: p } = parse(argv, {
    recursive: { type: 'boolean', short: 'r' },
    long: { type: 'boolean', short: 'l' },
    json: { type: 'boolean' },
  });
  if (v.help) return out(LS_HELP);
  need(p, 1, 'coh5 ls [-r] [-l] URL [PATH]');
  const long = !!v.long;
  const file = await openUrl(p[0]!, v);
  try {
    const start = p[1] ?? '/';
    const node = start === '/' ? file : await file.get(start);
    const emit = (r: Row, name: string) => out(v.json ? JSON.stringify(r) : text(r, name, long));
    if (node.kind !== 'group') return emit(await rowOf(node.path, node, null, long), node.path);
    const prefix = node.path === '/' ? '/' : `${node.path}/`;
    if (v.recursive) {
      // Rows start as the walk reaches them and print in walk order: awaited one by one, each
      // object's attribute read (-l, dense attribute storage) cost its own wave.
      const rows: Array<{ path: string; row: Promise<Row> }> = [];
      for await (const { path, node: n, link } of node.walk()) {
        const row = rowOf(path, n, link, long);
        row.catch(() => {}); // met below, in order
        rows.push({ path, row });
      }
      for (const r of rows) emit(await r.row, r.path);
      return;
    }
    const links = await node.links();
    const rows = await Promise.all(
      links.map(async (l) => {
        const path = prefix + l.name;
        const n = l.kind === 'hard' ? await node.get(l.name) : null;
        return rowOf(path, n, l, long);
      }),
    );
    rows.forEach((r, i) => emit(r, links[i]!.name));
  } catch (e) {
    if (e instanceof H5Error && e.code === 'NotFound' && !e.path) throw new H5Error('NotFound', `${p[1]}: ${e.message}`, { cause: e });
    throw e;
  } finally {
    await file.close();
  }
}
