/** Decoded columns turned into what attrs() gives: plain JS values (references stay Reference values). */
import type { Dataspace, Datatype } from '../format/types.js';
import { decodeValues } from '../values/decode.js';
import { elementValue, type Column } from '../values/column.js';
import type { FormatContext } from '../format/context.js';

/** A value as attrs() gives it: a scalar for scalar dataspaces, a column otherwise. */
export async function plainValue(ctx: FormatContext, bytes: Uint8Array, dt: Datatype, space: Dataspace): Promise<unknown> {
  if (space.kind === 'null') return null;
  const count = space.kind === 'scalar' ? 1 : space.dims.reduce((a, b) => a * b, 1);
  const col = await decodeValues(ctx, bytes, dt, count);
  if (space.kind === 'scalar') return elementValue(col, dt, 0);
  if (dt.class === 'array' || dt.class === 'compound' || dt.class === 'opaque' || dt.class === 'complex') {
    return Array.from({ length: count }, (_, i) => elementValue(col, dt, i));
  }
  return col;
}
