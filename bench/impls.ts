/**
 * The implementations the benchmark measures. Each reads the file with fs.createReadStream (1 MiB
 * chunks) and resolves when its last event arrived, with the number of segments it saw.
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Read size: 1 MiB as in the library research; BENCH_CHUNK overrides it (the CLI's size for the 1 GB run). */
export const CHUNK = Number(process.env.BENCH_CHUNK) || 1024 * 1024;

export interface ImplResult {
  segments: number;
  /** Validation errors (ours:validate only). */
  errors?: number;
  note?: string;
}

export type Standard = 'x12' | 'edifact';

export interface Impl {
  name: string;
  standards: Standard[];
  /** Load the implementation's modules (not timed); resolves to the timed run. */
  prepare(): Promise<(file: string) => Promise<ImplResult>>;
}

const open = (file: string, encoding?: BufferEncoding) => createReadStream(file, { highWaterMark: CHUNK, encoding });

/** Feed every chunk of the file to `onChunk`. */
function eachChunk(file: string, onChunk: (b: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = open(file);
    s.on('data', (b) => onChunk(b as Buffer));
    s.on('error', reject);
    s.on('end', () => resolve());
  });
}

/** Pipe the file through an object-mode Transform and count what it emits. */
function countObjects(file: string, t: NodeJS.ReadWriteStream): Promise<ImplResult> {
  return new Promise((resolve, reject) => {
    let segments = 0;
    const s = open(file);
    s.on('error', reject);
    t.on('error', reject);
    t.on('data', () => {
      segments++;
    });
    t.on('end', () => resolve({ segments }));
    s.pipe(t);
  });
}

interface ScanDelims {
  element: number;
  component: number;
  repetition: number;
  release: number;
  terminator: number;
}

/** Delimiters of the file's first interchange (X12: by walking the ISA; EDIFACT: UNA or the defaults). */
function delimitersOf(head: Buffer): ScanDelims {
  let i = 0;
  while (head[i] === 0xef || head[i] === 0xbb || head[i] === 0xbf || head[i] === 0x20 || head[i] === 0x0d || head[i] === 0x0a) i++;
  const tag = head.toString('latin1', i, i + 3);
  if (tag === 'UNA') return { component: head[i + 3], element: head[i + 4], release: head[i + 6], repetition: head[i + 7] === 0x20 ? -1 : head[i + 7], terminator: head[i + 8] };
  if (tag !== 'ISA') return { component: 0x3a, element: 0x2b, release: 0x3f, repetition: -1, terminator: 0x27 };
  const sep = head[i + 3];
  const at: number[] = [i + 3];
  for (let k = i + 4; k < head.length && at.length < 16; k++) if (head[k] === sep) at.push(k);
  if (at.length === 16 && at[15] + 2 < head.length) {
    // ISA11 (between the 11th and 12th separators) is the repetition separator when not alphanumeric.
    const isa11 = at[11] - at[10] === 2 ? String.fromCharCode(head[at[10] + 1]) : 'U';
    return { element: sep, component: head[at[15] + 1], repetition: /[0-9A-Za-z ]/.test(isa11) ? -1 : isa11.charCodeAt(0), release: -1, terminator: head[at[15] + 2] };
  }
  throw new Error('no complete ISA in the first chunk');
}

/** Segment terminator of the file's first interchange (X12: after ISA16; EDIFACT: from UNA or '). */
function terminatorOf(head: Buffer): number {
  let i = 0;
  while (head[i] === 0xef || head[i] === 0xbb || head[i] === 0xbf || head[i] === 0x20 || head[i] === 0x0d || head[i] === 0x0a) i++;
  const tag = head.toString('latin1', i, i + 3);
  if (tag === 'UNA') return head[i + 8];
  if (tag !== 'ISA') return 0x27;
  const sep = head[i + 3];
  let seen = 0;
  for (let k = i + 3; k < head.length; k++) {
    if (head[k] === sep && ++seen === 16) return head[k + 2];
  }
  throw new Error('no ISA terminator in the first chunk');
}

