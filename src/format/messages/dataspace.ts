import { H5Error } from '../../errors.js';
import type { FormatContext } from '../context.js';
import { cursor, isUndefinedAt, readLength, skip, u8 } from '../cursor.js';
import type { Dataspace } from '../types.js';

/** HDF5 supports ranks up to 32 (H5S_MAX_RANK). */
const MAX_RANK = 32;

/**
 * The dataspace message (spec IV.A.2.b, type 0x0001). Version 1 has 5 reserved bytes and an
 * optional permutation list, and knows no null dataspace (rank 0 is scalar); version 2 states
 * the dataspace type. A maximum size of all ones (8-byte lengths) is H5S_UNLIMITED -> null.
 */
export function decodeDataspace(body: Uint8Array, ctx: FormatContext, address: number): Dataspace {
  const c = cursor(body, ctx.baseAddress + address);
  const version = u8(c);
  const rank = u8(c);
  const flags = u8(c);
  let kind: Dataspace['kind'];
  if (version === 1) {
    skip(c, 5); // reserved (1 + 4)
    kind = rank === 0 ? 'scalar' : 'simple';
  } else if (version === 2) {
    const t = u8(c);
    if (t === 0) kind = 'scalar';
    else if (t === 1) kind = 'simple';
    else if (t === 2) kind = 'null';
    else throw new H5Error('Corrupt', `dataspace type ${t}`, { offset: ctx.baseAddress + address });
  } else {
    throw new H5Error('Unsupported', `dataspace message version ${version}`, { offset: ctx.baseAddress + address });
  }
  if (rank > MAX_RANK) throw new H5Error('Corrupt', `dataspace rank ${rank}`, { offset: ctx.baseAddress + address });
  if (kind !== 'simple') {
    if (rank !== 0) throw new H5Error('Corrupt', `${kind} dataspace with rank ${rank}`, { offset: ctx.baseAddress + address });
    return { kind };
  }
  const L = ctx.sizeOfLengths;
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(readLength(c, L));
  let maxDims: (number | null)[] = dims.slice();
  if (flags & 1) {
    maxDims = [];
    for (let i = 0; i < rank; i++) {
      // Quirk: the library decodes lengths into 64 bits and compares with H5S_UNLIMITED (2^64-1), so
      // with 2- or 4-byte lengths the stored all-ones "unlimited" reads back as 65535 / 4294967295.
      if (L === 8 && isUndefinedAt(c, L)) {
        skip(c, L);
        maxDims.push(null);
      } else {
        maxDims.push(readLength(c, L));
      }
    }
  }
  // Version 1 flag bit 1: a permutation index list follows; the library never used it.
  if (version === 1 && flags & 2) skip(c, rank * L);
  return { kind: 'simple', dims, maxDims };
}

/** Number of elements of a dataspace (1 for scalar, 0 for null), checked against 2^53. */
export function dataspaceElements(space: Dataspace, offset?: number): number {
  if (space.kind === 'scalar') return 1;
  if (space.kind === 'null') return 0;
  let n = 1;
  for (const d of space.dims) n *= d;
  if (!Number.isSafeInteger(n)) throw new H5Error('Corrupt', `dataspace of ${space.dims.join('x')} elements overflows 2^53`, { offset });
  return n;
}
