/**
 * Replay: run a stored message again from its raw bytes with the current partners and mappings, so the
 * normal recovery from a mapping problem is "fix the mapping, replay". Every attempt stays in the
 * ledger: a replayed document becomes `replaced` and points to its successor, which starts at `mapped`.
 * Documents that reached Odoo (or are on their way) are never replayed; test traffic for a production
 * partner stays held whatever a person asks.
 */
import { clearMappingCache } from '../mapping/mapping-file';
import type { PartnerRegistry } from '../partners/registry';
import { byOperator, DEAD_LETTER_STATES, LedgerError, REPLAYABLE_DOCUMENT_STATES, type DocumentRow, type Ledger, type MessageRow } from '../store';
import { processMessage } from './process';

export interface ReplayResult {
  messageId: number;
  /** Old document id → new document id. */
  replaced: { from: number; to: number; state: string; reason: string | null }[];
  /** Why nothing (more) was replayed. */
  notes: string[];
}

export class ReplayError extends Error {
  constructor(
    message: string,
    /** missing: no such document or message; state: it exists but is not in a state for this. */
    readonly kind: 'missing' | 'state' = 'state',
  ) {
    super(message);
    this.name = 'ReplayError';
  }
}

/** A person (`operator`, named in the history) drops a dead-lettered document: it is never posted, and the history says who decided why. */
export function discard(ledger: Ledger, documentId: number, reason?: string, operator?: string): void {
  const doc = ledger.document(documentId);
  if (!doc) throw new ReplayError(`no document ${documentId}`, 'missing');
  if (!DEAD_LETTER_STATES.includes(doc.state)) throw new ReplayError(`document ${doc.id} is ${doc.state}; only ${DEAD_LETTER_STATES.join(', ')} documents are discarded`);
  const kept = (reason ?? `discarded by ${operator ?? 'a person'}`).slice(0, 500);
  ledger.documentState(doc.id, { state: 'discarded', reason: kept, event: 'document.discarded', detail: { reason: kept, ...byOperator(operator) } });
}

/** A transaction of the message: its control number is unique only within its group (X12 ST02), hence the group's. */
function txKey(d: { interchangeControlNumber: string | null; groupControlNumber: string | null; controlNumber: string | null }): string {
  return `${d.interchangeControlNumber ?? ''}\u0000${d.groupControlNumber ?? ''}\u0000${d.controlNumber ?? ''}`;
}

/** Replay one document (`documentId`) or every replayable document of a message (`messageId`), asked by `operator` (named in the history). */
export async function replay(ledger: Ledger, registry: PartnerRegistry, target: { messageId?: number; documentId?: number }, now: () => number = Date.now, operator?: string): Promise<ReplayResult> {
  let msg: MessageRow | undefined;
  let only: DocumentRow | undefined;
  if (target.documentId !== undefined) {
    only = ledger.document(target.documentId);
    if (!only) throw new ReplayError(`no document ${target.documentId} in the ledger`, 'missing');
    if (!REPLAYABLE_DOCUMENT_STATES.includes(only.state)) throw new ReplayError(`document ${only.id} is ${only.state}: only ${REPLAYABLE_DOCUMENT_STATES.join(', ')} documents are replayed`);
    msg = ledger.message(only.messageId);
  } else if (target.messageId !== undefined) {
    msg = ledger.message(target.messageId);
  }
  if (!msg) throw new ReplayError(`no message ${target.messageId ?? only?.messageId} in the ledger`, 'missing');
  if (msg.direction !== 'inbound') throw new ReplayError(`message ${msg.id} is outbound; re-send it instead`);
  const result: ReplayResult = { messageId: msg.id, replaced: [], notes: [] };

  // A message that never got through processing (unknown partner, unreadable) simply goes round again,
  // acks included: the partner has had none for it.
  if (msg.state === 'failed' || msg.state === 'received') {
    ledger.messageState(msg.id, 'received', undefined, 'message.replay', operator);
    result.notes.push(`message ${msg.id} queued for processing again`);
    return result;
  }

  // The person just fixed a mapping, maybe less than the cache's re-check period ago: read them afresh.
  clearMappingCache();
  const existing = ledger.documentsOfMessage(msg.id).filter((d) => d.state !== 'replaced');
  const byTx = new Map(existing.map((d) => [txKey(d), d]));
  let bytes: Buffer;
  try {
    bytes = ledger.bytes(msg.id);
  } catch (err) {
    // Removed under the retention policy (or lost): say so, as for any other refusal.
    if (err instanceof LedgerError) throw new ReplayError(err.message, 'state');
    throw err;
  }
  const processed = await processMessage(msg, { ledger, registry, now }, { replay: true, bytes });
  const keep = processed.documents.filter((d) => {
    const old = byTx.get(txKey(d));
    if (only && (!old || old.id !== only.id)) return false;
    if (old && !REPLAYABLE_DOCUMENT_STATES.includes(old.state)) {
      result.notes.push(`document ${old.id} (transaction ${old.controlNumber}) is ${old.state}: not replayed`);
      return false;
    }
    return true;
  });
  if (keep.length === 0) {
    result.notes.push(only ? `transaction ${only.controlNumber} of document ${only.id} is no longer in message ${msg.id}` : 'nothing to replay');
    return result;
  }
  const replayOf = new Map<number, number>();
  for (const d of keep) {
    const old = byTx.get(txKey(d));
    if (old) replayOf.set(d.seq, old.id);
  }
  const ids = ledger.commitProcessed(
    { ...processed, state: processed.state === 'failed' ? 'failed' : 'processed', interchanges: [], outbound: [], documents: keep, events: [{ correlationId: msg.correlationId, messageId: msg.id, kind: 'message.replayed', detail: { documents: keep.length, ...byOperator(operator) } }] },
    replayOf,
  );
  keep.forEach((d, i) => result.replaced.push({ from: replayOf.get(d.seq) ?? 0, to: ids[i], state: d.state, reason: d.reason ?? null }));
  return result;
}
