/**
 * The envelope of an X12 acknowledgment: the received ISA turned around (sender and receiver swapped),
 * the partner's version, delimiters and test indicator, our own control number.
 */
import type { AckContext } from '../../ack';
import { textDelimiters, type TextDelimiters } from '../../common/encode';
import type { InterchangeHeader } from '../../common/events';
import { X12_DEFAULT_DELIMITERS, X12InterchangeWriter } from '../writer';

/** Letters, digits, space, and single bytes above ASCII cannot be written back as delimiters. */
const unusable = (c: string): boolean => /^[A-Za-z0-9 ]$/.test(c) || (c.length === 1 && c.charCodeAt(0) >= 0x80) || c.includes('\ufffd');

/** The partner's delimiters when they can be written again, ours otherwise. */
export function ackDelimiters(h: InterchangeHeader): TextDelimiters {
  const d = textDelimiters(h.delimiters);
  const singles = [d.element, d.component, d.terminator, d.repetition].filter((s) => s !== '');
  const usable = d.element.length === 1 && d.component.length === 1 && d.terminator !== '' && new Set(singles).size === singles.length && !singles.some(unusable);
  return usable ? d : X12_DEFAULT_DELIMITERS;
}

/** Line break after each segment: none when the partner terminates segments with a line break already. */
export function lineBreakFor(d: TextDelimiters, wanted: string | undefined): string {
  if (/[\r\n]/.test(d.terminator)) return '';
  return wanted ?? '\n';
}

function fit(v: string, width: number): string {
  return v.length > width ? v.slice(0, width) : v;
}

/** ISA12 of the ack: the partner's version when it is one, 00401 otherwise. */
export function ackIsaVersion(h: InterchangeHeader): string {
  return /^\d{5}$/.test(h.version) ? h.version : '00401';
}

/** A writer for the ack interchange with a fresh ISA13; returns it with the control number used. */
export function openAckInterchange(h: InterchangeHeader, ctx: AckContext): { writer: X12InterchangeWriter; controlNumber: string; delimiters: TextDelimiters } {
  const delimiters = ackDelimiters(h);
  const n = ctx.controlNumbers.next('interchange', ctx.partnerKey);
  const controlNumber = String(n).padStart(9, '0');
  const writer = new X12InterchangeWriter(
    {
      senderQualifier: fit(h.receiverQualifier, 2),
      senderId: fit(h.receiverId, 15),
      receiverQualifier: fit(h.senderQualifier, 2),
      receiverId: fit(h.senderId, 15),
      version: ackIsaVersion(h),
      controlNumber: n,
      ackRequested: false,
      test: h.test,
    },
    { delimiters, lineBreak: lineBreakFor(delimiters, ctx.lineBreak), now: ctx.now },
  );
  return { writer, controlNumber, delimiters };
}

/** A value the ack may copy (AK404, CTX): without the partner's delimiters or control characters, at most `max`. */
export function copyable(v: string | undefined, d: TextDelimiters, max: number): string | undefined {
  if (v === undefined || v === '') return undefined;
  for (const s of [d.element, d.component, d.repetition, d.terminator, d.release]) if (s !== '' && v.includes(s)) return undefined;
  if (/[\x00-\x1f\x7f]/.test(v)) return undefined;
  const out = v.length > max ? v.slice(0, max) : v;
  return out.trim() === '' ? undefined : out;
}
