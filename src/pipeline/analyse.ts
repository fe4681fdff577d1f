/**
 * What the pipeline learns from a received file's bytes and the partner folders alone: its interchanges
 * and where they start and end, the syntax and content checks the acknowledgments need, and the canonical
 * documents. No ledger, no clock: it can run on a worker thread while the main thread commits the file
 * before it (see `AnalysisPool`), and gives the same answer wherever it runs.
 */
import { ackCollector, collectForAcks, collectedBy, type AckCollector, type AckPolicy, type AckRequest, type CollectedInput, type CollectOptions } from '../edi/ack';
import type { CanonicalDocument } from '../canonical/document';
import type { EdiHandler, GroupHeader, GroupSummary, InterchangeHeader, InterchangeSummary, SegmentPlace, TransactionHeader, TransactionSummary } from '../edi/common/events';
import type { EdiIssue } from '../edi/common/issues';
import type { ScannedSegment } from '../edi/common/scanner';
import { EdiReader } from '../edi/reader';
import { translate, type TranslateResult, type TransactionPlace } from '../mapping/translate';
import type { Partner, PartnerRegistry } from '../partners/registry';

export interface ScannedInterchange {
  header: InterchangeHeader;
  group?: GroupHeader;
  start: number;
  end: number;
  /** Transaction types in it (997, ORDERS …). */
  types: Set<string>;
  /** An X12 TA1 segment at interchange level. */
  ta1: boolean;
}

export interface AnalysedInterchange extends ScannedInterchange {
  /** The syntax and content checks for its acks, made with the options of partner `collectedFor`. */
  collected?: CollectedInput;
  collectedFor?: string;
}

/**
 * A translated document as the ledger keeps it: its JSON and the keys it is found and ordered by. The
 * objects stay where they were made; a worker hands over strings, which cost the main thread nothing
 * to receive and nothing to collect.
 */
export interface AnalysedDocument {
  interchangeControlNumber: string;
  /** Ordinal of its interchange in the file (two interchanges of one file may share a control number). */
  interchangeIndex: number;
  /** Its group's control number (two groups of one interchange may both number a set 0001). */
  groupControlNumber?: string;
  controlNumber: string;
  type: CanonicalDocument['type'];
  businessKey: string | null;
  orderKey: string | null;
  json: string;
}

export interface MessageAnalysis {
  interchanges: AnalysedInterchange[];
  /** Problems before the first interchange (why a file holds none). */
  fileProblems: string[];
  documents: AnalysedDocument[];
  errors: TranslateResult['errors'];
  warnings?: TranslateResult['warnings'];
}

/** The business key of a document: what makes a second one with the same key a duplicate. */
export function businessKey(doc: CanonicalDocument): string | null {
  switch (doc.type) {
    case 'order':
      // A change, cancellation or replacement is not a second copy of the order (the duplicate policy would
      // hold it): it is keyed by its own transaction. Its order key stays the order's, so it posts after it.
      return doc.purpose === 'change' || doc.purpose === 'cancel' || doc.purpose === 'replace' ? `${doc.orderNumber}/${doc.purpose}/${doc.envelope.interchangeControlNumber}/${doc.envelope.controlNumber}` : doc.orderNumber;
    case 'order_response':
      return `${doc.orderNumber}/${doc.responseNumber ?? doc.responseDate ?? ''}`;
    case 'ship_notice':
      return doc.shipmentId;
    case 'invoice':
      // A supplier may number credit notes in a series of their own, overlapping its invoices'.
      return doc.invoiceType === 'credit_note' ? `${doc.invoiceNumber}/credit` : doc.invoiceNumber;
    default:
      return null;
  }
}

/** The order a document belongs to (its documents post one after the other). */
export function orderKeyOf(doc: CanonicalDocument): string | null {
  switch (doc.type) {
    case 'order':
    case 'order_response':
      return doc.orderNumber;
    case 'ship_notice':
      return doc.orders[0]?.orderNumber ?? null;
    case 'invoice':
      return doc.orderNumber ?? null;
    default:
      return null;
  }
}

function ledgerForm(doc: CanonicalDocument, place: TransactionPlace): AnalysedDocument {
  return {
    interchangeControlNumber: doc.envelope.interchangeControlNumber,
    ...place,
    controlNumber: doc.envelope.controlNumber,
    type: doc.type,
    businessKey: businessKey(doc),
    orderKey: orderKeyOf(doc),
    json: JSON.stringify(doc),
  };
}

