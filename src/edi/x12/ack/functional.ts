/**
 * X12 997 functional acknowledgment and 999 implementation acknowledgment (005010X231A1), one transaction
 * set per received functional group:
 *
 *   AK1 (GS01, GS06, GS08 in 005010)
 *   per transaction set: AK2 (ST01, ST02, ST03 in 005010)
 *     997: AK3 (segment id, position, loop id, AK304) + AK4 (C030 position, element reference, AK403, bad data)
 *     999: IK3 + CTX (business unit) + IK4 (IK403 from the 999 I-codes where the finding has one)
 *     AK5 / IK5 (A, E, R + up to 5 codes: 5 when segments are in error, then the set's own codes)
 *   AK9 (A, E, P, R; GE01, received, accepted; up to 5 AK905 codes)
 */
import type { AckContext, AckFinding, AckPolicy, AckRequest, AckStatus, GeneratedAck, GroupRecord, InterchangeRecord, TransactionRecord } from '../../ack';
import type { TextDelimiters } from '../../common/encode';
import type { ParsedSegment } from '../../common/segment';
import { copyable, openAckInterchange } from './envelope';

export type FunctionalAckKind = '997' | '999';

/** Implementation guide of the 999 we send (ST03 and GS08). */
export const IMPLEMENTATION_999 = '005010X231A1';
/** Most AK3/IK3 loops reported per transaction set (997 practice); AK4/IK4 per segment: 99. */
export const MAX_SEGMENT_LOOPS = 100;
export const MAX_ELEMENT_NOTES = 99;

/** 999 for 005010 groups when asked for (or 'auto'), 997 otherwise. */
export function functionalAckKind(g: GroupRecord, type: AckRequest): FunctionalAckKind {
  if (type === '997') return '997';
  return g.header.version.startsWith('005010') ? '999' : '997';
}

/** The version the ack group is written in: GS08 of the ack. */
function ackGroupVersion(kind: FunctionalAckKind, g: GroupRecord, isaVersion: string): string {
  if (kind === '999') return IMPLEMENTATION_999;
  const v = g.header.version.slice(0, 6);
  if (/^\d{6}$/.test(v)) return v;
  return isaVersion >= '00501' ? '005010' : '004010';
}

const is5010 = (version: string): boolean => version >= '005010';

function unique(codes: (string | undefined)[], max: number): string[] {
  const out: string[] = [];
  for (const c of codes) if (c !== undefined && c !== '' && !out.includes(c) && out.length < max) out.push(c);
  return out;
}

export interface TransactionVerdict {
  tx: TransactionRecord;
  code: 'A' | 'E' | 'R';
  /** AK502..AK506 / IK502..IK506. */
  codes: string[];
}

export interface GroupVerdict {
  code: 'A' | 'E' | 'P' | 'R';
  included: number;
  received: number;
  accepted: number;
  /** AK905..AK909. */
  codes: string[];
  transactions: TransactionVerdict[];
  /** True when the group itself is rejected (a group-level error): no set of it is accepted. */
  groupRejected: boolean;
}

/** AK5 / IK5 of one transaction set. */
export function transactionVerdict(tx: TransactionRecord, kind: FunctionalAckKind, policy: AckPolicy = {}): TransactionVerdict {
  const segmentsInError = tx.segmentFindings.length + tx.droppedFindings > 0;
  if (!segmentsInError && tx.errors.length === 0) return { tx, code: 'A', codes: [] };
  const own = tx.errors.map((f) => (kind === '999' ? f.ack.x12Impl ?? f.ack.x12 : f.ack.x12));
  const codes = unique([segmentsInError ? '5' : undefined, ...own], 5);
  const code = tx.errors.length === 0 && policy.transactionErrors === 'accept-with-errors' ? 'E' : 'R';
  return { tx, code, codes };
}

/** AK9 of one group, with the verdict of each of its sets. */
export function groupVerdict(g: GroupRecord, kind: FunctionalAckKind, policy: AckPolicy = {}): GroupVerdict {
  const transactions = g.transactions.map((t) => transactionVerdict(t, kind, policy));
  const received = g.transactions.length;
  const declared = g.declaredCount;
  const included = declared !== undefined && declared <= 999_999 ? declared : received;
  const groupRejected = g.errors.length > 0;
  const codes = unique(g.errors.map((f) => (f.level === 'group' ? f.ack.x12 : undefined)), 5);
  if (groupRejected) return { code: 'R', included, received, accepted: 0, codes, transactions, groupRejected };
  const accepted = transactions.filter((t) => t.code !== 'R').length;
  let code: GroupVerdict['code'];
  if (received === 0 || accepted === 0) code = 'R';
  else if (accepted < received) code = 'P';
  else code = transactions.some((t) => t.code === 'E') ? 'E' : 'A';
  return { code, included, received, accepted, codes, transactions, groupRejected };
}

