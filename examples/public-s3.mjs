// A public S3 bucket, read anonymously (no credentials looked up or sent).
//   npm run build && node examples/public-s3.mjs s3://BUCKET/KEY.h5 [DATASET] [REGION]
// For example, NOAA's GOES-16 netCDF-4 (HDF5) files in us-east-1; list some keys with
//   aws s3 ls --no-sign-request s3://noaa-goes16/ABI-L2-MCMIPC/2024/001/00/
// (This example was not run where it was written: that machine had no internet access.)
import { open } from 'coh5/node';

const [url, dataset, region = 'us-east-1'] = process.argv.slice(2);
if (!url) {
  console.error('usage: node examples/public-s3.mjs s3://bucket/key.h5 [dataset] [region]');
  process.exit(2);
}
const file = await open(url, { s3: { anonymous: true, region } });
console.log((await file.list()).map((e) => `${e.name} ${e.kind} ${e.shape ?? ''} ${e.dtype ?? ''}`).join('\n'));
if (dataset) {
  const ds = await file.get(dataset);
  const first = ds.shape.map((n) => [0, Math.min(n, 4)]); // a small corner of the dataset
  const r = await ds.read(first);
  console.log(dataset, r.shape, Array.from(r.data));
}
console.log(file.stats());
await file.close();
