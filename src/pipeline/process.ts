/**
 * The processing stop: one stored inbound message → its interchanges routed to partners, checked for
 * re-delivery and test traffic, its transactions translated into canonical documents, validated, and the
 * acknowledgments the partners' policies ask for. The result is a `ProcessedMessage` that the ledger
 * writes in one transaction, so a crash before the commit leaves the message simply `received`.
 */
import { acknowledgeCollected, ackBytes, InMemoryControlNumbers, type AckFinding, type TransactionAckVerdict } from '../edi/ack';
import type { GroupHeader, InterchangeHeader } from '../edi/common/events';
import { makeIssue, type IssueCode } from '../edi/common/issues';
import { readAcks } from '../edi/ack-read';
import type { MappingError } from '../mapping/engine';
import type { Partner, PartnerRegistry } from '../partners/registry';
import type { Ledger, NewDocument, NewEvent, NewOutboundMessage, ProcessedMessage, MessageRow } from '../store';
import { sha256 } from '../store';
import { orderResponseSettlements, settle } from './acks';
import { ackRequest, analyseWith, collectFor, partnerAckPolicy, type Analyse, type AnalysedDocument } from './analyse';

export interface ProcessDeps {
  ledger: Ledger;
  registry: PartnerRegistry;
  now?: () => number;
  /** How files are scanned, checked and translated (default: in this thread with `registry`; the gateway may use worker threads). */
  analyse?: Analyse;
}


/** Messages that acknowledge what we sent: settled against expected acks, never posted or acked. */
const ACK_TYPES = new Set(['997', '999', 'CONTRL', 'APERAK']);



/** "PO103" → 3; "NAD02-01" → 2 and component 1. */
function elementPosition(element: string | undefined): { element?: number; component?: number } {
  const m = element ? /^[A-Z0-9]{2,3}?(\d{2})(?:-(\d{1,2}))?$/.exec(element) : null;
  if (!m) return {};
  return m[2] ? { element: Number(m[1]), component: Number(m[2]) } : { element: Number(m[1]) };
}

/** A mapping failure as an ack finding, so the partner's 997/999/CONTRL rejects that transaction. */
function mappingFinding(e: MappingError): AckFinding {
  const at = elementPosition(e.element);
  let code: IssueCode;
  // No mapping at all for it (not exchanged with the partner, no mapping file, no definition): the set is not supported (AK5 1, UCM 14).
  if (!e.segment && (e.rule === 'routing' || e.rule === 'mapping' || e.rule === 'definition')) code = 'transaction.not_supported';
  else if (e.segment && at.element !== undefined) code = e.value === undefined || e.value === '' ? 'element.mandatory_missing' : 'element.invalid_code';
  else if (e.segment) code = 'segment.has_element_errors';
  else code = 'segment.mandatory_missing';
  const i = makeIssue(code, { segmentId: e.segment?.tag, segmentIndex: e.segment?.position, element: at.element, component: at.component }, e.message, e.value);
  return { code: i.code, level: i.level, ack: i.ack, message: i.message, segmentIndex: i.segmentIndex, segmentId: i.segmentId, element: i.element, component: i.component, value: i.value };
}

/** A readable reason naming partner, file, interchange, transaction, segment position and element. */
export function describeMappingError(e: MappingError, partner: string, file: string): string {
  const where = [
    `partner ${partner}`,
    `file ${file}`,
    e.interchangeControlNumber ? `interchange ${e.interchangeControlNumber}` : undefined,
    e.controlNumber ? `transaction ${e.controlNumber}${e.messageType ? ` (${e.messageType})` : ''}` : undefined,
    e.segment ? `segment ${e.segment.tag} at position ${e.segment.position}` : undefined,
    e.element ? `element ${e.element}` : undefined,
  ].filter(Boolean);
  // The engine's message starts with the element and segment for readers that have no `where`; here it would say them twice.
  const said = e.element && e.segment ? `${e.element} at segment ${e.segment.position}: ` : '';
  const message = said && e.message.startsWith(said) ? e.message.slice(said.length) : e.message;
  return `${where.join(', ')}: ${message}${e.mappingFile ? ` [${e.mappingFile}]` : ''}`;
}

/**
 * A transaction of the file: control numbers are unique only within their group (X12 ST02) or interchange,
 * and two interchanges of one file may share theirs, so the key is the interchange's ordinal, the group's
 * control number and the transaction's.
 */
function txKey(interchangeIndex: number | undefined, group: string | null | undefined, controlNumber: string): string {
  return `${interchangeIndex ?? -1}\u0000${group?.trim() ?? ''}\u0000${controlNumber.trim()}`;
}

