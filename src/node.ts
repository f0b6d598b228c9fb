/** The `coh5/node` entry: everything in `coh5`, plus local files through node:fs. */
import { registerEntry } from './drivers/open.js';
import { openFile } from './drivers/file.js';

export * from './index.js';
export { openFile, FileSource, type FileOptions } from './drivers/file.js';

registerEntry('coh5/node', { openFile });
