/**
 * Warm re-reads (open({ metadataCache })): a file opened from a persistent metadata cache entry
 * parses its metadata from the stored blocks, with no request, and is *provisional* until the
 * object answers a request carrying the stored version as a precondition (If-Match). The first
 * data read's chunk GET is that request, so a warm read is one wave. A 412 (or another ETag, or
 * another size) means the object changed: the entry is dropped, the file is opened again from the
 * object itself, and the read is redone there. Stale bytes are never returned.
 */
import type { MetadataStore, StoredMetadata } from '../cache/metadata-store.js';
import type { RemoteVersion } from '../drivers/ranged.js';
import { H5Error } from '../errors.js';
import type { ByteSource } from '../source.js';
import type { StatsSource } from '../cache/stats.js';

/** The part of a remote driver (HTTP, S3) a persistent cache needs: its pinned version and preconditions. */
export interface VersionedSource extends ByteSource {
  assumeVersion(v: RemoteVersion): void;
  forgetVersion(): void;
  readonly remoteVersion: (RemoteVersion & { confirmed: boolean }) | undefined;
}

export function isVersioned(s: ByteSource): s is VersionedSource {
  return typeof (s as Partial<VersionedSource>).assumeVersion === 'function' && typeof (s as Partial<VersionedSource>).forgetVersion === 'function';
}

/** True when `e` (or what it wraps) says the object changed under us. */
export function isChanged(e: unknown): boolean {
  for (let depth = 0; depth < 6 && e instanceof Error; depth++) {
    if (e instanceof H5Error && e.code === 'Changed') return true;
    e = e.cause;
  }
  return false;
}

/** One file's link to its persistent cache entry. */
export class WarmState {
  /** Until a response confirms the stored version, reads must confirm it (or redo after a change). */
  provisional: boolean;
  /** Bumped by each restart, so concurrent reads that saw the same change share one restart. */
  generation = 0;
  restarting: Promise<void> | undefined;
  /** Blocks the entry held when opened: an entry is rewritten on close only when more were read. */
  loadedBlocks: number;

  constructor(
    readonly store: MetadataStore,
    readonly driver: VersionedSource,
    /** The requests that count (the statistics wrapper over the driver). */
    readonly source: StatsSource,
    entry: StoredMetadata | undefined,
  ) {
    this.provisional = entry !== undefined;
    this.loadedBlocks = entry?.blocks.length ?? 0;
  }

  /**
   * The stored entry for the driver's key, with its version assumed by the driver (so every
   * request carries it as a precondition); undefined when there is none or the store fails.
   */
  static async load(store: MetadataStore, driver: VersionedSource): Promise<StoredMetadata | undefined> {
    const entry = await store.get(driver.key).catch(() => undefined);
    if (!entry || (!entry.etag && !entry.lastModified)) return undefined;
    driver.assumeVersion(entry);
    return entry;
  }

  /**
   * Ends the provisional state: already confirmed by a response, or by one conditional request
   * now (a read that needed no GET at all). Throws 'Changed' if the object changed.
   */
  confirm(): Promise<void> {
    // Shared by reads that finish together, and so under no one caller's signal: one byte, under the driver's time limit.
    this.confirming ??= this.confirmOnce().finally(() => (this.confirming = undefined));
    return this.confirming;
  }

  private async confirmOnce(): Promise<void> {
    if (!this.driver.remoteVersion?.confirmed) await this.source.read(0, 1);
    if (this.driver.remoteVersion?.confirmed) this.provisional = false;
  }

  private confirming: Promise<void> | undefined;

  /** Writes what the file read to the store, if its version is confirmed and it read anything new. */
  async save(blocks: StoredMetadata['blocks']): Promise<void> {
    const v = this.driver.remoteVersion;
    if (!v?.confirmed || this.provisional || blocks.length <= this.loadedBlocks) return;
    const entry: StoredMetadata = { key: this.driver.key, size: v.size, blocks };
    if (v.etag !== undefined) entry.etag = v.etag;
    if (v.lastModified !== undefined) entry.lastModified = v.lastModified;
    await this.store.put(entry);
    this.loadedBlocks = blocks.length;
  }

  /** Forgets the stored entry and the assumed version: the object is read afresh from here on. */
  async forget(): Promise<void> {
    this.provisional = false;
    this.loadedBlocks = 0;
    this.driver.forgetVersion();
    await this.store.delete(this.driver.key).catch(() => {});
  }
}
