/**
 * A fresh JavaScript realm for the warm re-read test: nothing of the page's memory, only the
 * origin's IndexedDB, as after a page reload. Reads one hyperslab and posts the values and counts.
 */
import { IndexedDBMetadataStore, open } from '../../src/index.js';

self.onmessage = async (ev: MessageEvent<{ url: string; dataset: string; slab: [number, number][]; db: string }>) => {
  try {
    const { url, dataset, slab, db } = ev.data;
    const f = await open(url, { metadataCache: new IndexedDBMetadataStore(db) });
    const r = await f.readDataset(dataset, slab);
    const { requests, waves } = f.stats();
    await f.close();
    self.postMessage({ ok: true, values: Array.from(r.data as Float64Array), requests, waves });
  } catch (e) {
    self.postMessage({ ok: false, error: String(e) });
  }
};
