/**
 * The breadth-first prefetch behind Group.walk() (issue 20). A walk yields depth first, in h5py's
 * visititems order, but fetching in that order costs two round trips per group (its links, then
 * its members' headers), so a file of 400 groups took hundreds of waves. Here a background task
 * loads the tree a level at a time instead: the links of every group of a level together, then
 * every new member's header together, so the waves grow with the tree's depth, not its size.
 *
 * The depth-first consumer asks for what it needs (`links(group)`, `node(path, address)`) and
 * gets the promise the prefetch started, or starts it itself when it got there first: each
 * group's links and each object header are read once, whoever asks first. Nothing here decides
 * the order of what is yielded; that stays in Group.walk().
 */
import { H5Error } from '../errors.js';
import { followAbort } from '../source.js';
import { prefetchAttributeHeaps } from './attributes.js';
import { joinPath } from './paths.js';
import type { CallOptions, Group, H5Node, LinkInfo } from './objects.js';
import type { OpenObject } from './reference-paths.js';

/** A promise whose rejection is observed later (or never, after stop()): not an unhandled rejection. */
function kept<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

export class TreePrefetch {
  private readonly controller: AbortController;
  /** Links of each group, by group address. */
  private readonly linksOf = new Map<number, Promise<LinkInfo[]>>();
  /** Each object opened, by header address (with the path it was first reached by). */
  private readonly nodeAt = new Map<number, Promise<H5Node>>();
  private readonly offAbort: () => void;
  /** Global heap collections whose bytes the walk has asked for. */
  private readonly heaps = new Set<number>();

  /** @param open the object model's openObject, handed in: no runtime import circle. */
  constructor(
    root: Group,
    private readonly open: OpenObject,
    signal?: AbortSignal,
  ) {
    // One listener on the caller's signal for the whole walk; every read below listens to ours.
    ({ controller: this.controller, release: this.offAbort } = followAbort(signal));
    this.nodeAt.set(root.address, Promise.resolve(root));
    void this.run(root).catch(() => {});
  }

  private get options(): CallOptions {
    return { signal: this.controller.signal };
  }

  /** Ends the prefetch: its reads in flight are aborted, no new level is started. */
  stop(): void {
    this.offAbort();
    if (!this.controller.signal.aborted) this.controller.abort(new H5Error('Aborted', 'the walk was stopped'));
  }

  /** The links of `group`, read once. */
  links(group: Group): Promise<LinkInfo[]> {
    let p = this.linksOf.get(group.address);
    if (!p) this.linksOf.set(group.address, (p = kept(group.links(this.options))));
    return p;
  }

  /**
   * The object at `address`, opened once and named `path`. An object reached first by another
   * path (a second hard link, seen by the breadth-first order before the depth-first one) is
   * opened again under this path: its header is cached, so that costs no read.
   */
  async node(path: string, address: number): Promise<H5Node> {
    const n = await this.opened(path, address);
    return n.path === path ? n : this.open(path, address, this.options);
  }

  private opened(path: string, address: number): Promise<H5Node> {
    let p = this.nodeAt.get(address);
    if (!p) {
      this.nodeAt.set(address, (p = kept(this.open(path, address, this.options))));
      // The global heap collections its vlen attributes point into, in the same wave as the other
      // members' follow-ups: a walk that reads attrs() would otherwise fetch them one at a time.
      void p.then((node) => prefetchAttributeHeaps(node, this.options, this.heaps)).catch(() => {});
    }
    return p;
  }

  /**
   * Level by level: every group's links in one go, then every member not opened before in one
   * go; the groups among them are the next level. A failure is kept in its promise for the
   * consumer to meet where the depth-first order reaches it; the prefetch does not go below it.
   */
  private async run(root: Group): Promise<void> {
    let level: Group[] = [root];
    // Objects this task has taken on (the consumer may have opened some first: they still count here).
    const taken = new Set<number>([root.address]);
    while (level.length && !this.controller.signal.aborted) {
      const lists = await Promise.allSettled(level.map((g) => this.links(g)));
      const members: Promise<H5Node>[] = [];
      level.forEach((g, i) => {
        const r = lists[i]!;
        if (r.status !== 'fulfilled') return;
        for (const l of r.value) {
          if (l.kind !== 'hard' || taken.has(l.address)) continue;
          taken.add(l.address);
          members.push(this.opened(joinPath(g.path, l.name), l.address));
        }
      });
      if (this.controller.signal.aborted) return;
      const nodes = await Promise.allSettled(members);
      level = nodes.flatMap((r) => (r.status === 'fulfilled' && r.value.kind === 'group' ? [r.value] : []));
    }
  }
}
