import { cooperate, sliceUsed } from '../cooperate.js';
import { H5Error } from '../errors.js';
import type { ByteSource } from '../source.js';
import { cursor, type Cursor } from './cursor.js';
import type { Limits } from './limits.js';

/**
 * What every format parser needs: a way to read bytes at HDF5 addresses, the sizes the
 * superblock declared, the limits, and the caller's signal. Parsers are free functions
 * taking a FormatContext; none of them holds I/O state of its own.
 */
export interface FormatContext {
  /** The metadata reader: the block cache over the driver. */
  readonly source: ByteSource;
  /** Absolute file offset of HDF5 address 0 (the user block size / signature offset). */
  readonly baseAddress: number;
  readonly sizeOfOffsets: number;
  readonly sizeOfLengths: number;
  readonly limits: Limits;
  readonly signal?: AbortSignal;
  /** Cache of parsed structures by kind and address, shared by every context of one file. */
  readonly parsed: Map<string, Promise<unknown>>;
}

/** A context with another signal (per-call), sharing everything else. */
export function withSignal(ctx: FormatContext, signal: AbortSignal | undefined): FormatContext {
  return signal === ctx.signal ? ctx : { ...ctx, signal };
}

/**
 * Reads `length` bytes at HDF5 address `address` (relative to the base address).
 * A read that the file cannot satisfy is a 'Corrupt' error naming `what`.
 */
export async function readAt(ctx: FormatContext, address: number, length: number, what: string): Promise<Uint8Array> {
  await cooperate(ctx.signal);
  const abs = ctx.baseAddress + address;
  if (!Number.isSafeInteger(abs) || address < 0 || length < 0) {
    throw new H5Error('Corrupt', `${what} at a bad address ${address}`, { offset: abs, source: ctx.source.key });
  }
  if (length > ctx.limits.maxMetadataBytes) {
    throw new H5Error('Limit', `${what} claims ${length} bytes, above the metadata limit ${ctx.limits.maxMetadataBytes}`, {
      offset: abs,
      source: ctx.source.key,
    });
  }
  const out = await ctx.source.read(abs, length, { signal: ctx.signal });
  if (out.length < length) {
    throw new H5Error('Corrupt', `${what} runs past the end of the file (${length} bytes wanted, ${out.length} there)`, {
      offset: abs,
      source: ctx.source.key,
    });
  }
  return out;
}

/** readAt, returning a cursor whose `base` is the structure's HDF5 address. */
export async function cursorAt(ctx: FormatContext, address: number, length: number, what: string): Promise<Cursor> {
  return cursor(await readAt(ctx, address, length, what), address);
}

/**
 * Parses a structure once per file: concurrent and later callers for the same (kind, address)
 * share one promise. A failed parse is forgotten so a retry can succeed after a network fault.
 */
export function memo<T>(ctx: FormatContext, kind: string, address: number, parse: () => Promise<T>): Promise<T> {
  const key = `${kind}@${address}`;
  const hit = ctx.parsed.get(key) as Promise<T> | undefined;
  // Every cached structure passes here, so this is where long runs of cached work yield.
  if (hit) return sliceUsed() ? cooperate(ctx.signal).then(() => hit) : hit;
  const p = parse();
  ctx.parsed.set(key, p);
  p.catch(() => ctx.parsed.delete(key));
  return p;
}