/** AK403 in the version of the ack: 004010 has no codes 12 (repetitions) and 13 (components): 6 instead. */
function elementCode(f: AckFinding, kind: FunctionalAckKind, version: string): string | undefined {
  if (kind === '999') return f.ack.x12Impl ?? f.ack.x12;
  const c = f.ack.x12;
  if (c === undefined) return undefined;
  if (!is5010(version) && !/^([1-9]|10)$/.test(c)) return '6';
  return c;
}

interface SegmentLoop {
  segmentId: string;
  position: number;
  loopId?: string;
  code?: string;
  elements: AckFinding[];
}

/** Findings of a set grouped per segment (same position and segment id), in segment order. */
function segmentLoops(tx: TransactionRecord, kind: FunctionalAckKind): SegmentLoop[] {
  const loops = new Map<string, SegmentLoop>();
  for (const f of tx.segmentFindings) {
    if (f.segmentIndex === undefined || f.segmentIndex < 1 || f.segmentId === undefined || !/^[A-Z0-9]{2,3}$/.test(f.segmentId)) continue;
    const key = `${f.segmentIndex}/${f.segmentId}`;
    let loop = loops.get(key);
    if (!loop) {
      loop = { segmentId: f.segmentId, position: f.segmentIndex, elements: [] };
      loops.set(key, loop);
    }
    if (loop.loopId === undefined && f.loopId !== undefined) loop.loopId = f.loopId;
    if (f.level === 'segment') {
      if (loop.code === undefined) loop.code = kind === '999' ? f.ack.x12Impl ?? f.ack.x12 : f.ack.x12;
    } else loop.elements.push(f);
  }
  return [...loops.values()].sort((a, b) => a.position - b.position).slice(0, MAX_SEGMENT_LOOPS);
}

/** The segments of one 997/999 between ST and SE. */
export function functionalAckBody(g: GroupRecord, kind: FunctionalAckKind, version: string, d: TextDelimiters, policy: AckPolicy = {}): { segments: ParsedSegment[]; verdict: GroupVerdict; skipped: string[] } {
  const v5 = is5010(version);
  const skipped: string[] = [];
  const verdict = groupVerdict(g, kind, policy);
  const out: ParsedSegment[] = [];
  const s = (tag: string, ...elements: (string | string[])[]): void => {
    out.push({ tag, elements: elements.map((e) => [typeof e === 'string' ? [e] : e]) });
  };
  const ak1 = [g.header.functionalId, g.header.controlNumber];
  const gs08 = copyable(g.header.version, d, 12);
  if (v5 && gs08) ak1.push(gs08);
  s('AK1', ...ak1);
  for (const t of verdict.transactions) {
    if (verdict.groupRejected && t.code === 'A') continue;
    if (policy.detail === 'errors' && t.code === 'A') continue;
    const tx = t.tx;
    if (!referenceable(tx)) {
      skipped.push(`${g.header.functionalId} group ${g.header.controlNumber}: transaction set "${tx.id}" "${tx.controlNumber}" has no valid ST01/ST02 to name in an AK2: counted, not listed`);
      continue;
    }
    const ak2 = [tx.id, tx.controlNumber];
    const st03 = copyable(tx.implementationReference, d, 35);
    if (v5 && st03) ak2.push(st03);
    s('AK2', ...ak2);
    for (const loop of segmentLoops(tx, kind)) {
      const loopId = loop.loopId !== undefined && loop.loopId.length <= 6 ? copyable(loop.loopId, d, 6) ?? '' : '';
      s(kind === '999' ? 'IK3' : 'AK3', loop.segmentId, String(loop.position), loopId, loop.code ?? '8');
      if (kind === '999' && policy.businessUnitContext !== false && tx.businessUnit) {
        const name = copyable(tx.businessUnit.name, d, 35);
        const value = copyable(tx.businessUnit.value, d, 35);
        if (name && value) s('CTX', [name, value]);
      }
      let notes = 0;
      for (const f of loop.elements) {
        if (notes >= MAX_ELEMENT_NOTES) break;
        const code = elementCode(f, kind, version);
        if (code === undefined || f.element === undefined || f.element < 1 || f.element > 99) continue;
        const position = [String(f.element)];
        const comp = f.component !== undefined && f.component >= 1 && f.component <= 99 ? String(f.component) : '';
        const rep = v5 && f.repetition !== undefined && f.repetition > 1 && f.repetition <= 9999 ? String(f.repetition) : '';
        if (comp !== '' || rep !== '') position.push(comp);
        if (rep !== '') position.push(rep);
        const ref = f.elementRef !== undefined && /^\d{1,4}$/.test(f.elementRef) ? f.elementRef : '';
        const missing = f.code === 'element.mandatory_missing' || f.code === 'element.conditional_missing';
        const bad = missing ? undefined : copyable(f.value, d, 99);
        const el: (string | string[])[] = [position, ref, code];
        if (bad !== undefined) el.push(bad);
        s(kind === '999' ? 'IK4' : 'AK4', ...el);
        notes++;
      }
    }
    s(kind === '999' ? 'IK5' : 'AK5', t.code, ...t.codes);
  }
  s('AK9', verdict.code, String(verdict.included), String(verdict.received), String(verdict.accepted), ...verdict.codes);
  return { segments: out, verdict, skipped };
}

