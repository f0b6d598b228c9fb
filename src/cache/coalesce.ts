import { onAbort as onAbortOf } from '../source.js';
import { abortError } from '../errors.js';
import type { ByteRange } from '../source.js';

/** How reads planned together are merged into GETs. */
export interface CoalesceOptions {
  /** Ranges separated by at most this many bytes go into one GET. */
  maxGap: number;
  /** A merged GET never grows beyond this; a single longer range stays alone (see splitRange). */
  maxRequestBytes: number;
}

/** One planned GET and the input ranges (by index) it serves. */
export interface RangeGroup extends ByteRange {
  members: number[];
}

/**
 * Plans the fewest GETs for a set of ranges: sorted by offset, neighbours closer than `maxGap`
 * join one GET until it would exceed `maxRequestBytes`. Overlapping and duplicate ranges join.
 * Zero-length ranges are left out of every group.
 */
export function coalesceRanges(ranges: readonly ByteRange[], options: CoalesceOptions): RangeGroup[] {
  const order = ranges
    .map((_, i) => i)
    .filter((i) => ranges[i]!.length > 0)
    .sort((a, b) => ranges[a]!.offset - ranges[b]!.offset || ranges[a]!.length - ranges[b]!.length);
  const groups: RangeGroup[] = [];
  let current: RangeGroup | undefined;
  for (const i of order) {
    const r = ranges[i]!;
    const end = r.offset + r.length;
    if (current) {
      const currentEnd = current.offset + current.length;
      const mergedLength = Math.max(currentEnd, end) - current.offset;
      if (r.offset - currentEnd <= options.maxGap && mergedLength <= options.maxRequestBytes) {
        current.length = mergedLength;
        current.members.push(i);
        continue;
      }
      // A range already inside the group never needs a GET of its own.
      if (end <= currentEnd) {
        current.members.push(i);
        continue;
      }
    }
    current = { offset: r.offset, length: r.length, members: [i] };
    groups.push(current);
  }
  return groups;
}

/** Splits one range into consecutive parts of at most `maxBytes`, fetched in parallel. */
export function splitRange(range: ByteRange, maxBytes: number): ByteRange[] {
  const size = Math.max(1, Math.floor(maxBytes));
  const parts: ByteRange[] = [];
  for (let at = range.offset, end = range.offset + range.length; at < end; at += size) {
    parts.push({ offset: at, length: Math.min(size, end - at) });
  }
  return parts;
}

/** One GET of [offset, offset + length); short only at EOF, like ByteSource.read (onBytes as ReadOptions'). */
export type RangeFetch = (offset: number, length: number, signal: AbortSignal | undefined, onBytes?: (received: Uint8Array) => void) => Promise<Uint8Array>;

export interface ReadCoalescedOptions extends CoalesceOptions {
  /** The object's size, if known: GETs are clamped to it. */
  size?: number | undefined;
}

/**
 * Fetches all ranges at once with the fewest GETs (coalesceRanges), returning one promise per
 * range that settles as soon as its bytes have arrived: a GET serving several ranges settles each
 * as the response streams past its end, when the driver reports progress (ReadOptions.onBytes),
 * so decoding the first chunks of a combined response overlaps receiving the rest. Results are
 * views into the response. A single range longer than maxRequestBytes is fetched in parallel
 * parts and joined.
 */
export function readCoalesced(
  ranges: readonly ByteRange[],
  options: ReadCoalescedOptions,
  fetch: RangeFetch,
  signal?: AbortSignal,
): Promise<Uint8Array>[] {
  const settlers: { resolve(b: Uint8Array): void; reject(e: unknown): void }[] = [];
  const results = ranges.map(
    (r) =>
      new Promise<Uint8Array>((resolve, reject) => {
        settlers.push({ resolve, reject });
        if (r.length === 0) resolve(new Uint8Array(0));
      }),
  );
  // Reject at once on abort, even if a driver is slow to honour its signal.
  const onAbort = (): void => {
    for (const s of settlers) s.reject(abortError(signal));
  };
  if (signal) {
    const stopWaiting = onAbortOf(signal, onAbort);
    void Promise.allSettled(results).then(stopWaiting);
  }
  for (const group of coalesceRanges(ranges, options)) {
    let length = group.length;
    if (options.size !== undefined) length = Math.max(0, Math.min(length, options.size - group.offset));
    const bytes =
      length === 0
        ? Promise.resolve(new Uint8Array(0))
        : length > options.maxRequestBytes
          ? fetchInParts({ offset: group.offset, length }, options.maxRequestBytes, fetch, signal)
          : fetch(group.offset, length, signal, group.members.length > 1 ? settleArrived(ranges, group, settlers) : undefined);
    bytes.then(
      (got) => {
        for (const m of group.members) {
          const r = ranges[m]!;
          const from = Math.min(r.offset - group.offset, got.byteLength);
          settlers[m]!.resolve(got.subarray(from, Math.min(from + r.length, got.byteLength)));
        }
      },
      (error: unknown) => {
        for (const m of group.members) settlers[m]!.reject(error);
      },
    );
  }
  return results;
}

/** A progress callback that settles each member of `group` once the bytes received cover it. */
function settleArrived(
  ranges: readonly ByteRange[],
  group: RangeGroup,
  settlers: { resolve(b: Uint8Array): void }[],
): (received: Uint8Array) => void {
  // Members by end, so each call settles a prefix of what is left.
  const left = group.members.slice().sort((a, b) => ranges[a]!.offset + ranges[a]!.length - (ranges[b]!.offset + ranges[b]!.length));
  let next = 0;
  return (received) => {
    while (next < left.length) {
      const r = ranges[left[next]!]!;
      const from = r.offset - group.offset;
      if (from + r.length > received.byteLength) return;
      settlers[left[next++]!]!.resolve(received.subarray(from, from + r.length));
    }
  };
}

/** Parallel GETs of one long range, joined; a short part (EOF) ends the result. */
async function fetchInParts(
  range: ByteRange,
  maxBytes: number,
  fetch: RangeFetch,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  const parts = splitRange(range, maxBytes);
  const got = await Promise.all(parts.map((p) => fetch(p.offset, p.length, signal)));
  let total = 0;
  for (let k = 0; k < got.length; k++) {
    total += got[k]!.byteLength;
    if (got[k]!.byteLength < parts[k]!.length) {
      got.length = k + 1;
      break;
    }
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const g of got) {
    out.set(g, at);
    at += g.byteLength;
  }
  return out;
}
