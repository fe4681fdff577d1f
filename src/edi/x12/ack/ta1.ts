/**
 * X12 TA1 interchange acknowledgment: TA101 the received ISA13, TA102/TA103 the received ISA09/ISA10,
 * TA104 A (header and trailer fine) / R (rejected at envelope level) / E (accepted with errors noted,
 * only when the caller says so), TA105 the note code of the first interchange-level finding, 000 when none.
 */
import type { AckContext, AckFinding, GeneratedAck, InterchangeRecord } from '../../ack';
import type { ParsedSegment } from '../../common/segment';
import { openAckInterchange } from './envelope';
import { groupReferenceable } from './functional';

/** TA105 of a finding: its interchange note code, 022 (invalid control structure) when it has none. */
export function ta1NoteCode(f: AckFinding | undefined): string {
  if (!f) return '000';
  const code = f.ack.x12;
  if (f.level === 'interchange' && code !== undefined && /^\d{3}$/.test(code)) return code;
  if (f.level === 'group' || f.level === 'transaction') return '024';
  return '022';
}

/**
 * True when the interchange can only be answered by a TA1: an error at interchange level, or (X12) a
 * transaction set outside any functional group, which no 997 can name.
 */
export function interchangeRejected(ic: InterchangeRecord): boolean {
  return ic.errors.length > 0 || (ic.standard === 'x12' && (ic.transactions.length > 0 || !ic.groups.every(groupReferenceable)));
}

function isDate6(s: string): boolean {
  if (!/^\d{6}$/.test(s)) return false;
  const m = +s.slice(2, 4);
  const d = +s.slice(4, 6);
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/** The TA1 segment for a received interchange. */
export function ta1Segment(ic: InterchangeRecord, now: Date, code: 'A' | 'E' | 'R' = interchangeRejected(ic) ? 'R' : 'A'): ParsedSegment {
  const h = ic.header;
  const iso = now.toISOString();
  const date = isDate6(h.date) ? h.date : iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10);
  const time = /^([01]\d|2[0-3])[0-5]\d$/.test(h.time) ? h.time : iso.slice(11, 13) + iso.slice(14, 16);
  const control = /^\d{9}$/.test(h.controlNumber) ? h.controlNumber : /^\d{1,9}$/.test(h.controlNumber) ? h.controlNumber.padStart(9, '0') : '000000000';
  const structural = ic.standard === 'x12' && (ic.transactions.length > 0 || !ic.groups.every(groupReferenceable));
  const first = ic.errors[0] ?? (structural ? ({ code: 'interchange.group_content_invalid', level: 'group', ack: {}, message: '' } as AckFinding) : undefined);
  const note = code === 'A' ? '000' : ta1NoteCode(first);
  return { tag: 'TA1', elements: [control, date, time, code, note].map((v) => [[v]]) };
}

/** A whole TA1 interchange answering `ic`. */
export function buildTa1(ic: InterchangeRecord, ctx: AckContext, code?: 'A' | 'E' | 'R'): GeneratedAck {
  const { writer, controlNumber } = openAckInterchange(ic.header, ctx);
  const seg = ta1Segment(ic, ctx.now, code);
  writer.ta1(seg.elements.map((e) => e[0][0]));
  const ack = seg.elements[3][0][0];
  return { type: 'TA1', text: writer.end(), interchange: ic.header.controlNumber, controlNumber, status: ack === 'A' ? 'accepted' : ack === 'E' ? 'accepted_with_errors' : 'rejected', encoding: 'utf8' };
}