/** True when ST01/ST02 can be repeated in AK201/AK202 (3 characters, 4 to 9 characters). */
function referenceable(tx: TransactionRecord): boolean {
  return /^[A-Z0-9]{3}$/.test(tx.id) && /^[A-Za-z0-9]{4,9}$/.test(tx.controlNumber);
}

/** True when GS01/GS06 can be repeated in AK101/AK102; a group that cannot be named is answered by a TA1. */
export function groupReferenceable(g: GroupRecord): boolean {
  return /^[A-Z0-9]{2}$/.test(g.header.functionalId) && /^\d{1,9}$/.test(g.header.controlNumber);
}

function ackStatus(codes: string[]): AckStatus {
  if (codes.every((c) => c === 'A')) return 'accepted';
  if (codes.every((c) => c === 'A' || c === 'E')) return 'accepted_with_errors';
  if (codes.every((c) => c === 'R')) return 'rejected';
  return 'partially_accepted';
}

/**
 * One ack interchange answering the given groups of `ic` with 997s or 999s: a FA group per ack version
 * (GS02/GS03 the received GS03/GS02), one transaction set per received group.
 */
export function buildFunctionalAck(kind: FunctionalAckKind, ic: InterchangeRecord, groups: GroupRecord[], ctx: AckContext): GeneratedAck {
  const { writer, controlNumber, delimiters } = openAckInterchange(ic.header, ctx);
  const isaVersion = /^\d{5}$/.test(ic.header.version) ? ic.header.version : '00401';
  const byVersion = new Map<string, { appSender: string; appReceiver: string; groups: GroupRecord[] }>();
  for (const g of groups) {
    const version = ackGroupVersion(kind, g, isaVersion);
    const key = `${version}\u0000${g.header.applicationReceiver}\u0000${g.header.applicationSender}`;
    const entry = byVersion.get(key) ?? { appSender: g.header.applicationReceiver, appReceiver: g.header.applicationSender, groups: [] };
    entry.groups.push(g);
    byVersion.set(key, entry);
  }
  const codes: string[] = [];
  const notes: string[] = [];
  for (const [key, entry] of byVersion) {
    const version = key.split('\u0000')[0];
    writer.beginGroup({
      functionalId: 'FA',
      applicationSender: entry.appSender.slice(0, 15) || ic.header.receiverId.slice(0, 15),
      applicationReceiver: entry.appReceiver.slice(0, 15) || ic.header.senderId.slice(0, 15),
      controlNumber: ctx.controlNumbers.next('group', ctx.partnerKey),
      version,
    });
    for (const g of entry.groups) {
      const { segments, verdict, skipped } = functionalAckBody(g, kind, version, delimiters, ctx.policy);
      codes.push(verdict.code);
      notes.push(...skipped);
      writer.beginTransaction(kind, ctx.controlNumbers.next('transaction', ctx.partnerKey), kind === '999' ? IMPLEMENTATION_999 : undefined);
      for (const seg of segments) writer.segment(seg);
      writer.endTransaction();
    }
    writer.endGroup();
  }
  const ack: GeneratedAck = { type: kind, text: writer.end(), interchange: ic.header.controlNumber, controlNumber, status: ackStatus(codes), encoding: 'utf8' };
  if (notes.length > 0) ack.notes = notes;
  return ack;
}

/** 997 for the groups of a received interchange (all of them by default). */
export function build997(ic: InterchangeRecord, ctx: AckContext, groups: GroupRecord[] = ic.groups): GeneratedAck {
  return buildFunctionalAck('997', ic, groups, ctx);
}

/** 999 (005010X231A1) for the groups of a received interchange (all of them by default). */
export function build999(ic: InterchangeRecord, ctx: AckContext, groups: GroupRecord[] = ic.groups): GeneratedAck {
  return buildFunctionalAck('999', ic, groups, ctx);
}
