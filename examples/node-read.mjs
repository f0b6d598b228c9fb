// Node: open a local file (or any http(s)/s3 URL), look around, read a slice, count the requests.
//   npm run build && node examples/node-read.mjs [fixtures/example.h5]
import { open } from 'coh5/node';

const url = process.argv[2] ?? new URL('../fixtures/example.h5', import.meta.url).pathname;
const file = await open(url);
for await (const { path, node } of file.walk()) {
  if (node?.kind === 'dataset') console.log(path, node.shape, node.dtype, node.chunks ?? '', node.filters.map((f) => f.name).join('+'));
}
const t = await file.get('/temperature');
const { data, shape } = await t.read([[0, 2], [0, 5]]); // rows 0-1, columns 0-4
console.log(shape, Array.from(data));
console.log(await t.attrs());
console.log(file.stats()); // requests, bytesTransferred, waves, cache hits...
await file.close();
