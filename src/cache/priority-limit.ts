/**
 * A concurrency limit with two queues: metadata GETs go ahead of chunk-data GETs. Both share the
 * source's connections, but a read cannot ask for chunks before its metadata arrives, so a
 * metadata GET stuck behind a long queue of chunk GETs (another dataset's big read, or a scatter
 * of small chunks that do not coalesce) adds whole round trips to every later wave; a chunk GET
 * waiting behind a metadata GET costs one small transfer.
 *
 * Two caps: `concurrency` GETs in flight at all, and at most `largeConcurrency` of them large.
 * A small GET (a metadata block, a chunk of tens of KB) is latency-bound: its bytes take less
 * than a round trip, so fifty of them at once cost one round trip, while queued behind sixteen
 * they cost four. Large GETs are bandwidth-bound and each holds its whole response in memory,
 * so they keep the lower cap.
 */
export type Priority = 'metadata' | 'data';

interface Queued {
  large: boolean;
  start: () => void;
}

export class PriorityLimit {
  private active = 0;
  private activeLarge = 0;
  private readonly queues: Record<Priority, Queued[]> = { metadata: [], data: [] };
  readonly largeConcurrency: number;

  constructor(
    readonly concurrency: number,
    largeConcurrency = concurrency,
  ) {
    this.largeConcurrency = Math.min(concurrency, largeConcurrency);
  }

  /** Runs `fn` once a slot is free, metadata first; settles as `fn` does. `large` GETs also need a large slot. */
  run<T>(priority: Priority, fn: () => Promise<T>, large = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.active++;
        if (large) this.activeLarge++;
        let p: Promise<T>;
        try {
          p = fn();
        } catch (e) {
          p = Promise.reject(e);
        }
        p.then(resolve, reject).finally(() => {
          this.active--;
          if (large) this.activeLarge--;
          this.next();
        });
      };
      this.queues[priority].push({ large, start });
      this.next();
    });
  }

  /** GETs waiting for a slot, per class. */
  get pending(): { metadata: number; data: number } {
    return { metadata: this.queues.metadata.length, data: this.queues.data.length };
  }

  private next(): void {
    while (this.active < this.concurrency) {
      const entry = this.take('metadata') ?? this.take('data');
      if (!entry) return;
      entry.start();
    }
  }

  /** The first entry of a queue that may start now: small GETs pass large ones waiting for a large slot. */
  private take(priority: Priority): Queued | undefined {
    const queue = this.queues[priority];
    const largeFree = this.activeLarge < this.largeConcurrency;
    const i = largeFree ? (queue.length ? 0 : -1) : queue.findIndex((q) => !q.large);
    return i < 0 ? undefined : queue.splice(i, 1)[0];
  }
}
