/**
 * The X12 envelope reader: drives the scanner, tracks ISA/GS/ST ... SE/GE/IEA (and TA1 at interchange
 * level), checks the envelope rules (fixed ISA widths and values, control numbers, trailer counts,
 * uniqueness, placement) and tells its handler about every envelope, segment and finding in order.
 */
import { EnvelopeReader } from '../common/envelope-reader';
import type { EdiHandler, GroupHeader, InterchangeHeader, TransactionHeader } from '../common/events';
import type { Delimiters, ScannedSegment, ScannerOptions } from '../common/scanner';
import { detectX12 } from './delimiters';

/** ISA element widths and the TA1 note code that reports each element as invalid. */
const ISA_FIELDS: { width: number; ta1: string; name: string }[] = [
  { width: 2, ta1: '010', name: 'authorization information qualifier' },
  { width: 10, ta1: '011', name: 'authorization information' },
  { width: 2, ta1: '012', name: 'security information qualifier' },
  { width: 10, ta1: '013', name: 'security information' },
  { width: 2, ta1: '005', name: 'interchange sender ID qualifier' },
  { width: 15, ta1: '006', name: 'interchange sender ID' },
  { width: 2, ta1: '007', name: 'interchange receiver ID qualifier' },
  { width: 15, ta1: '008', name: 'interchange receiver ID' },
  { width: 6, ta1: '014', name: 'interchange date' },
  { width: 4, ta1: '015', name: 'interchange time' },
  { width: 1, ta1: '016', name: 'repetition separator / standards identifier' },
  { width: 5, ta1: '017', name: 'interchange control version number' },
  { width: 9, ta1: '018', name: 'interchange control number' },
  { width: 1, ta1: '019', name: 'acknowledgment requested' },
  { width: 1, ta1: '020', name: 'usage indicator' },
  { width: 1, ta1: '027', name: 'component element separator' },
];

/** GS01 functional identifier of the transaction sets whose group we check. */
const FUNCTIONAL_GROUP_OF: Record<string, string> = {
  '850': 'PO', '855': 'PR', '856': 'SH', '810': 'IN', '997': 'FA', '999': 'FA', '860': 'PC', '865': 'CA',
  '846': 'IB', '852': 'PD', '820': 'RA', '830': 'PS', '862': 'SS', '875': 'OG', '880': 'GP', '940': 'OW',
  '945': 'SW', '943': 'AR', '944': 'RE', '214': 'QM', '210': 'IM', '204': 'SM', '990': 'GF', '835': 'HP',
  '837': 'HC', '270': 'HS', '271': 'HB', '276': 'HR', '277': 'HN', '834': 'BE', '824': 'AG', '864': 'TX',
};

const digitsOnly = (s: string): boolean => s.length > 0 && /^[0-9]+$/.test(s);

function validDate6(s: string): boolean {
  if (!/^\d{6}$/.test(s)) return false;
  const m = +s.slice(2, 4);
  const d = +s.slice(4, 6);
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}
function validDate8(s: string): boolean {
  if (!/^\d{8}$/.test(s)) return false;
  const y = +s.slice(0, 4);
  const m = +s.slice(4, 6);
  const d = +s.slice(6, 8);
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  return d <= days;
}
function validTime(s: string): boolean {
  if (!/^\d{4}(\d{2}(\d{1,2})?)?$/.test(s)) return false;
  return +s.slice(0, 2) < 24 && +s.slice(2, 4) < 60 && (s.length < 6 || +s.slice(4, 6) < 60);
}

/** Options of the X12 reader. */
export interface X12ReaderOptions extends ScannerOptions {
  /** Decoding of element values (default utf8). */
  encoding?: 'utf8' | 'latin1';
}

/** Streaming X12 reader: `write()` chunks, then `end()`; results arrive at the handler. */
export class X12Reader extends EnvelopeReader {
  constructor(handler: EdiHandler, options: X12ReaderOptions = {}) {
    super(handler, detectX12, { transaction: ['ST', 'SE'], group: ['GS', 'GE'], interchange: ['ISA', 'IEA'] }, options, ['ISA']);
    this.scanner.setEncoding(options.encoding ?? 'utf8');
  }

