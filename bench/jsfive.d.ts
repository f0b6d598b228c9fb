// jsfive ships no type declarations; the benchmark uses File, get(), .value and .shape.
declare module 'jsfive' {
  export class File {
    constructor(buffer: ArrayBuffer, filename: string);
    get(path: string): { value: ArrayLike<number>; shape: number[] };
  }
}
