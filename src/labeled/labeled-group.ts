/**
 * Labelled groups: a group of an HDF5 / netCDF-4 file seen the way xarray (and h5coro's xarray
 * backend) shows it: variables with named dimensions and coordinates, CF-decoded on read.
 * Opening reads only metadata (the members' headers and attributes, fetched together); data are
 * read on request, every variable of a read() in one parallel readDatasets call.
 */
import { H5Error } from '../errors.js';
import type { DatasetRequest, H5File } from '../api/file.js';
import type { Dataset, Group, H5Node } from '../api/objects.js';
import type { ReadResult } from '../read/read-dataset.js';
import type { TypedArray } from '../values/column.js';
import { decodeCF, needsCF } from './cf.js';
import { assignDimensions, coordinateNames, isDimOnly, referenceTargets, type VarMeta } from './dims.js';
import { decodeCalendarDates, decodeTimes, isModelCalendar, isTimeUnits, type CFDate } from './times.js';

/** A slice of one dimension: [start, stop] or [start, stop, step] (stop exclusive). */
export type DimensionSlice = [number, number] | [number, number, number];

export interface LabeledOptions {
  /** Only these variables (by name in the group), plus the coordinates they need. */
  pickVariables?: string[];
  /** Leave these variables out (wins over pickVariables). */
  dropVariables?: string[];
  /**
   * Slices by dimension name (one DimensionSlice: applies to every variable along that dimension)
   * or by variable name (one DimensionSlice per axis, h5coro's hyperslice; wins over dimension slices).
   */
  hyperslices?: Record<string, DimensionSlice | number[][]>;
  /** Read coordinates at open: true for all, or a list of names. Default false (lazy). */
  eagerCoordinates?: boolean | string[];
  /** CF decoding (fill/missing/valid range, scale/offset); default true. */
  decode?: boolean;
  /** Also decode time coordinates ("<unit> since <date>") to Dates; default false. */
  decodeTimes?: boolean;
  signal?: AbortSignal;
}

export type LabeledReadOptions = Pick<LabeledOptions, 'hyperslices' | 'decode' | 'decodeTimes' | 'signal'>;

export interface LabeledVariable {
  name: string;
  path: string;
  dims: string[];
  /** The stored shape (before any hyperslice). */
  shape: number[];
  dtype: string;
  /** All attributes, as stored (CF attributes included). */
  attrs: Record<string, unknown>;
  /** Names of this variable's coordinates in the group (its `coordinates` attribute and dimension coordinates). */
  coordinates: string[];
  dataset: Dataset;
}

export interface LabeledArray {
  name: string;
  dims: string[];
  /** The selected shape. */
  shape: number[];
  /** Where the selection starts along each dimension of the stored variable. */
  start: number[];
  dtype: string;
  /** CF-decoded values when decoding applied (floats with NaN, or integers with `mask`), else the raw data. */
  data: ReadResult['data'];
  /** For integer data left unscaled: 1 where the value is missing or outside the valid range. */
  mask?: Uint8Array;
  /** Whether CF decoding changed anything (false: `data` is the raw data). */
  decoded: boolean;
  /** Time coordinates as Dates (null for missing), with decodeTimes, for the real-world calendars (standard, gregorian, proleptic_gregorian, julian). */
  times?: (Date | null)[];
  /** Time coordinates of a model calendar (noleap, all_leap, 360_day...) as labels in it, with decodeTimes. */
  calendarDates?: (CFDate | null)[];
  /** The values as stored, and the attributes unchanged. */
  raw: ReadResult;
  attrs: Record<string, unknown>;
}

export class LabeledGroup {
  /** Dimension name → length (the longest variable along it, as for netCDF's unlimited dimensions). */
  readonly dims: Record<string, number> = Object.create(null);
  readonly variables: Record<string, LabeledVariable> = Object.create(null);
  /** Coordinates read at open (eagerCoordinates). */
  readonly coords: Record<string, LabeledArray> = Object.create(null);

