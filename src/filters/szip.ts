import type { FilterDecoder } from './registry.js';
import { aecDecode, bytesPerSample } from './aec.js';
import { cdValue, checkOutputSize, corrupt } from './fail.js';
import { unshuffle } from './shuffle.js';

/**
 * Filter 4, szip, as HDF5's H5Z_filter_szip writes it through the SZIP API (libaec's
 * sz_compat layer in current builds):
 *   chunk      = uint32 LE decoded size, then the raw AEC stream (H5Z_filter_szip)
 *   cd_values  = [options mask, pixels per block, bits per pixel, pixels per scanline]
 * The SZIP API quirks reproduced here (libaec src/sz_compat.c):
 *   - 32- and 64-bit pixels are coded as 8-bit samples of the byte-interleaved buffer;
 *   - a scanline that is not a whole number of blocks is padded to one when coding, and the
 *     padding dropped when decoding; the RSI is the number of blocks per scanline.
 * Option bits: EC=4, LSB=8, MSB=16, NN=32, RAW=128 (always set by HDF5; libaec is always raw).
 */
const NAME = 'szip';
const MSB = 16;
const NN = 32;

export const decode: FilterDecoder = (input, spec, ctx) => {
  const mask = cdValue(NAME, spec.clientData, 0, 'the options mask');
  const pixelsPerBlock = cdValue(NAME, spec.clientData, 1, 'pixels per block');
  const bitsPerPixel = cdValue(NAME, spec.clientData, 2, 'bits per pixel');
  const pixelsPerScanline = cdValue(NAME, spec.clientData, 3, 'pixels per scanline');
  if (input.length < 4) throw corrupt(NAME, 'the chunk is too short for its 4-byte size header');
  const size = (input[0]! | (input[1]! << 8) | (input[2]! << 16) | (input[3]! << 24)) >>> 0;
  checkOutputSize(NAME, size, ctx.maxOutputBytes);
  if (pixelsPerBlock === 0 || pixelsPerScanline === 0) throw corrupt(NAME, 'zero pixels per block or per scanline');

  const interleaved = bitsPerPixel === 32 || bitsPerPixel === 64;
  const bps = interleaved ? 8 : bitsPerPixel;
  const pixel = bytesPerSample(bps);
  const rsi = Math.ceil(pixelsPerScanline / pixelsPerBlock);
  const padded = pixelsPerScanline % pixelsPerBlock !== 0;
  const params = { bitsPerSample: bps, blockSize: pixelsPerBlock, rsi, preprocess: (mask & NN) !== 0, msb: (mask & MSB) !== 0 };
  const stream = input.subarray(4);

  let decoded: Uint8Array;
  if (padded) {
    const line = pixelsPerScanline * pixel;
    const paddedLine = rsi * pixelsPerBlock * pixel;
    const fullLines = Math.floor(size / line);
    // Every scanline was padded to whole blocks; a last partial scanline needs only its own pixels.
    const needed = fullLines * paddedLine + (size - fullLines * line);
    // HDF5 pads by less than a block per scanline; twice the cap leaves room for that and no more.
    checkOutputSize(NAME, needed, 2 * ctx.maxOutputBytes);
    const raw = aecDecode(stream, params, needed);
    decoded = new Uint8Array(size);
    for (let at = 0, from = 0; at < size; at += line, from += paddedLine) {
      decoded.set(raw.subarray(from, from + Math.min(line, size - at)), at);
    }
  } else {
    decoded = aecDecode(stream, params, size);
  }
  return interleaved ? unshuffle(decoded, bitsPerPixel / 8) : decoded;
};
