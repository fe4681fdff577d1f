/**
 * The EDIFACT envelope reader: UNA / UNB ... UNZ with optional UNG ... UNE groups and UNH ... UNT
 * messages; checks references and counts, the syntax identifier and its character repertoire (every
 * byte the declared character set does not allow is reported with its element), release-character
 * misuse, and placement.
 */
import { EnvelopeReader } from '../common/envelope-reader';
import type { EdiHandler, GroupHeader, InterchangeHeader, TransactionHeader } from '../common/events';
import type { IssueCode } from '../common/issues';
import type { Delimiters, ScannedSegment, ScannerOptions } from '../common/scanner';
import { charsetFor, type Charset } from './charset';
import { detectEdifact } from './delimiters';

const digits = (s: string): boolean => /^[0-9]+$/.test(s);

/** Index of the first byte that is a control character or not part of a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    if (c < 0x80) {
      if (c < 0x20 && c !== 0x0d && c !== 0x0a) return i;
      i++;
      continue;
    }
    let n: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) [n, min] = [1, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [n, min] = [2, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

/** Options of the EDIFACT reader. */
export type EdifactReaderOptions = ScannerOptions;

/** Streaming EDIFACT reader: `write()` chunks, then `end()`; results arrive at the handler. */
export class EdifactReader extends EnvelopeReader {
  private charset: Charset | undefined;
  private decimalMark = '.';

  constructor(handler: EdiHandler, options: EdifactReaderOptions = {}) {
    super(handler, detectEdifact, { transaction: ['UNH', 'UNT'], group: ['UNG', 'UNE'], interchange: ['UNB', 'UNZ'] }, options, ['UNA', 'UNB']);
    this.scanner.setEncoding('latin1');
  }

  /** Decimal mark of the current interchange (UNA, default '.'). */
  get decimal(): string {
    return this.decimalMark;
  }

  protected onSegment(seg: ScannedSegment): void {
    // Every service segment starts with "UN": the others skip the comparisons with the six tags.
    const tag = seg.tag;
    if (tag.charCodeAt(0) === 0x55 && tag.charCodeAt(1) === 0x4e) this.onService(seg);
    else if (this.tx) {
      this.tx.count++;
      if (seg.invalidByteOffset >= 0 || seg.releaseMisuseOffset >= 0) this.checkBytes(seg, true);
      this.emit(seg, 'transaction', this.tx.count);
    } else this.onStray(seg);
  }

  private onService(seg: ScannedSegment): void {
    switch (seg.tag) {
      case 'UNB':
        return this.onUNB(seg);
      case 'UNZ':
        return this.onUNZ(seg);
      case 'UNG':
        return this.onUNG(seg);
      case 'UNE':
        return this.onUNE(seg);
      case 'UNH':
        return this.onUNH(seg);
      case 'UNT':
        return this.onUNT(seg);
    }
    if (this.tx) {
      this.tx.count++;
      this.checkBytes(seg, true);
      this.emit(seg, 'transaction', this.tx.count);
      return;
    }
    this.onStray(seg);
  }

  /** A segment outside a message. */
  private onStray(seg: ScannedSegment): void {
    if (!this.ic) {
      this.emit(seg, 'outside', 0);
      return;
    }
    this.checkBytes(seg, false);
    this.report('interchange.invalid_structure', this.segPos(seg, false), `${seg.tag} outside a message`);
    this.emit(seg, this.levelNow(), 0);
  }

  /** Character-set and release-character findings of one segment. */
  private checkBytes(seg: ScannedSegment, inTx: boolean): void {
    if (seg.invalidByteOffset >= 0) {
      const bad = this.firstInvalid(seg);
      if (bad >= 0) {
        const where = seg.locateOffset(bad);
        const byte = seg.buf[bad - seg.offset + seg.start];
        this.report('element.charset_invalid', { ...this.segPos(seg, inTx), element: where.element, component: seg.componentCount(where.element, where.repetition) > 1 ? where.component : undefined }, `byte 0x${byte.toString(16).padStart(2, '0')} is not allowed in ${this.charset?.id ?? 'the declared character set'}`, where.element > 0 ? seg.raw(where.element) : seg.tag);
      }
    }
    if (seg.releaseMisuseOffset >= 0) {
      const where = seg.locateOffset(seg.releaseMisuseOffset);
      this.report('element.release_misuse', { ...this.segPos(seg, inTx), element: where.element, component: seg.componentCount(where.element, where.repetition) > 1 ? where.component : undefined }, 'the release character may only precede a separator, the terminator or itself', seg.raw(where.element));
    }
  }

  /** Absolute offset of the first byte that breaks the charset, -1 when the segment is fine (valid UTF-8). */
  private firstInvalid(seg: ScannedSegment): number {
    if (!this.charset?.utf8) return seg.invalidByteOffset;
    // Non-ASCII bytes were only flagged: they are fine when they form valid UTF-8 sequences.
    const bytes = seg.rawBytes();
    const bad = firstInvalidUtf8(bytes);
    return bad < 0 ? -1 : seg.offset + bad;
  }

