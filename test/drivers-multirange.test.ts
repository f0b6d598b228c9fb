/**
 * Many small ranges per round trip (issue 20): HTTP multi-range GETs answered 206
 * multipart/byteranges, parsed strictly; servers that ignore them (S3 answers 200 with the whole
 * object) detected from the first answer and read one range per GET from then on; and the block
 * cache packing a batch of metadata reads into at most `concurrency` such GETs. Against the real
 * range server of test/helpers, which answers multi-range as nginx and Apache do.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withBlockCache } from '../src/cache/block-cache.js';
import { withStats } from '../src/cache/stats.js';
import { HttpSource } from '../src/drivers/http.js';
import { byterangesBoundary, parseByteranges } from '../src/drivers/multipart.js';
import { answerRanges } from '../bench/byteranges.js';
import { RangeServer, testBytes } from './helpers/range-server.js';
import { RecordingSource } from './helpers/recording-source.js';
import { failure } from './helpers/failure.js';

const SIZE = 200_000;
const DATA = testBytes(SIZE);
const FAST = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };
const BIG = 2_000_000;
const BIG_DATA = testBytes(BIG, 7);
const slice = (offset: number, length: number) => DATA.subarray(offset, offset + length);

// One server for the file; each test starts from a fresh version of both files and no faults.
let server: RangeServer;
beforeAll(async () => void (server = await RangeServer.start()));
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  for (const [path, bytes] of [['/data.bin', DATA], ['/big.bin', BIG_DATA]] as const) server.put(path, bytes);
});

const open = () => new HttpSource(server.urlOf('/data.bin'), { retry: FAST, size: SIZE });
/** 40 scattered ranges of 1..700 bytes, the last one running past the end of the file. */
const scattered = Array.from({ length: 40 }, (_, i) => ({ offset: (i * 4999) % (SIZE - 1000), length: 1 + ((i * 173) % 700) }));
scattered.push({ offset: SIZE - 10, length: 50 });

describe('HttpSource.readRanges', () => {
  it('reads 41 ranges in one multi-range GET, each with exactly its bytes (clipped at the end of the file)', async () => {
    const src = open();
    expect(src.multiRange).toBeUndefined();
    const got = await src.readRanges(scattered);
    got.forEach((b, i) => expect(b, `range ${i}`).toEqual(slice(scattered[i]!.offset, Math.min(scattered[i]!.length, SIZE - scattered[i]!.offset))));
    expect(server.count('GET')).toBe(1);
    expect(server.requests[0]!.range!.split(',')).toHaveLength(41);
    expect(src.multiRange).toBe(true);
  });

  it('falls back to one GET per range where the server ignores multi-range (200, as S3), and stops asking', async () => {
    server.multiRange = false;
    const src = open();
    const first = await src.readRanges(scattered.slice(0, 5));
    first.forEach((b, i) => expect(b).toEqual(slice(scattered[i]!.offset, scattered[i]!.length)));
    expect(src.multiRange).toBe(false);
    // The refused multi-range GET, then one GET per range.
    expect(server.requests.map((r) => r.range!.includes(','))).toEqual([true, false, false, false, false, false]);
    const before = server.requests.length;
    const second = await src.readRanges(scattered.slice(5, 8));
    second.forEach((b, i) => expect(b).toEqual(slice(scattered[i + 5]!.offset, scattered[i + 5]!.length)));
    expect(server.requests.slice(before).map((r) => r.range!.includes(','))).toEqual([false, false, false]);
  });

  it('pins the version across multi-range answers: another ETag is Changed', async () => {
    const src = open();
    await src.readRanges(scattered.slice(0, 3));
    server.put('/data.bin', DATA); // same bytes, a new version
    const e = await failure(src.readRanges(scattered.slice(3, 6)));
    expect(e.code).toBe('Changed');
  });
});

describe('multipart/byteranges parsing', () => {
  const ranges = [
    { offset: 10, length: 5 },
    { offset: 1000, length: 300 },
  ];
  const body = () => {
    const a = answerRanges(`bytes=10-14,1000-1299`, SIZE, (s, e) => Buffer.from(DATA.subarray(s, e + 1)));
    return { boundary: byterangesBoundary(String(a.headers['Content-Type']))!, bytes: new Uint8Array(Buffer.concat(a.body)) };
  };

  it('reads the boundary, quoted or not, only from multipart/byteranges', () => {
    expect(byterangesBoundary('multipart/byteranges; boundary=abc')).toBe('abc');
    expect(byterangesBoundary('multipart/byteranges; charset=x; boundary="a b:c"')).toBe('a b:c');
    expect(byterangesBoundary('multipart/mixed; boundary=abc')).toBeUndefined();
    expect(byterangesBoundary('application/octet-stream')).toBeUndefined();
  });

  it('parses each part by its Content-Range, bytes that look like a delimiter included', () => {
    const { boundary, bytes } = body();
    const parts = parseByteranges(bytes, boundary, 'x');
    expect(parts.map((p) => [p.start, p.end, p.total])).toEqual([
      [10, 14, SIZE],
      [1000, 1299, SIZE],
    ]);
    expect(parts[1]!.bytes).toEqual(slice(ranges[1]!.offset, ranges[1]!.length));
    // A part whose data holds "\r\n--boundary" is still cut by its Content-Range.
    const trick = `\r\n--${boundary}\r\n`;
    const evil = new TextEncoder().encode(`--${boundary}\r\nContent-Range: bytes 0-${trick.length - 1}/99\r\n\r\n${trick}\r\n--${boundary}--\r\n`);
    expect(new TextDecoder().decode(parseByteranges(evil, boundary, 'x')[0]!.bytes)).toBe(trick);
  });

  it('refuses a cut-short part, a missing delimiter and a part without Content-Range', () => {
    const { boundary, bytes } = body();
    expect(() => parseByteranges(bytes.subarray(0, bytes.length - 40), boundary, 'x')).toThrow(/cut short|no delimiter/);
    const text = new TextDecoder('latin1').decode(bytes);
    const noRange = new TextEncoder().encode(text.replace(/Content-Range: bytes 10-14/, 'X-Other: bytes 10-14'));
    expect(() => parseByteranges(noRange, boundary, 'x')).toThrow(/without Content-Range/);
    expect(() => parseByteranges(bytes, 'other-boundary', 'x')).toThrow(/opening delimiter/);
  });
});

