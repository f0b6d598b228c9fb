/** An ndarray view of a read result, one call away, without copying the data. */
import ndarray from 'ndarray';
import { H5Error } from '../errors.js';
import type { ReadResult } from '../read/read-dataset.js';

/**
 * The part of the `ndarray` package's array that coh5 promises (its own declaration, so an app
 * type-checks without @types/ndarray; with it installed, cast to its NdArray for the rest).
 */
export interface NdArrayView {
  data: ArrayLike<number> | ArrayLike<bigint> | unknown[];
  shape: number[];
  stride: number[];
  offset: number;
  size: number;
  dimension: number;
  get(...index: number[]): any;
  set(...indexAndValue: any[]): any;
  index(...index: number[]): number;
  lo(...index: (number | null)[]): NdArrayView;
  hi(...index: (number | null)[]): NdArrayView;
  step(...step: (number | null)[]): NdArrayView;
  transpose(...axes: number[]): NdArrayView;
  pick(...index: (number | null)[]): NdArrayView;
}

/**
 * Numbers give an ndarray of the result's shape over its typed array. Complex numbers give one
 * over the interleaved (real, imaginary) floats with a trailing dimension of 2: `v.get(i, 0)` is
 * the real part of element i, `v.get(i, 1)` its imaginary part (numpy's `a.view(float).reshape(..., 2)`).
 */
export function toNdarray(result: ReadResult): NdArrayView {
  const data = result.data;
  if (result.shape === null) throw new H5Error('Invalid', 'a dataset with a null dataspace has no values to view as an ndarray');
  if (!ArrayBuffer.isView(data) && !Array.isArray(data) && data.kind === 'complex') return ndarray(data.data, [...result.shape, 2]) as unknown as NdArrayView;
  if (!ArrayBuffer.isView(data) && !Array.isArray(data)) {
    throw new H5Error('Invalid', `an ndarray view needs a typed array or array result; this ${result.dtype} result is an object (use compoundRecords for compounds)`);
  }
  return ndarray(data as never, result.shape) as unknown as NdArrayView;
}
