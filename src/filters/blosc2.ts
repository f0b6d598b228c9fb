import type { FilterDecoder } from './registry.js';
import { MAX_PADDING_FACTOR, decodeB2nd, readB2ndMeta } from './b2nd.js';
import { decodeBlosc2Chunk, fillRun, readBlosc2Chunk } from './blosc2-chunk.js';
import { frameChunk, readBlosc2Frame } from './blosc2-frame.js';
import { corrupt, tooLarge } from './fail.js';

/**
 * Filter 32026, Blosc2 (PyTables' hdf5-blosc2, also in hdf5plugin; pandas and PyTables write it):
 * each HDF5 chunk is a Blosc2 contiguous frame (blosc2-frame.ts). For chunks of rank 2 to 8 the
 * frame is a B2ND array tiling the chunk in N-d blocks (b2nd.ts); otherwise a plain super-chunk
 * whose chunks (one, as the filter writes it) hold the HDF5 chunk's bytes in order.
 *
 * cd_values: [0] filter revision, [1] block size, [2] type size, [3] chunk size in bytes,
 * [4] level, [5] shuffle, [6] compressor, [7] chunk rank and [8...] chunk dims (B2ND only). Only
 * the rank and dims matter for decoding: like the filter, we check the B2ND array against them.
 */
export const decode: FilterDecoder = async (input, spec, ctx) => {
  // B2ND chunks are padded to whole blocks: decodeB2nd bounds that padding more tightly.
  const frame = await readBlosc2Frame(input, MAX_PADDING_FACTOR * ctx.maxOutputBytes);
  const meta = frame.metalayers.get('b2nd') ?? frame.metalayers.get('caterva');
  if (meta !== undefined) {
    const b2nd = readB2ndMeta(meta);
    const rank = spec.clientData[7];
    if (rank !== undefined && spec.clientData.length >= 8 + rank) {
      const dims = spec.clientData.slice(8, 8 + rank);
      if (b2nd.shape.length !== rank || b2nd.shape.some((s, i) => s !== dims[i])) {
        throw corrupt('blosc2', `the B2ND array's shape [${b2nd.shape}] is not the chunk shape [${dims}] its filter recorded`);
      }
    }
    return decodeB2nd(frame, b2nd, ctx.maxOutputBytes);
  }
  if (frame.nbytes > ctx.maxOutputBytes) throw tooLarge('blosc2', frame.nbytes, ctx.maxOutputBytes);
  const out = new Uint8Array(frame.nbytes);
  let at = 0;
  for (let i = 0; i < frame.chunks.length; i++) {
    const c = frame.chunks[i]!;
    // A frame of variable-size chunks (chunksize 0) gives each size in the chunk's own header.
    const size = frame.chunksize > 0 ? Math.min(frame.chunksize, frame.nbytes - at) : 'at' in c ? readBlosc2Chunk(frame.bytes, c.at, frame.dataEnd).nbytes : -1;
    if (size < 0 || at + size > frame.nbytes) throw corrupt('blosc2', `chunk ${i} does not fit in the frame's ${frame.nbytes} bytes`);
    if ('special' in c) fillRun(c.special, frame.typesize, new Uint8Array(0), out, at, size);
    else await decodeBlosc2Chunk(frameChunk(frame, i, size), out, at);
    at += size;
  }
  if (at !== frame.nbytes) throw corrupt('blosc2', `the chunks hold ${at} bytes, the frame says ${frame.nbytes}`);
  return out;
};
