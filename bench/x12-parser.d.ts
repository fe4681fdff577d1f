/**
 * x12-parser ships types, but only behind its package.json "exports" map, which this project's
 * `moduleResolution: node` does not read: declare the one class the benchmark and the test use.
 */
declare module 'x12-parser' {
  import { Transform } from 'node:stream';

  /** Object-mode Transform: Buffer chunks in, `{ name, '1': value, '1-1': second component, ... }` out. */
  export class X12parser extends Transform {
    constructor(defaultEncoding?: BufferEncoding);
  }
}
