import { corrupt } from './fail.js';

/**
 * Reads a byte buffer as a big-endian (most significant bit first) bit stream, as CCSDS 121
 * (szip/AEC) and bzip2 write them. Running out of input is a 'Corrupt' H5Error naming the codec.
 */
export class BitReader {
  private pos = 0;
  /** The low `count` bits of `acc` are the next bits of the stream, first bit highest. */
  private acc = 0;
  private count = 0;

  constructor(
    private readonly buf: Uint8Array,
    private readonly codec: string,
    start = 0,
  ) {
    this.pos = start;
  }

  /** Bits consumed so far, counted from the start of the buffer. */
  get bitPosition(): number {
    return this.pos * 8 - this.count;
  }

  private refill(): void {
    if (this.pos >= this.buf.length) throw corrupt(this.codec, 'the compressed data ends early (truncated)');
    this.acc = ((this.acc << 8) | this.buf[this.pos++]!) >>> 0;
    this.count += 8;
  }

  /** The next n bits (0 <= n <= 24) as an unsigned integer. */
  bits(n: number): number {
    while (this.count < n) this.refill();
    this.count -= n;
    const v = (this.acc >>> this.count) & ((1 << n) - 1);
    this.acc &= (1 << this.count) - 1;
    return v;
  }

  /** The next n bits for n up to 32. */
  bitsWide(n: number): number {
    if (n <= 24) return this.bits(n);
    const high = this.bits(n - 16);
    return high * 65536 + this.bits(16);
  }

  bit(): number {
    if (this.count === 0) this.refill();
    this.count--;
    const v = (this.acc >>> this.count) & 1;
    this.acc &= (1 << this.count) - 1;
    return v;
  }

  /** Counts 0 bits up to and including the next 1 bit (a CCSDS "fundamental sequence"). */
  zerosBeforeOne(): number {
    let zeros = 0;
    for (;;) {
      if (this.count === 0) this.refill();
      if (this.acc === 0) {
        zeros += this.count;
        this.count = 0;
        continue;
      }
      const top = 31 - Math.clz32(this.acc);
      zeros += this.count - 1 - top;
      this.count = top;
      this.acc &= (1 << top) - 1;
      return zeros;
    }
  }

  /** Skips to the next byte boundary. */
  align(): void {
    this.count -= this.count % 8;
    this.acc &= (1 << this.count) - 1;
  }
}
