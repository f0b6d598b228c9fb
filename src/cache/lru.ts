/**
 * A least-recently-used map bounded in BYTES rather than entries, because metadata blocks at EOF
 * and chunk-sized values differ in size and memory is what the bound protects.
 * A Map keeps insertion order, so re-inserting on access makes its first key the least recent.
 */
export class ByteLRU<K, V> {
  private readonly map = new Map<K, V>();
  private used = 0;
  /** Entries dropped to make room (not counting explicit deletes or replacements). */
  evictions = 0;

  constructor(
    readonly maxBytes: number,
    private readonly sizeOf: (value: V) => number,
    private readonly onEvict?: (key: K, value: V) => void,
  ) {
    if (!(maxBytes >= 0)) throw new RangeError(`maxBytes must be >= 0, got ${maxBytes}`);
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.used;
  }

  /** Entries held now. */
  get size(): number {
    return this.map.size;
  }

  /** The value, marked most recently used. */
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  /** The value, without changing its recency. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /**
   * Stores the value as most recently used and evicts least recent entries until the bound holds.
   * A value larger than the whole bound is not stored (it would evict everything and itself).
   * Returns whether the value was stored.
   */
  set(key: K, value: V): boolean {
    const bytes = this.sizeOf(value);
    this.delete(key);
    if (bytes > this.maxBytes) return false;
    this.map.set(key, value);
    this.used += bytes;
    while (this.used > this.maxBytes) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      const old = this.map.get(oldest.value) as V;
      this.map.delete(oldest.value);
      this.used -= this.sizeOf(old);
      this.evictions++;
      this.onEvict?.(oldest.value, old);
    }
    return true;
  }

  delete(key: K): boolean {
    const value = this.map.get(key);
    if (value === undefined) return false;
    this.map.delete(key);
    this.used -= this.sizeOf(value);
    return true;
  }

  clear(): void {
    this.map.clear();
    this.used = 0;
  }

  /** Keys from least to most recently used. */
  keys(): IterableIterator<K> {
    return this.map.keys();
  }
}
