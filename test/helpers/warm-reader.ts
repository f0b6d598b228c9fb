/**
 * One reader process for the persistent metadata cache tests: opens URL with a directory store,
 * reads /x[START:STOP] with readDataset, closes (which stores what it read), and prints one JSON
 * line: the values and the file's own statistics.
 *   node --import ./scripts/register-ts.mjs test/helpers/warm-reader.ts URL DIR MAX_BYTES START STOP
 */
import { DirectoryMetadataStore, open } from '../../src/node.js';

const [url, dir, maxBytes, start, stop] = process.argv.slice(2);
// A 64 KiB first read: the fixture (160 KB) would otherwise come whole in the first round trip, and
// these tests are about the chunk GET a warm process still makes (and its If-Match).
const f = await open(url!, {
  metadataCache: new DirectoryMetadataStore(dir!, { maxBytes: Number(maxBytes) }),
  cache: { initialReadSize: 65536 },
});
const r = await f.readDataset('/x', [[Number(start), Number(stop)]]);
const s = f.stats();
await f.close();
console.log(JSON.stringify({ values: Array.from(r.data as Float64Array), requests: s.requests, waves: s.waves }));
