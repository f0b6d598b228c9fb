/**
 * Attributes, compact (attribute messages in the header) or dense (a fractal heap indexed by
 * v2 B-trees, found through the attribute info message), decoded to plain values.
 */
import { H5Error } from '../errors.js';
import { readBTreeV2Header, readBTreeV2Records } from '../format/btree-v2.js';
import { readFractalHeapHeader, readHeapObjects } from '../format/fractal-heap.js';
import { decodeAttributeInfo, decodeAttributeMessage } from '../format/messages/attribute.js';
import { readCollectionBytes } from '../format/global-heap.js';
import { findMessages } from '../format/object-header.js';
import { resolveSharedMessage } from '../format/shared-message.js';
import { MessageType, type AttributeMessage, type Dataspace, type Datatype, type HeaderMessage } from '../format/types.js';
import { compareNames } from './links.js';
import { plainValue } from './attribute-value.js';
import type { CallOptions, H5Object } from './objects.js';
import { numpyDtype } from '../values/dtype-string.js';

export interface Attribute {
  name: string;
  /** numpy's dtype.str. */
  dtype: string;
  datatype: Datatype;
  /** [] for scalars, null for a null dataspace. */
  shape: number[] | null;
  /** Scalars as one value; arrays as typed arrays (numbers), string[] or arrays of values. */
  value: unknown;
  creationOrder?: number;
}

/** @internal the attribute messages of an object, decoded but with raw values, in h5py's order. */
export async function readAttributeMessages(obj: H5Object, options?: CallOptions): Promise<AttributeMessage[]> {
  const oh = await obj.header(options);
  const ctx = obj.context(options);
  const sohm = () => obj.file.sohm();
  const compact = await Promise.all(findMessages(oh, MessageType.ATTRIBUTE).map((m) => resolveSharedMessage(ctx, m, sohm)));
  const messages: AttributeMessage[] = compact.map((m) => decode(m, ctx, m.creationOrder));

  const infoMsg = findMessages(oh, MessageType.ATTRIBUTE_INFO)[0];
  let tracked = false;
  if (infoMsg) {
    const info = decodeAttributeInfo(infoMsg.body, ctx, infoMsg.address);
    tracked = info.maxCreationOrder !== undefined;
    if (info.fractalHeapAddress !== null && info.nameIndexAddress !== null) {
      const [heap, tree] = await Promise.all([readFractalHeapHeader(ctx, info.fractalHeapAddress), readBTreeV2Header(ctx, info.nameIndexAddress)]);
      const records = await readBTreeV2Records(ctx, tree);
      const ids = records.map((r) => {
        if (r.type !== 8) throw new H5Error('Corrupt', `attribute name index holds record type ${r.type}`);
        return r;
      });
      const bodies = await readHeapObjects(ctx, heap, ids.map((r) => r.heapId));
      const resolved = await Promise.all(
        bodies.map((body, i) =>
          resolveSharedMessage(ctx, { type: MessageType.ATTRIBUTE, flags: ids[i]!.flags, body, address: infoMsg.address }, sohm),
        ),
      );
      resolved.forEach((m, i) => messages.push(decode(m, ctx, ids[i]!.creationOrder)));
    }
  }
  if (tracked && messages.every((m) => m.creationOrder !== undefined)) messages.sort((a, b) => a.creationOrder! - b.creationOrder!);
  else messages.sort((a, b) => compareNames(a.name, b.name));
  return messages;
}

/**
 * @internal Reads, without decoding any value, the global heap collections that an object's
 * variable-length attributes (top-level vlen strings and sequences) point into, so that a walk's
 * prefetch brings them with the rest of its wave and a later attrs() finds them cached. `seen`
 * holds the collections already asked for by this walk.
 */
export async function prefetchAttributeHeaps(obj: H5Object, options: CallOptions | undefined, seen: Set<number>): Promise<void> {
  const ctx = obj.context(options);
  const O = ctx.sizeOfOffsets;
  const collections = new Set<number>();
  for (const m of await readAttributeMessages(obj, options)) {
    if (m.datatype.class !== 'vlen' || m.datatype.size !== 8 + O) continue;
    const view = new DataView(m.value.buffer, m.value.byteOffset, m.value.byteLength);
    for (let at = 0; at + m.datatype.size <= m.value.byteLength && collections.size < MAX_PREFETCHED_COLLECTIONS; at += m.datatype.size) {
      // Each element: length (4), collection address (O), object index (4).
      let address = 0;
      let undefinedAddress = true;
      for (let b = O - 1; b >= 0; b--) {
        const byte = view.getUint8(at + 4 + b);
        if (byte !== 0xff) undefinedAddress = false;
        address = address * 256 + byte;
      }
      if (!undefinedAddress && view.getUint32(at, true) > 0 && Number.isSafeInteger(address) && !seen.has(address)) collections.add(address);
    }
  }
  for (const address of collections) seen.add(address);
  // Bytes only: the block cache keeps them for the attrs() that decodes them.
  await Promise.all([...collections].map((address) => readCollectionBytes(ctx, address)));
}

/** Collections one object's attributes may bring in a prefetch (a large vlen array would point into many). */
const MAX_PREFETCHED_COLLECTIONS = 16;

export async function readAttributes(obj: H5Object, options?: CallOptions): Promise<Attribute[]> {
  const messages = await readAttributeMessages(obj, options);
  return Promise.all(
    messages.map(async (m): Promise<Attribute> => {
      const shape = m.dataspace.kind === 'simple' ? m.dataspace.dims : m.dataspace.kind === 'scalar' ? [] : null;
      const value = await plainValue(obj.context(options), m.value, m.datatype, m.dataspace);
      const a: Attribute = { name: m.name, dtype: numpyDtype(m.datatype), datatype: m.datatype, shape, value };
      if (m.creationOrder !== undefined) a.creationOrder = m.creationOrder;
      return a;
    }),
  );
}

function decode(m: HeaderMessage, ctx: Parameters<typeof decodeAttributeMessage>[1], creationOrder: number | undefined): AttributeMessage {
  return decodeAttributeMessage(m.body, ctx, m.address, creationOrder !== undefined ? { creationOrder } : undefined);
}

export type { Dataspace };
