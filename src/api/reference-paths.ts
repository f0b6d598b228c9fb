/**
 * From a reference to a path. A reference holds an object header address, so the object is one
 * header read away (objects.ts opens it); a path is not stored anywhere and takes a search of the groups' links, which starts next to the object
 * that held the reference (where netCDF-4 and HDF5 dimension scales keep their targets) and
 * stops as soon as every target is found.
 */
import { H5Error } from '../errors.js';
import { together } from './together.js';
import { joinPath } from './paths.js';
import type { CallOptions, Group, H5Node, H5Object, LinkInfo } from './objects.js';

/** Opens the object whose header is at `address` (the object model's openObject, handed in). */
export type OpenObject = (path: string, address: number, options?: CallOptions) => Promise<H5Node>;

/** The groups to search first for `obj`'s references: its own group (or itself), then each ancestor up to '/'. */
function nearGroups(obj: H5Object): string[] {
  if (!obj.path.startsWith('/')) return [];
  const out: string[] = [];
  let p = (obj as H5Node).kind === 'group' ? obj.path : obj.path.slice(0, obj.path.lastIndexOf('/')) || '/';
  for (;;) {
    out.push(p);
    if (p === '/') return out;
    p = p.slice(0, p.lastIndexOf('/')) || '/';
  }
}

/**
 * A path to each of `addresses` ('/'-rooted; null where no hard link reaches it), found by
 * reading group links: first `from`'s own group and its ancestors, then the whole file level by
 * level from the root (links of a level's groups, then their members' headers to find the next
 * level's groups), stopping at the first level where the last target turns up. Where several hard
 * links reach an object, the nearest one (then the first in h5py's member order) is given.
 */
export async function findPaths(from: H5Object, addresses: readonly number[], open: OpenObject, options?: CallOptions): Promise<Map<number, string | null>> {
  const file = from.file;
  const found = new Map<number, string | null>();
  const left = new Set(addresses);
  const take = (address: number, path: string) => {
    if (left.delete(address)) found.set(address, path);
  };
  take(file.address, '/');
  // Links of each group read so far, by group address: no group is read twice.
  const linksOf = new Map<number, LinkInfo[]>();
  const search = async (groups: Group[]) => {
    const todo = groups.filter((g) => !linksOf.has(g.address));
    const lists = await together(options?.signal, todo.map((g) => (signal: AbortSignal) => g.links({ ...options, signal })));
    todo.forEach((g, i) => linksOf.set(g.address, lists[i]!));
    // In the order given, whatever order the reads finished in: the answer does not depend on timing.
    for (const g of groups) for (const l of linksOf.get(g.address)!) if (l.kind === 'hard') take(l.address, joinPath(g.path, l.name));
  };

  for (const p of nearGroups(from)) {
    if (!left.size) break;
    const g = await file.get(p, options);
    if (g.kind === 'group') await search([g]);
  }

  let level: Group[] = [file];
  const seen = new Set<number>([file.address]);
  while (left.size && level.length) {
    await search(level);
    if (!left.size) break;
    const members: Array<{ path: string; address: number }> = [];
    for (const g of level) {
      for (const l of linksOf.get(g.address)!) {
        if (l.kind !== 'hard' || seen.has(l.address)) continue;
        seen.add(l.address);
        members.push({ path: joinPath(g.path, l.name), address: l.address });
      }
    }
    // One wave of member headers per level, as Group.walk does; only groups lead further.
    const nodes = await together(options?.signal, members.map((m) => (signal: AbortSignal) => open(m.path, m.address, { ...options, signal })));
    level = nodes.filter((n): n is Group => n.kind === 'group');
  }
  for (const a of left) found.set(a, null);
  return found;
}
