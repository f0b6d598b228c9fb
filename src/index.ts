export * from './errors.js';
export * from './source.js';
export * from './drivers/memory.js';
export * from './drivers/http.js';
export * from './drivers/open.js';
