/**
 * coh5's HDF5 datatypes in H5Web's words (`DType` of @h5web/app). Pure data: the enum values
 * are H5Web's string enums written out, so this module needs nothing from @h5web/app at run time.
 */
import type { Datatype } from '../format/types.js';
import type { DType, NumericType } from '@h5web/app';
import { DTypeClass } from '@h5web/app';

type Endianness = 'little-endian' | 'big-endian' | 'VAX' | undefined;

function endianness(order: string): Endianness {
  if (order === '<') return 'little-endian';
  if (order === '>') return 'big-endian';
  return order === 'vax' ? 'VAX' : undefined;
}

function numeric(t: Datatype): NumericType | undefined {
  if (t.class === 'integer') return { class: DTypeClass.Integer, signed: t.signed, size: t.size * 8, endianness: endianness(t.order) };
  if (t.class === 'float') return { class: DTypeClass.Float, size: t.size * 8, endianness: endianness(t.order) };
  return undefined;
}

/** h5py's bool: an enum of a 1-byte integer with exactly FALSE = 0 and TRUE = 1. */
export function isBoolEnum(t: Datatype): boolean {
  if (t.class !== 'enum' || t.members.length !== 2) return false;
  const byName = new Map(t.members.map((m) => [m.name, Number(m.value)]));
  return byName.get('FALSE') === 0 && byName.get('TRUE') === 1;
}

/** h5py's complex numbers before HDF5 2.0: a compound of two floats named r and i. */
export function isComplexCompound(t: Datatype): boolean {
  return t.class === 'compound' && t.members.length === 2 && t.members[0]!.name === 'r' && t.members[1]!.name === 'i' && t.members.every((m) => m.type.class === 'float');
}

/** The H5Web type of an HDF5 datatype. Sizes are in bits, as H5Web's providers give them. */
export function toH5WebType(t: Datatype): DType {
  switch (t.class) {
    case 'integer':
    case 'float':
      return numeric(t)!;
    case 'complex': {
      const part = numeric(t.base)!;
      return { class: DTypeClass.Complex, realType: part, imagType: part };
    }
    case 'enum': {
      const base = numeric(t.base) ?? { class: DTypeClass.Integer, signed: false, size: t.size * 8, endianness: undefined };
      if (isBoolEnum(t)) return { class: DTypeClass.Bool, base };
      const mapping: Record<number, string> = {};
      for (const m of t.members) mapping[Number(m.value)] = m.name;
      return { class: DTypeClass.Enum, base, mapping };
    }
    case 'string':
      return { class: DTypeClass.String, charSet: t.charset === 'utf-8' ? 'UTF-8' : 'ASCII', strPad: strPad(t.padding), length: t.size };
    case 'vlen':
      if (t.kind === 'string') return { class: DTypeClass.String, charSet: t.charset === 'utf-8' ? 'UTF-8' : 'ASCII', strPad: strPad(t.padding) };
      return { class: DTypeClass.VLen, base: toH5WebType(t.base) };
    case 'compound':
      if (isComplexCompound(t)) {
        const part = numeric(t.members[0]!.type)!;
        return { class: DTypeClass.Complex, realType: part, imagType: part };
      }
      return { class: DTypeClass.Compound, fields: new Map(t.members.map((m) => [m.name, toH5WebType(m.type)])) };
    case 'array':
      return { class: DTypeClass.Array, base: toH5WebType(t.base), dims: t.dims };
    case 'opaque':
      return { class: DTypeClass.Opaque, tag: t.tag };
    case 'reference':
      return { class: DTypeClass.Reference };
    case 'bitfield':
      return { class: DTypeClass.Bitfield, endianness: endianness(t.order) };
    case 'time':
      return { class: DTypeClass.Time };
  }
}

function strPad(p: string): 'null-terminated' | 'null-padded' | 'space-padded' {
  return p === 'nullterm' ? 'null-terminated' : p === 'nullpad' ? 'null-padded' : 'space-padded';
}
