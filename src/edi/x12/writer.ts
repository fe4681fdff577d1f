/**
 * Writing new X12 interchanges: ISA with its fixed widths, GS/GE, ST/SE with counts and control
 * numbers filled in, chosen delimiters; values that collide with a delimiter are refused.
 */
import { encodeSegment, EdiWriteError, type TextDelimiters } from '../common/encode';
import type { ParsedSegment } from '../common/segment';

/** Interchange header values; the writer pads them to the ISA widths. */
export interface IsaValues {
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  /** YYMMDD and HHMM; default: now (UTC). */
  date?: string;
  time?: string;
  /** ISA12, e.g. 00401 or 00501. */
  version: string;
  controlNumber: string | number;
  ackRequested?: boolean;
  test?: boolean;
  authorizationQualifier?: string;
  authorization?: string;
  securityQualifier?: string;
  security?: string;
}

export interface GsValues {
  functionalId: string;
  applicationSender: string;
  applicationReceiver: string;
  /** CCYYMMDD / HHMM; default: now (UTC). */
  date?: string;
  time?: string;
  controlNumber: string | number;
  /** GS08, e.g. 004010. */
  version: string;
  agency?: string;
}

/** Default X12 delimiters: * : ^ ~ and a line break after each segment for readability. */
export const X12_DEFAULT_DELIMITERS: TextDelimiters = { element: '*', component: '>', repetition: '^', release: '', terminator: '~' };

function pad(v: string, width: number, name: string): string {
  if (v.length > width) throw new EdiWriteError('ISA', 0, `${name} "${v}" is longer than ${width}`);
  return v.padEnd(width, ' ');
}

function stamp(now: Date): { yymmdd: string; ccyymmdd: string; hhmm: string } {
  const iso = now.toISOString();
  return { yymmdd: iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10), ccyymmdd: iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10), hhmm: iso.slice(11, 13) + iso.slice(14, 16) };
}

/** Builds one interchange; call end() for the text. */
export class X12InterchangeWriter {
  private readonly parts: string[] = [];
  private readonly d: TextDelimiters;
  private groups = 0;
  private groupTransactions = 0;
  private groupControl = '';
  private txCount = 0;
  private txControl = '';
  private inTx = false;
  private inGroup = false;
  private readonly isaControl: string;

  constructor(isa: IsaValues, options: { delimiters?: TextDelimiters; lineBreak?: string; now?: Date } = {}) {
    this.d = options.delimiters ?? X12_DEFAULT_DELIMITERS;
    this.lineBreak = options.lineBreak ?? '\n';
    const t = stamp(options.now ?? new Date());
    this.isaControl = String(isa.controlNumber).padStart(9, '0');
    if (!/^\d{9}$/.test(this.isaControl)) throw new EdiWriteError('ISA', 13, `control number ${isa.controlNumber} is not 1 to 9 digits`);
    const repetitionOrU = isa.version >= '00402' ? this.d.repetition || 'U' : 'U';
    const e = this.d.element;
    const fields = [
      pad(isa.authorizationQualifier ?? '00', 2, 'ISA01'), pad(isa.authorization ?? '', 10, 'ISA02'),
      pad(isa.securityQualifier ?? '00', 2, 'ISA03'), pad(isa.security ?? '', 10, 'ISA04'),
      pad(isa.senderQualifier, 2, 'ISA05'), pad(isa.senderId, 15, 'ISA06'),
      pad(isa.receiverQualifier, 2, 'ISA07'), pad(isa.receiverId, 15, 'ISA08'),
      isa.date ?? t.yymmdd, isa.time ?? t.hhmm, repetitionOrU, pad(isa.version, 5, 'ISA12'), this.isaControl,
      isa.ackRequested ? '1' : '0', isa.test ? 'T' : 'P', this.d.component,
    ];
    this.parts.push('ISA' + e + fields.join(e) + this.d.terminator + this.lineBreak);
    this.now = t;
  }

  private readonly lineBreak: string;
  private readonly now: { yymmdd: string; ccyymmdd: string; hhmm: string };

  private write(seg: ParsedSegment): void {
    this.parts.push(encodeSegment(seg, this.d, { trimTrailing: true }) + this.d.terminator + this.lineBreak);
  }

  private simple(tag: string, values: string[]): ParsedSegment {
    return { tag, elements: values.map((v) => [[v]]) };
  }

  /** Open a functional group (GS). */
  beginGroup(gs: GsValues): this {
    if (this.inGroup) throw new Error('beginGroup: previous group not ended');
    this.inGroup = true;
    this.groups++;
    this.groupTransactions = 0;
    this.groupControl = String(gs.controlNumber);
    this.write(this.simple('GS', [gs.functionalId, gs.applicationSender, gs.applicationReceiver, gs.date ?? this.now.ccyymmdd, gs.time ?? this.now.hhmm, this.groupControl, gs.agency ?? 'X', gs.version]));
    return this;
  }

  /** Open a transaction set (ST); ST02 is padded to 4 digits at least. */
  beginTransaction(id: string, controlNumber: string | number, implementationReference?: string): this {
    if (!this.inGroup) throw new Error('beginTransaction: no open group');
    if (this.inTx) throw new Error('beginTransaction: previous transaction not ended');
    this.inTx = true;
    this.txCount = 1;
    this.txControl = String(controlNumber).padStart(4, '0');
    this.groupTransactions++;
    this.write(this.simple('ST', implementationReference ? [id, this.txControl, implementationReference] : [id, this.txControl]));
    return this;
  }

  /** Add a body segment to the open transaction. */
  segment(seg: ParsedSegment): this {
    if (!this.inTx) throw new Error(`segment ${seg.tag}: no open transaction`);
    this.txCount++;
    this.write(seg);
    return this;
  }

  /** Close the transaction with SE (segment count and control number). */
  endTransaction(): this {
    if (!this.inTx) throw new Error('endTransaction: no open transaction');
    this.txCount++;
    this.write(this.simple('SE', [String(this.txCount), this.txControl]));
    this.inTx = false;
    return this;
  }

  /** Close the group with GE. */
  endGroup(): this {
    if (this.inTx) this.endTransaction();
    if (!this.inGroup) throw new Error('endGroup: no open group');
    this.write(this.simple('GE', [String(this.groupTransactions), this.groupControl]));
    this.inGroup = false;
    return this;
  }

  /** Add a TA1 segment (outside groups). */
  ta1(values: string[]): this {
    if (this.inGroup) throw new Error('ta1: TA1 goes outside functional groups');
    this.write(this.simple('TA1', values));
    return this;
  }

  /** Close the interchange with IEA and return its text. */
  end(): string {
    if (this.inGroup) this.endGroup();
    this.write(this.simple('IEA', [String(this.groups), this.isaControl]));
    return this.parts.join('');
  }
}
