/**
 * H5Web's data provider API (@h5web/app's DataProviderApi) on a coh5 file: entities are read as
 * H5Web expands them (one group's links and its children's headers per call), values only for
 * the slice H5Web asks for, so a plot of a chunked dataset fetches the chunks it shows.
 */
import { AbortError, DataProviderApi, EntityKind, ShapeClass } from '@h5web/app';
import type { Attribute, AttributeValues, ChildEntity, Dataset as H5WebDataset, Entity, ProvidedEntity, Shape, ValuesStoreParams } from '@h5web/app';
import type { H5File } from '../api/file.js';
import type { Dataset, H5Node, LinkInfo } from '../api/objects.js';
import { H5Error } from '../errors.js';
import type { Datatype } from '../format/types.js';
import type { DimSelector } from '../read/selection.js';
import type { Reference } from '../values/reference.js';
import { toH5WebType } from './types.js';
import { attributeToH5Web, columnToH5Web } from './values.js';

type Link = NonNullable<Entity['link']>;

export class Coh5Api extends DataProviderApi {
  /** `file` is opened by the caller (or still opening): the provider never opens a URL itself. */
  constructor(
    filepath: string,
    private readonly file: Promise<H5File>,
  ) {
    super(filepath);
  }

  async getEntity(path: string): Promise<ProvidedEntity> {
    return friendly(async () => {
      const file = await this.file;
      const node = await file.get(path);
      const entity = await this.entityOf(node, path, { class: 'Hard' });
      if (node.kind !== 'group') return entity as ProvidedEntity;
      const links = await node.links();
      const children = await Promise.all(links.map((l) => this.childOf(file, joinPath(path, l.name), l)));
      return { ...entity, kind: EntityKind.Group, children } as ProvidedEntity;
    });
  }

  async getValue(params: ValuesStoreParams, abortSignal?: AbortSignal, onProgress?: (value: number) => void): Promise<unknown> {
    return friendly(async () => {
      const file = await this.file;
      const ds = (await file.get(params.dataset.path, { signal: abortSignal })) as Dataset;
      const selection = parseSelection(params.selection, ds.shape ?? []);
      // coh5 reports no per-chunk progress: H5Web gets the start and the end.
      onProgress?.(0);
      const r = await ds.read(selection, { signal: abortSignal });
      onProgress?.(1);
      // Like h5py, read() appends an array datatype's dims to the shape; H5Web counts elements.
      const perElement = ds.datatype.class === 'array' ? ds.datatype.dims.reduce((a, b) => a * b, 1) : 1;
      const count = (r.shape ?? []).reduce((a, b) => a * b, 1) / perElement;
      const names = await referenceNames(ds, r.data, ds.datatype, abortSignal);
      return columnToH5Web(r.data, ds.datatype, count, ds.shape?.length === 0, names);
    }, abortSignal);
  }

  async getAttrValues(entity: Entity): Promise<AttributeValues> {
    return friendly(async () => {
      const file = await this.file;
      const node = await file.get(entity.path);
      const out: AttributeValues = {};
      for (const a of await node.attributes()) {
        const names = await referenceNames(node, a.value, a.datatype);
        out[a.name] = attributeToH5Web(a.value, a.datatype, a.shape, names);
      }
      return out;
    });
  }

  /** H5Web's search box: every path below `path`, walking the whole tree (metadata only). */
  override async getSearchablePaths(path: string): Promise<string[]> {
    return friendly(async () => {
      const file = await this.file;
      const group = await file.get(path);
      if (group.kind !== 'group') return [];
      const out: string[] = [];
      for await (const e of group.walk()) out.push(e.path);
      return out;
    });
  }

  private async entityOf(node: H5Node, path: string, link: Link): Promise<ChildEntity> {
    const attributes: Attribute[] = (await node.attributes()).map((a) => ({ name: a.name, shape: shapeOf(a.shape), type: toH5WebType(a.datatype) }));
    const base = { name: path === '/' ? '' : path.slice(path.lastIndexOf('/') + 1), path, attributes, link };
    if (node.kind === 'group') return { ...base, kind: EntityKind.Group };
    if (node.kind === 'datatype') return { ...base, kind: EntityKind.Datatype, type: toH5WebType(node.datatype), rawType: node.datatype } as ChildEntity;
    const dataset: H5WebDataset = { ...base, kind: EntityKind.Dataset, shape: shapeOf(node.shape), type: toH5WebType(node.datatype), rawType: node.datatype };
    if (node.chunks) dataset.chunks = node.chunks;
    if (node.filters.length) dataset.filters = node.filters.map((f) => ({ id: f.id, name: f.name ?? `filter ${f.id}` }));
    return dataset;
  }

