/**
 * The README's main job: open the bundled example file over HTTP (a local range server, as a
 * stand-in for S3), walk its tree, read a slice of a chunked, compressed dataset, and print
 * what it cost in requests, bytes and round trips (waves).
 *
 *   npm run example [-- path/to/file.h5 /dataset 'start:stop,start:stop']
 */
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { open, type Dataset } from '../src/node.js';

const file = process.argv[2] ?? 'fixtures/example.h5';
const dsPath = process.argv[3] ?? '/temperature';
const sliceArg = process.argv[4] ?? '100:104,200:206';

const bytes = readFileSync(file);
// A minimal range server: what S3 or any static HTTP host does for Range requests.
const server = createServer((req, res) => {
  const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
  if (!m) {
    res.writeHead(200, { 'Content-Length': bytes.length, 'Accept-Ranges': 'bytes', ETag: '"example"' });
    return res.end(req.method === 'HEAD' ? undefined : bytes);
  }
  const start = Number(m[1]);
  const end = Math.min(Number(m[2]), bytes.length - 1);
  res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${bytes.length}`, 'Content-Length': end - start + 1, ETag: '"example"' });
  res.end(bytes.subarray(start, end + 1));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${file.split('/').pop()}`;

try {
  // The default first read (1 MiB) would bring this small file whole; 16 KiB shows what a large file costs.
  const f = await open(url, { cache: { initialReadSize: 16 * 1024, blockSize: 16 * 1024 } });
  console.log(`opened ${url} (${bytes.length} bytes): superblock v${f.superblock.version}`);
  for await (const { path, node, link } of f.walk()) {
    if (!node) console.log(`  ${path}  -> ${link.kind} link`);
    else if (node.kind === 'dataset') console.log(`  ${path}  dataset ${node.dtype} [${node.shape}] chunks=${node.chunks ? `[${node.chunks}]` : 'none'} filters=${node.filters.map((x) => x.name).join('+') || 'none'}`);
    else console.log(`  ${path}  ${node.kind}`);
  }
  const open1 = f.stats();
  console.log(`open + walk: ${open1.requests} requests, ${open1.bytesTransferred} bytes, ${open1.waves} waves`);

  f.resetStats();
  const ds = (await f.get(dsPath)) as Dataset;
  console.log(`attrs of ${dsPath}:`, await ds.attrs());
  const selection = sliceArg.split(',').map((s) => s.split(':').map((x) => (x === '' ? null : Number(x))) as [number, number]);
  const { data, shape, dtype } = await ds.read(selection);
  console.log(`${dsPath}[${sliceArg}] -> ${dtype} shape [${shape}]:`);
  const values = Array.from(data as ArrayLike<number>, (v) => Number(v).toFixed(2));
  const cols = shape?.[shape.length - 1] ?? 1;
  for (let i = 0; i < values.length; i += cols) console.log('   ', values.slice(i, i + cols).join('  '));
  const s = f.stats();
  const stored = ds.chunks ? 'chunks touched plus the chunk index' : 'the contiguous bytes';
  console.log(`read: ${s.requests} requests, ${s.bytesTransferred} bytes (${stored}), ${s.waves} waves; cache hits ${s.hits}, misses ${s.misses}`);
  await f.close();
} finally {
  server.close();
}
