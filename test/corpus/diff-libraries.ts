/**
 * The npm libraries and our reader, each driven the way ../shared/research/libraries.md describes,
 * with their output normalised to `[tag, element...]` (components ':' and repetitions '^').
 *
 * - x12-parser: its stream (`X12parser`, utf8), the normalised text written as one chunk (a first
 *   chunk shorter than 106 characters would break its fixed-offset delimiter detection). It reports
 *   components as `'1'`, `'1-1'`, `'1-2'` ...; it never applies the repetition separator.
 * - node-x12: its stream mode (`new X12Parser(false)`), one chunk. Element values come unsplit; they are
 *   split with the separators node-x12 itself read from the ISA (ISA16, ISA11 when not alphanumeric).
 * - edifact: the low-level `Parser`, no validator, `encoding('UNOY')`, the text in one `write()`.
 * - ours: `EdiReader` on the raw bytes (BOM, charset and all), `segment.toParsed()`; the ISA's elements
 *   are read raw because ISA11 and ISA16 hold the separators themselves.
 */
import { Parser as EdifactParser } from 'edifact';
import { X12Parser as NodeX12Parser, type X12Segment } from 'node-x12';
import type { Transform } from 'node:stream';
import { X12parser } from 'x12-parser';
import type { ScannedSegment } from '../../src/edi/common/scanner';
import { EdiReader } from '../../src/edi/reader';
import { joinElement, type NormSegment } from './diff-reference';

export type LibraryName = 'x12-parser' | 'node-x12' | 'edifact';

export type LibraryOutcome = { ok: true; segments: NormSegment[] } | { ok: false; error: string };

/** Write `input` to an object-mode Transform in one chunk and collect what it emits. */
function collect<T>(t: Transform, input: Buffer): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const out: T[] = [];
    t.on('data', (o: T) => out.push(o));
    t.on('error', reject);
    t.on('end', () => resolve(out));
    t.end(input);
  });
}

async function runX12Parser(text: string): Promise<NormSegment[]> {
  const objs = await collect<Record<string, string>>(new X12parser('utf8'), Buffer.from(text, 'utf8'));
  return objs.map((o) => {
    let n = 0;
    for (const k of Object.keys(o)) if (/^\d+$/.test(k)) n = Math.max(n, Number(k));
    const seg: NormSegment = [o.name];
    for (let e = 1; e <= n; e++) {
      const comps = [o[String(e)] ?? ''];
      for (let c = 1; `${e}-${c}` in o; c++) comps.push(o[`${e}-${c}`]);
      seg.push(comps.join(':'));
    }
    return seg;
  });
}

async function runNodeX12(text: string): Promise<NormSegment[]> {
  const segs = await collect<X12Segment>(new NodeX12Parser(false), Buffer.from(text, 'utf8'));
  let component = '';
  let repetition: string | null = null;
  return segs.map((s) => {
    const values = s.elements.map((e) => e.value);
    if (s.tag === 'ISA') {
      component = values[15] ?? '';
      const isa11 = values[10] ?? '';
      repetition = isa11.length === 1 && !/[0-9A-Za-z ]/.test(isa11) ? isa11 : null;
      return [s.tag, ...values];
    }
    const split = (v: string) => joinElement((repetition === null ? [v] : v.split(repetition)).map((r) => (component ? r.split(component) : [r])));
    return [s.tag, ...values.map(split)];
  });
}

function runEdifact(text: string): NormSegment[] {
  const parser = new EdifactParser();
  parser.encoding('UNOY');
  const out: NormSegment[] = [];
  let seg: string[][] | null = null;
  parser.on('opensegment', (name) => {
    seg = [[name]];
  });
  parser.on('element', () => {
    seg?.push([]);
  });
  parser.on('component', (data) => {
    seg?.[seg.length - 1].push(data);
  });
  parser.on('closesegment', () => {
    if (seg) out.push([seg[0][0], ...seg.slice(1).map((c) => c.join(':'))]);
    seg = null;
  });
  parser.write(text);
  parser.end();
  return out;
}

/** Run one library on the normalised text; a throw is an outcome, not a test failure. */
export async function runLibrary(name: LibraryName, text: string): Promise<LibraryOutcome> {
  try {
    const segments = name === 'x12-parser' ? await runX12Parser(text) : name === 'node-x12' ? await runNodeX12(text) : runEdifact(text);
    return { ok: true, segments };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/** EDIFACT syntax identifiers our reader decodes as UTF-8; every other one is a single-byte set. */
const UTF8_SYNTAX_IDS = new Set(['UNOW', 'UNOY']);

/**
 * Our segments from the raw bytes, fed in chunks of `chunkSize` bytes (0 = all at once).
 *
 * `utf8Text`: the file is valid UTF-8, so the libraries got it decoded as UTF-8. Our EDIFACT reader
 * decodes by UNB 0001 (UNOA/UNOB/UNOC as ISO-8859-1, as the standard says), so for such an
 * interchange its values are re-read as UTF-8 (lossless: ISO-8859-1 maps bytes 1:1) to compare the
 * tokenization rather than the charset policy. `recoded` counts the values this changed.
 */
export function runOurs(bytes: Buffer, options: { latin1: boolean; utf8Text?: boolean; chunkSize?: number }): { segments: NormSegment[]; issues: string[]; recoded: number } {
  const segments: NormSegment[] = [];
  const issues: string[] = [];
  let recode = false;
  let recoded = 0;
  const reread = (v: string) => {
    if (!/[\x80-\xff]/.test(v)) return v;
    recoded++;
    return Buffer.from(v, 'latin1').toString('utf8');
  };
  const reader = new EdiReader(
    {
      interchangeStart: (h) => {
        recode = h.standard === 'edifact' && !!options.utf8Text && !UTF8_SYNTAX_IDS.has(h.syntaxId ?? '');
      },
      segment: (seg: ScannedSegment) => {
        if (seg.tag === 'ISA') {
          const raw: string[] = [];
          for (let e = 1; e <= seg.elementCount(); e++) raw.push(seg.raw(e));
          segments.push([seg.tag, ...raw]);
          return;
        }
        const p = seg.toParsed();
        const norm = [p.tag, ...p.elements.map(joinElement)];
        segments.push(recode ? norm.map(reread) : norm);
      },
      issue: (i) => {
        issues.push(`${i.severity} ${i.code}`);
      },
    },
    { encoding: options.latin1 ? 'latin1' : 'utf8' },
  );
  const size = options.chunkSize ?? 0;
  if (size <= 0) reader.write(bytes);
  else for (let i = 0; i < bytes.length; i += size) reader.write(bytes.subarray(i, i + size));
  reader.end();
  return { segments, issues, recoded };
}
