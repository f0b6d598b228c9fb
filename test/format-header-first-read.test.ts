/**
 * The first read of an object header is sized by the file's headers read before it (issue 20):
 * 512 bytes at first, then as large as the largest recent chunk 0, so siblings of a large header
 * arrive in one read instead of a read and a follow-up a round trip later.
 */
import { describe, expect, it } from 'vitest';
import { readObjectHeaderRaw } from '../src/format/object-header.js';
import { DEFAULT_LIMITS } from '../src/format/limits.js';
import type { FormatContext } from '../src/format/context.js';
import { RecordingSource } from './helpers/recording-source.js';

/** A v1 object header at `at` whose chunk 0 holds `size` bytes of NIL messages (type 0). */
function v1Header(file: Uint8Array, at: number, size: number): void {
  const v = new DataView(file.buffer, at);
  v.setUint8(0, 1); // version
  v.setUint16(2, 1, true); // message count
  v.setUint32(4, 1, true); // reference count
  v.setUint32(8, size, true); // chunk 0 size
  // One NIL message filling the chunk: type 0, body size, flags, 3 reserved.
  v.setUint16(16, 0, true);
  v.setUint16(18, size - 8, true);
}

describe('object header first read', () => {
  it('reads 512 bytes first, then as much as the large headers seen before', async () => {
    const file = new Uint8Array(64 * 1024);
    for (const at of [0, 8192, 16384]) v1Header(file, at, 1500);
    const source = new RecordingSource(file);
    const ctx: FormatContext = { source, baseAddress: 0, sizeOfOffsets: 8, sizeOfLengths: 8, limits: DEFAULT_LIMITS, parsed: new Map() };
    await readObjectHeaderRaw(ctx, 0);
    // 512 bytes, then the rest of chunk 0 (from the messages on: the 16-byte prefix is read).
    expect(source.requests.map((r) => [r.offset, r.length])).toEqual([
      [0, 512],
      [16, 1500],
    ]);
    source.requests.length = 0;
    const [a, b] = await Promise.all([readObjectHeaderRaw(ctx, 8192), readObjectHeaderRaw(ctx, 16384)]);
    // 16 + 1500 rounded up to 64: one read each.
    expect(source.requests.map((r) => [r.offset, r.length])).toEqual([
      [8192, 1536],
      [16384, 1536],
    ]);
    expect(a.chunks).toEqual([{ address: 8192 + 16, size: 1500 }]);
    expect(b.messages).toHaveLength(1);
  });
});
