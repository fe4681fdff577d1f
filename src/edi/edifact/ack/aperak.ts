/**
 * EDIFACT APERAK (application error and acknowledgement) for a received message the application could not
 * process (an order whose product or purchase order Odoo cannot resolve): the syntax was fine (CONTRL said
 * so), the content is refused. One APERAK answers one message:
 *
 *   UNH  APERAK in the directory of the message answered when we ship an APERAK definition for it, else D96A
 *   BGM  document name code (313 by default), our APERAK number, message function 27 "not accepted"
 *   DTM  137 when we wrote it
 *   RFF  ACW + the UNH 0062 of the message answered (what our reader matches first), then the business
 *        document number with its qualifier (ON for an order, IV for an invoice ...), EANCOM's practice
 *   ERC + FTX AAO per finding: the error code and its explanation
 *
 * The envelope turns the received UNB around like the CONTRL does (src/edi/edifact/ack/contrl.ts): the
 * partner's syntax identifier and version, delimiters and test indicator, our own control numbers.
 */
import type { ControlNumbers } from '../../ack';
import { definitionsDir, hasTransaction } from '../../common/definition-loader';
import type { TextDelimiters } from '../../common/encode';
import type { InterchangeHeader } from '../../common/events';
import type { ParsedSegment } from '../../common/segment';
import { charsetFor } from '../charset';
import { EdifactInterchangeWriter } from '../writer';
import { ackDelimiters, contrlUnaddressable } from './contrl';

/** One application-level finding: ERC 9321 code (at most 8 characters) and the text for the partner. */
export interface AperakFinding {
  code: string;
  text: string;
}

/** The received message the APERAK answers. */
export interface AperakSubject {
  /** UNH 0062 of the received message. */
  reference: string;
  /** UNH 0065 (ORDERS, INVOIC ...). */
  type: string;
  /** Directory of the received message as the reader gives it (TransactionHeader.version: D96A, D01B). */
  version?: string;
  /** The business document number (ORDERS BGM 1004: the partner's PO number). */
  documentNumber?: string;
  /** RFF 1153 for the document number; default by message type (ON, IV, AAK, POR), else ACE. */
  documentQualifier?: string;
}

export interface AperakOptions {
  controlNumbers: ControlNumbers;
  /** Key of the partner for control numbers; default "edifact:<qualifier>:<sender id>" of the received UNB. */
  partnerKey?: string;
  now?: Date;
  /** BGM C002 1001 (default 313; some guides want 305 or EANCOM's 12E). */
  documentNameCode?: string;
  /** BGM 1225 (default 27, not accepted). */
  messageFunction?: string;
  /** Text after each segment terminator (default "\n"; nothing when the terminator is itself a line break). */
  lineBreak?: string;
}

/** A built APERAK interchange. */
export interface GeneratedAperak {
  type: 'APERAK';
  text: string;
  /** Control number of the received interchange. */
  interchange: string;
  /** Our UNB 0020 of the APERAK interchange. */
  controlNumber: string;
  /** Our UNH 0062 of the APERAK (also its BGM document number). */
  messageReference: string;
  /** Directory written (D96A, D01B). */
  directory: string;
  status: 'rejected';
  /** How `text` becomes bytes: latin1 for the ISO 8859 character sets, utf8 for UNOW/UNOY. */
  encoding: 'utf8' | 'latin1';
  /** What could not be written as given (codes shortened, text cut, findings dropped). */
  notes?: string[];
}

/** RFF 1153 for the business document number of each message type we receive. */
const DOCUMENT_QUALIFIER: Record<string, string> = { ORDERS: 'ON', ORDCHG: 'ON', INVOIC: 'IV', DESADV: 'AAK', ORDRSP: 'POR' };
/** ERC groups allowed per directory (D96A SG3 999, D01B SG4 99999). */
const MAX_ERC: Record<string, number> = { D96A: 999, D01B: 99_999 };
const DEFAULT_DIRECTORY = 'D96A';
/** FTX C108: five lines of 70. */
const FTX_LINES = 5;
const FTX_WIDTH = 70;

/** The directory to write: the received message's when we ship an APERAK definition for it, D96A otherwise. */
export function aperakDirectory(version: string | undefined): string {
  if (version !== undefined && /^[A-Z]\d{2}[A-Z]$/.test(version) && hasTransaction(definitionsDir('edifact', version), 'APERAK')) return version;
  return DEFAULT_DIRECTORY;
}

/** Syntax identifier of the APERAK: the partner's when the gateway supports it, UNOC otherwise. */
function syntaxIdOf(h: InterchangeHeader): string {
  return h.syntaxId && charsetFor(h.syntaxId) ? h.syntaxId : 'UNOC';
}

/**
 * Text as the APERAK's character set can carry it: line breaks become spaces, characters the set does not
 * allow are upper-cased when that makes them allowed (UNOA has no lower case) and dropped otherwise, and
 * delimiters are dropped when there is no release character to escape them.
 */
function textFit(h: InterchangeHeader, d: TextDelimiters): (v: string) => string {
  const cs = charsetFor(syntaxIdOf(h));
  const delims = new Set([d.element, d.component, d.repetition, d.terminator].filter((x) => x !== ''));
  const allowed = (ch: string): boolean => {
    if (delims.has(ch)) return d.release !== '';
    if (!cs) return true;
    const b = ch.codePointAt(0) ?? 0;
    if (cs.utf8 && b >= 0x80) return true;
    return b <= 0xff && cs.invalid[b] === 0;
  };
  return (v) => {
    let out = '';
    for (const raw of v.replace(/[\r\n\t]+/g, ' ')) {
      if (allowed(raw)) out += raw;
      else if (allowed(raw.toUpperCase())) out += raw.toUpperCase();
    }
    return out.replace(/ {2,}/g, ' ').trim();
  };
}