type InterchangeFate =
  | { kind: 'new' }
  | { kind: 'redelivery'; firstMessageId: number }
  | { kind: 'hold'; reason: string };

/**
 * Process one stored inbound message. `replay` re-runs a message whose documents are being replayed by a
 * person: re-delivery and duplicate-document checks are skipped (the person decided), the test-indicator
 * check is not, and no acks are generated again. `bytes`: the stored bytes, when the caller has read them already.
 */
export async function processMessage(msg: MessageRow, deps: ProcessDeps, options: { replay?: boolean; bytes?: Buffer } = {}): Promise<ProcessedMessage> {
  const { ledger, registry } = deps;
  const now = deps.now ?? Date.now;
  const bytes = options.bytes ?? ledger.bytes(msg.id);
  const file = msg.source;
  const result: ProcessedMessage = { messageId: msg.id, state: 'processed', interchanges: [], documents: [], outbound: [], events: [] };
  const event = (kind: string, detail?: unknown): void => {
    const e: NewEvent = { correlationId: msg.correlationId, messageId: msg.id, kind };
    if (detail !== undefined) e.detail = detail;
    result.events.push(e);
  };

  const analysis = await (deps.analyse ?? analyseWith(registry))(bytes);
  const { interchanges, fileProblems } = analysis;
  if (interchanges.length === 0) {
    result.state = 'failed';
    result.reason = `${msg.channel} file ${file}: no interchange found: ${fileProblems.join('; ') || 'the file holds no ISA or UNB'}`;
    event('message.failed', { reason: result.reason });
    return result;
  }

  const docsByTx = new Map<string, AnalysedDocument>();
  for (const d of analysis.documents) docsByTx.set(txKey(d.interchangeIndex, d.groupControlNumber, d.controlNumber), d);
  const errorsByTx = new Map<string, MappingError[]>();
  for (const e of analysis.errors) {
    const key = txKey(e.interchangeIndex, e.groupControlNumber, e.controlNumber ?? '');
    errorsByTx.set(key, [...(errorsByTx.get(key) ?? []), e]);
  }

  // Values a mapping took the first of and left the rest (e.g. several ACKs on one 855 line): kept in the history.
  for (const w of analysis.warnings ?? []) event('mapping.warning', { interchange: w.interchangeControlNumber, transaction: w.controlNumber, message: describeMappingError(w, w.partner ?? '?', file) });
  const problems: string[] = [];
  let seq = 0;
  let held = false;
  let redeliveries = 0;
  /** Interchanges met earlier in this file, by partner and control number: the ledger knows them only after the commit. */
  const inFile = new Map<string, string>();
  for (const ic of interchanges) {
    const h = ic.header;
    const cn = h.controlNumber.trim();
    const routed = registry.route(h, ic.group);
    if (routed.kind === 'unknown') {
      problems.push(`interchange ${cn}: ${routed.message}`);
      continue;
    }
    if (routed.direction === 'outbound') {
      problems.push(`interchange ${cn} is addressed to partner ${routed.partner.id} by us: it is one of ours, not an inbound interchange`);
      continue;
    }
    const partner = routed.partner;
    result.partnerId ??= partner.id;
    const slice = bytes.subarray(ic.start, ic.end);
    // A file holding one interchange and nothing else (the usual case) has its hash in the ledger already.
    const hash = ic.start === 0 && ic.end === bytes.length ? msg.sha256 : sha256(slice);

    let fate: InterchangeFate = { kind: 'new' };
    const earlier = options.replay ? undefined : inFile.get(`${partner.id}\u0000${cn}`);
    if (!options.replay && earlier === undefined) inFile.set(`${partner.id}\u0000${cn}`, hash);
    if (msg.partnerId && msg.partnerId !== partner.id) {
      fate = { kind: 'hold', reason: `arrived on partner ${msg.partnerId}'s channel but its envelope names partner ${partner.id}` };
    } else if (!options.replay) {
      const seen = ledger.interchangeSightings(partner.id, cn, partner.duplicates.window);
      const same = seen.find((s) => s.sha256 === hash);
      if (same) fate = { kind: 'redelivery', firstMessageId: same.messageId };
      else if (earlier === hash) fate = { kind: 'redelivery', firstMessageId: msg.id };
      else if (earlier !== undefined) fate = { kind: 'hold', reason: `interchange control number ${cn} is in this file twice with other content: held for a person to decide` };
      else if (seen.length > 0) fate = { kind: 'hold', reason: `interchange control number ${cn} was received before (message ${seen[0].messageId}) with other content: held for a person to decide` };
    }
    const testMismatch = (partner.mode === 'test') !== h.test;
    if (fate.kind === 'new' && testMismatch) {
      fate = { kind: 'hold', reason: `${h.test ? 'test' : 'production'} interchange (${h.standard === 'x12' ? 'ISA15' : 'UNB 0035'}) from partner ${partner.id}, which is in ${partner.mode} mode: parked, never posted` };
    }
    if (!options.replay) {
      // Gaps in a partner's interchange numbers mean something it sent never arrived (or came by another way).
      const last = /^\d+$/.test(cn) && fate.kind === 'new' ? ledger.lastInterchangeNumber(partner.id) : undefined;
      const n = Number(cn);
      if (last !== undefined && n > last + 1) event('interchange.gap', { partner: partner.id, after: last, received: n, missing: n - last - 1 });
      else if (last !== undefined && n < last) event('interchange.out_of_order', { partner: partner.id, highest: last, received: n });
      result.interchanges.push({ partnerId: partner.id, controlNumber: cn, sha256: hash, test: h.test });
    }

    const ackTypes = [...ic.types].filter((t) => ACK_TYPES.has(t));
    const ackOnly = (ackTypes.length > 0 || ic.ta1) && ackTypes.length === ic.types.size;
    if ((ackTypes.length > 0 || ic.ta1) && fate.kind === 'new' && !options.replay) {
      const read = await readAcks(slice);
      const { settlements, unmatched } = settle(ledger, partner.id, read.acks);
      result.ackSettlements = [...(result.ackSettlements ?? []), ...settlements];
      event('acks.received', { interchange: cn, partner: partner.id, acks: read.acks.map((a) => `${a.type} ${a.status}`), settled: settlements.length, unmatched, problems: read.problems.slice(0, 10) });
    }
    // Acks are never acknowledged, not even one received twice: it settled what it could the first time.
    if (ackOnly) {
      if (fate.kind === 'redelivery') {
        redeliveries++;
        event('interchange.redelivery', { interchange: cn, partner: partner.id, firstMessageId: fate.firstMessageId });
      } else if (fate.kind === 'hold') {
        held = true;
        event('interchange.held', { interchange: cn, partner: partner.id, reason: fate.reason });
      }
      continue;
    }

    // Acks: what the partner's policy asks for, computed on this interchange's bytes.
    const request = ackRequest(partner, h.standard);
    const findings = (_header: InterchangeHeader, tx: { controlNumber: string }, group?: GroupHeader): AckFinding[] =>
      // A routing error of a routed transaction is its type not being exchanged with the partner: a finding like a mapping failure (D12).
      (errorsByTx.get(txKey(ic.header.index, group?.controlNumber, tx.controlNumber)) ?? []).filter((e) => e.rule !== 'edi' && (e.rule !== 'routing' || e.partner !== undefined)).map(mappingFinding);
    // The checks made with this partner's options, where the analysis made them (else here).
    const collected = ic.collectedFor === partner.id && ic.collected ? ic.collected : await collectFor(partner, slice);
    const acked = acknowledgeCollected(collected, {
      type: request ?? 'auto',
      // A replay only needs the verdicts: its acks are not sent, so they must not use up our control numbers.
      controlNumbers: options.replay ? new InMemoryControlNumbers() : ledger.provisionalControlNumbers(),
      partnerKey: `${partner.id}:${h.standard}`,
      now: new Date(now()),
      policy: { ...partnerAckPolicy(partner), isDuplicate: () => fate.kind === 'hold' && fate.reason.startsWith('interchange control number') },
      transactionFindings: findings,
    });
    if (request && !options.replay) {
      for (const a of acked.acks) {
        if (!partner.acknowledgments.send.includes(a.type) && !(a.type === 'TA1' && a.status === 'rejected')) continue;
        const out: NewOutboundMessage = {
          partnerId: partner.id,
          channel: partner.channels.outbound?.type ?? 'dir',
          name: `${a.type}-${a.controlNumber}`,
          bytes: ackBytes(a),
          correlationId: msg.correlationId,
          messageType: a.type,
          causeMessageId: msg.id,
          interchangeControlNumber: a.controlNumber,
        };
        result.outbound.push(out);
        event('ack.generated', { type: a.type, status: a.status, answers: cn, controlNumber: a.controlNumber });
      }
    }

    if (fate.kind === 'redelivery') {
      redeliveries++;
      event('interchange.redelivery', { interchange: cn, partner: partner.id, firstMessageId: fate.firstMessageId });
      continue;
    }
    if (fate.kind === 'hold') {
      held = true;
      event('interchange.held', { interchange: cn, partner: partner.id, reason: fate.reason });
    }
    // The duplicate lookups of an interchange's documents share one read of the ledger (one lock, not one each).
    seq = ledger.readTogether(() => {
      let next = seq;
      for (const v of acked.verdicts) if (!ACK_TYPES.has(v.id)) next = addDocument(result, v, ic.header.index, partner, fate, docsByTx, errorsByTx, ledger, file, next, options.replay === true);
      return next;
    });
  }

  // What the file holds, for the lists a person reads ("850", "850,997"); each document keeps its own type.
  const types = [...new Set(interchanges.flatMap((ic) => [...ic.types]))];
  if (types.length > 0) result.messageType = types.join(',');
  const routable = result.interchanges.length + (options.replay ? interchanges.length : 0);
  if (problems.length > 0) {
    event('message.problems', { problems });
    result.reason = problems.join('; ');
  }
  if (routable === 0 && problems.length > 0) result.state = 'failed';
  else if (held) result.state = 'held';
  else if (redeliveries > 0 && redeliveries === interchanges.length) {
    result.state = 'duplicate';
    result.reason = 'a re-delivery of interchanges already received: acknowledged again, nothing posted';
  }
  return result;
}

