/**
 * H5Web's way to show a file with h5wasm, for comparison: the whole file fetched into
 * WebAssembly memory, then read by libhdf5. Enough of the provider API for numeric datasets.
 */
import { DataProviderApi, DTypeClass, EntityKind, ShapeClass } from '@h5web/app';
import type { AttributeValues, ChildEntity, ProvidedEntity, ValuesStoreParams } from '@h5web/app';
import h5wasm from 'h5wasm';

type H5 = typeof h5wasm;
type WasmFile = InstanceType<H5['File']>;

export class H5WasmApi extends DataProviderApi {
  private readonly file: Promise<WasmFile>;
  bytes = 0;

  constructor(url: string) {
    super(url.split('/').pop()!);
    this.file = (async () => {
      const buffer = await (await fetch(url)).arrayBuffer();
      this.bytes = buffer.byteLength;
      const { FS } = await h5wasm.ready;
      FS!.writeFile('/bench.h5', new Uint8Array(buffer));
      return new h5wasm.File('/bench.h5', 'r');
    })();
  }

  async getEntity(path: string): Promise<ProvidedEntity> {
    const f = await this.file;
    const node = f.get(path);
    if (node instanceof h5wasm.Group) {
      const children = node.keys().map((k) => this.entity(f, path === '/' ? `/${k}` : `${path}/${k}`));
      return { name: path.split('/').pop()!, path, kind: EntityKind.Group, attributes: [], children };
    }
    return this.entity(f, path) as ProvidedEntity;
  }

  private entity(f: WasmFile, path: string): ChildEntity {
    const node = f.get(path);
    const name = path.split('/').pop()!;
    if (node instanceof h5wasm.Dataset) {
      const dt = String(node.dtype);
      const size = Number(dt.slice(2)) * 8;
      const type = dt[1] === 'f' ? { class: DTypeClass.Float as const, size, endianness: 'little-endian' as const } : { class: DTypeClass.Integer as const, signed: dt[1] === 'i', size, endianness: 'little-endian' as const };
      return { name, path, kind: EntityKind.Dataset, attributes: [], shape: { class: ShapeClass.Array, dims: node.shape! }, type };
    }
    return { name, path, kind: EntityKind.Group, attributes: [] };
  }

  async getValue(params: ValuesStoreParams): Promise<unknown> {
    const f = await this.file;
    const ds = f.get(params.dataset.path) as InstanceType<H5['Dataset']>;
    if (!params.selection) return ds.value;
    const ranges = params.selection.split(',').map((s) => (s === ':' ? [] : [Number(s), Number(s) + 1]));
    return ds.slice(ranges as Parameters<typeof ds.slice>[0]);
  }

  async getAttrValues(): Promise<AttributeValues> {
    return {};
  }
}
