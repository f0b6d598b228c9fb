/** Decoded columns turned into what users get: plain JS values, references as paths. */
import type { Dataspace, Datatype } from './format/types.js';
import { decodeValues } from './values/decode.js';
import { elementValue, type Column } from './values/column.js';
import type { CallOptions, H5Object } from './objects.js';
import type { H5File } from './file.js';

/** A value as attrs() gives it: a scalar for scalar dataspaces, a column otherwise. */
export async function plainValue(obj: H5Object, bytes: Uint8Array, dt: Datatype, space: Dataspace, options?: CallOptions): Promise<unknown> {
  if (space.kind === 'null') return null;
  const count = space.kind === 'scalar' ? 1 : space.dims.reduce((a, b) => a * b, 1);
  const col = await resolveReferences(obj.file, await decodeValues(obj.context(options), bytes, dt, count), options);
  if (space.kind === 'scalar') return elementValue(col, dt, 0);
  if (dt.class === 'array' || dt.class === 'compound' || dt.class === 'opaque' || dt.class === 'complex') {
    return Array.from({ length: count }, (_, i) => elementValue(col, dt, i));
  }
  return col;
}

/** Object references become paths (null for null references); region references gain a path. */
export async function resolveReferences(file: H5File, col: Column, options?: CallOptions): Promise<Column> {
  if (Array.isArray(col) || ArrayBuffer.isView(col) || col.kind !== 'reference') return col;
  const paths = await file.pathsByAddress(options);
  if (col.refKind === 'object') {
    // (string | null)[]: a null reference stays null.
    return col.addresses.map((a) => (a === null ? null : (paths.get(a) ?? null))) as unknown as Column;
  }
  for (const r of col.regions) if (r) (r as { path?: string | null }).path = paths.get(r.address) ?? null;
  return col;
}
