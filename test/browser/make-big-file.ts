/**
 * Writes the viewer tests' large file with real HDF5 (h5wasm: libhdf5 compiled to WebAssembly),
 * at test time because ~80 MB does not belong in the repository:
 *  - /cube   float32 [10, 1000, 1000], chunks [1, 250, 250]: H5Web shows it as a heatmap of
 *            one [i, :, :] slice (4 MB of the 40 MB dataset);
 *  - /series float32 [1000, 10000] (10M values), chunks [1, 10000]: H5Web's line plot of one row.
 * Values follow cubeValue / seriesValue so the tests check what H5Web receives without an oracle file.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CUBE, SERIES, cubeValue, seriesValue } from './big-file.js';

export async function makeBigFile(dir: string): Promise<Uint8Array> {
  const h5wasm = (await import('h5wasm/node')).default;
  await h5wasm.ready;
  const path = join(dir, 'big.h5');
  const f = new h5wasm.File(path, 'w');
  const cube = new Float32Array(CUBE[0]! * CUBE[1]! * CUBE[2]!);
  for (let z = 0, i = 0; z < CUBE[0]!; z++) for (let y = 0; y < CUBE[1]!; y++) for (let x = 0; x < CUBE[2]!; x++) cube[i++] = cubeValue(z, y, x);
  f.create_dataset({ name: 'cube', data: cube, shape: CUBE, dtype: '<f4', chunks: [1, 250, 250] });
  const series = new Float32Array(SERIES[0]! * SERIES[1]!);
  for (let r = 0, i = 0; r < SERIES[0]!; r++) for (let c = 0; c < SERIES[1]!; c++) series[i++] = seriesValue(r, c);
  f.create_dataset({ name: 'series', data: series, shape: SERIES, dtype: '<f4', chunks: [1, SERIES[1]!] });
  f.close();
  const bytes = new Uint8Array(await readFile(path));
  await rm(path);
  return bytes;
}