  /** @internal use openGroup() */
  constructor(
    readonly file: H5File,
    readonly path: string,
    readonly attrs: Record<string, unknown>,
    variables: LabeledVariable[],
    /** Subgroups, by name (not opened). */
    readonly groups: string[],
    private readonly defaults: LabeledReadOptions,
  ) {
    for (const v of variables) {
      this.variables[v.name] = v;
      v.dims.forEach((d, i) => (this.dims[d] = Math.max(this.dims[d] ?? 0, v.shape[i]!)));
    }
  }

  /** Variable names, in the group's member order. */
  names(): string[] {
    return Object.keys(this.variables);
  }

  /** Coordinate names: dimension coordinates and those named by `coordinates` attributes. */
  coordinateNames(): string[] {
    const set = new Set<string>();
    for (const v of Object.values(this.variables)) for (const c of v.coordinates) set.add(c);
    return this.names().filter((n) => set.has(n));
  }

  /** Data variables: those that are not coordinates. */
  dataNames(): string[] {
    const coords = new Set(this.coordinateNames());
    return this.names().filter((n) => !coords.has(n));
  }

  /** The selection each variable gets: per-variable hyperslices first, then per-dimension ones. */
  hyperslice(name: string, slices: LabeledReadOptions['hyperslices'] = this.defaults.hyperslices): number[][] | undefined {
    const v = this.variable(name);
    if (v.shape.length === 0) return undefined;
    const own = slices?.[name];
    if (own && Array.isArray(own[0])) return own as number[][];
    if (own) {
      if (v.shape.length !== 1) throw new H5Error('Invalid', `hyperslice for '${name}' needs one [start, stop] per dimension (${v.dims.join(', ')})`, { path: v.path });
      return [own as number[]];
    }
    let any = false;
    const out = v.dims.map((d, i) => {
      const s = slices?.[d];
      if (!s) return [0, v.shape[i]!];
      any = true;
      return (Array.isArray(s[0]) ? (s as number[][])[0]! : (s as number[])).slice();
    });
    return any ? out : undefined;
  }

  variable(name: string): LabeledVariable {
    const v = this.variables[name];
    if (!v) throw new H5Error('NotFound', `${this.path} has no variable '${name}'`, { path: this.path });
    return v;
  }

  /**
   * Reads variables (default: all) in one parallel readDatasets call (their chunk requests are
   * coalesced together), applies the hyperslices and CF decoding.
   */
  async read(names: string[] = this.names(), options: LabeledReadOptions = {}): Promise<Record<string, LabeledArray>> {
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    const opts: LabeledReadOptions = { ...this.defaults, ...given };
    checkSliceKeys(this, opts.hyperslices);
    const requests: DatasetRequest[] = names.map((n) => {
      const v = this.variable(n);
      const hyperslice = this.hyperslice(n, opts.hyperslices);
      return hyperslice ? { dataset: v.path, hyperslice } : { dataset: v.path };
    });
    const results = await this.file.readDatasets(requests, { signal: opts.signal });
    const out: Record<string, LabeledArray> = Object.create(null);
    names.forEach((n, i) => {
      const v = this.variables[n]!;
      const hs = requests[i]!.hyperslice as number[][] | undefined; // this.hyperslice() gives one range per axis
      const start = v.shape.map((size, axis) => (hs ? normStart(hs[axis]?.[0] ?? 0, size) : 0));
      out[n] = labelled(v, results[v.path]!, start, opts);
    });
    return out;
  }

  /** One variable; see read(). */
  async readVariable(name: string, options: LabeledReadOptions = {}): Promise<LabeledArray> {
    return (await this.read([name], options))[name]!;
  }
}

function normStart(start: number, size: number): number {
  return start < 0 ? Math.max(0, start + size) : Math.min(start, size);
}

function checkSliceKeys(g: LabeledGroup, slices: LabeledReadOptions['hyperslices']): void {
  for (const k of Object.keys(slices ?? {})) {
    if (!(k in g.variables) && !(k in g.dims)) throw new H5Error('Invalid', `hyperslice for '${k}': no such variable or dimension in ${g.path}`, { path: g.path });
  }
}

