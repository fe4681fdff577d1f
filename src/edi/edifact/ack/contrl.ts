/**
 * EDIFACT CONTRL syntax and service report (syntax version 3 structure; UNH CONTRL:D:3:UN, or CONTRL:4:1:UN
 * for a syntax 4 interchange, whose CONTRL is a superset of the same segments):
 *
 *   UCI  received interchange reference, its sender and recipient as received, action, error code,
 *        service segment tag and element position when the error is in UNB/UNZ
 *   UCF  per received group (UNG): reference, application sender/recipient, action, error code
 *   UCM  per received message: reference, S009 as received, action, error code (UNH/UNT errors)
 *   UCS  segment position in the message and the segment error code, with
 *   UCD  per element error: error code, element:component position
 *
 * Action (0083): 7 = this level acknowledged and every lower level not explicitly rejected; 4 = this level
 * and all lower levels rejected. A level rejected at interchange or group level is not detailed below.
 */
import type { AckContext, AckFinding, AckPolicy, AckStatus, GeneratedAck, GroupRecord, InterchangeRecord, TransactionRecord } from '../../ack';
import { textDelimiters, type TextDelimiters } from '../../common/encode';
import type { InterchangeHeader } from '../../common/events';
import type { ParsedSegment } from '../../common/segment';
import { charsetFor } from '../charset';
import { EDIFACT_DEFAULT_DELIMITERS, EdifactInterchangeWriter } from '../writer';

/** Most UCS reported per message and UCD per UCS. */
export const MAX_UCS = 100;
export const MAX_UCD = 99;

const SERVICE_TAGS = new Set(['UNA', 'UNB', 'UNG', 'UNH', 'UNT', 'UNE', 'UNZ']);
const TRAILER_OF: Record<string, string> = { 'transaction.trailer_missing': 'UNT', 'group.trailer_missing': 'UNE', 'interchange.trailer_missing': 'UNZ' };

type Element = string | string[];

/** A value as the CONTRL may repeat it: at most `max` characters (and only characters its charset allows). */
type Fit = (v: string, max: number) => string;

function fit(v: string, max: number): string {
  return v.length > max ? v.slice(0, max) : v;
}

function trimEmpty(parts: string[]): string[] {
  let n = parts.length;
  while (n > 0 && parts[n - 1] === '') n--;
  return parts.slice(0, n);
}

/** 0085, 0013, S011 of a finding at a service level (UCI / UCF / UCM), empty strings where absent. */
function serviceError(f: AckFinding | undefined): Element[] {
  if (!f || f.ack.edifact === undefined) return [];
  const tag = TRAILER_OF[f.code] ?? (f.segmentId !== undefined && SERVICE_TAGS.has(f.segmentId) ? f.segmentId : undefined);
  if (tag === undefined) return [f.ack.edifact];
  const pos = position(f);
  return pos ? [f.ack.edifact, tag, pos] : [f.ack.edifact, tag];
}

/** S011 of a finding: element[:component], undefined when it names no element. */
function position(f: AckFinding): string[] | undefined {
  if (f.element === undefined || f.element < 1 || f.element > 999) return undefined;
  return f.component !== undefined && f.component >= 1 && f.component <= 999 ? [String(f.element), String(f.component)] : [String(f.element)];
}

/** Verdict of one message: 7 or 4 (4 when it has errors, unless the policy accepts segment errors). */
export function messageAction(tx: TransactionRecord, policy: AckPolicy = {}): '7' | '4' {
  if (tx.errors.length > 0) return '4';
  if (tx.segmentFindings.length + tx.droppedFindings === 0) return '7';
  return policy.transactionErrors === 'accept-with-errors' ? '7' : '4';
}

/**
 * S009 of a UCM: the received UNH S009. Mandatory components the sender left empty are filled with a
 * placeholder ("0", agency "UN") so the CONTRL stays valid; the UCM then carries the 0085 code of the error.
 */
function messageIdentifier(tx: TransactionRecord, t: Fit): string[] {
  const got = tx.messageIdentifier ?? [tx.id, '', '', '', ''];
  const placeholder = ['0', '0', '0', 'UN'];
  const parts = got.map((v, i) => t(v, [6, 3, 3, 2, 6][i]) || (i < 4 ? placeholder[i] : ''));
  return trimEmpty(parts);
}

