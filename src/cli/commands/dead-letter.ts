/**
 * `edi-gateway replay ID` and `edi-gateway dead-letter list|show|replay|discard`: the person's side of
 * the dead-letter queue. When the gateway is running it owns the ledger, so these go through its API
 * (token from gateway.yaml or data/api-token); when it is not, they open the ledger themselves and the
 * next `start` posts what was replayed.
 */
import { partnerLoadOptions, type GatewayConfig } from '../../config/gateway';
import { loadPartners } from '../../partners';
import { discard, replay, ReplayError, type ReplayResult } from '../../pipeline/replay';
import { DEAD_LETTER_STATES, type DocumentRow, type EventRow } from '../../store';
import { CliUsageError, writeOut, type CliIo } from '../io';
import { cliOperator, commandConfig as config, viaApi, withLedger } from '../ledger-access';

type Target = { documentId?: number; messageId?: number };

/** "42" or "d42" = document 42; "m7" = message 7. */
function parseTarget(s: string | undefined): Target {
  const m = s ? /^([dm]?)(\d{1,12})$/.exec(s) : null;
  if (!m) throw new CliUsageError('give a document id (42 or d42) or a message id (m7)');
  return m[1] === 'm' ? { messageId: Number(m[2]) } : { documentId: Number(m[2]) };
}

function line(d: DocumentRow): string {
  return `${String(d.id).padStart(6)}  ${d.state.padEnd(8)} ${(d.partnerId ?? '-').padEnd(18)} ${(d.messageType ?? '-').padEnd(7)} ${(d.businessKey ?? '-').padEnd(16)} ${d.reason ?? ''}`;
}

function replayText(r: ReplayResult): string {
  const out = r.replaced.map((x) => `document ${x.from || '(new)'} → ${x.to}: ${x.state}${x.reason ? ` (${x.reason})` : ''}`);
  return [...out, ...r.notes].join('\n') + '\n';
}

async function doReplay(c: GatewayConfig, target: Target): Promise<ReplayResult> {
  return withLedger(
    c,
    async (ledger) => {
      try {
        return await replay(ledger, loadPartners(c.partners, partnerLoadOptions(c)), target, Date.now, cliOperator());
      } catch (err) {
        if (err instanceof ReplayError) throw new CliUsageError(err.message);
        throw err;
      }
    },
    () => viaApi<ReplayResult>(c, 'POST', '/api/replay', target),
  );
}

/** `edi-gateway replay ID`. */
export async function replayCommand(args: string[], io: CliIo): Promise<number> {
  const { config: c, rest, json } = config(args);
  const r = await doReplay(c, parseTarget(rest[0]));
  await writeOut(io.stdout, json ? JSON.stringify(r, null, 2) + '\n' : replayText(r));
  return 0;
}

/** `edi-gateway dead-letter list|show|replay|discard`. */
export async function deadLetterCommand(args: string[], io: CliIo): Promise<number> {
  const { config: c, rest, json } = config(args);
  const [verb, id] = rest;
  switch (verb) {
    case 'list': {
      const docs = await withLedger(
        c,
        (l) => l.documentsIn(DEAD_LETTER_STATES, 200),
        async () => (await viaApi<{ documents: DocumentRow[] }>(c, 'GET', '/api/documents?limit=200')).documents,
      );
      await writeOut(io.stdout, json ? JSON.stringify(docs, null, 2) + '\n' : docs.length === 0 ? 'the dead-letter queue is empty\n' : `${'id'.padStart(6)}  state    partner            type    key              reason\n${docs.map(line).join('\n')}\n`);
      return 0;
    }
    case 'show': {
      const t = parseTarget(id);
      if (t.documentId === undefined) throw new CliUsageError('show takes a document id');
      const found = await withLedger(
        c,
        (l) => {
          const document = l.document(t.documentId as number);
          return document ? { document, events: l.eventsOfDocument(document.id) } : undefined;
        },
        () => viaApi<{ document: DocumentRow; events: EventRow[] }>(c, 'GET', `/api/documents/${t.documentId}`),
      );
      if (!found) throw new CliUsageError(`no document ${t.documentId}`);
      if (json) await writeOut(io.stdout, JSON.stringify(found, null, 2) + '\n');
      else {
        const d = found.document;
        const events = found.events.map((e) => `  ${new Date(e.at).toISOString()}  ${e.kind}${e.detail ? `  ${e.detail}` : ''}`);
        await writeOut(io.stdout, `${line(d)}\n  message ${d.messageId}, interchange ${d.interchangeControlNumber}, transaction ${d.controlNumber}, attempts ${d.attempts}, correlation ${d.correlationId}\n${events.join('\n')}\n`);
      }
      return 0;
    }
    case 'replay': {
      const r = await doReplay(c, parseTarget(id));
      await writeOut(io.stdout, json ? JSON.stringify(r, null, 2) + '\n' : replayText(r));
      return 0;
    }
    case 'discard': {
      const t = parseTarget(id);
      if (t.documentId === undefined) throw new CliUsageError('discard takes a document id');
      const documentId = t.documentId;
      await withLedger(
        c,
        (l) => {
          try {
            discard(l, documentId, undefined, cliOperator());
          } catch (err) {
            if (err instanceof ReplayError) throw new CliUsageError(err.message);
            throw err;
          }
        },
        async () => {
          await viaApi(c, 'POST', '/api/discard', { documentId });
        },
      );
      await writeOut(io.stdout, `document ${documentId} discarded\n`);
      return 0;
    }
    default:
      throw new CliUsageError('usage: edi-gateway dead-letter list|show ID|replay ID|discard ID [--config gateway.yaml] [--json]');
  }
}
