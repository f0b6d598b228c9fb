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
    '| workload | coh5 wall ms, median (min-max) | waves (emulator) | waves (coh5 stats) | min waves | requests | MB moved | MB needed | moved/needed | lower bound (min waves): coh5/bound | checksum vs h5py |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
    ...lines,
  ].join('\n');
}
