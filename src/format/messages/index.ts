/** Every header message decoder, by the spec's message names. */
export { decodeAttributeInfo, decodeAttributeMessage, splitAttributeMessage, type AttributeParts } from './attribute.js';
export { dataspaceElements, decodeDataspace } from './dataspace.js';
export { decodeDatatype, decodeDatatypeMessage, readInteger } from './datatype.js';
export {
  decodeBTreeK,
  decodeDriverInfo,
  decodeFileSpaceInfo,
  decodeSohmTable,
  type BTreeK,
  type DriverInfo,
  type FileSpaceInfo,
  type FileSpaceStrategy,
  type SohmTableMessage,
} from './extension.js';
export { decodeExternalFiles, readExternalFiles, type ExternalFileEntry, type ExternalFiles } from './external-files.js';
export { decodeFillValue, decodeFillValueOld } from './fill-value.js';
export { decodeFilterPipeline } from './filter-pipeline.js';
export { decodeGroupInfo, decodeLinkInfo, decodeSymbolTableMessage, type GroupInfo, type LinkInfo } from './group.js';
export { decodeLayout } from './layout.js';
export { decodeLinkMessage } from './link.js';
export { decodeComment, decodeModificationTime, decodeRefCount } from './object-info.js';
