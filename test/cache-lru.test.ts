import { describe, expect, it } from 'vitest';
import { ByteLRU } from '../src/cache/lru.js';

const bytes = (n: number) => new Uint8Array(n);

describe('ByteLRU', () => {
  it('evicts least recently used entries until the byte bound holds', () => {
    const evicted: string[] = [];
    const lru = new ByteLRU<string, Uint8Array>(100, (b) => b.byteLength, (k) => evicted.push(k));
    lru.set('a', bytes(40));
    lru.set('b', bytes(40));
    expect(lru.get('a')?.byteLength).toBe(40); // a is now more recent than b
    lru.set('c', bytes(40));
    expect(evicted).toEqual(['b']);
    expect([...lru.keys()]).toEqual(['a', 'c']);
    expect(lru.bytes).toBe(80);
    lru.set('d', bytes(100));
    expect(evicted).toEqual(['b', 'a', 'c']);
    expect(lru.bytes).toBe(100);
    expect(lru.evictions).toBe(3);
  });

  it('peek does not refresh recency; replacing a key re-counts its bytes', () => {
    const lru = new ByteLRU<number, Uint8Array>(10, (b) => b.byteLength);
    lru.set(1, bytes(4));
    lru.set(2, bytes(4));
    lru.peek(1);
    lru.set(2, bytes(2));
    expect(lru.bytes).toBe(6);
    lru.set(3, bytes(5)); // 11 > 10: the least recent (1) goes
    expect(lru.has(1)).toBe(false);
    expect(lru.has(2)).toBe(true);
    expect(lru.bytes).toBe(7);
  });

  it('does not store a value larger than the whole bound', () => {
    const lru = new ByteLRU<number, Uint8Array>(10, (b) => b.byteLength);
    lru.set(1, bytes(5));
    expect(lru.set(2, bytes(11))).toBe(false);
    expect(lru.has(1)).toBe(true);
    expect(lru.has(2)).toBe(false);
    expect(lru.delete(1)).toBe(true);
    expect(lru.bytes).toBe(0);
  });
});
