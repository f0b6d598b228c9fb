// h5coro-style readDatasets: several datasets and hyperslices read in parallel (their chunk
// GETs share the connection pool and are coalesced), from a file served over HTTP.
//   npm run build && node examples/read-datasets.mjs https://host/path/file.h5
// Without an argument it reads fixtures/example.h5 from disk.
import { open } from 'coh5/node';

const url = process.argv[2] ?? new URL('../fixtures/example.h5', import.meta.url).pathname;
const file = await open(url);
const results = await file.readDatasets([
  { dataset: '/lat', hyperslice: [[100, 105]] },
  { dataset: '/lon', hyperslice: [[200, 205]] },
  { dataset: '/temperature', hyperslice: [[100, 105], [200, 205]] },
]);
for (const [path, r] of Object.entries(results)) console.log(path, r.shape, r.dtype, Array.from(r.data).slice(0, 5));
const { requests, bytesTransferred, waves } = file.stats();
console.log({ requests, bytesTransferred, waves });
await file.close();