/** Analyses a stored file (in this thread, or on a worker). */
export type Analyse = (bytes: Buffer) => Promise<MessageAnalysis>;

/** The ack type a partner's policy asks for, for one standard, or undefined when it wants none. */
export function ackRequest(partner: Partner, standard: 'x12' | 'edifact'): AckRequest | undefined {
  const send = partner.acknowledgments.send;
  if (standard === 'edifact') return send.includes('CONTRL') ? 'CONTRL' : undefined;
  const functional = send.includes('999') ? '999' : send.includes('997') ? '997' : undefined;
  if (functional && send.includes('TA1')) return 'auto';
  return functional ?? (send.includes('TA1') ? 'TA1' : undefined);
}

/** The parts of the ack policy that come from the partner folder. */
export function partnerAckPolicy(partner: Partner): AckPolicy {
  return { transactionErrors: partner.acknowledgments.acceptWithErrors ? 'accept-with-errors' : 'reject', usage: partner.mode };
}

/** The options of the ack checks for partner `partner` (the whole of what the collection asks of it). */
function collectOptions(partner: Partner): CollectOptions {
  return { lenientCharset: partner.validation.lenientCharset, usage: partnerAckPolicy(partner).usage };
}

/** The syntax and content checks of one interchange, as partner `partner`'s acks need them. */
export function collectFor(partner: Partner, slice: Buffer): Promise<CollectedInput> {
  return collectForAcks(slice, collectOptions(partner));
}

/**
 * The ack checks of one interchange made on the translation's reader pass instead of a second read of
 * its slice, where that read would see the same events (see `collectAlong`); the others are read again.
 */
interface Ride {
  /** Absent when the partner guessed from the interchange header alone wants no checks. */
  collector?: AckCollector;
  options?: CollectOptions;
  /** Its events so far are the ones a read of its slice gives (up to the positions below). */
  exact: boolean;
  /** Where its slice starts in the file: the offsets the slice's read gives are this much smaller. */
  shift: number;
  /** Index of its header segment in the file: the file segment numbers of the slice's read are this much smaller. */
  base: number;
  /** Its header segment has been seen (and was segment `base`). */
  headerSeen: boolean;
  ended: boolean;
  trailerFound: boolean;
  /** Events after its trailer: part of its slice when it is the last interchange, not otherwise. */
  tail: boolean;
}

/** Scanner notices before the first interchange that a read of its slice (from its header on) does not see, and that change nothing after. */
const LEADING_NOTICES = new Set(['file.bom', 'file.leading_whitespace']);

/**
 * A handler that feeds each interchange's events to an ack collector with the options of the partner
 * its header routes to (the group can change the route: the options are compared again at the end),
 * for the interchanges whose slice [its start, the next one's start) a reader of its own would read
 * alike:
 * - the first interchange of a file that starts with it, or of an X12 file after a byte-order mark or
 *   white space only (the scanner skips them and starts the ISA as it would at the slice's start);
 * - an X12 interchange after one that ended with its IEA, when only white space lies between them:
 *   the IEA made the scanner detect delimiters again, from the ISA as a new reader does, and nothing
 *   else carries over (X12 values are always UTF-8). Its events differ from the slice's only in their
 *   places in the file: offsets, file segment numbers and the interchange ordinal, which are moved.
 * An EDIFACT interchange after another one is read again: its UNB is scanned with the character set
 * and encoding of the one before.
 * A non-last interchange must end with its trailer and be followed by no event before the next one;
 * the last one's slice runs to the end of the file, as the whole read does.
 */
