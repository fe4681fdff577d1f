/**
 * What the pipeline learns from a received file's bytes and the partner folders alone: its interchanges
 * and where they start and end, the syntax and content checks the acknowledgments need, and the canonical
 * documents. No ledger, no clock: it can run on a worker thread while the main thread commits the file
 * before it (see `AnalysisPool`), and gives the same answer wherever it runs.
 */
import { collectForAcks, type AckPolicy, type AckRequest, type CollectedInput } from '../edi/ack';
import type { CanonicalDocument } from '../canonical/document';
import type { EdiHandler, GroupHeader, InterchangeHeader } from '../edi/common/events';
import { EdiReader } from '../edi/reader';
import { translate, type TranslateResult } from '../mapping/translate';
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
      return doc.orderNumber;
    case 'order_response':
      return `${doc.orderNumber}/${doc.responseNumber ?? doc.responseDate ?? ''}`;
    case 'ship_notice':
      return doc.shipmentId;
    case 'invoice':
      return doc.invoiceNumber;
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

function ledgerForm(doc: CanonicalDocument): AnalysedDocument {
  return {
    interchangeControlNumber: doc.envelope.interchangeControlNumber,
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

/** The syntax and content checks of one interchange, as partner `partner`'s acks need them. */
export function collectFor(partner: Partner, slice: Buffer): Promise<CollectedInput> {
  return collectForAcks(slice, { lenientCharset: partner.validation.lenientCharset, usage: partnerAckPolicy(partner).usage });
}

/** Interchange headers, their first group and byte ranges (a cheap pass: no content validation). */
export function scanInterchanges(bytes: Buffer): { interchanges: ScannedInterchange[]; fileProblems: string[] } {
  const scan = interchangeScan(bytes);
  const reader = new EdiReader(scan.handler);
  reader.write(bytes);
  reader.end();
  return { interchanges: scan.interchanges, fileProblems: scan.fileProblems };
}

/** The reader events of `scanInterchanges` and what they find, for a reader of `bytes` that does more. */
function interchangeScan(bytes: Buffer): { handler: EdiHandler; interchanges: ScannedInterchange[]; fileProblems: string[] } {
  const interchanges: ScannedInterchange[] = [];
  const fileProblems: string[] = [];
  const handler: EdiHandler = {
    interchangeStart: (h) => {
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
    groupStart: (g) => {
      const ic = interchanges[interchanges.length - 1];
      if (ic && !ic.group) ic.group = g;
    },
    transactionStart: (t) => {
      interchanges[interchanges.length - 1]?.types.add(t.id);
    },
    segment: (seg, place) => {
      if (place.level === 'interchange' && seg.tag === 'TA1') {
        const ic = interchanges[interchanges.length - 1];
        if (ic) ic.ta1 = true;
      }
    },
    issue: (i) => {
      if (i.severity === 'error' && interchanges.length === 0) fileProblems.push(`${i.code}: ${i.message}`);
    },
  };
  return { handler, interchanges, fileProblems };
}

/** Scan, check and translate a file with the partners of `registry`. */
export async function analyseMessage(bytes: Buffer, registry: PartnerRegistry): Promise<MessageAnalysis> {
  // The interchange scan listens to the translation's reader: the bytes are read once for both. (The
  // checks for acks read each interchange again, with the options of its partner.)
  const { handler, interchanges, fileProblems } = interchangeScan(bytes);
  // Each document is serialised as soon as it is mapped: a file's worth of document objects kept to the
  // end outlived the young generation (strings are cheap to keep, object graphs are not).
  const documents: AnalysedDocument[] = [];
  const translated = await translate(bytes, { registry, onDocument: (doc) => documents.push(ledgerForm(doc)), also: handler });
  if (interchanges.length === 0) return { interchanges: [], fileProblems, documents: [], errors: [] };
  const analysed: AnalysedInterchange[] = [];
  for (const ic of interchanges) {
    const routed = registry.route(ic.header, ic.group);
    if (routed.kind !== 'partner' || routed.direction !== 'inbound') {
      analysed.push(ic);
      continue;
    }
    analysed.push({ ...ic, collected: await collectFor(routed.partner, bytes.subarray(ic.start, ic.end)), collectedFor: routed.partner.id });
  }
  const out: MessageAnalysis = { interchanges: analysed, fileProblems, documents, errors: translated.errors };
  if (translated.warnings) out.warnings = translated.warnings;
  return out;
}

/** The in-thread analysis, with an already loaded registry. */
export function analyseWith(registry: PartnerRegistry): Analyse {
  return (bytes) => analyseMessage(bytes, registry);
}