function labelled(v: LabeledVariable, raw: ReadResult, start: number[], opts: LabeledReadOptions): LabeledArray {
  // A null dataspace (no values) keeps the empty shape it had as a selection.
  const arr: LabeledArray = { name: v.name, dims: v.dims, shape: raw.shape ?? [0], start, dtype: raw.dtype, data: raw.data, decoded: false, raw, attrs: v.attrs };
  if (opts.decode !== false && needsCF(v.attrs)) {
    const d = decodeCF(raw.data, v.attrs);
    if (d) {
      arr.data = d.data;
      arr.decoded = true;
      if (d.mask) arr.mask = d.mask;
    }
  }
  if (opts.decodeTimes && isTimeUnits(v.attrs.units) && ArrayBuffer.isView(arr.data)) {
    try {
      const values = arr.data as TypedArray as ArrayLike<number>;
      const out = isModelCalendar(v.attrs.calendar)
        ? (arr.calendarDates = decodeCalendarDates(values, v.attrs.units, v.attrs.calendar))
        : (arr.times = decodeTimes(values, v.attrs.units, v.attrs.calendar));
      if (arr.mask) arr.mask.forEach((m, i) => m && (out[i] = null));
    } catch (e) {
      // A calendar coh5 does not decode ('none', unknown names): the numbers stay, without times or calendarDates.
      if (!(e instanceof H5Error && e.code === 'Unsupported')) throw e;
    }
  }
  return arr;
}

/**
 * Opens `path` of `file` as a labelled group: variables, dimensions and coordinates, without
 * reading any data (unless eagerCoordinates asks for the coordinates).
 */
export async function openGroup(file: H5File, path: string, options: LabeledOptions = {}): Promise<LabeledGroup> {
  const call = { signal: options.signal };
  const node = await file.get(path, call);
  if (node.kind !== 'group') throw new H5Error('Invalid', `${node.path} is a ${node.kind}, not a group`, { path: node.path });
  const links = await node.links(call);
  const linkNames = new Set(links.map((l) => l.name));
  // Addresses of the group's members: DIMENSION_LIST references mostly point here.
  const local = new Map<number, string>();
  for (const l of links) if (l.kind === 'hard' && !local.has(l.address)) local.set(l.address, l.name);

  const opened = new Map<string, Promise<Member | null>>();
  const load = (name: string) => {
    let p = opened.get(name);
    if (!p) opened.set(name, (p = openMember(node, name, call)));
    return p;
  };
  // With pickVariables only the picked variables and what they refer to (coordinates, scales)
  // are opened: a group of thousands of variables costs only the headers asked for.
  let wanted = options.pickVariables ? options.pickVariables.filter((n) => linkNames.has(n)) : links.map((l) => l.name);
  const groupAttrs = node.attrs(call);
  for (;;) {
    const batch = await Promise.all(wanted.map(load));
    const next = new Set<string>();
    if (options.pickVariables) {
      for (const m of batch) {
        if (!m || m.obj.kind !== 'dataset') continue;
        for (const c of coordinateNames(m.attrs)) if (linkNames.has(c)) next.add(c);
        const list = m.attrs.DIMENSION_LIST;
        if (Array.isArray(list)) {
          for (const t of referenceTargets(list)) {
            const n = local.get(t);
            if (n !== undefined) next.add(n);
          }
        }
      }
    }
    wanted = [...next].filter((n) => !opened.has(n));
    if (wanted.length === 0) break;
  }
  // Member order, whatever order they were opened in.
  const members = await Promise.all(links.filter((l) => opened.has(l.name)).map((l) => opened.get(l.name)!));
  const groups = members.filter((m) => m?.obj.kind === 'group').map((m) => m!.name);
  const datasets = members.filter((m): m is Member & { obj: Dataset } => m?.obj.kind === 'dataset');
  const metas: VarMeta[] = datasets.map((m) => ({ name: m.name, path: m.obj.path, address: m.obj.address, shape: m.obj.shape ?? [], attrs: m.attrs }));

  const resolve = await referenceResolver(node, local, metas, call.signal);
  const dimsByVar = assignDimensions(metas, resolve);

  let all: LabeledVariable[] = datasets
    .filter((m) => !isDimOnly(m.attrs))
    .map((m) => {
      const dims = dimsByVar.get(m.name)!;
      return { name: m.name, path: m.obj.path, dims, shape: m.obj.shape ?? [], dtype: m.obj.dtype, attrs: m.attrs, coordinates: [], dataset: m.obj };
    });
  const names = new Set(all.map((v) => v.name));
  for (const v of all) {
    const listed = coordinateNames(v.attrs).filter((c) => names.has(c) && c !== v.name);
    const dimCoords = v.dims.filter((d) => names.has(d) && d !== v.name);
    v.coordinates = [...new Set([...dimCoords, ...listed])];
  }
  all = selectVariables(all, options, path);

  const defaults: LabeledReadOptions = { hyperslices: options.hyperslices, decode: options.decode, decodeTimes: options.decodeTimes };
  const group = new LabeledGroup(file, node.path, await groupAttrs, all, groups, defaults);
  checkSliceKeys(group, options.hyperslices);
  if (options.eagerCoordinates) {
    const wanted = options.eagerCoordinates === true ? group.coordinateNames() : options.eagerCoordinates;
    for (const n of wanted) group.variable(n);
    Object.assign(group.coords, await group.read(wanted, { signal: options.signal }));
  }
  return group;
}