function addDocument(
  result: ProcessedMessage,
  v: TransactionAckVerdict,
  interchangeIndex: number,
  partner: Partner,
  fate: InterchangeFate,
  docsByTx: Map<string, AnalysedDocument>,
  errorsByTx: Map<string, MappingError[]>,
  ledger: Ledger,
  file: string,
  seq: number,
  replaying: boolean,
): number {
  const key = txKey(interchangeIndex, v.group, v.controlNumber);
  const doc = docsByTx.get(key);
  const errors = (errorsByTx.get(key) ?? []).filter((e) => e.rule !== 'edi');
  const entry: NewDocument = {
    seq,
    partnerId: partner.id,
    type: doc?.type ?? partner.documents.find((d) => d.messageType === v.id)?.type ?? null,
    messageType: v.id,
    interchangeControlNumber: v.interchange.trim(),
    groupControlNumber: v.group?.trim() ?? null,
    controlNumber: v.controlNumber.trim(),
    businessKey: doc?.businessKey ?? null,
    orderKey: doc?.orderKey ?? null,
    state: 'mapped',
  };
  if (doc) entry.canonical = doc.json;
  const where = `partner ${partner.id}, file ${file}, interchange ${v.interchange.trim()}, transaction ${v.controlNumber.trim()} (${v.id})`;
  if (fate.kind === 'hold') {
    entry.state = 'held';
    entry.reason = `${where}: ${fate.reason}`;
  } else if (errors.length > 0) {
    entry.state = 'dead';
    entry.errorKind = 'business';
    entry.reason = errors.map((e) => describeMappingError(e, partner.id, file)).join('; ');
  } else if (!v.accepted) {
    entry.state = 'dead';
    entry.errorKind = 'business';
    entry.reason = `partner ${partner.id}, file ${file}, interchange ${v.interchange}, transaction ${v.controlNumber} (${v.id}): rejected in the acknowledgment: ${v.reason ?? 'errors'}`;
  } else if (!doc) {
    entry.state = 'dead';
    entry.errorKind = 'business';
    entry.reason = `partner ${partner.id}, file ${file}: transaction ${v.controlNumber} (${v.id}) produced no document`;
  } else if (entry.businessKey && entry.type && !replaying) {
    // A twin earlier in this file is not in the ledger yet: the documents of this message are looked at first.
    const sibling = result.documents.find((d) => d.partnerId === partner.id && d.type === entry.type && d.businessKey === entry.businessKey && d.state !== 'dead');
    const twin = sibling ? `transaction ${sibling.controlNumber ?? '?'} of interchange ${sibling.interchangeControlNumber ?? '?'}, earlier in this file` : ledger.businessTwin(partner.id, entry.type, entry.businessKey, result.messageId);
    if (twin) {
      const policy = partner.duplicates.businessDocument;
      const why = `${where}: ${entry.type} ${entry.businessKey} was already received from partner ${partner.id} (${typeof twin === 'string' ? twin : `document ${twin.id}`})`;
      if (policy === 'ignore') {
        entry.state = 'ignored';
        entry.reason = `${why}: ignored by the partner's duplicate policy`;
      } else if (policy === 'hold') {
        entry.state = 'held';
        entry.reason = `${why}: held for a person by the partner's duplicate policy (replay it to post it)`;
      }
    }
  }
  // A supplier's answer to an order we sent settles the answer owed for it, in the same write as the document.
  if (entry.state === 'mapped' && entry.type === 'order_response' && entry.canonical) {
    const settled = orderResponseSettlements(ledger, partner.id, entry.canonical);
    if (settled.length > 0) result.ackSettlements = [...(result.ackSettlements ?? []), ...settled];
  }
  result.documents.push(entry);
  return seq + 1;
}
