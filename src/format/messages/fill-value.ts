import { H5Error } from '../../errors.js';
import type { FormatContext } from '../context.js';
import { bytes, cursor, u32, u8 } from '../cursor.js';
import type { FillValue } from '../types.js';

/**
 * Fill value messages. The old one (spec IV.A.2.e, type 0x0004) is just a size and the bytes;
 * the new one (IV.A.2.f, type 0x0005) adds allocation and fill times. Status follows the
 * library (H5P_fill_value_defined): no value recorded -> 'undefined', an empty value ->
 * 'default' (zeros), bytes -> 'user'.
 */

const ALLOC_TIMES = [undefined, 'early', 'late', 'incremental'] as const;
const FILL_TIMES = ['alloc', 'never', 'ifset'] as const;

export function decodeFillValueOld(body: Uint8Array, ctx: FormatContext, address: number): FillValue {
  const c = cursor(body, ctx.baseAddress + address);
  const size = u32(c);
  // The old message came before allocation/fill-time settings: the library assumes late allocation, fill if set.
  const base = { allocTime: 'late', fillTime: 'ifset' } as const;
  if (size === 0) return { status: 'undefined', ...base };
  return { status: 'user', value: valueBytes(c, size, ctx, address), ...base };
}

export function decodeFillValue(body: Uint8Array, ctx: FormatContext, address: number): FillValue {
  const c = cursor(body, ctx.baseAddress + address);
  const version = u8(c);
  if (version < 1 || version > 3) {
    throw new H5Error('Unsupported', `fill value message version ${version}`, { offset: ctx.baseAddress + address });
  }
  if (version < 3) {
    const alloc = u8(c);
    const fill = u8(c);
    const defined = u8(c);
    const out: FillValue = { status: 'undefined', ...times(alloc, fill, ctx, address) };
    if (!defined) return out;
    const size = u32(c);
    return size === 0 ? { ...out, status: 'default' } : { ...out, status: 'user', value: valueBytes(c, size, ctx, address) };
  }
  const flags = u8(c);
  // Bits 0-1 allocation time, 2-3 fill time, 4 value undefined, 5 value present; the rest are unknown.
  if (flags & 0xc0) throw new H5Error('Corrupt', `unknown fill value flags 0x${flags.toString(16)}`, { offset: ctx.baseAddress + address });
  const out: FillValue = { status: 'default', ...times(flags & 3, (flags >> 2) & 3, ctx, address) };
  if (flags & 0x10) {
    if (flags & 0x20) throw new H5Error('Corrupt', 'fill value both undefined and present', { offset: ctx.baseAddress + address });
    return { ...out, status: 'undefined' };
  }
  if (flags & 0x20) {
    const size = u32(c);
    return size === 0 ? out : { ...out, status: 'user', value: valueBytes(c, size, ctx, address) };
  }
  return out;
}

function times(alloc: number, fill: number, ctx: FormatContext, address: number): Pick<FillValue, 'allocTime' | 'fillTime'> {
  if (alloc > 3 || fill > 2) {
    throw new H5Error('Corrupt', `fill value allocation time ${alloc} / fill time ${fill}`, { offset: ctx.baseAddress + address });
  }
  const out: Pick<FillValue, 'allocTime' | 'fillTime'> = { fillTime: FILL_TIMES[fill] };
  const a = ALLOC_TIMES[alloc];
  if (a) out.allocTime = a;
  return out;
}

function valueBytes(c: ReturnType<typeof cursor>, size: number, ctx: FormatContext, address: number): Uint8Array {
  if (size > c.bytes.length - c.pos) {
    throw new H5Error('Corrupt', `fill value of ${size} bytes in a ${c.bytes.length}-byte message`, { offset: ctx.baseAddress + address });
  }
  return bytes(c, size).slice();
}