function messageSegments(tx: TransactionRecord, policy: AckPolicy, out: ParsedSegment[], t: Fit): '7' | '4' {
  const action = messageAction(tx, policy);
  out.push(seg('UCM', t(tx.controlNumber, 14) || '0', messageIdentifier(tx, t), action, ...serviceError(tx.errors[0])));
  const loops = new Map<string, { position: number; code?: string; elements: AckFinding[] }>();
  for (const f of tx.segmentFindings) {
    if (f.segmentIndex === undefined || f.segmentIndex < 1 || f.segmentIndex > 999_999) continue;
    const key = `${f.segmentIndex}/${f.segmentId ?? ''}`;
    let loop = loops.get(key);
    if (!loop) {
      loop = { position: f.segmentIndex, elements: [] };
      loops.set(key, loop);
    }
    if (f.level === 'segment') {
      if (loop.code === undefined) loop.code = f.ack.edifact;
    } else loop.elements.push(f);
  }
  const sorted = [...loops.values()].sort((a, b) => a.position - b.position).slice(0, MAX_UCS);
  for (const loop of sorted) {
    out.push(loop.code !== undefined ? seg('UCS', String(loop.position), loop.code) : seg('UCS', String(loop.position)));
    let n = 0;
    for (const f of loop.elements) {
      const pos = position(f);
      if (n >= MAX_UCD || f.ack.edifact === undefined || !pos) continue;
      out.push(seg('UCD', f.ack.edifact, pos));
      n++;
    }
  }
  return action;
}

function seg(tag: string, ...elements: Element[]): ParsedSegment {
  return { tag, elements: elements.map((e) => [typeof e === 'string' ? [e] : e]) };
}

function party(id: string, qualifier: string): string[] {
  return qualifier ? [fit(id, 35), fit(qualifier, 4)] : [fit(id, 35)];
}

function groupSegments(g: GroupRecord, policy: AckPolicy, out: ParsedSegment[], t: Fit): ('7' | '4')[] {
  const sender = trimEmpty(g.applicationSender ? [t(g.applicationSender[0], 35), t(g.applicationSender[1] ?? '', 4)] : [t(g.header.applicationSender, 35)]);
  const recipient = trimEmpty(g.applicationRecipient ? [t(g.applicationRecipient[0], 35), t(g.applicationRecipient[1] ?? '', 4)] : [t(g.header.applicationReceiver, 35)]);
  const ucf = (action: string, ...error: Element[]) => seg('UCF', t(g.header.controlNumber, 14) || '0', sender.length ? sender : '', recipient.length ? recipient : '', action, ...error);
  if (g.errors.length > 0) {
    out.push(ucf('4', ...serviceError(g.errors[0])));
    return ['4'];
  }
  const actions = g.transactions.map((tx) => messageAction(tx, policy));
  if (policy.detail === 'errors' && actions.every((a) => a === '7')) return actions;
  out.push(ucf('7'));
  for (const tx of g.transactions) {
    if (policy.detail === 'errors' && messageAction(tx, policy) === '7') continue;
    messageSegments(tx, policy, out, t);
  }
  return actions;
}

/** The CONTRL segments between UNH and UNT, with the overall status. */
export function contrlBody(ic: InterchangeRecord, policy: AckPolicy = {}, t: Fit = fit): { segments: ParsedSegment[]; status: AckStatus } {
  const h = ic.header;
  const out: ParsedSegment[] = [];
  const uci = (action: string, ...error: Element[]) => seg('UCI', fit(h.controlNumber, 14), party(h.senderId, h.senderQualifier), party(h.receiverId, h.receiverQualifier), action, ...error);
  if (ic.errors.length > 0) {
    out.push(uci('4', ...serviceError(ic.errors[0])));
    return { segments: out, status: 'rejected' };
  }
  out.push(uci('7'));
  const actions: ('7' | '4')[] = [];
  for (const tx of ic.transactions) {
    const action = messageAction(tx, policy);
    actions.push(action);
    if (policy.detail === 'errors' && action === '7') continue;
    messageSegments(tx, policy, out, t);
  }
  for (const g of ic.groups) actions.push(...groupSegments(g, policy, out, t));
  const rejected = actions.filter((a) => a === '4').length;
  const status: AckStatus = rejected === 0 ? 'accepted' : rejected === actions.length ? 'rejected' : 'partially_accepted';
  return { segments: out, status };
}

/** The partner's delimiters when they can be written again (distinct, not letters, digits or space), the defaults otherwise. */
export function ackDelimiters(h: InterchangeHeader): TextDelimiters {
  const d = textDelimiters(h.delimiters);
  const singles = [d.element, d.component, d.terminator, d.release, d.repetition].filter((x) => x !== '');
  const usable = d.element.length === 1 && d.component.length === 1 && d.terminator.length === 1 && new Set(singles).size === singles.length && !singles.some((c) => /^[A-Za-z0-9 ]$/.test(c) || c.charCodeAt(0) >= 0x80);
  return usable ? d : EDIFACT_DEFAULT_DELIMITERS;
}

