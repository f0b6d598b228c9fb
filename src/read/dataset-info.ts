/** A dataset's metadata, decoded once from its object header. */
import { H5Error } from '../errors.js';
import type { FormatContext } from '../format/context.js';
import { decodeDataspace } from '../format/messages/dataspace.js';
import { decodeDatatypeMessage } from '../format/messages/datatype.js';
import { readExternalFiles, type ExternalFileEntry } from '../format/messages/external-files.js';
import { decodeFillValue, decodeFillValueOld } from '../format/messages/fill-value.js';
import { decodeFilterPipeline } from '../format/messages/filter-pipeline.js';
import { decodeLayout } from '../format/messages/layout.js';
import { findMessages } from '../format/object-header.js';
import { resolveSharedMessage } from '../format/shared-message.js';
import { MessageType, type Dataspace, type Datatype, type FillValue, type FilterSpec, type Layout, type ObjectHeader } from '../format/types.js';
import { KNOWN_FILTER_NAMES } from '../filters/registry.js';
import { decodeValues } from '../values/decode.js';
import { elementValue } from '../values/column.js';
import type { SohmTable } from '../format/sohm.js';

/** Largest element whose fill value is decoded to a plain value on open (h5py's arrays of 1 MiB are already unwieldy). */
const FILL_PLAIN_MAX_BYTES = 1024 * 1024;

export interface DatasetInfo {
  dataspace: Dataspace;
  datatype: Datatype;
  layout: Layout;
  filters: Array<FilterSpec & { name: string }>;
  fill: FillValue;
  /**
   * The fill value's bytes for one element, or null when unwritten elements read as zeros (default
   * or undefined fill values, fill time never, all-zero user values). Decided once at open: an
   * element may be 128 MiB (an array type), and a read must neither allocate nor scan it again.
   */
  fillBytes: Uint8Array | null;
  fillValuePlain: unknown;
  external: Array<ExternalFileEntry & { name: string }> | null;
  /**
   * Set when a virtual dataset's unlimited extent comes from source files that allowExternal keeps
   * closed: why the extent is unknown. Those dimensions are then NaN in the dataspace.
   */
  extentUnknown?: string;
}

export async function loadDatasetInfo(sohm: () => Promise<SohmTable | null>, oh: ObjectHeader, ctx: FormatContext): Promise<DatasetInfo> {
  const one = async (type: number, required: boolean) => {
    const m = findMessages(oh, type)[0];
    if (!m) {
      if (required) throw new H5Error('Corrupt', `dataset object header lacks message type ${type}`, { offset: ctx.baseAddress + oh.address });
      return null;
    }
    return resolveSharedMessage(ctx, m, sohm);
  };
  const [spaceMsg, typeMsg, layoutMsg, pipeMsg, fillMsg, oldFillMsg, eflMsg] = await Promise.all([
    one(MessageType.DATASPACE, true),
    one(MessageType.DATATYPE, true),
    one(MessageType.LAYOUT, true),
    one(MessageType.FILTER_PIPELINE, false),
    one(MessageType.FILL_VALUE, false),
    one(MessageType.FILL_VALUE_OLD, false),
    one(MessageType.EXTERNAL_FILES, false),
  ]);
  const dataspace = decodeDataspace(spaceMsg!.body, ctx, spaceMsg!.address);
  const datatype = decodeDatatypeMessage(typeMsg!.body, typeMsg!.address);
  const layout = decodeLayout(layoutMsg!.body, ctx, layoutMsg!.address);
  const filters = pipeMsg
    ? decodeFilterPipeline(pipeMsg.body, ctx, pipeMsg.address).map((f) => ({ ...f, name: f.name ?? KNOWN_FILTER_NAMES[f.id] ?? `filter ${f.id}` }))
    : [];
  let fill: FillValue = { status: 'default' };
  if (fillMsg) fill = decodeFillValue(fillMsg.body, ctx, fillMsg.address);
  else if (oldFillMsg) fill = decodeFillValueOld(oldFillMsg.body, ctx, oldFillMsg.address);
  const size = datatype.size;
  let fillValuePlain: unknown = null;
  const isVariable = datatype.class === 'vlen';
  // Fill time 'never': unwritten elements are whatever the buffer held; h5py's is zeroed, so are ours.
  const written = fill.fillTime !== 'never';
  // A user fill value sits in a header message (at most 64 KiB), so checking its bytes is cheap;
  // the zero fill of a huge element (a hostile type claims up to 4 GiB) is never allocated.
  const user = written && fill.status === 'user' && fill.value && fill.value.length === size && !isVariable ? fill.value : null;
  const fillBytes = user && user.some((b) => b !== 0) ? user : null;
  // The plain fill value is a convenience: for elements past FILL_PLAIN_MAX_BYTES (a hostile array
  // type of 2^29 doubles would be a 4 GiB JS array) it stays null; reads still use fillBytes.
  if (!isVariable && fill.status !== 'undefined' && size <= FILL_PLAIN_MAX_BYTES) {
    try {
      fillValuePlain = elementValue(await decodeValues(ctx, fillBytes ?? new Uint8Array(size), datatype, 1), datatype, 0);
    } catch {
      fillValuePlain = null;
    }
  }
  const external = eflMsg ? await readExternalFiles(ctx, eflMsg.body, eflMsg.address) : null;
  return { dataspace, datatype, layout, filters, fill, fillBytes, fillValuePlain, external };
}
