import { H5Error } from '../errors.js';

const rot = (x: number, k: number) => (x << k) | (x >>> (32 - k));

/** Bob Jenkins' lookup3 hashlittle, byte-wise, as H5_checksum_lookup3 computes it. */
export function lookup3(k: Uint8Array, initval = 0): number {
  let length = k.length;
  let a = (0xdeadbeef + length + initval) | 0;
  let b = a;
  let c = a;
  let i = 0;
  while (length > 12) {
    a = (a + (k[i]! | (k[i + 1]! << 8) | (k[i + 2]! << 16) | (k[i + 3]! << 24))) | 0;
    b = (b + (k[i + 4]! | (k[i + 5]! << 8) | (k[i + 6]! << 16) | (k[i + 7]! << 24))) | 0;
    c = (c + (k[i + 8]! | (k[i + 9]! << 8) | (k[i + 10]! << 16) | (k[i + 11]! << 24))) | 0;
    a = (a - c) | 0; a ^= rot(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rot(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 4); b = (b + a) | 0;
    length -= 12;
    i += 12;
  }
  if (length === 0) return c >>> 0;
  // The tail: bytes fill a, b, c little-endian, as the reference's fall-through switch does.
  for (let j = length - 1; j >= 0; j--) {
    const v = k[i + j]! << ((j % 4) * 8);
    if (j >= 8) c = (c + v) | 0;
    else if (j >= 4) b = (b + v) | 0;
    else a = (a + v) | 0;
  }
  c ^= b; c = (c - rot(b, 14)) | 0;
  a ^= c; a = (a - rot(c, 11)) | 0;
  b ^= a; b = (b - rot(a, 25)) | 0;
  c ^= b; c = (c - rot(b, 16)) | 0;
  a ^= c; a = (a - rot(c, 4)) | 0;
  b ^= a; b = (b - rot(a, 14)) | 0;
  c ^= b; c = (c - rot(b, 24)) | 0;
  return c >>> 0;
}

/**
 * Verifies the lookup3 checksum stored little-endian in the 4 bytes after `bytes[0..end)`.
 * A mismatch is 'Corrupt', naming the structure and its address.
 */
export function verifyChecksum(bytes: Uint8Array, end: number, what: string, address: number): void {
  if (end + 4 > bytes.length) {
    throw new H5Error('Corrupt', `${what} is truncated before its checksum`, { offset: address });
  }
  const stored = (bytes[end]! | (bytes[end + 1]! << 8) | (bytes[end + 2]! << 16) | (bytes[end + 3]! << 24)) >>> 0;
  const computed = lookup3(bytes.subarray(0, end));
  if (stored !== computed) {
    throw new H5Error(
      'Corrupt',
      `${what} checksum mismatch: stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)}`,
      { offset: address },
    );
  }
}