function collectAlong(registry: PartnerRegistry): { handler: Required<Pick<EdiHandler, 'interchangeStart' | 'interchangeEnd' | 'groupStart' | 'groupEnd' | 'transactionStart' | 'transactionEnd' | 'segment' | 'issue'>>; rides: Ride[] } {
  const rides: Ride[] = [];
  let current: Ride | undefined;
  /** Events before the first interchange: any, and any but LEADING_NOTICES. */
  let before = false;
  let beforeOther = false;
  /** Segment events so far: the file index of the next segment. */
  let segments = 0;
  /** The collector an event other than an interchange's start or end goes to. */
  const target = (): AckCollector | undefined => {
    if (!current) {
      before = beforeOther = true;
      return undefined;
    }
    if (current.ended) current.tail = true;
    return current.collector;
  };
  const handler = {
    interchangeStart: (h: InterchangeHeader): void => {
      const prev = current;
      if (prev && (!prev.ended || !prev.trailerFound || prev.tail)) prev.exact = false;
      const ride: Ride = { exact: false, shift: 0, base: segments, headerSeen: false, ended: false, trailerFound: false, tail: false };
      const x12 = h.standard === 'x12';
      const alike = prev ? x12 && prev.ended && prev.trailerFound && !prev.tail : x12 ? !beforeOther : !before;
      if (alike) {
        const routed = registry.route(h);
        if (routed.kind === 'partner' && routed.direction === 'inbound') {
          // An X12 slice starts at its ISA; an EDIFACT one (the first, here) at 0, checked at the end.
          ride.shift = x12 ? h.offset : 0;
          ride.options = collectOptions(routed.partner);
          ride.collector = ackCollector(ride.options);
          ride.exact = true;
          ride.collector.interchangeStart(ride.shift === 0 && h.index === 0 ? h : { ...h, offset: h.offset - ride.shift, index: 0 });
        }
      }
      rides.push(ride);
      current = ride;
    },
    interchangeEnd: (h: InterchangeHeader, s: InterchangeSummary): void => {
      if (!current) return;
      if (current.ended) current.tail = true;
      current.collector?.interchangeEnd(h, s);
      current.ended = true;
      current.trailerFound = s.trailerFound;
    },
    groupStart: (g: GroupHeader): void => {
      const c = target();
      if (c && current) c.groupStart(current.shift === 0 ? g : { ...g, offset: g.offset - current.shift });
    },
    groupEnd: (g: GroupHeader, s: GroupSummary): void => target()?.groupEnd(g, s),
    transactionStart: (t: TransactionHeader): void => target()?.transactionStart(t),
    transactionEnd: (t: TransactionHeader, s: TransactionSummary): void => target()?.transactionEnd(t, s),
    segment: (seg: ScannedSegment, place: SegmentPlace): void => {
      segments++;
      const c = target();
      if (!c || !current) return;
      if (!current.headerSeen) {
        current.headerSeen = true;
        // Every segment reaches the handler, so the count is the scanner's index: checked, not assumed.
        if (seg.index !== current.base) current.exact = false;
      }
      c.segment(seg, place);
    },
    issue: (i: EdiIssue): void => {
      if (!current) {
        before = true;
        if (!LEADING_NOTICES.has(i.code)) beforeOther = true;
        return;
      }
      const c = target();
      if (!c) return;
      c.issue(current.base === 0 && current.shift === 0 ? i : moved(i, current));
    },
  };
  return { handler, rides };
}

/**
 * An issue as the read of the interchange's slice reports it. Positions in the file (a segment number
 * equal to the file segment number) move; positions in a transaction stay: they are smaller than the
 * file's number of the same segment, which counts at least an ISA and an IEA before this interchange.
 */
function moved(i: EdiIssue, ride: Ride): EdiIssue {
  const out: EdiIssue = { ...i };
  if (i.offset !== undefined) out.offset = i.offset - ride.shift;
  if (i.fileSegmentIndex !== undefined) {
    out.fileSegmentIndex = i.fileSegmentIndex - ride.base;
    if (i.segmentIndex === i.fileSegmentIndex) out.segmentIndex = out.fileSegmentIndex;
  }
  return out;
}

function sameOptions(a: CollectOptions, b: CollectOptions): boolean {
  return Boolean(a.lenientCharset) === Boolean(b.lenientCharset) && a.usage === b.usage;
}

/** Interchange headers, their first group and byte ranges (a cheap pass: no content validation). */
export function scanInterchanges(bytes: Buffer): { interchanges: ScannedInterchange[]; fileProblems: string[] } {
  const scan = interchangeScan(bytes);
  const reader = new EdiReader(scan.handler);
  reader.write(bytes);
  reader.end();
  return { interchanges: scan.interchanges, fileProblems: scan.fileProblems };
}

/**
 * The reader events of `scanInterchanges` and what they find, for a reader of `bytes` that does more;
 * with `along`, each event goes on to it (one handler: no second dispatch per segment).
 */