  protected onSegment(seg: ScannedSegment): void {
    switch (seg.tag) {
      case 'ISA':
        return this.onISA(seg);
      case 'IEA':
        return this.onIEA(seg);
      case 'GS':
        return this.onGS(seg);
      case 'GE':
        return this.onGE(seg);
      case 'ST':
        return this.onST(seg);
      case 'SE':
        return this.onSE(seg);
      case 'TA1':
        return this.onTA1(seg);
    }
    if (this.tx) {
      this.tx.count++;
      this.emit(seg, 'transaction', this.tx.count);
      return;
    }
    if (!this.ic && !this.pendingDelims) {
      this.emit(seg, 'outside', 0);
      return;
    }
    this.report('interchange.invalid_structure', this.segPos(seg, false), `${seg.tag} outside a transaction set`);
    this.emit(seg, this.levelNow(), 0);
  }

  private onISA(seg: ScannedSegment): void {
    if (this.ic) {
      this.closeAll(seg);
    }
    const delimiters = this.pendingDelims ?? (this.scanner.delimiters as Delimiters);
    this.pendingDelims = null;
    // ISA11 and ISA16 hold the repetition and component separators themselves: read elements raw.
    const v = (e: number) => seg.raw(e);
    const header: InterchangeHeader = {
      standard: 'x12',
      controlNumber: v(13),
      senderQualifier: v(5),
      senderId: v(6).trimEnd(),
      receiverQualifier: v(7),
      receiverId: v(8).trimEnd(),
      date: v(9),
      time: v(10),
      version: v(12),
      test: v(15) === 'T',
      ackRequested: v(14) === '1',
      delimiters,
      offset: seg.offset,
      index: this.interchangeIndex++,
    };
    this.openInterchange(header);
    this.checkDelimiters(seg, delimiters);
    this.checkISA(seg);
    this.emit(seg, 'interchange', 0);
  }

  private checkDelimiters(seg: ScannedSegment, d: Delimiters): void {
    const pos = this.segPos(seg, false);
    const t = d.terminator.length === 1 ? d.terminator[0] : -1;
    const alnum = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
    if (t >= 0 && (alnum(t) || t === 0x20)) {
      this.report('interchange.segment_terminator_invalid', pos, `terminator "${String.fromCharCode(t)}"`);
      this.haltReading();
      return;
    }
    const all = [d.element, d.component, d.repetition, t].filter((b) => b >= 0);
    if (new Set(all).size !== all.length) {
      this.report('interchange.delimiters_not_distinct', pos, 'element, component, repetition separators and terminator must differ');
      this.haltReading();
      return;
    }
    if (alnum(d.component) || d.component === 0x20) this.report('interchange.component_separator_invalid', { ...pos, element: 16 }, `"${String.fromCharCode(d.component)}"`);
  }

  private checkISA(seg: ScannedSegment): void {
    const pos = this.segPos(seg, false);
    const n = seg.elementCount();
    if (n !== 16) this.report('interchange.header_invalid', pos, `ISA has ${n} elements, 16 expected`, undefined, { x12: '022' });
    for (let e = 1; e <= Math.min(n, 16); e++) {
      const f = ISA_FIELDS[e - 1];
      const len = seg.raw(e).length;
      if (len !== f.width) {
        this.report('interchange.header_element_invalid', { ...pos, element: e, elementRef: `ISA${String(e).padStart(2, '0')}` }, `ISA${String(e).padStart(2, '0')} (${f.name}) is ${len} characters, ${f.width} required`, seg.raw(e), { x12: f.ta1 });
      }
    }
    const bad = (e: number, why: string) => {
      const f = ISA_FIELDS[e - 1];
      this.report('interchange.header_element_invalid', { ...pos, element: e, elementRef: `ISA${String(e).padStart(2, '0')}` }, `ISA${String(e).padStart(2, '0')} (${f.name}) ${why}`, seg.raw(e), { x12: f.ta1 });
    };
    if (!/^0[0-8]$/.test(seg.raw(1))) bad(1, 'must be a code 00 to 08');
    if (!['00', '01'].includes(seg.raw(3))) bad(3, 'must be 00 or 01');
    if (!validDate6(seg.raw(9))) bad(9, 'is not a date YYMMDD');
    if (!validTime(seg.raw(10))) bad(10, 'is not a time HHMM');
    if (!/^\d{5}$/.test(seg.raw(12))) bad(12, 'must be 5 digits');
    if (!/^\d{9}$/.test(seg.raw(13))) bad(13, 'must be 9 digits');
    if (!['0', '1'].includes(seg.raw(14))) bad(14, 'must be 0 or 1');
    if (!['P', 'T', 'I'].includes(seg.raw(15))) bad(15, 'must be P, T or I');
  }

