import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { coalesceRanges, readCoalesced, splitRange } from '../src/cache/coalesce.js';
import { isH5Error } from '../src/errors.js';

describe('coalesceRanges', () => {
  it('merges neighbours within the gap and keeps far ones apart', () => {
    const groups = coalesceRanges(
      [
        { offset: 1000, length: 10 },
        { offset: 0, length: 100 },
        { offset: 150, length: 50 }, // gap 50 from the first
        { offset: 5000, length: 1 },
      ],
      { maxGap: 50, maxRequestBytes: 1 << 20 },
    );
    expect(groups).toEqual([
      { offset: 0, length: 200, members: [1, 2] },
      { offset: 1000, length: 10, members: [0] },
      { offset: 5000, length: 1, members: [3] },
    ]);
  });

  it('caps a merged GET at maxRequestBytes and leaves zero-length ranges out', () => {
    const groups = coalesceRanges(
      [
        { offset: 0, length: 60 },
        { offset: 60, length: 60 },
        { offset: 10, length: 5 }, // inside the first group
        { offset: 500, length: 0 },
      ],
      { maxGap: 1000, maxRequestBytes: 100 },
    );
    expect(groups).toEqual([
      { offset: 0, length: 60, members: [0, 2] },
      { offset: 60, length: 60, members: [1] },
    ]);
  });

  it('every range is covered by exactly one group', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ offset: fc.nat(10_000), length: fc.nat(500) }), { maxLength: 30 }),
        fc.nat(300),
        fc.integer({ min: 1, max: 2000 }),
        (ranges, maxGap, maxRequestBytes) => {
          const groups = coalesceRanges(ranges, { maxGap, maxRequestBytes });
          const seen = new Map<number, number>();
          for (const g of groups) {
            for (const m of g.members) {
              seen.set(m, (seen.get(m) ?? 0) + 1);
              const r = ranges[m]!;
              expect(r.offset).toBeGreaterThanOrEqual(g.offset);
              expect(r.offset + r.length).toBeLessThanOrEqual(g.offset + g.length);
            }
            // Only a single range longer than the cap makes a longer GET (ranges inside it ride along).
            const longest = Math.max(...g.members.map((m) => ranges[m]!.length));
            expect(g.length).toBeLessThanOrEqual(Math.max(maxRequestBytes, longest));
          }
          ranges.forEach((r, i) => expect(seen.get(i) ?? 0).toBe(r.length > 0 ? 1 : 0));
        },
      ),
    );
  });
});

describe('splitRange', () => {
  it('cuts a range into parts of at most maxBytes', () => {
    expect(splitRange({ offset: 10, length: 25 }, 10)).toEqual([
      { offset: 10, length: 10 },
      { offset: 20, length: 10 },
      { offset: 30, length: 5 },
    ]);
  });
});

describe('readCoalesced', () => {
  const data = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
  const fetcher = (calls: [number, number][]) => async (offset: number, length: number) => {
    calls.push([offset, length]);
    return data.slice(offset, Math.min(offset + length, data.length));
  };

  it('serves every range from merged GETs, split parts joined, short at EOF', async () => {
    const calls: [number, number][] = [];
    const ranges = [
      { offset: 0, length: 10 },
      { offset: 15, length: 10 },
      { offset: 300, length: 250 }, // longer than maxRequestBytes: fetched in parts
      { offset: 990, length: 50 }, // straddles EOF
      { offset: 5, length: 0 },
    ];
    const out = await Promise.all(readCoalesced(ranges, { maxGap: 5, maxRequestBytes: 100, size: 1000 }, fetcher(calls)));
    expect(calls).toEqual([
      [0, 25],
      [300, 100],
      [400, 100],
      [500, 50],
      [990, 10],
    ]);
    ranges.forEach((r, i) => expect(out[i]).toEqual(data.slice(r.offset, Math.min(r.offset + r.length, 1000))));
  });

  it('rejects every range at once when the signal aborts', async () => {
    const controller = new AbortController();
    const never = () => new Promise<Uint8Array>(() => {});
    const promises = readCoalesced([{ offset: 0, length: 1 }, { offset: 500, length: 1 }], { maxGap: 0, maxRequestBytes: 10 }, never, controller.signal);
    controller.abort();
    for (const p of promises) {
      const e = await p.catch((x: unknown) => x);
      expect(isH5Error(e) && e.code).toBe('Aborted');
    }
  });
});
