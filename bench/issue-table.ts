/** Issues 14 and 20's workloads as one table: waves, requests, bytes moved against needed, wall against the bound. */
import type { Row } from './report.js';

const ms = (x: number | null | undefined) => (x == null ? '—' : x.toFixed(0));
const mb = (x: number | null | undefined) => (x == null ? '—' : (x / 1e6).toFixed(3));

export function issueTable(rows: Row[]): string {
  const mine = rows.filter((r) => /^(14|20)-/.test(r.workload) && r.reader === 'coh5');
  if (!mine.length) return '';
  const lines = mine.map((r) => {
    const h5py = rows.find((x) => x.workload === r.workload && x.reader === 'h5py' && x.wallMs !== null);
    const wall = r.error ? `fails: ${r.error.replace(/\|/g, '/').slice(0, 60)}` : `${ms(r.wallMs)}${r.runs > 1 ? ` (${ms(r.wallMinMs)}-${ms(r.wallMaxMs)})` : ''}`;
    if (!r.remote) {
      const vs = h5py && r.wallMs !== null ? `h5py ${ms(h5py.wallMs)} ms (${ms(h5py.wallMinMs)}-${ms(h5py.wallMaxMs)}): **${(r.wallMs / h5py.wallMs!).toFixed(2)}x h5py**` : 'no h5py run';
      return `| ${r.workload} | ${wall} | — | — | — | — | — | — | — | ${vs} | ${r.checksumOk === null ? '—' : r.checksumOk ? 'ok' : 'MISMATCH'} |`;
    }
    // A walk needs the file's metadata (h5stat -S); a read its touched chunks plus the metadata.
    const needed = r.walk ? r.metadataBytes ?? null : r.bytesNeeded;
    const moved = r.bytesMoved !== null && needed ? `${(r.bytesMoved / needed).toFixed(2)}x` : '—';
    const bound = r.ratio !== null ? `${ms(r.boundMs)} ms (${r.minWaves}): **${r.ratio.toFixed(2)}x**` : '—';
    return `| ${r.workload} | ${wall} | ${r.proxyWaves ?? '—'} | ${r.waves ?? '—'} | ${r.minWaves ?? '—'} | ${r.requests ?? '—'}${r.redirects ? ` (${r.redirects} redirects)` : ''} | ${mb(r.bytesMoved)} | ${mb(needed)}${r.walk ? ' metadata' : ''} | ${moved} | ${bound} | ${r.checksumOk === null ? '—' : r.checksumOk ? 'ok' : 'MISMATCH'} |`;
  });
  return [
    ...targets(rows),
    '',
    '| workload | coh5 wall ms, median (min-max) | waves (emulator) | waves (coh5 stats) | min waves | requests | MB moved | MB needed | moved/needed | lower bound (min waves): coh5/bound | checksum vs h5py |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
    ...lines,
  ].join('\n');
}

/** The "Done when" lines of issues 14 and 20, checked on this run's coh5 rows. */
function targets(rows: Row[]): string[] {
  const coh5 = (w: string) => rows.find((r) => r.workload === w && r.reader === 'coh5' && r.wallMs !== null);
  const out: [string, string, boolean][] = [];
  for (const r of rows.filter((x) => /^(14|20)-/.test(x.workload) && x.reader === 'coh5' && x.remote && x.ratio !== null)) {
    out.push([`${r.workload}: min waves (${r.minWaves}) and at most 1.25x the bound`, `${r.proxyWaves} waves, ${r.ratio!.toFixed(2)}x`, r.proxyWaves === r.minWaves && r.ratio! <= 1.25]);
  }
  const many = coh5('14-many');
  if (many) out.push(['14-many: at most 2x the bytes needed', `${(many.bytesMoved! / many.bytesNeeded!).toFixed(2)}x`, many.bytesMoved! <= 2 * many.bytesNeeded!]);
  const local = coh5('14-local');
  const h5py = rows.find((r) => r.workload === '14-local' && r.reader === 'h5py' && r.wallMs !== null);
  if (local && h5py) out.push(['14-local: at most 1.0x h5py in the same run', `${(local.wallMs! / h5py.wallMs!).toFixed(2)}x`, local.wallMs! <= h5py.wallMs!]);
  const warm = coh5('14-warm');
  if (warm) out.push(['14-warm: one wave', `${warm.proxyWaves} waves`, warm.proxyWaves === 1]);
  const redirect = coh5('14-redirect');
  // One round trip per GET: the redirect is paid once (or never again while the signed URL lasts).
  if (redirect) out.push(['14-redirect: one round trip per GET (the 302 paid at most once)', `${redirect.requests} requests, ${redirect.redirects} redirects, ${redirect.proxyWaves} waves`, (redirect.redirects ?? 0) <= 1 && redirect.proxyWaves! <= redirect.minWaves! + (redirect.redirects ?? 0)]);
  const walk = coh5('20-walk-4408');
  if (walk) out.push(['20-walk-4408: at most 12 waves and 1.5x the metadata bytes', `${walk.proxyWaves} waves, ${(walk.bytesMoved! / walk.metadataBytes!).toFixed(2)}x`, walk.proxyWaves! <= 12 && walk.bytesMoved! <= 1.5 * walk.metadataBytes!]);
  return ['| issue 14/20 target | measured | met |', '|---|---|---|', ...out.map(([t, m, ok]) => `| ${t} | ${m} | ${ok ? 'yes' : 'NO'} |`)];
}
