/**
 * ByteSource wrappers that count reads and the round trips ("waves") they would take, for tests of
 * the format layer's breadth-first reads. Two numberings, as the tests use them:
 * LevelWaveSource — a read's wave is 1 + the highest wave finished before it started;
 * BatchWaveSource — reads issued before any earlier read finished share a wave.
 */
import type { ByteSource, ReadOptions } from '../../src/source.js';

interface Read {
  offset: number;
  length: number;
  wave: number;
}

export class LevelWaveSource implements ByteSource {
  readonly key: string;
  reads: Read[] = [];
  private finished = 0;
  constructor(private readonly inner: ByteSource) {
    this.key = inner.key;
  }
  get size() {
    return this.inner.size;
  }
  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    const wave = this.finished + 1;
    this.reads.push({ offset, length, wave });
    const out = await this.inner.read(offset, length, options);
    // Finish on a later macrotask, so every read issued in the same tick counts as the same wave.
    await new Promise((r) => setImmediate(r));
    this.finished = Math.max(this.finished, wave);
    return out;
  }
  get waves(): number {
    return Math.max(0, ...this.reads.map((r) => r.wave));
  }
  reset(): void {
    this.reads = [];
    this.finished = 0;
  }
}

export class BatchWaveSource implements ByteSource {
  readonly key = 'waves';
  reads: Read[] = [];
  private finished = 0;
  constructor(private readonly inner: ByteSource) {}
  get size() {
    return this.inner.size;
  }
  async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
    this.reads.push({ offset, length, wave: this.finished });
    try {
      return await this.inner.read(offset, length, options);
    } finally {
      this.finished++;
    }
  }
  get waves(): number {
    return new Set(this.reads.map((r) => r.wave)).size;
  }
  /** Reads per wave, in order. */
  get shape(): number[] {
    const m = new Map<number, number>();
    for (const r of this.reads) m.set(r.wave, (m.get(r.wave) ?? 0) + 1);
    return [...m.keys()].sort((a, b) => a - b).map((k) => m.get(k)!);
  }
  get bytes(): number {
    return this.reads.reduce((a, r) => a + r.length, 0);
  }
}