  private onIEA(seg: ScannedSegment): void {
    const pos = this.segPos(seg, false);
    if (!this.ic) {
      this.report('interchange.invalid_structure', pos, 'IEA without ISA');
      this.emit(seg, 'outside', 0);
      this.scanner.redetect();
      return;
    }
    this.closeTransaction(seg);
    this.closeGroup(seg);
    const ic = this.ic;
    const declared = seg.value(1);
    const count = Number(declared);
    // TA1-only interchanges: IEA01 counts groups (0), but many senders count the TA1s; accept both.
    const okCount = digitsOnly(declared) && (count === ic.groups || (ic.groups === 0 && count === ic.direct));
    if (!okCount) this.report('interchange.count_mismatch', { ...pos, element: 1, elementRef: 'IEA01' }, `IEA01 says ${declared}, ${ic.groups} functional groups received`, declared);
    if (seg.value(2) !== ic.header.controlNumber) {
      this.report('interchange.control_number_mismatch', { ...pos, element: 2, elementRef: 'IEA02' }, `ISA13 ${ic.header.controlNumber}, IEA02 ${seg.value(2)}`, seg.value(2));
    }
    if (ic.groups === 0 && ic.direct === 0) this.report('interchange.empty', pos);
    this.emit(seg, 'interchange', 0);
    this.finishInterchange(true, digitsOnly(declared) ? count : undefined);
    this.scanner.redetect();
  }

  private onTA1(seg: ScannedSegment): void {
    const pos = this.segPos(seg, false);
    if (!this.ic || this.grp) {
      if (this.tx) {
        // Inside a transaction TA1 is just a segment the definition will judge.
        this.tx.count++;
        this.emit(seg, 'transaction', this.tx.count);
        return;
      }
      this.report('interchange.invalid_structure', pos, 'TA1 is allowed only between ISA and GS or after GE');
      this.emit(seg, this.grp ? 'group' : 'outside', 0);
      return;
    }
    this.ic.direct++;
    this.emit(seg, 'interchange', 0);
  }

  private onGS(seg: ScannedSegment): void {
    const pos = this.segPos(seg, false);
    if (!this.ic) {
      this.report('interchange.invalid_structure', pos, 'GS outside an interchange');
      this.emit(seg, 'outside', 0);
      return;
    }
    this.closeTransaction(seg);
    this.closeGroup(seg);
    const header: GroupHeader = {
      functionalId: seg.value(1),
      applicationSender: seg.value(2),
      applicationReceiver: seg.value(3),
      date: seg.value(4),
      time: seg.value(5),
      controlNumber: seg.value(6),
      agency: seg.value(7),
      version: seg.value(8),
      interchangeControlNumber: this.ic.header.controlNumber,
      offset: seg.offset,
    };
    this.openGroup(header);
    const ic = this.ic;
    const el = (e: number) => ({ ...pos, element: e, elementRef: `GS${String(e).padStart(2, '0')}` });
    if (seg.elementCount() < 8) this.report('interchange.group_content_invalid', pos, `GS has ${seg.elementCount()} elements, 8 required`);
    if (!/^[A-Z0-9]{2}$/.test(header.functionalId)) this.report('interchange.group_content_invalid', el(1), 'GS01 must be a 2-character functional identifier', header.functionalId);
    for (const e of [2, 3]) {
      const len = seg.length(e);
      if (len < 2 || len > 15) this.report('interchange.group_content_invalid', el(e), `GS0${e} must be 2 to 15 characters`, seg.value(e));
    }
    if (!(header.date.length === 8 ? validDate8(header.date) : validDate6(header.date))) this.report('interchange.group_content_invalid', el(4), 'GS04 is not a valid date', header.date);
    if (!validTime(header.time)) this.report('interchange.group_content_invalid', el(5), 'GS05 is not a valid time', header.time);
    if (!/^\d{1,9}$/.test(header.controlNumber)) this.report('group.control_number_invalid', el(6), 'GS06 must be 1 to 9 digits', header.controlNumber);
    else if (this.seenBefore(ic.groupNumbers, String(Number(header.controlNumber)))) this.report('group.control_number_duplicate', el(6), `GS06 ${header.controlNumber} repeats in this interchange`, header.controlNumber);
    if (!['X', 'T'].includes(header.agency)) this.report('interchange.group_content_invalid', el(7), 'GS07 must be X or T', header.agency);
    if (header.version.length < 1 || header.version.length > 12) this.report('interchange.group_content_invalid', el(8), 'GS08 must be 1 to 12 characters', header.version);
    this.emit(seg, 'group', 0);
  }