  private onUNB(seg: ScannedSegment): void {
    if (this.ic) this.closeAll(seg);
    const delimiters = this.pendingDelims ?? (this.scanner.delimiters as Delimiters);
    const advice = this.pendingAdvice;
    const adviceLayout = this.pendingAdviceLayout;
    this.pendingDelims = null;
    this.pendingAdvice = '';
    this.pendingAdviceLayout = '';
    this.decimalMark = advice.length >= 6 ? advice[5] : '.';
    const syntaxId = seg.value(1, 1);
    const version = seg.value(1, 2);
    const header: InterchangeHeader = {
      standard: 'edifact',
      controlNumber: seg.value(5),
      senderId: seg.value(2, 1),
      senderQualifier: seg.value(2, 2),
      receiverId: seg.value(3, 1),
      receiverQualifier: seg.value(3, 2),
      date: seg.value(4, 1),
      time: seg.value(4, 2),
      version,
      syntaxId,
      test: seg.value(11) === '1',
      ackRequested: seg.value(9) === '1',
      delimiters,
      serviceStringAdvice: advice || undefined,
      adviceLayout: advice ? adviceLayout : undefined,
      offset: seg.offset,
      index: this.interchangeIndex++,
    };
    this.openInterchange(header);
    const pos = this.segPos(seg, false);
    const el = (e: number, c?: number) => ({ ...pos, element: e, component: c });
    this.charset = charsetFor(syntaxId);
    if (!this.charset) {
      this.report('interchange.charset_unsupported', el(1, 1), `syntax identifier "${syntaxId}"`, syntaxId);
      this.scanner.setInvalidBytes(null);
    } else {
      // The interchange's own delimiters are always allowed, whatever the repertoire.
      const table = Uint8Array.from(this.charset.invalid);
      for (const b of [delimiters.element, delimiters.component, delimiters.release, delimiters.repetition, delimiters.terminator[0]]) if (b >= 0) table[b] = 0;
      this.scanner.setInvalidBytes(table);
      this.scanner.setEncoding(this.charset.encoding);
      this.checkBytes(seg, false);
    }
    if (!/^[1-4]$/.test(version)) this.report('interchange.syntax_unsupported', el(1, 2), `syntax version "${version}"`, version);
    const need = (code: IssueCode, e: number, c: number, what: string) => {
      if (seg.isEmpty(e, c)) this.report(code, el(e, c), `${what} is missing`);
    };
    need('interchange.header_element_invalid', 2, 1, 'UNB S002/0004 interchange sender');
    need('interchange.header_element_invalid', 3, 1, 'UNB S003/0010 interchange recipient');
    const date = header.date;
    if (!/^(\d{6}|\d{8})$/.test(date)) this.report('interchange.header_element_invalid', el(4, 1), 'UNB S004/0017 date must be YYMMDD or CCYYMMDD', date);
    if (!/^\d{4}$/.test(header.time)) this.report('interchange.header_element_invalid', el(4, 2), 'UNB S004/0019 time must be HHMM', header.time);
    if (seg.isEmpty(5) || seg.length(5) > 14) this.report('interchange.control_number_invalid', el(5), 'UNB 0020 must be 1 to 14 characters', header.controlNumber);
    const testInd = seg.value(11);
    if (testInd !== '' && testInd !== '1') this.report('interchange.header_element_invalid', el(11), 'UNB 0035 test indicator must be 1 when present', testInd);
    this.emit(seg, 'interchange', 0);
  }

  private onUNZ(seg: ScannedSegment): void {
    const pos = this.segPos(seg, false);
    if (!this.ic) {
      this.report('interchange.invalid_structure', pos, 'UNZ without UNB');
      this.emit(seg, 'outside', 0);
      this.scanner.redetect();
      return;
    }
    this.checkBytes(seg, false);
    this.closeTransaction(seg);
    this.closeGroup(seg);
    const ic = this.ic;
    const declared = seg.value(1);
    // UNZ 0036 counts groups when the interchange has them, messages otherwise.
    const actual = ic.groups > 0 ? ic.groups : ic.direct;
    if (ic.groups > 0 && ic.direct > 0) this.report('interchange.mixed_groups_and_messages', pos);
    if (!digits(declared) || Number(declared) !== actual) {
      this.report('interchange.count_mismatch', { ...pos, element: 1 }, `UNZ 0036 says ${declared}, ${actual} ${ic.groups > 0 ? 'groups' : 'messages'} received`, declared);
    }
    if (seg.value(2) !== ic.header.controlNumber) {
      this.report('interchange.control_number_mismatch', { ...pos, element: 2 }, `UNB 0020 ${ic.header.controlNumber}, UNZ 0020 ${seg.value(2)}`, seg.value(2));
    }
    if (actual === 0) this.report('interchange.empty', pos);
    this.emit(seg, 'interchange', 0);
    this.finishInterchange(true, digits(declared) ? Number(declared) : undefined);
    this.scanner.redetect();
  }

