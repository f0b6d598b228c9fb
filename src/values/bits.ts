/**
 * Reading bit fields out of little-endian element bytes: HDF5 describes integers with a bit
 * offset and precision, and floats with sign/exponent/mantissa positions, all counted from the
 * least significant bit of the element.
 */

/** Bits [pos, pos + n) of the element starting at `base`, as a number; n <= 53 keeps it exact. */
export function bitsNumber(b: Uint8Array, base: number, pos: number, n: number): number {
  let v = 0;
  let scale = 1;
  let got = 0;
  let byte = base + (pos >> 3);
  let shift = pos & 7;
  while (got < n) {
    const take = Math.min(8 - shift, n - got);
    v += ((b[byte]! >> shift) & ((1 << take) - 1)) * scale;
    scale *= 2 ** take;
    got += take;
    byte++;
    shift = 0;
  }
  return v;
}

/** Bits [pos, pos + n) as a bigint, for fields wider than 53 bits. */
export function bitsBigInt(b: Uint8Array, base: number, pos: number, n: number): bigint {
  let v = 0n;
  let got = 0;
  while (got < n) {
    const take = Math.min(32, n - got);
    v |= BigInt(bitsNumber(b, base, pos + got, take)) << BigInt(got);
    got += take;
  }
  return v;
}

/** One bit. */
export function bit(b: Uint8Array, base: number, pos: number): number {
  return (b[base + (pos >> 3)]! >> (pos & 7)) & 1;
}
