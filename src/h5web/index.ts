/**
 * `coh5/h5web`: browse an HDF5 file with H5Web, lazily, from any URL coh5 opens (https, s3://,
 * a Blob or File). React and @h5web/app are optional peer dependencies: only this entry imports
 * them, so `coh5` itself stays free of them.
 *
 *   <Coh5Provider url="https://…/file.h5"><App /></Coh5Provider>
 */
import { createElement, useEffect, useMemo, type ReactNode } from 'react';
import { DataProvider } from '@h5web/app';
import { open, type H5File, type OpenOptions } from '../api/file.js';
import type { SourceInput } from '../drivers/open.js';
import { blobSource } from '../drivers/blob.js';
import { Coh5Api } from './api.js';

export { Coh5Api, parseSelection } from './api.js';
export { toH5WebType } from './types.js';
export { blobSource } from '../drivers/blob.js';

export interface Coh5ProviderProps {
  /** What open() takes (a URL: https, s3://; a ByteSource), or a Blob or File picked from disk. */
  url: SourceInput | Blob;
  /** The name H5Web shows for the root; defaults to the URL's last path component or the File's name. */
  filepath?: string;
  /** Passed to open(): cache tuning, limits, S3 options. */
  openOptions?: OpenOptions;
  /** Called once the file is open: the caller keeps it to show stats() or to read beside H5Web. */
  onOpen?: (file: H5File) => void;
  children?: ReactNode;
}

/** H5Web's DataProvider backed by coh5; the file is closed when the provider unmounts or the URL changes. */
export function Coh5Provider({ url, filepath, openOptions, onOpen, children }: Coh5ProviderProps): ReactNode {
  const file = useMemo(() => open(isBlob(url) ? blobSource(url) : url, openOptions), [url]);
  const api = useMemo(() => new Coh5Api(filepath ?? nameOf(url), file), [file, filepath]);
  useEffect(() => {
    let live = true;
    void file.then((f) => live && onOpen?.(f), () => {});
    return () => {
      live = false;
      void file.then((f) => f.close(), () => {});
    };
  }, [file]);
  return createElement(DataProvider, { api }, children);
}

function isBlob(x: unknown): x is Blob {
  return typeof Blob !== 'undefined' && x instanceof Blob;
}

function nameOf(url: SourceInput | Blob): string {
  if (typeof url === 'string') return decodeURIComponent(url.split('?')[0]!.split('/').pop() || url);
  if (typeof File !== 'undefined' && url instanceof File) return url.name;
  return 'file.h5';
}
