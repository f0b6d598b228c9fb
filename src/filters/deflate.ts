import type { FilterDecoder } from './registry.js';
import { inflate, prepareInflate } from './inflate.js';

/**
 * Filter 1, deflate: the chunk is one zlib stream (compress2 output, RFC 1950 framing).
 * cd_values[0] is the compression level, which decoding does not need.
 */
export const decode: FilterDecoder = (input, _spec, ctx) => inflate(input, ctx.maxOutputBytes);

/** Loads the inflate implementation (node:zlib in Node) ahead of the first chunk. */
export const prepare = (): Promise<unknown> => prepareInflate();
