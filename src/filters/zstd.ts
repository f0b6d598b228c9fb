import { Decompress, decompress } from 'fzstd';
import { H5Error } from '../errors.js';
import type { FilterDecoder } from './registry.js';
import { concat, corrupt, tooLarge } from './fail.js';

/**
 * Filter 32015, Zstandard: the chunk is one or more zstd frames (ZSTD_compress output; cd_values[0]
 * is the level, which decoding does not need). fzstd allocates a frame's whole content size, or
 * its window when the size is absent, straight from the header, so the headers are walked first
 * and checked against the cap: a small chunk cannot make us allocate gigabytes.
 */
const NAME = 'zstd';
const MAGIC = 0xfd2fb528;
/**
 * A frame without a content size is decoded by streaming, which still allocates its window.
 * zstd's windows reach 8 MiB at level 19 (windowLog 23); allow that even when the cap is lower.
 */
const MAX_STREAM_WINDOW = 8 * 1024 * 1024;

export const decode: FilterDecoder = (input, _spec, ctx) => decompressZstd(input, ctx.maxOutputBytes, NAME);

/** Decodes a sequence of zstd frames producing at most `maxOutputBytes`. */
export function decompressZstd(input: Uint8Array, maxOutputBytes: number, codec: string): Uint8Array {
  const { total, window } = scanFrames(input, codec);
  try {
    if (total !== undefined) {
      if (total > maxOutputBytes) throw tooLarge(codec, total, maxOutputBytes);
      const out = decompress(input);
      if (out.length !== total) throw corrupt(codec, `frames decoded to ${out.length} bytes, their headers say ${total}`);
      return out;
    }
    if (window > Math.max(maxOutputBytes, MAX_STREAM_WINDOW)) throw tooLarge(codec, window, Math.max(maxOutputBytes, MAX_STREAM_WINDOW));
    const parts: Uint8Array[] = [];
    let size = 0;
    const stream = new Decompress((chunk) => {
      size += chunk.length;
      if (size > maxOutputBytes) throw tooLarge(codec, size, maxOutputBytes);
      parts.push(chunk);
    });
    stream.push(input, true);
    return concat(parts, size);
  } catch (e) {
    if (e instanceof H5Error) throw e;
    throw corrupt(codec, e instanceof Error ? e.message : String(e), e);
  }
}

/**
 * Walks the frames (RFC 8878 section 3.1): sums their declared content sizes (undefined if any
 * frame omits it) and finds the largest window. Also rejects truncated and malformed framing.
 */
function scanFrames(input: Uint8Array, codec: string): { total: number | undefined; window: number } {
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  let total: number | undefined = 0;
  let window = 0;
  let p = 0;
  const need = (n: number): void => {
    if (p + n > input.length) throw corrupt(codec, 'the data ends inside a frame (truncated)');
  };
  if (input.length === 0) throw corrupt(codec, 'no zstd frame in an empty chunk');
  while (p < input.length) {
    need(4);
    const magic = view.getUint32(p, true);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      // skippable frame: magic, uint32 LE length, payload
      need(8);
      p += 8 + view.getUint32(p + 4, true);
      need(0);
      continue;
    }
    if (magic !== MAGIC) throw corrupt(codec, `bad frame magic 0x${magic.toString(16)} at byte ${p}`);
    need(5);
    const fhd = input[p + 4]!;
    p += 5;
    if (fhd & 0x08) throw corrupt(codec, 'reserved frame header bit set');
    const single = (fhd >>> 5) & 1;
    const fcsCode = fhd >>> 6;
    const dictBytes = [0, 1, 2, 4][fhd & 3]!;
    const checksum = (fhd >>> 2) & 1;
    let frameWindow = 0;
    if (!single) {
      need(1);
      const wd = input[p++]!;
      const base = 2 ** (10 + (wd >>> 3));
      frameWindow = base + (base / 8) * (wd & 7);
    }
    p += dictBytes;
    const fcsBytes = fcsCode === 0 ? single : [0, 2, 4, 8][fcsCode]!;
    need(fcsBytes);
    let fcs: number | undefined;
    if (fcsBytes === 1) fcs = input[p]!;
    else if (fcsBytes === 2) fcs = view.getUint16(p, true) + 256;
    else if (fcsBytes === 4) fcs = view.getUint32(p, true);
    else if (fcsBytes === 8) fcs = Number(view.getBigUint64(p, true));
    p += fcsBytes;
    if (single) frameWindow = fcs ?? 0;
    window = Math.max(window, frameWindow);
    total = fcs === undefined || total === undefined ? undefined : total + fcs;
    for (let last = 0; !last; ) {
      need(3);
      const header = input[p]! | (input[p + 1]! << 8) | (input[p + 2]! << 16);
      p += 3;
      last = header & 1;
      const type = (header >>> 1) & 3;
      if (type === 3) throw corrupt(codec, 'reserved block type');
      p += type === 1 ? 1 : header >>> 3;
      need(0);
    }
    p += checksum * 4;
    need(0);
  }
  return { total, window };
}
