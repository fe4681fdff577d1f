/**
 * One entry point for both standards: looks at the first bytes (after a BOM and white space) to tell
 * X12 from EDIFACT, then hands the whole input to that standard's envelope reader.
 */
import type { EdiHandler, Standard } from './common/events';
import { makeIssue } from './common/issues';
import { EdifactReader } from './edifact/reader';
import { X12Reader, type X12ReaderOptions } from './x12/reader';

/** Which standard the bytes start with, 'unknown' if neither, undefined if more bytes are needed. */
export function detectStandard(head: Buffer, eof: boolean): Standard | 'unknown' | undefined {
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  else if (head.length < 3 && head[0] === 0xef && !eof) return undefined;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0d || head[i] === 0x0a)) i++;
  if (head.length - i < 3) return eof ? 'unknown' : undefined;
  const tag = head.toString('latin1', i, i + 3);
  if (tag === 'ISA') return 'x12';
  if (tag === 'UNA' || tag === 'UNB') return 'edifact';
  return 'unknown';
}

export type ReaderOptions = X12ReaderOptions;

/** Streaming reader for either standard. */
export class EdiReader {
  private reader: X12Reader | EdifactReader | null = null;
  private head: Buffer[] = [];
  private headLength = 0;
  private detected: Standard | 'unknown' | undefined;
  private done = false;

  constructor(private readonly handler: EdiHandler, private readonly options: ReaderOptions = {}) {}

  /** The standard of the input, once known. */
  get standard(): Standard | 'unknown' | undefined {
    return this.detected;
  }

  /** Feed a chunk. */
  write(chunk: Buffer): void {
    if (this.reader) {
      this.reader.write(chunk);
      return;
    }
    if (this.detected === 'unknown') return;
    this.head.push(chunk);
    this.headLength += chunk.length;
    this.tryDetect(false);
  }

  /** End of input. */
  end(): void {
    if (this.done) return;
    this.done = true;
    if (!this.reader && this.detected === undefined) this.tryDetect(true);
    if (this.reader) {
      this.reader.end();
      return;
    }
    const head = Buffer.concat(this.head);
    const code = head.length === 0 || /^[\s\ufeff]*$/.test(head.toString('utf8')) ? 'file.empty' : 'file.not_edi';
    this.handler.issue?.(makeIssue(code, { offset: 0 }, code === 'file.not_edi' ? `found "${head.toString('latin1', 0, 16).replace(/[\r\n]+/g, ' ')}"` : undefined));
    this.handler.end?.();
  }

  private tryDetect(eof: boolean): void {
    const head = this.head.length === 1 ? this.head[0] : Buffer.concat(this.head);
    this.detected = detectStandard(head, eof);
    if (this.detected === undefined || this.detected === 'unknown') {
      // A copy: the caller may reuse its chunk's memory once write() returns (the CLI's readChunks).
      this.head = [this.head.length === 1 ? Buffer.from(head) : head];
      return;
    }
    this.reader = this.detected === 'x12' ? new X12Reader(this.handler, this.options) : new EdifactReader(this.handler, this.options);
    this.head = [];
    this.reader.write(head);
  }
}