function selectVariables(all: LabeledVariable[], options: LabeledOptions, path: string): LabeledVariable[] {
  const byName = new Map(all.map((v) => [v.name, v]));
  const check = (list: string[] | undefined, what: string) => {
    for (const n of list ?? []) if (!byName.has(n)) throw new H5Error('NotFound', `${what}: ${path} has no variable '${n}'`, { path });
  };
  check(options.pickVariables, 'pickVariables');
  check(options.dropVariables, 'dropVariables');
  const drop = new Set(options.dropVariables ?? []);
  let keep: Set<string>;
  if (options.pickVariables) {
    keep = new Set(options.pickVariables);
    // A picked variable brings its coordinates, so the result stays labelled.
    for (const n of options.pickVariables) for (const c of byName.get(n)!.coordinates) keep.add(c);
  } else keep = new Set(byName.keys());
  const out = all.filter((v) => keep.has(v.name) && !drop.has(v.name));
  for (const v of out) v.coordinates = v.coordinates.filter((c) => keep.has(c) && !drop.has(c));
  return out;
}

interface Member {
  name: string;
  obj: H5Node;
  attrs: Record<string, unknown>;
}

async function openMember(group: Group, name: string, call: { signal?: AbortSignal }): Promise<Member | null> {
  const obj = await group.get(name, call).catch((e: unknown) => {
    // Dangling soft links and disallowed external links are not variables.
    if (e instanceof H5Error && (e.code === 'NotFound' || e.code === 'NotAllowed')) return null;
    throw e;
  });
  return obj ? { name, obj, attrs: obj.kind === 'dataset' ? await obj.attrs(call) : {} } : null;
}

/**
 * DIMENSION_LIST targets (object header addresses) to paths: looked up among the group's own
 * members first (where netCDF-4 and ICESat-2 keep their scales), and only the others by one
 * path search that starts at the group and its ancestors (netCDF-4 dimensions of parent groups).
 */
async function referenceResolver(group: Group, local: Map<number, string>, metas: VarMeta[], signal?: AbortSignal): Promise<(t: number) => string | null> {
  const unresolved = new Set<number>();
  for (const m of metas) for (const t of referenceTargets(m.attrs.DIMENSION_LIST)) if (!local.has(t)) unresolved.add(t);
  const found = unresolved.size ? await group.addressPaths([...unresolved], { signal }) : null;
  const prefix = group.path === '/' ? '/' : `${group.path}/`;
  return (t) => {
    const name = local.get(t);
    return name !== undefined ? prefix + name : (found?.get(t) ?? null);
  };
}
