/**
 * coh5: a cloud-optimized HDF5 reader. This entry imports no Node built-ins; local files and
 * S3 come from the `coh5/node` and `coh5/s3` entries (loaded on demand by open()).
 */
export * from './errors.js';
export * from './source.js';
export * from './drivers/memory.js';
export * from './drivers/http.js';
export * from './drivers/open.js';
export { BlockCache, withBlockCache, type BlockCacheOptions, type BlockCacheStats } from './cache/block-cache.js';
export { DEFAULT_METADATA_STORE_BYTES, type MetadataStore, type StoredMetadata } from './cache/metadata-store.js';
export { IndexedDBMetadataStore, type IndexedDBStoreOptions } from './cache/indexeddb-store.js';
export { withStats, type IOStats, type StatsSource } from './cache/stats.js';
export { open, H5File, type OpenOptions, type DatasetRequest, type SettledRead, type Inspection } from './api/file.js';
export { toNdarray, type NdArrayView } from './api/ndarray.js';
export { Group, Dataset, NamedDatatype, H5Object, type H5Node, type LinkInfo, type ListEntry, type CallOptions } from './api/objects.js';
export type { Attribute } from './api/attributes.js';
export type { ReadResult, ReadResultOf } from './read/read-dataset.js';
export { dataKind, DATA_KINDS, type DataKind, type DataByKind } from './values/kinds.js';
export type { SelectionInput, DimSelector, Hyperslice } from './read/selection.js';
export type { Datatype, Dataspace, FilterSpec, Layout } from './format/types.js';
export { DEFAULT_LIMITS, type Limits } from './format/limits.js';
export type { Column, TypedArray, CompoundColumn, ComplexColumn, Complex } from './values/column.js';
export { compoundRecords } from './values/column.js';
export { ObjectReference, RegionReference, isReference, type Reference } from './values/reference.js';
export { registerFilter } from './filters/registry.js';
export { openGroup, LabeledGroup, type LabeledOptions, type LabeledReadOptions, type LabeledVariable, type LabeledArray, type DimensionSlice } from './labeled/labeled-group.js';
export { decodeTimes, decodeCalendarDates, isTimeUnits, type CFDate } from './labeled/times.js';
export type { AsyncBuffer } from './drivers/blob.js';
export { query, queryBatches } from './query/query.js';
export type { QueryOptions, QueryResult, QueryBatch, Dialect } from './api/query-contract.js';
export { parseWhere, type Expr } from './query/parse.js';
export { storeKeys, readFrame, queryFrame, type Frame, type FrameColumn } from './pandas/store.js';
export { inspectFile, type InspectReport, type DatasetReport } from './tools/inspect.js';
export { buildReferences, type ReferenceSet, type RefEntry, type BuildOptions, type BuildResult } from './tools/kerchunk.js';
export { combineReferences } from './tools/kerchunk-combine.js';

// Dataset.query() and queryBatches() live on Dataset; their engine sits a floor above api/.
import { provideQueryEngine } from './api/query-contract.js';
import { query as queryImpl, queryBatches as queryBatchesImpl } from './query/query.js';
provideQueryEngine({ query: queryImpl, queryBatches: queryBatchesImpl });
