/** Decoding element bytes into JavaScript values, and describing datatypes. */
export {
  arrayDims,
  columnDatatype,
  columnLength,
  compoundRecords,
  elementValue,
  elementsPerItem,
  sliceColumn,
  undecodableBytes,
  type Column,
  type CompoundColumn,
  type OpaqueColumn,
  type TypedArray,
} from './column.js';
export { isReference, ObjectReference, RegionReference, type Reference } from './reference.js';
export { decodeValues, enumMapping } from './decode.js';
export { describeDtype, isH5pyBool, isH5pyComplex, memorySize, numpyDtype, type DtypeDescription } from './dtype-string.js';
export { decodeSelection, readSelection, type Block, type RegularHyperslab, type RegionSelection } from '../format/region-selection.js';
export { regularBlocks, selectedCoordinates, selectionInfo, selectionShape, type SelectionInfo } from '../format/region-info.js';
