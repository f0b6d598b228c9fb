/**
 * What the read path needs of a dataset. The object model's Dataset is one; the read path is
 * handed it and never imports the object model back.
 */
import type { BlockCache } from '../cache/block-cache.js';
import type { FormatContext } from '../format/context.js';
import type { ByteSource } from '../source.js';
import type { DatasetInfo } from './dataset-info.js';
import type { SelectionInput } from './selection.js';

export interface ReadCallOptions {
  signal?: AbortSignal;
}

export interface ReadTarget {
  /** For error messages; '' when not known (opened from a reference). */
  readonly path: string;
  /** The object header address: region references name their dataset by it. */
  readonly address: number;
  readonly info: DatasetInfo;
  readonly shape: number[] | null;
  /** The file's parsing context, its block cache (direct range reads) and its related raw files. */
  readonly file: {
    readonly ctx: FormatContext;
    readonly cache: BlockCache;
    openRawRelated(name: string, signal?: AbortSignal): Promise<ByteSource>;
  };
  /** The file's context carrying this call's signal. */
  context(options?: ReadCallOptions): FormatContext;
  /** The raw element bytes of a selection (a virtual dataset reads its sources with it). */
  readRaw(selection?: SelectionInput, options?: ReadCallOptions): Promise<Uint8Array>;
  /** A virtual dataset's source: dataset `dataset` of file `file` ('.': this file), or null where there is none. */
  virtualSource(file: string, dataset: string, signal?: AbortSignal): Promise<ReadTarget | null>;
}
