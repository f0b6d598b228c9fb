/** The `coh5/node` entry: everything in `coh5`, plus local files through node:fs and the
 * persistent metadata cache in a directory (DirectoryMetadataStore). */
import { registerEntry } from './drivers/open.js';
import { openFile } from './drivers/file.js';

export * from './index.js';
export { openFile, FileSource, type FileOptions } from './drivers/file.js';
export { DirectoryMetadataStore, type DirectoryStoreOptions } from './cache/directory-store.js';

registerEntry('coh5/node', { openFile });