describe('block cache over multi-range', () => {
  // 6.6 KB apart: more than the ~2 KB that each of 300 reads planned together may bring around it.
  const reads = Array.from({ length: 300 }, (_, i) => ({ offset: (i * 6661) % (BIG - 100), length: 20 + (i % 60) }));
  const big = (offset: number, length: number) => BIG_DATA.subarray(offset, offset + length);
  const openBig = () => new HttpSource(server.urlOf('/big.bin'), { retry: FAST, size: BIG });

  it('packs 300 scattered metadata reads of one turn into at most `concurrency` GETs, each read exact', async () => {
    const stats = withStats(openBig());
    const cache = withBlockCache(stats, { concurrency: 4 });
    const got = await Promise.all(reads.map((r) => cache.read(r.offset, r.length)));
    got.forEach((b, i) => expect(b, `read ${i}`).toEqual(big(reads[i]!.offset, reads[i]!.length)));
    expect(server.count('GET')).toBeLessThanOrEqual(4);
    expect(server.requests.every((r) => r.range!.includes(','))).toBe(true);
    expect(stats.stats.waves).toBe(1);
    // Reads planned together bring little beyond themselves (the 512-byte granule), not the file.
    expect(stats.stats.bytesTransferred).toBeLessThan(300 * 4096);
  });

  it('reads the same bytes, one range per GET, from a server that ignores multi-range', async () => {
    server.multiRange = false;
    const cache = withBlockCache(openBig(), { concurrency: 4 });
    const got = await Promise.all(reads.map((r) => cache.read(r.offset, r.length)));
    got.forEach((b, i) => expect(b, `read ${i}`).toEqual(big(reads[i]!.offset, reads[i]!.length)));
    // The first batch's packs went out together, each refused once; nothing asks again.
    const refused = server.requests.filter((r) => r.range!.includes(',')).length;
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThanOrEqual(4);
    const before = server.requests.length;
    const more = reads.map((r) => ({ offset: r.offset + 3000, length: 10 }));
    const again = await Promise.all(more.map((r) => cache.read(r.offset, r.length)));
    again.forEach((b, i) => expect(b).toEqual(big(more[i]!.offset, 10)));
    expect(server.requests.slice(before).some((r) => r.range!.includes(','))).toBe(false);
  });

  it('gives a big batch of small ranges more connections where the source has no multi-range but asks for them (S3)', async () => {
    const source = Object.assign(new RecordingSource(BIG_DATA, { delayMs: 20 }), { smallRangeConcurrency: 32 });
    const cache = withBlockCache(withStats(source), { concurrency: 4 });
    const got = await Promise.all(reads.map((r) => cache.read(r.offset, r.length)));
    got.forEach((b, i) => expect(b, `read ${i}`).toEqual(big(reads[i]!.offset, reads[i]!.length)));
    expect(source.maxInFlight).toBe(32);
    // Without the hint, `concurrency` bounds every GET.
    const plain = new RecordingSource(BIG_DATA, { delayMs: 20 });
    const plainCache = withBlockCache(plain, { concurrency: 4 });
    await Promise.all(reads.map((r) => plainCache.read(r.offset, r.length)));
    expect(plain.maxInFlight).toBeLessThanOrEqual(4);
  });

  it('plans reads started while a GET is in flight together, after it: one wave, not one per turn', async () => {
    const stats = withStats(open());
    // One connection: the three reads can only share a wave by sharing a GET.
    const cache = withBlockCache(stats, { readAround: 512, maxGap: 0, concurrency: 1 });
    server.fault({ type: 'stall', ms: 150 });
    const first = cache.read(0, 100);
    // Three turns, each starting a read while the first GET is held up.
    const later: Promise<Uint8Array>[] = [];
    for (const offset of [50_000, 100_000, 150_000]) {
      await new Promise((r) => setTimeout(r, 20));
      later.push(cache.read(offset, 100));
    }
    await first;
    const got = await Promise.all(later);
    got.forEach((b, i) => expect(b).toEqual(slice([50_000, 100_000, 150_000][i]!, 100)));
    expect(server.requests.map((r) => r.range!.split(',').length)).toEqual([1, 3]);
    expect(stats.stats.waves).toBe(2);
  });
});