/** Text broken into FTX lines of at most 70 characters, at spaces where possible (the reader joins with a space). */
export function ftxLines(text: string, width = FTX_WIDTH, max = FTX_LINES): { lines: string[]; cut: boolean } {
  const lines: string[] = [];
  let rest = text;
  while (rest !== '' && lines.length < max) {
    if (rest.length <= width) {
      lines.push(rest);
      rest = '';
      break;
    }
    const space = rest.lastIndexOf(' ', width);
    const at = space > 0 ? space : width;
    lines.push(rest.slice(0, at));
    rest = rest.slice(space > 0 ? at + 1 : at);
  }
  return { lines, cut: rest !== '' };
}

function seg(tag: string, ...elements: (string | string[])[]): ParsedSegment {
  return { tag, elements: elements.map((e) => [typeof e === 'string' ? [e] : e]) };
}

/**
 * Build an APERAK refusing a received message for application reasons. Throws when there is nothing to
 * say (no finding) or when the received UNB cannot be answered in its own character set.
 */
export function buildAperak(received: InterchangeHeader, subject: AperakSubject, findings: AperakFinding[], options: AperakOptions): GeneratedAperak {
  if (received.standard !== 'edifact') throw new Error('APERAK answers EDIFACT interchanges only');
  if (findings.length === 0) throw new Error('an APERAK needs at least one finding');
  if (received.senderId === '' || received.receiverId === '' || received.controlNumber === '') throw new Error('the received UNB names no sender, recipient or control reference to answer');
  const why = contrlUnaddressable(received);
  if (why) throw new Error(why);
  const notes: string[] = [];
  const now = options.now ?? new Date();
  const partnerKey = options.partnerKey ?? `edifact:${received.senderQualifier}:${received.senderId}`;
  const d = ackDelimiters(received);
  const fitText = textFit(received, d);
  const version: 3 | 4 = received.version === '4' ? 4 : 3;
  const advised = received.serviceStringAdvice && received.serviceStringAdvice.length >= 6 ? received.serviceStringAdvice[5] : '.';
  const decimalMark = advised === ',' ? ',' : '.';
  const levelB = d.element === '\x1d';
  const graphicDefault = d.component === ':' && d.element === '+' && d.release === '?' && d.terminator === "'" && decimalMark === '.';
  const control = options.controlNumbers.next('interchange', partnerKey);
  const writer = new EdifactInterchangeWriter(
    {
      syntaxId: syntaxIdOf(received),
      syntaxVersion: version,
      senderId: received.receiverId.slice(0, 35),
      senderQualifier: received.receiverQualifier.slice(0, 4) || undefined,
      receiverId: received.senderId.slice(0, 35),
      receiverQualifier: received.senderQualifier.slice(0, 4) || undefined,
      controlNumber: control,
      test: received.test,
    },
    {
      delimiters: d,
      decimalMark,
      lineBreak: /[\r\n]/.test(d.terminator) || levelB ? '' : options.lineBreak ?? '\n',
      now,
      una: received.serviceStringAdvice !== undefined || (!graphicDefault && !levelB),
    },
  );
  const directory = aperakDirectory(subject.version);
  const ref = String(options.controlNumbers.next('transaction', partnerKey));
  writer.beginMessage(ref, 'APERAK', directory[0], directory.slice(1), 'UN');
  writer.segment(seg('BGM', options.documentNameCode ?? '313', ref, options.messageFunction ?? '27'));
  const iso = now.toISOString();
  writer.segment(seg('DTM', ['137', iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16), '203']));
  const messageRef = fitText(subject.reference).slice(0, 35);
  if (messageRef === '') throw new Error('the received message has no reference (UNH 0062) the APERAK could repeat');
  if (messageRef !== subject.reference) notes.push(`message reference "${subject.reference}" written as "${messageRef}"`);
  writer.segment(seg('RFF', ['ACW', messageRef]));
  const docNumber = subject.documentNumber !== undefined ? fitText(subject.documentNumber).slice(0, 35) : '';
  if (docNumber !== '') {
    const qualifier = subject.documentQualifier ?? DOCUMENT_QUALIFIER[subject.type] ?? 'ACE';
    writer.segment(seg('RFF', [qualifier, docNumber]));
  }
  const max = MAX_ERC[directory] ?? 999;
  if (findings.length > max) notes.push(`${findings.length - max} finding(s) beyond the ${max} ERC groups ${directory} allows were dropped`);
  for (const f of findings.slice(0, max)) {
    let code = fitText(f.code).replace(/ /g, '');
    if (code.length > 8) {
      notes.push(`error code "${f.code}" is longer than ERC 9321 allows (8): written as "${code.slice(0, 8)}"`);
      code = code.slice(0, 8);
    }
    if (code === '') {
      notes.push(`finding "${f.text}" has no usable code: written as "UNKNOWN"`);
      code = 'UNKNOWN';
    }
    writer.segment(seg('ERC', code));
    const { lines, cut } = ftxLines(fitText(f.text));
    if (cut) notes.push(`text of finding ${code} cut to ${FTX_LINES} lines of ${FTX_WIDTH} characters`);
    if (lines.length > 0) writer.segment(seg('FTX', 'AAO', '', '', lines));
  }
  writer.endMessage();
  const out: GeneratedAperak = {
    type: 'APERAK',
    text: writer.end(),
    interchange: received.controlNumber,
    controlNumber: String(control),
    messageReference: ref,
    directory,
    status: 'rejected',
    encoding: charsetFor(syntaxIdOf(received))?.utf8 ? 'utf8' : 'latin1',
  };
  if (notes.length > 0) out.notes = notes;
  return out;
}