  private onGE(seg: ScannedSegment): void {
    const pos = this.segPos(seg, false);
    if (!this.grp) {
      this.report('interchange.invalid_structure', pos, 'GE without GS');
      this.emit(seg, this.levelNow(), 0);
      return;
    }
    this.closeTransaction(seg);
    const g = this.grp;
    const declared = seg.value(1);
    if (!digitsOnly(declared) || Number(declared) !== g.transactions) {
      this.report('group.count_mismatch', { ...pos, element: 1, elementRef: 'GE01' }, `GE01 says ${declared}, ${g.transactions} transaction sets received`, declared);
    }
    if (seg.value(2) !== g.header.controlNumber) {
      this.report('group.control_number_mismatch', { ...pos, element: 2, elementRef: 'GE02' }, `GS06 ${g.header.controlNumber}, GE02 ${seg.value(2)}`, seg.value(2));
    }
    if (g.transactions === 0) this.report('group.empty', pos);
    this.emit(seg, 'group', 0);
    this.finishGroup(true, digitsOnly(declared) ? Number(declared) : undefined);
  }

  private onST(seg: ScannedSegment): void {
    this.closeTransaction(seg);
    const inGroup = this.grp;
    const header: TransactionHeader = {
      id: seg.value(1),
      controlNumber: seg.value(2),
      implementationReference: seg.elementCount() >= 3 && !seg.isEmpty(3) ? seg.value(3) : undefined,
      version: inGroup ? inGroup.header.version : this.ic?.header.version ?? '',
      interchangeControlNumber: this.ic?.header.controlNumber ?? '',
      groupControlNumber: inGroup?.header.controlNumber,
      offset: seg.offset,
    };
    this.openTransaction(header);
    const pos = this.segPos(seg, true);
    if (!inGroup) this.report('transaction.not_in_group', pos, `ST ${header.id} outside a functional group`);
    if (!/^[0-9A-Z]{3}$/.test(header.id)) this.report('transaction.id_invalid', { ...pos, element: 1, elementRef: 'ST01' }, `ST01 "${header.id}"`, header.id);
    else if (inGroup) {
      const expected = FUNCTIONAL_GROUP_OF[header.id];
      if (expected && expected !== inGroup.header.functionalId) {
        this.report('transaction.functional_group_mismatch', { ...pos, element: 1, elementRef: 'ST01' }, `${header.id} belongs in a ${expected} group, not ${inGroup.header.functionalId}`, header.id);
      }
    }
    if (!/^[0-9A-Za-z]{4,9}$/.test(header.controlNumber)) {
      this.report('transaction.control_number_invalid', { ...pos, element: 2, elementRef: 'ST02' }, `ST02 "${header.controlNumber}" must be 4 to 9 characters`, header.controlNumber);
    } else if (inGroup) {
      if (this.seenBefore(inGroup.transactionNumbers, header.controlNumber)) this.report('transaction.control_number_duplicate', { ...pos, element: 2, elementRef: 'ST02' }, `ST02 ${header.controlNumber} repeats in this group`, header.controlNumber);
    }
    this.emit(seg, 'transaction', 1);
  }

  private onSE(seg: ScannedSegment): void {
    if (!this.tx) {
      this.report('interchange.invalid_structure', this.segPos(seg, false), 'SE without ST');
      this.emit(seg, this.levelNow(), 0);
      return;
    }
    const tx = this.tx;
    tx.count++;
    const pos = this.segPos(seg, true);
    const declared = seg.value(1);
    if (!digitsOnly(declared) || Number(declared) !== tx.count) {
      this.report('transaction.count_mismatch', { ...pos, element: 1, elementRef: 'SE01' }, `SE01 says ${declared}, ${tx.count} segments counted from ST to SE`, declared);
    }
    if (seg.value(2) !== tx.header.controlNumber) {
      this.report('transaction.control_number_mismatch', { ...pos, element: 2, elementRef: 'SE02' }, `ST02 ${tx.header.controlNumber}, SE02 ${seg.value(2)}`, seg.value(2));
    }
    this.emit(seg, 'transaction', tx.count);
    this.finishTransaction(seg, true, digitsOnly(declared) ? Number(declared) : undefined);
  }
}
