import { H5Error } from '../errors.js';

/**
 * Errors shared by the filter decoders. Every message starts with the filter's name, so a
 * failure deep in a pipeline still says which codec rejected the bytes.
 */
export function corrupt(filter: string, message: string, cause?: unknown): H5Error {
  return new H5Error('Corrupt', `${filter}: ${message}`, cause === undefined ? {} : { cause });
}

export function unsupported(filter: string, message: string): H5Error {
  return new H5Error('Unsupported', `${filter}: ${message}`);
}

/** Decoded data would exceed the caller's cap: refuse before allocating it (no decompression bombs). */
export function tooLarge(filter: string, bytes: number, maxOutputBytes: number): H5Error {
  return new H5Error('Limit', `${filter}: decoded size ${bytes} bytes exceeds the limit of ${maxOutputBytes} bytes`);
}

export function checkOutputSize(filter: string, bytes: number, maxOutputBytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw corrupt(filter, `impossible decoded size ${bytes}`);
  if (bytes > maxOutputBytes) throw tooLarge(filter, bytes, maxOutputBytes);
}

/** Concatenates pieces of output whose total the caller has already bounded. */
export function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1 && parts[0]!.length === total) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Reads a client-data value (cd_values[i]), which the pipeline message may have left out. */
export function cdValue(filter: string, clientData: readonly number[], index: number, what: string): number {
  const v = clientData[index];
  if (v === undefined) throw corrupt(filter, `client data has ${clientData.length} values, need ${what} at index ${index}`);
  return v;
}
