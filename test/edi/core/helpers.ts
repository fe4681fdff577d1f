/** Shared builders and collectors for the EDI core tests. */
import type { EdiHandler, SegmentPlace } from '../../../src/edi/common/events';
import type { EdiIssue } from '../../../src/edi/common/issues';
import type { Delimiters, ScannedSegment } from '../../../src/edi/common/scanner';
import { EdiReader, type ReaderOptions } from '../../../src/edi/reader';

export interface SegEvent {
  tag: string;
  elements: string[][][];
  level: SegmentPlace['level'];
  position: number;
  index: number;
  offset: number;
}

export interface Collected {
  segments: SegEvent[];
  issues: EdiIssue[];
  delimiters: Delimiters[];
  events: string[];
  layout: string[];
}

/** Read `chunks` through EdiReader and record everything the handler sees. */
export function collect(chunks: Buffer | Buffer[], options: ReaderOptions = {}): Collected {
  const out: Collected = { segments: [], issues: [], delimiters: [], events: [], layout: [] };
  const reader = new EdiReader(collectingHandler(out), options);
  for (const c of Array.isArray(chunks) ? chunks : [chunks]) reader.write(c);
  reader.end();
  return out;
}

/** A handler that records everything a reader reports into `out`, as values (nothing kept by reference). */
export function collectingHandler(out: Collected): EdiHandler {
  return {
    interchangeStart: (h) => {
      out.delimiters.push(h.delimiters);
      out.events.push(`ic+${h.controlNumber}`);
    },
    interchangeEnd: (h, s) => out.events.push(`ic-${h.controlNumber}:${s.trailerFound}`),
    groupStart: (g) => out.events.push(`g+${g.controlNumber}`),
    groupEnd: (g, s) => out.events.push(`g-${g.controlNumber}:${s.trailerFound}`),
    transactionStart: (t) => out.events.push(`t+${t.controlNumber}`),
    transactionEnd: (t, s) => out.events.push(`t-${t.controlNumber}:${s.trailerFound}`),
    segment: (seg: ScannedSegment, place) => {
      out.segments.push({ tag: seg.tag, elements: seg.toParsed().elements, level: place.level, position: place.position, index: seg.index, offset: seg.offset });
    },
    issue: (i) => out.issues.push(i),
    layout: (t) => out.layout.push(t),
  };
}

/** Issue codes in order. */
export const codes = (c: Collected | EdiIssue[]): string[] => (Array.isArray(c) ? c : c.issues).map((i) => i.code);

/** Errors only (warnings dropped). */
export const errorsOf = (c: Collected): EdiIssue[] => c.issues.filter((i) => i.severity === 'error');

export interface IsaOptions {
  element?: string;
  component?: string;
  /** ISA11: repetition separator or 'U'. */
  repetition?: string;
  terminator?: string;
  control?: string;
  senderId?: string;
  version?: string;
}

/** A 106-character ISA (with the default one-byte terminator), delimiters as asked. */
export function isa(o: IsaOptions = {}): string {
  const e = o.element ?? '*';
  const fields = [
    '00', '          ', '00', '          ', 'ZZ', (o.senderId ?? 'SENDER').padEnd(15, ' '), 'ZZ', 'RECEIVER'.padEnd(15, ' '),
    '240101', '1200', o.repetition ?? '^', o.version ?? '00501', o.control ?? '000000001', '0', 'P', o.component ?? '>',
  ];
  return 'ISA' + e + fields.join(e) + (o.terminator ?? '~');
}

/** A complete X12 interchange with one group and the given transactions (each a list of body segments). */
export function x12Interchange(o: IsaOptions & { lineBreak?: string; groups?: string[][][]; groupControls?: string[] } = {}): string {
  const e = o.element ?? '*';
  const t = o.terminator ?? '~';
  const lb = o.lineBreak ?? '';
  const seg = (...parts: string[]) => parts.join(e) + t + lb;
  const control = o.control ?? '000000001';
  const groups = o.groups ?? [[['BEG' + e + '00' + e + 'SA' + e + 'PO1']]];
  let out = isa(o) + lb;
  let st = 1;
  groups.forEach((txs, gi) => {
    const gc = o.groupControls?.[gi] ?? String(gi + 1);
    out += seg('GS', 'PO', 'SENDER', 'RECEIVER', '20240101', '1200', gc, 'X', '005010');
    for (const body of txs) {
      const n = String(st++).padStart(4, '0');
      out += seg('ST', '850', n);
      for (const b of body) out += b + t + lb;
      out += seg('SE', String(body.length + 2), n);
    }
    out += seg('GE', String(txs.length), gc);
  });
  out += seg('IEA', String(groups.length), control);
  return out;
}

/** Byte Buffer of a latin1/ASCII string. */
export const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Cut buf at the given byte positions (any order, duplicates ignored). */
export function splitAtPoints(buf: Buffer, points: number[]): Buffer[] {
  const cuts = [...new Set(points)].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const c of cuts) {
    out.push(buf.subarray(last, c));
    last = c;
  }
  out.push(buf.subarray(last));
  return out;
}