  private async childOf(file: H5File, path: string, l: LinkInfo): Promise<ChildEntity> {
    const name = l.name;
    if (l.kind === 'external') return { name, path, kind: EntityKind.Unresolved, attributes: [], link: { class: 'External', file: l.file, path: l.path } };
    if (l.kind === 'user') return { name, path, kind: EntityKind.Unresolved, attributes: [] };
    const link: Link = l.kind === 'soft' ? { class: 'Soft', path: l.target } : { class: 'Hard' };
    try {
      return (await this.entityOf(await file.get(path), path, link)) as ChildEntity;
    } catch (e) {
      // A dangling soft link is shown as such, not as an error of its whole group.
      if (l.kind === 'soft' && e instanceof H5Error && e.code === 'NotFound') return { name, path, kind: EntityKind.Unresolved, attributes: [], link };
      throw e;
    }
  }
}

function shapeOf(dims: number[] | null): Shape {
  if (dims === null) return { class: ShapeClass.Null };
  if (dims.length === 0) return { class: ShapeClass.Scalar, dims: [] };
  return { class: ShapeClass.Array, dims };
}

function joinPath(parent: string, name: string): string {
  return parent.endsWith('/') ? parent + name : `${parent}/${name}`;
}

/**
 * H5Web's selection string, one entry per dimension: ':' keeps the dimension, an integer picks
 * one index and drops it (its slicing and mapping UIs), 'a:b' keeps a range.
 */
export function parseSelection(selection: string | undefined, dims: number[]): DimSelector[] | undefined {
  if (!selection) return undefined;
  const parts = selection.split(',');
  if (parts.length !== dims.length) throw new H5Error('Invalid', `selection '${selection}' has ${parts.length} entries for ${dims.length} dimensions`);
  return parts.map((p) => {
    const s = p.trim();
    if (s === ':') return null;
    if (s.includes(':')) {
      const [a, b] = s.split(':');
      return [a ? Number(a) : null, b ? Number(b) : null];
    }
    const i = Number(s);
    if (!Number.isInteger(i)) throw new H5Error('Invalid', `selection '${selection}': '${s}' is not an index`);
    return i;
  });
}

/** References are shown as the path they point to; one wave resolves them all. */
async function referenceNames(node: H5Node, value: unknown, t: Datatype, signal?: AbortSignal): Promise<(ref: unknown) => string> {
  if (!containsReferences(t)) return (ref) => describe(ref as Reference);
  const refs = (Array.isArray(value) ? value : [value]).filter((v): v is Reference => v !== null && typeof v === 'object' && 'kind' in v);
  const paths = await node.referencePaths(refs, { signal });
  const byRef = new Map<unknown, string | null>(refs.map((r, i) => [r, paths[i]!]));
  return (ref) => byRef.get(ref) ?? describe(ref as Reference);
}

function containsReferences(t: Datatype): boolean {
  return t.class === 'reference';
}

function describe(ref: Reference | null): string {
  if (ref === null) return '(null reference)';
  return ref.kind === 'object' ? `object reference @${ref.address}` : 'region reference';
}

/**
 * Errors as H5Web's error display shows them: an abort as its AbortError (H5Web retries those
 * silently), coh5's errors with their code, so "NotFound" or "Unsupported" reads as the cause.
 */
async function friendly<T>(run: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (signal?.aborted || (e instanceof Error && e.name === 'AbortError') || (e instanceof H5Error && e.code === 'Aborted')) throw new AbortError(String(signal?.reason ?? 'aborted'));
    if (e instanceof H5Error) {
      const err = new Error(`${e.code}: ${e.message}`, { cause: e });
      throw err;
    }
    throw e;
  }
}