function interchangeScan(bytes: Buffer, along?: ReturnType<typeof collectAlong>['handler']): { handler: EdiHandler; interchanges: ScannedInterchange[]; fileProblems: string[] } {
  const interchanges: ScannedInterchange[] = [];
  const fileProblems: string[] = [];
  const scan = {
    interchangeStart: (h: InterchangeHeader): void => {
      const prev = interchanges[interchanges.length - 1];
      // An EDIFACT interchange starts at its UNA when it has one: without it, its delimiters are lost.
      let start = h.offset;
      if (h.standard === 'edifact' && h.serviceStringAdvice !== undefined) {
        const una = bytes.lastIndexOf('UNA', h.offset);
        if (una >= (prev ? prev.start + 1 : 0)) start = una;
      }
      if (prev) prev.end = start;
      interchanges.push({ header: h, start, end: bytes.length, types: new Set(), ta1: false });
    },
    groupStart: (g: GroupHeader): void => {
      const ic = interchanges[interchanges.length - 1];
      if (ic && !ic.group) ic.group = g;
    },
    transactionStart: (t: TransactionHeader): void => {
      interchanges[interchanges.length - 1]?.types.add(t.id);
    },
    segment: (seg: ScannedSegment, place: SegmentPlace): void => {
      if (place.level === 'interchange' && seg.tag === 'TA1') {
        const ic = interchanges[interchanges.length - 1];
        if (ic) ic.ta1 = true;
      }
    },
    issue: (i: EdiIssue): void => {
      if (i.severity === 'error' && interchanges.length === 0) fileProblems.push(`${i.code}: ${i.message}`);
    },
  };
  if (!along) return { handler: scan, interchanges, fileProblems };
  const handler: EdiHandler = {
    interchangeStart: (h) => {
      scan.interchangeStart(h);
      along.interchangeStart(h);
    },
    interchangeEnd: along.interchangeEnd,
    groupStart: (g) => {
      scan.groupStart(g);
      along.groupStart(g);
    },
    groupEnd: along.groupEnd,
    transactionStart: (t) => {
      scan.transactionStart(t);
      along.transactionStart(t);
    },
    transactionEnd: along.transactionEnd,
    segment: (seg, place) => {
      scan.segment(seg, place);
      along.segment(seg, place);
    },
    issue: (i) => {
      scan.issue(i);
      along.issue(i);
    },
  };
  return { handler, interchanges, fileProblems };
}

/** Scan, check and translate a file with the partners of `registry`. */
export async function analyseMessage(bytes: Buffer, registry: PartnerRegistry): Promise<MessageAnalysis> {
  // The interchange scan and the checks for acks listen to the translation's reader: the bytes are read
  // once for all three (the checks read an interchange again only where that read could differ from its
  // slice's, or where the partner's options turn out other than its header's guess).
  const along = collectAlong(registry);
  const { handler, interchanges, fileProblems } = interchangeScan(bytes, along.handler);
  // Each document is serialised as soon as it is mapped: a file's worth of document objects kept to the
  // end outlived the young generation (strings are cheap to keep, object graphs are not).
  const documents: AnalysedDocument[] = [];
  const translated = await translate(bytes, { registry, onDocument: (doc, place) => documents.push(ledgerForm(doc, place)), placeErrors: true, also: handler });
  if (interchanges.length === 0) return { interchanges: [], fileProblems, documents: [], errors: [] };
  const analysed: AnalysedInterchange[] = [];
  for (let k = 0; k < interchanges.length; k++) {
    const ic = interchanges[k];
    const routed = registry.route(ic.header, ic.group);
    if (routed.kind !== 'partner' || routed.direction !== 'inbound') {
      analysed.push(ic);
      continue;
    }
    const ride = along.rides[k];
    const options = collectOptions(routed.partner);
    const rode = ride?.exact && ride.collector && ride.options && ic.start === ride.shift && sameOptions(ride.options, options) ? collectedBy(ride.collector) : undefined;
    analysed.push({ ...ic, collected: rode ?? (await collectForAcks(bytes.subarray(ic.start, ic.end), options)), collectedFor: routed.partner.id });
  }
  const out: MessageAnalysis = { interchanges: analysed, fileProblems, documents, errors: translated.errors };
  if (translated.warnings) out.warnings = translated.warnings;
  return out;
}

/** The in-thread analysis, with an already loaded registry. */
export function analyseWith(registry: PartnerRegistry): Analyse {
  return (bytes) => analyseMessage(bytes, registry);
}
