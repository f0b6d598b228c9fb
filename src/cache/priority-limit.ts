/**
 * A concurrency limit with two queues: metadata GETs go ahead of chunk-data GETs. Both share the
 * source's connections, but a read cannot ask for chunks before its metadata arrives, so a
 * metadata GET stuck behind a long queue of chunk GETs (another dataset's big read, or a scatter
 * of small chunks that do not coalesce) adds whole round trips to every later wave; a chunk GET
 * waiting behind a metadata GET costs one small transfer.
 */
export type Priority = 'metadata' | 'data';

export class PriorityLimit {
  private active = 0;
  private readonly queues: Record<Priority, Array<() => void>> = { metadata: [], data: [] };

  constructor(readonly concurrency: number) {}

  /** Runs `fn` once a slot is free, metadata first; settles as `fn` does. */
  run<T>(priority: Priority, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.active++;
        let p: Promise<T>;
        try {
          p = fn();
        } catch (e) {
          p = Promise.reject(e);
        }
        p.then(resolve, reject).finally(() => {
          this.active--;
          this.next();
        });
      };
      this.queues[priority].push(start);
      this.next();
    });
  }

  /** GETs waiting for a slot, per class. */
  get pending(): { metadata: number; data: number } {
    return { metadata: this.queues.metadata.length, data: this.queues.data.length };
  }

  private next(): void {
    while (this.active < this.concurrency) {
      const start = this.queues.metadata.shift() ?? this.queues.data.shift();
      if (!start) return;
      start();
    }
  }
}
