import { expect } from 'vitest';
import { H5Error } from '../../src/errors.js';

/** Awaits a promise that must reject with an H5Error, and returns that error. */
export async function failure(p: Promise<unknown>): Promise<H5Error> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(H5Error);
  return e as H5Error;
}
