import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withBlockCache } from '../src/cache/block-cache.js';
import { withStats } from '../src/cache/stats.js';
import { HttpSource } from '../src/drivers/http.js';
import { patternBytes } from './helpers/recording-source.js';
import { RangeServer, testBytes } from './helpers/range-server.js';

const B = 4096;
const file = patternBytes(300_000);
const seen: { method: string; range: string | undefined }[] = [];
let server: Server;
let url: string;

/** A minimal static server with single-range support, as a CDN or S3 website would answer. */
beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', range: req.headers.range });
    const headers = { 'accept-ranges': 'bytes', etag: '"v1"', 'content-type': 'application/octet-stream' };
    if (req.method === 'HEAD') {
      res.writeHead(200, { ...headers, 'content-length': file.length });
      return res.end();
    }
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!m) {
      res.writeHead(200, { ...headers, 'content-length': file.length });
      return res.end(file);
    }
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), file.length - 1);
    if (start >= file.length) {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${file.length}` });
      return res.end();
    }
    // A little latency so requests issued together really overlap on the wire.
    setTimeout(() => {
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${file.length}`, 'content-length': end - start + 1 });
      res.end(file.subarray(start, end + 1));
    }, 5);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data.h5`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const expected = (offset: number, length: number) => file.slice(offset, Math.min(offset + length, file.length));

describe('BlockCache over a real HTTP range server', () => {
  it('merges one turn of metadata reads, shares blocks, and bypasses for chunks', async () => {
    seen.length = 0;
    const cache = withBlockCache(withStats(new HttpSource(url)), { blockSize: B, maxGap: B, initialReadSize: 2 * B });
    expect(await cache.readInitial()).toEqual(expected(0, 2 * B));
    expect(seen).toEqual([{ method: 'GET', range: `bytes=0-${2 * B - 1}` }]);
    expect(cache.size).toBe(file.length);

    // One turn: blocks 3 and 5 (gap of one block: merged), 40 (far: its own GET), 0 (cached).
    const ranges = [
      { offset: 3 * B + 10, length: 100 },
      { offset: 5 * B, length: 50 },
      { offset: 40 * B + 1, length: 2 * B },
      { offset: 20, length: 30 },
    ];
    const out = await Promise.all(ranges.map((r) => cache.read(r.offset, r.length)));
    ranges.forEach((r, i) => expect(out[i]).toEqual(expected(r.offset, r.length)));
    expect(seen.slice(1).map((s) => s.range).sort()).toEqual([`bytes=${3 * B}-${6 * B - 1}`, `bytes=${40 * B}-${43 * B - 1}`]);
    expect(cache.stats).toMatchObject({ requests: 3, waves: 2 });

    // Chunk data: two close ranges share a GET; the cached metadata stays.
    const before = cache.stats.bytesCached;
    const chunks = await cache.readDirect([
      { offset: 100_000, length: 20_000 },
      { offset: 120_010, length: 20_000 },
      { offset: 290_000, length: 20_000 }, // straddles EOF
    ]);
    expect(chunks[0]).toEqual(expected(100_000, 20_000));
    expect(chunks[1]).toEqual(expected(120_010, 20_000));
    expect(chunks[2]).toEqual(expected(290_000, 20_000));
    expect(chunks[2]!.byteLength).toBe(10_000);
    expect(seen).toHaveLength(5);
    expect(cache.stats.bytesCached).toBe(before);

    // Past EOF: known size, no request.
    expect((await cache.read(file.length + 10, 5)).byteLength).toBe(0);
    expect(seen).toHaveLength(5);
    await cache.close();
  });

  it('sixteen readers of the same block in one turn cause one request', async () => {
    seen.length = 0;
    const cache = withBlockCache(new HttpSource(url), { blockSize: B });
    const out = await Promise.all(Array.from({ length: 16 }, (_, i) => cache.read(10 * B + i * 100, 64)));
    out.forEach((o, i) => expect(o).toEqual(expected(10 * B + i * 100, 64)));
    expect(seen).toEqual([{ method: 'GET', range: `bytes=${10 * B}-${11 * B - 1}` }]);
  });
});

describe('a combined chunk GET streams to its ranges', () => {
  it('each range settles once the body has passed its end, before the rest of the response arrives', async () => {
    const rs = await RangeServer.start();
    try {
      const bytes = testBytes(200_000);
      rs.put('/s.bin', bytes);
      const cache = withBlockCache(withStats(new HttpSource(rs.urlOf('/s.bin'))), { directMaxGap: 200_000 });
      // The body stops after 64 KiB for two seconds: the first range is in, the second is not.
      rs.fault({ type: 'stall-body', afterBytes: 65_536, ms: 2000 });
      const [first, second] = cache.readDirectRanges([
        { offset: 1000, length: 5000 },
        { offset: 150_000, length: 5000 },
      ]);
      let secondDone = false;
      void second!.then(() => (secondDone = true));
      expect(await first!).toEqual(bytes.subarray(1000, 6000));
      await new Promise((r) => setTimeout(r, 0));
      expect(secondDone).toBe(false);
      expect(await second!).toEqual(bytes.subarray(150_000, 155_000));
      expect(rs.requests.map((r) => r.range)).toEqual(['bytes=1000-154999']);
    } finally {
      await rs.close();
    }
  });
});
