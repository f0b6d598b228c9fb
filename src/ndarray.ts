/** An ndarray view of a read result, one call away, without copying the data. */
import ndarray, { type NdArray } from 'ndarray';
import { H5Error } from './errors.js';
import type { ReadResult } from './dataset-read.js';

export function toNdarray(result: ReadResult): NdArray {
  const data = result.data;
  if (!ArrayBuffer.isView(data) && !Array.isArray(data)) {
    throw new H5Error('Invalid', `an ndarray view needs a typed array or array result; this ${result.dtype} result is an object (use compoundRecords for compounds)`);
  }
  return ndarray(data as never, result.shape);
}
