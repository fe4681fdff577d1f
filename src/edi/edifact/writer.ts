/**
 * Writing new EDIFACT interchanges: UNA (when the delimiters differ from the defaults or when asked),
 * UNB, optional UNG/UNE, UNH/UNT with the segment count, UNZ with the right count, release characters
 * added wherever a value holds a delimiter.
 */
import { encodeSegment, type TextDelimiters } from '../common/encode';
import type { ParsedSegment } from '../common/segment';

/** Default delimiters of syntax 4 (`:+.? '` with `*` repetition). */
export const EDIFACT_DEFAULT_DELIMITERS: TextDelimiters = { component: ':', element: '+', release: '?', repetition: '*', terminator: "'" };

export interface UnbValues {
  /** UNOA, UNOB, UNOC, UNOW, UNOY ... */
  syntaxId: string;
  syntaxVersion: 3 | 4;
  senderId: string;
  senderQualifier?: string;
  receiverId: string;
  receiverQualifier?: string;
  /** YYMMDD (v3) or CCYYMMDD (v4) and HHMM; default: now (UTC). */
  date?: string;
  time?: string;
  controlNumber: string | number;
  ackRequested?: boolean;
  test?: boolean;
  applicationReference?: string;
}

export interface UngValues {
  messageGroupId: string;
  senderId: string;
  receiverId: string;
  controlNumber: string | number;
  agency?: string;
  version: string;
  release: string;
  date?: string;
  time?: string;
}

/** Builds one interchange; call end() for the text. */
export class EdifactInterchangeWriter {
  private readonly parts: string[] = [];
  private readonly d: TextDelimiters;
  private readonly control: string;
  private count = 0;
  private groupCount = 0;
  private groupControl = '';
  private inGroup = false;
  private inMessage = false;
  private messageSegments = 0;
  private messageRef = '';
  private readonly lineBreak: string;
  private readonly decimal: string;
  private readonly stamp: { date: string; time: string };

  constructor(unb: UnbValues, options: { delimiters?: TextDelimiters; decimalMark?: string; lineBreak?: string; una?: boolean; now?: Date } = {}) {
    const d = options.delimiters ?? EDIFACT_DEFAULT_DELIMITERS;
    // Syntax 3 has no repetition separator; UNA carries a space in its place.
    this.d = unb.syntaxVersion === 3 ? { ...d, repetition: d.repetition === '*' ? '' : d.repetition } : d;
    this.lineBreak = options.lineBreak ?? '\n';
    this.decimal = options.decimalMark ?? '.';
    this.control = String(unb.controlNumber);
    const iso = (options.now ?? new Date()).toISOString();
    const ymd = iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10);
    this.stamp = { date: unb.syntaxVersion === 4 ? ymd : ymd.slice(2), time: iso.slice(11, 13) + iso.slice(14, 16) };
    const dd = this.d;
    // The repetition separator counts too: a reader without UNA assumes '*' (syntax 4) or none (syntax 3).
    const defaultRepetition = unb.syntaxVersion === 4 ? '*' : '';
    const isDefault = dd.component === ':' && dd.element === '+' && dd.release === '?' && dd.terminator === "'" && dd.repetition === defaultRepetition && this.decimal === '.';
    if (options.una ?? !isDefault) {
      this.parts.push(`UNA${dd.component}${dd.element}${this.decimal}${dd.release || ' '}${dd.repetition || ' '}${dd.terminator}${this.lineBreak}`);
    }
    const sender = unb.senderQualifier ? [unb.senderId, unb.senderQualifier] : [unb.senderId];
    const receiver = unb.receiverQualifier ? [unb.receiverId, unb.receiverQualifier] : [unb.receiverId];
    const elements: string[][] = [[unb.syntaxId, String(unb.syntaxVersion)], sender, receiver, [unb.date ?? this.stamp.date, unb.time ?? this.stamp.time], [this.control]];
    const tail: string[][] = [[''], [unb.applicationReference ?? ''], [''], [unb.ackRequested ? '1' : ''], [''], [unb.test ? '1' : '']];
    this.write({ tag: 'UNB', elements: [...elements, ...tail].map((c) => [c]) });
  }

  private write(seg: ParsedSegment): void {
    this.parts.push(encodeSegment(seg, this.d, { trimTrailing: true }) + this.d.terminator + this.lineBreak);
  }

  /** Open a functional group (UNG). */
  beginGroup(g: UngValues): this {
    if (this.inGroup) throw new Error('beginGroup: previous group not ended');
    if (this.count > 0 && this.groupCount === 0) throw new Error('beginGroup: messages and groups cannot be mixed');
    this.inGroup = true;
    this.groupCount++;
    this.count = 0;
    this.groupControl = String(g.controlNumber);
    this.write({ tag: 'UNG', elements: [[[g.messageGroupId]], [[g.senderId]], [[g.receiverId]], [[g.date ?? this.stamp.date, g.time ?? this.stamp.time]], [[this.groupControl]], [[g.agency ?? 'UN']], [[g.version, g.release]]] });
    return this;
  }

  /** Open a message (UNH); `type` like ORDERS, version D, release 96A. */
  beginMessage(reference: string | number, type: string, version: string, release: string, agency = 'UN', association?: string): this {
    if (this.inMessage) throw new Error('beginMessage: previous message not ended');
    this.inMessage = true;
    this.messageRef = String(reference);
    this.messageSegments = 1;
    this.count++;
    const id = association ? [type, version, release, agency, association] : [type, version, release, agency];
    this.write({ tag: 'UNH', elements: [[[this.messageRef]], [id]] });
    return this;
  }

  /** Add a body segment to the open message. */
  segment(seg: ParsedSegment): this {
    if (!this.inMessage) throw new Error(`segment ${seg.tag}: no open message`);
    this.messageSegments++;
    this.write(seg);
    return this;
  }

  /** Close the message with UNT. */
  endMessage(): this {
    if (!this.inMessage) throw new Error('endMessage: no open message');
    this.messageSegments++;
    this.write({ tag: 'UNT', elements: [[[String(this.messageSegments)]], [[this.messageRef]]] });
    this.inMessage = false;
    return this;
  }

  /** Close the group with UNE. */
  endGroup(): this {
    if (this.inMessage) this.endMessage();
    if (!this.inGroup) throw new Error('endGroup: no open group');
    this.write({ tag: 'UNE', elements: [[[String(this.count)]], [[this.groupControl]]] });
    this.inGroup = false;
    return this;
  }

  /** Close the interchange with UNZ and return its text. */
  end(): string {
    if (this.inMessage) this.endMessage();
    if (this.inGroup) this.endGroup();
    const n = this.groupCount > 0 ? this.groupCount : this.count;
    this.write({ tag: 'UNZ', elements: [[[String(n)]], [[this.control]]] });
    return this.parts.join('');
  }
}