  private onUNG(seg: ScannedSegment): void {
    const pos = this.segPos(seg, false);
    if (!this.ic) {
      this.report('interchange.invalid_structure', pos, 'UNG outside an interchange');
      this.emit(seg, 'outside', 0);
      return;
    }
    this.checkBytes(seg, false);
    this.closeTransaction(seg);
    this.closeGroup(seg);
    const header: GroupHeader = {
      functionalId: seg.value(1),
      applicationSender: seg.value(2, 1),
      applicationReceiver: seg.value(3, 1),
      date: seg.value(4, 1),
      time: seg.value(4, 2),
      controlNumber: seg.value(5),
      agency: seg.value(6),
      version: `${seg.value(7, 1)}${seg.value(7, 2)}`,
      interchangeControlNumber: this.ic.header.controlNumber,
      offset: seg.offset,
    };
    const ic = this.ic;
    this.openGroup(header);
    if (header.controlNumber === '' || seg.length(5) > 14) this.report('group.control_number_invalid', { ...pos, element: 5 }, 'UNG 0048 must be 1 to 14 characters', header.controlNumber);
    else if (this.seenBefore(ic.groupNumbers, header.controlNumber)) this.report('group.control_number_duplicate', { ...pos, element: 5 }, `UNG 0048 ${header.controlNumber} repeats in this interchange`, header.controlNumber);
    this.emit(seg, 'group', 0);
  }

  private onUNE(seg: ScannedSegment): void {
    const pos = this.segPos(seg, false);
    if (!this.grp) {
      this.report('interchange.invalid_structure', pos, 'UNE without UNG');
      this.emit(seg, this.levelNow(), 0);
      return;
    }
    this.checkBytes(seg, false);
    this.closeTransaction(seg);
    const g = this.grp;
    const declared = seg.value(1);
    if (!digits(declared) || Number(declared) !== g.transactions) {
      this.report('group.count_mismatch', { ...pos, element: 1 }, `UNE 0060 says ${declared}, ${g.transactions} messages received`, declared);
    }
    if (seg.value(2) !== g.header.controlNumber) {
      this.report('group.control_number_mismatch', { ...pos, element: 2 }, `UNG 0048 ${g.header.controlNumber}, UNE 0048 ${seg.value(2)}`, seg.value(2));
    }
    if (g.transactions === 0) this.report('group.empty', pos);
    this.emit(seg, 'group', 0);
    this.finishGroup(true, digits(declared) ? Number(declared) : undefined);
  }

  private onUNH(seg: ScannedSegment): void {
    this.closeTransaction(seg);
    const type = seg.value(2, 1);
    const header: TransactionHeader = {
      id: type,
      controlNumber: seg.value(1),
      version: `${seg.value(2, 2)}${seg.value(2, 3)}`,
      association: seg.isEmpty(2, 5) ? undefined : seg.value(2, 5),
      interchangeControlNumber: this.ic?.header.controlNumber ?? '',
      groupControlNumber: this.grp?.header.controlNumber,
      offset: seg.offset,
    };
    const ic = this.ic;
    const grp = this.grp;
    this.openTransaction(header);
    const pos = this.segPos(seg, true);
    if (!ic) this.report('interchange.invalid_structure', pos, 'UNH outside an interchange');
    this.checkBytes(seg, true);
    if (!/^[A-Z]{6}$/.test(type)) this.report('transaction.id_invalid', { ...pos, element: 2, component: 1 }, `UNH S009/0065 "${type}"`, type);
    if (seg.isEmpty(2, 2) || seg.isEmpty(2, 3) || seg.isEmpty(2, 4)) this.report('transaction.id_invalid', { ...pos, element: 2 }, 'UNH S009 needs version (0052), release (0054) and agency (0051)', seg.raw(2));
    const ref = header.controlNumber;
    if (ref === '' || seg.length(1) > 14) this.report('transaction.control_number_invalid', { ...pos, element: 1 }, 'UNH 0062 must be 1 to 14 characters', ref);
    else {
      const seen = grp ? grp.transactionNumbers : ic?.transactionNumbers;
      if (seen && this.seenBefore(seen, ref)) this.report('transaction.control_number_duplicate', { ...pos, element: 1 }, `UNH 0062 ${ref} repeats`, ref);
    }
    this.emit(seg, 'transaction', 1);
  }

  private onUNT(seg: ScannedSegment): void {
    if (!this.tx) {
      this.report('interchange.invalid_structure', this.segPos(seg, false), 'UNT without UNH');
      this.emit(seg, this.levelNow(), 0);
      return;
    }
    const tx = this.tx;
    tx.count++;
    const pos = this.segPos(seg, true);
    this.checkBytes(seg, true);
    const declared = seg.value(1);
    if (!digits(declared) || Number(declared) !== tx.count) {
      this.report('transaction.count_mismatch', { ...pos, element: 1 }, `UNT 0074 says ${declared}, ${tx.count} segments counted from UNH to UNT`, declared);
    }
    if (seg.value(2) !== tx.header.controlNumber) {
      this.report('transaction.control_number_mismatch', { ...pos, element: 2 }, `UNH 0062 ${tx.header.controlNumber}, UNT 0062 ${seg.value(2)}`, seg.value(2));
    }
    this.emit(seg, 'transaction', tx.count);
    this.finishTransaction(seg, true, digits(declared) ? Number(declared) : undefined);
  }
}
