/** The `coh5/node` entry: everything in `coh5`, plus local files through node:fs. */
export * from './index.js';
export { openFile, FileSource, type FileOptions } from './drivers/file.js';
