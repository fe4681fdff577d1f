/**
 * What the envelope readers tell their consumer, as synchronous callbacks in input order. Push
 * callbacks rather than an async iterator per segment: an await per segment would cost more than
 * the whole scan (see docs/decisions.md); `collectEvents` in the readers offers the pull form.
 */
import type { EdiIssue } from './issues';
import type { Delimiters, ScannedSegment } from './scanner';

export type Standard = 'x12' | 'edifact';

/** Interchange header (ISA / UNB) in both standards' terms. */
export interface InterchangeHeader {
  standard: Standard;
  controlNumber: string;
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  /** As received: YYMMDD (ISA09) or YYMMDD/CCYYMMDD (UNB S004). */
  date: string;
  time: string;
  /** X12 ISA12 (00401) or EDIFACT syntax version number (3, 4). */
  version: string;
  /** EDIFACT syntax identifier (UNOC, UNOY, ...). */
  syntaxId?: string;
  test: boolean;
  ackRequested: boolean;
  delimiters: Delimiters;
  /** The UNA service string advice as received (EDIFACT), for round trips. */
  serviceStringAdvice?: string;
  /** Layout (line breaks) before the UNA, for round trips. */
  adviceLayout?: string;
  offset: number;
  /** 0-based ordinal of the interchange in the input. */
  index: number;
}

export interface InterchangeSummary {
  /** Count the trailer declares (IEA01 / UNZ 0036), undefined without trailer. */
  declaredCount?: number;
  groups: number;
  transactions: number;
  trailerFound: boolean;
  errors: number;
}

/** Functional group header (GS / UNG). */
export interface GroupHeader {
  functionalId: string;
  applicationSender: string;
  applicationReceiver: string;
  date: string;
  time: string;
  controlNumber: string;
  agency: string;
  /** GS08 (004010, 005010X231A1) or UNG S008 version. */
  version: string;
  interchangeControlNumber: string;
  offset: number;
}

export interface GroupSummary {
  declaredCount?: number;
  transactions: number;
  trailerFound: boolean;
  errors: number;
}

/** Transaction set / message header (ST / UNH). */
export interface TransactionHeader {
  /** 850, ORDERS. */
  id: string;
  controlNumber: string;
  /** X12 ST03 implementation convention reference. */
  implementationReference?: string;
  /** Version of the definition that applies: 004010 / 005010 (from GS08), D96A (from UNH S009). */
  version: string;
  /** EDIFACT association assigned code (EAN008). */
  association?: string;
  interchangeControlNumber: string;
  groupControlNumber?: string;
  offset: number;
}

export interface TransactionSummary {
  /** Segments counted from header to trailer inclusive. */
  segmentCount: number;
  declaredCount?: number;
  trailerFound: boolean;
  /** Errors found in this transaction (envelope and content). */
  errors: number;
  endOffset: number;
}

/** Where a segment sits in the envelope. */
export interface SegmentPlace {
  level: 'interchange' | 'group' | 'transaction' | 'outside';
  /** 1-based position inside the transaction (header = 1), 0 outside transactions. */
  position: number;
}

/** Callbacks of an envelope reader; all optional. */
export interface EdiHandler {
  interchangeStart?(h: InterchangeHeader): void;
  interchangeEnd?(h: InterchangeHeader, s: InterchangeSummary): void;
  groupStart?(g: GroupHeader): void;
  groupEnd?(g: GroupHeader, s: GroupSummary): void;
  transactionStart?(t: TransactionHeader): void;
  /** Called after the trailer segment was passed to `segment`. */
  transactionEnd?(t: TransactionHeader, s: TransactionSummary): void;
  /** Every segment, envelope segments included; the view is valid only during the call. */
  segment?(seg: ScannedSegment, place: SegmentPlace): void;
  issue?(i: EdiIssue): void;
  /** Layout after the last segment (for round trips). */
  layout?(text: string): void;
  /** The input ended (after every other callback). */
  end?(): void;
}