/** Syntax identifier of the CONTRL: the partner's when the gateway supports it, UNOC otherwise. */
function ackSyntaxId(h: InterchangeHeader): string {
  return h.syntaxId && charsetFor(h.syntaxId) ? h.syntaxId : 'UNOC';
}

/**
 * Why a CONTRL cannot echo the header's parties and reference in its own character set (they would make
 * the CONTRL itself invalid), or undefined when it can.
 */
export function contrlUnaddressable(h: InterchangeHeader): string | undefined {
  const cs = charsetFor(ackSyntaxId(h));
  if (!cs) return undefined;
  const d = ackDelimiters(h);
  const delims = new Set([d.element, d.component, d.release, d.repetition, d.terminator].filter((x) => x !== ''));
  for (const v of [h.senderId, h.senderQualifier, h.receiverId, h.receiverQualifier, h.controlNumber]) {
    for (const ch of v) {
      const b = ch.charCodeAt(0);
      if (delims.has(ch) || (cs.utf8 && b >= 0x80)) continue;
      if (b > 0xff || cs.invalid[b] === 1) return `"${v}" in the UNB is not valid in ${cs.id}: the CONTRL could not repeat it`;
    }
  }
  return undefined;
}

/** UNB of the CONTRL: the received one turned around, in the partner's syntax and delimiters. */
function contrlWriter(h: InterchangeHeader, ctx: AckContext, controlNumber: number): { writer: EdifactInterchangeWriter; version: 3 | 4 } {
  const version: 3 | 4 = h.version === '4' ? 4 : 3;
  const d = ackDelimiters(h);
  const advised = h.serviceStringAdvice && h.serviceStringAdvice.length >= 6 ? h.serviceStringAdvice[5] : '.';
  const decimalMark = advised === ',' ? ',' : '.';
  const graphicDefault = d.component === ':' && d.element === '+' && d.release === '?' && d.terminator === "'" && decimalMark === '.';
  const levelB = d.element === '\x1d';
  const lineBreak = /[\r\n]/.test(d.terminator) || levelB ? '' : ctx.lineBreak ?? '\n';
  const writer = new EdifactInterchangeWriter(
    {
      syntaxId: ackSyntaxId(h),
      syntaxVersion: version,
      senderId: fit(h.receiverId, 35),
      senderQualifier: fit(h.receiverQualifier, 4) || undefined,
      receiverId: fit(h.senderId, 35),
      receiverQualifier: fit(h.senderQualifier, 4) || undefined,
      controlNumber,
      test: h.test,
    },
    { delimiters: d, decimalMark, lineBreak, now: ctx.now, una: h.serviceStringAdvice !== undefined || (!graphicDefault && !levelB) },
  );
  return { writer, version };
}

/** Fit for the CONTRL's character set: characters it does not allow are dropped from repeated values. */
export function charsetFit(h: InterchangeHeader): Fit {
  const cs = charsetFor(ackSyntaxId(h));
  if (!cs) return fit;
  const d = ackDelimiters(h);
  const delims = new Set([d.element, d.component, d.release, d.repetition, d.terminator].filter((x) => x !== ''));
  return (v, max) => {
    let out = '';
    for (const ch of v) {
      const b = ch.charCodeAt(0);
      if (delims.has(ch) || (cs.utf8 && b >= 0x80) || (b <= 0xff && cs.invalid[b] === 0)) out += ch;
    }
    return fit(out, max);
  };
}

/** A whole CONTRL interchange answering `ic`. */
export function buildContrl(ic: InterchangeRecord, ctx: AckContext): GeneratedAck {
  const n = ctx.controlNumbers.next('interchange', ctx.partnerKey);
  const { writer, version } = contrlWriter(ic.header, ctx, n);
  const { segments, status } = contrlBody(ic, ctx.policy, charsetFit(ic.header));
  const ref = ctx.controlNumbers.next('transaction', ctx.partnerKey);
  if (version === 4) writer.beginMessage(ref, 'CONTRL', '4', '1', 'UN');
  else writer.beginMessage(ref, 'CONTRL', 'D', '3', 'UN');
  for (const s of segments) writer.segment(s);
  writer.endMessage();
  const utf8 = charsetFor(ackSyntaxId(ic.header))?.utf8 ?? false;
  return { type: 'CONTRL', text: writer.end(), interchange: ic.header.controlNumber, controlNumber: String(n), status, encoding: utf8 ? 'utf8' : 'latin1' };
}
