/**
 * A persistent metadata cache in IndexedDB (browsers, workers): one record per remote object,
 * the entry's checksummed bytes plus its size and last use, so eviction (least recently used
 * first, by bytes) reads an index, not the entries. Core code: it only touches `indexedDB`
 * when used, so it bundles everywhere.
 */
import { H5Error } from '../errors.js';
import {
  DEFAULT_METADATA_STORE_BYTES,
  checkStoreBound,
  decodeMetadata,
  encodeMetadata,
  type MetadataStore,
  type StoredMetadata,
} from './metadata-store.js';

export interface IndexedDBStoreOptions {
  /** Bytes of entries kept; least recently used entries go first (DEFAULT_METADATA_STORE_BYTES). */
  maxBytes?: number;
  /**
   * The IndexedDB factory (default globalThis.indexedDB). Typed structurally, so an app whose
   * `lib` leaves out DOM still type-checks coh5's typings; pass a real `IDBFactory`.
   */
  indexedDB?: { open(name: string, version?: number): unknown };
}

interface Row {
  key: string;
  bytes: Uint8Array;
  size: number;
  used: number;
}

const STORE = 'entries';

export class IndexedDBMetadataStore implements MetadataStore {
  readonly maxBytes: number;
  private db: Promise<IDBDatabase> | undefined;
  private readonly factory: IDBFactory | undefined;

  constructor(
    /** The database name; one per application is enough. */
    readonly name = 'coh5-metadata',
    options: IndexedDBStoreOptions = {},
  ) {
    this.maxBytes = checkStoreBound(options.maxBytes ?? DEFAULT_METADATA_STORE_BYTES);
    this.factory = (options.indexedDB as IDBFactory | undefined) ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  }

  async get(key: string): Promise<StoredMetadata | undefined> {
    const row = await this.run('readwrite', (s) => {
      const req = s.get(key);
      // Touch it in the same transaction: a use moves it to the back of the eviction order.
      req.onsuccess = () => {
        const r = req.result as Row | undefined;
        if (r) s.put({ ...r, used: Date.now() });
      };
      return req;
    });
    return row ? decodeMetadata((row as Row).bytes, key) : undefined;
  }

  async put(entry: StoredMetadata): Promise<void> {
    const bytes = encodeMetadata(entry);
    if (bytes.byteLength > this.maxBytes) return this.delete(entry.key);
    await this.run('readwrite', (s) => s.put({ key: entry.key, bytes, size: bytes.byteLength, used: Date.now() } satisfies Row));
    await this.evict(entry.key);
  }

  async delete(key: string): Promise<void> {
    await this.run('readwrite', (s) => s.delete(key));
  }

  /** Deletes least recently used rows (never `keep`) until the rest fit in maxBytes. */
  private async evict(keep: string): Promise<void> {
    await this.run('readwrite', (s) => {
      const rows: Array<{ key: string; size: number }> = [];
      const cursor = s.index('used').openCursor();
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (c) {
          const { key, size } = c.value as Row;
          rows.push({ key, size });
          c.continue();
          return;
        }
        let total = rows.reduce((n, r) => n + r.size, 0);
        for (const r of rows) {
          if (total <= this.maxBytes) break;
          if (r.key === keep) continue;
          s.delete(r.key);
          total -= r.size;
        }
      };
      return cursor;
    });
  }

  private open(): Promise<IDBDatabase> {
    const factory = this.factory;
    if (!factory) return Promise.reject(new H5Error('Unsupported', 'no IndexedDB in this environment (IndexedDBMetadataStore)'));
    return (this.db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open(this.name, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' }).createIndex('used', 'used');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
      req.onblocked = () => reject(new H5Error('Unsupported', `IndexedDB database ${this.name} is blocked by another tab's older version`));
    }).catch((e: unknown) => {
      this.db = undefined;
      throw e;
    }));
  }

  /** Runs one transaction; resolves with the request's result when the transaction commits. */
  private async run(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest): Promise<unknown> {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }
}
