/**
 * Object and dataset-region references (datatype class 7, the HDF5 1.8-1.10 "H5R_OBJECT" and
 * "H5R_DATASET_REGION" kinds) as values: the referenced object's header address, plus the
 * selection for region references. One representation wherever a reference is stored: a
 * dataset or attribute of references, a compound member, an array member or an element of a
 * variable-length sequence (netCDF-4's DIMENSION_LIST).
 *
 * A reference names an object by address, not by path: turning it into the object is one object
 * header read (H5Object.dereference); finding a path is a search of the file's groups
 * (H5Object.referencePath). Neither happens until asked for.
 */
import type { RegionSelection } from '../format/region-selection.js';

/** A reference to an object (group, dataset or committed datatype) of the same file. */
export class ObjectReference {
  readonly kind = 'object' as const;
  /** @internal use the values read() and attrs() return */
  constructor(
    /** The referenced object's header address (relative to the base address, as link addresses are). */
    readonly address: number,
  ) {}
}

/** A reference to a selection of a dataset of the same file (`read(ref)` on that dataset reads it). */
export class RegionReference {
  readonly kind = 'region' as const;
  /** @internal use the values read() and attrs() return */
  constructor(
    /** The referenced dataset's object header address. */
    readonly address: number,
    /** The selection as stored (dataspace selection serialization): none, all, points or hyperslabs. */
    readonly selection: RegionSelection,
  ) {}
}

/** An object or region reference; a null reference is `null`. */
export type Reference = ObjectReference | RegionReference;

/** True for the values references decode to. */
export function isReference(v: unknown): v is Reference {
  return v instanceof ObjectReference || v instanceof RegionReference;
}