export const IMPLS: Impl[] = [
  {
    name: 'indexOf',
    standards: ['x12', 'edifact'],
    prepare: async () => async (file) => {
      let term = -1;
      let segments = 0;
      await eachChunk(file, (b) => {
        if (term < 0) term = terminatorOf(b);
        let i = b.indexOf(term);
        while (i >= 0) {
          segments++;
          i = b.indexOf(term, i + 1);
        }
      });
      return { segments };
    },
  },
  {
    // The ceiling for a JS tokenizer: classify every byte through a 256-entry table (separators,
    // release characters, terminator) without creating any string; counts unescaped terminators.
    name: 'byte-scan',
    standards: ['x12', 'edifact'],
    prepare: async () => async (file) => {
      const cls = new Uint8Array(256);
      let ready = false;
      let released = false;
      let segments = 0;
      let marks = 0;
      await eachChunk(file, (b) => {
        if (!ready) {
          const d = delimitersOf(b);
          cls[d.element] = 1;
          cls[d.component] = 1;
          if (d.repetition >= 0) cls[d.repetition] = 1;
          if (d.release >= 0) cls[d.release] = 2;
          cls[d.terminator] = 3;
          ready = true;
          // The UNA service string advice is not a segment (its last character is the terminator).
          if (b.toString('latin1', 0, 3) === 'UNA') b = b.subarray(9);
        }
        const end = b.length;
        let i = 0;
        if (released && end > 0) {
          released = false;
          i = 1;
        }
        while (i < end) {
          const c = cls[b[i]];
          if (c === 0) {
            i++;
            continue;
          }
          if (c === 1) marks++;
          else if (c === 3) segments++;
          else if (c === 2) {
            if (i + 1 === end) released = true;
            i++;
          }
          i++;
        }
      });
      return { segments, note: `${marks} separators` };
    },
  },
  {
    name: 'ours:tokenize+envelope',
    standards: ['x12', 'edifact'],
    prepare: async () => {
      const { EdiReader } = await import('../src/edi/reader');
      return async (file) => {
        let segments = 0;
        let issues = 0;
        const reader = new EdiReader({
          segment: () => {
            segments++;
          },
          issue: () => {
            issues++;
          },
        });
        await eachChunk(file, (b) => reader.write(b));
        reader.end();
        return { segments, note: issues ? `${issues} envelope issues` : undefined };
      };
    },
  },
  {
    name: 'ours:validate',
    standards: ['x12', 'edifact'],
    prepare: async () => {
      const { EdiValidator } = await import('../src/edi/validate');
      return async (file) => {
        const v = new EdiValidator();
        await eachChunk(file, (b) => v.write(b));
        const report = v.end();
        const first = report.errors[0];
        return { segments: report.segments, errors: report.errorCount, note: first ? `${first.code} at segment ${first.fileSegmentIndex} ${first.segmentId ?? ''}: ${first.message}` : undefined };
      };
    },
  },
  {
    // `edi-gateway validate --json FILE` in this process (the CLI's own reading and report), for the
    // 1 GB row only: no standards, so the 100 MB tables leave it out.
    name: 'cli:validate',
    standards: [],
    prepare: async () => {
      const { main } = await import('../src/cli/main');
      const { PassThrough, Writable } = await import('node:stream');
      return async (file) => {
        let json = '';
        const stdout = new Writable({ write: (c: Buffer, _e, done) => ((json += c.toString()), done()) });
        const code = await main(['validate', '--json', file], { stdin: new PassThrough(), stdout, stderr: process.stderr });
        const report = JSON.parse(json) as { segments: number; errorCount: number };
        return { segments: report.segments, errors: report.errorCount, note: code === 0 ? undefined : `exit ${code}` };
      };
    },
  },
  {
    name: 'x12-parser',
    standards: ['x12'],
    prepare: async () => {
      const { X12parser } = await import('x12-parser');
      return (file) => countObjects(file, new X12parser());
    },
  },
  {
    name: 'node-x12',
    standards: ['x12'],
    prepare: async () => {
      const { X12Parser } = await import('node-x12');
      return (file) => countObjects(file, new X12Parser(false));
    },
  },
  {
    name: 'edifact',
    standards: ['edifact'],
    prepare: async () => {
      const { Parser } = await import('edifact');
      return async (file) => {
        // The low-level Parser without validator, UNOY level (accepts every character), fed decoded strings.
        const parser = new Parser();
        parser.encoding('UNOY');
        let segments = 0;
        parser.on('closesegment', () => {
          segments++;
        });
        const decoder = new StringDecoder('latin1');
        await eachChunk(file, (b) => parser.write(decoder.write(b)));
        parser.end();
        return { segments };
      };
    },
  },
];

export function implByName(name: string): Impl {
  const impl = IMPLS.find((i) => i.name === name);
  if (!impl) throw new Error(`unknown implementation ${name}; known: ${IMPLS.map((i) => i.name).join(', ')}`);
  return impl;
}
