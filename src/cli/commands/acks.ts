/**
 * `edi-gateway acks [--state sent|acknowledged|accepted_with_errors|rejected|overdue] [--partner ID]`:
 * what each partner has acknowledged of what we sent, and what is overdue. `edi-gateway send FILE
 * --partner ID` queues one of our interchanges for a partner (its acks are then expected);
 * `edi-gateway resend MESSAGE-ID` queues one we sent again, byte for byte, when its ack is overdue.
 */
import { readFileSync } from 'node:fs';
import { partnerLoadOptions, type GatewayConfig } from '../../config/gateway';
import { loadPartners } from '../../partners';
import { awaitedLabel, queueOutbound } from '../../pipeline/acks';
import { ReplayError } from '../../pipeline/replay';
import { resend } from '../../pipeline/resend';
import { EXPECTED_ACK_STATES, type ExpectedAckRow, type ExpectedAckState } from '../../store';
import { queryString } from '../../server/dashboard/html';
import { CliUsageError, writeOut, type CliIo } from '../io';
import { cliOperator, commandConfig, viaApi, withLedger } from '../ledger-access';
import { randomUUID } from 'node:crypto';

function row(a: ExpectedAckRow): string {
  const ref = [a.interchangeControlNumber, a.groupControlNumber, a.transactionControlNumber].filter(Boolean).join('/');
  const response = a.orderResponse === undefined ? '' : a.orderResponse === null ? '  no order response yet' : `  order response: ${a.orderResponse.status ?? '?'} (document ${a.orderResponse.documentId}, ${a.orderResponse.state})`;
  return `${String(a.messageId).padStart(7)}  ${a.partnerId.padEnd(18)} ${a.messageType.padEnd(8)} ${ref.padEnd(24)} ${awaitedLabel(a).padEnd(6)} ${a.state.padEnd(20)} ${new Date(a.deadline).toISOString()}${response}`;
}

export async function acksCommand(args: string[], io: CliIo): Promise<number> {
  const { config, json, partner, state } = commandConfig(args);
  if (state && !(EXPECTED_ACK_STATES as readonly string[]).includes(state)) throw new CliUsageError(`--state is one of ${EXPECTED_ACK_STATES.join(', ')}`);
  const states = state ? [state as ExpectedAckState] : [];
  // Filtered by the ledger, not here: an overdue ack older than the newest 500 is still listed.
  const list = await withLedger(
    config,
    (l) => l.expectedAcksIn(states, 500, partner || undefined),
    async () => (await viaApi<{ acks: ExpectedAckRow[] }>(config, 'GET', `/api/acks${queryString({ state, partner, limit: 500 })}`)).acks,
  );
  if (json) await writeOut(io.stdout, JSON.stringify(list, null, 2) + '\n');
  else await writeOut(io.stdout, list.length === 0 ? 'no acknowledgments expected\n' : `${'message'.padStart(7)}  ${'partner'.padEnd(18)} ${'type'.padEnd(8)} ${'ours (ICN/GS/ST)'.padEnd(24)} ${'ack'.padEnd(6)} ${'state'.padEnd(20)} deadline\n${list.map(row).join('\n')}\n`);
  return 0;
}

/** Queue a file through the ledger or the running gateway. */
async function queue(config: GatewayConfig, partnerId: string, bytes: Buffer): Promise<number> {
  return withLedger(
    config,
    (l) => {
      const partner = loadPartners(config.partners, partnerLoadOptions(config)).get(partnerId);
      if (!partner) throw new CliUsageError(`no partner ${partnerId}`);
      return queueOutbound(l, partner, bytes, Date.now(), randomUUID(), cliOperator());
    },
    async () => (await viaApi<{ messageId: number }>(config, 'POST', '/api/send', { partner: partnerId, base64: bytes.toString('base64') })).messageId,
  );
}

export async function sendCommand(args: string[], io: CliIo): Promise<number> {
  const { config, rest, partner } = commandConfig(args);
  if (rest.length !== 1 || !partner) throw new CliUsageError('usage: edi-gateway send FILE --partner ID [--config gateway.yaml]');
  let bytes: Buffer;
  try {
    bytes = readFileSync(rest[0]);
  } catch (err) {
    throw new CliUsageError(`cannot read ${rest[0]}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const id = await queue(config, partner, bytes);
  await writeOut(io.stdout, `queued as outbound message ${id} for ${partner}\n`);
  return 0;
}

/** `edi-gateway resend MESSAGE-ID`: refusals (still queued, inbound, pruned …) are usage errors with the reason. */
export async function resendCommand(args: string[], io: CliIo): Promise<number> {
  const { config, rest, json } = commandConfig(args);
  // "m7" as `replay` writes a message id, or the bare number `acks` shows.
  const m = rest.length === 1 ? /^m?(\d{1,12})$/.exec(rest[0]) : null;
  if (!m) throw new CliUsageError('usage: edi-gateway resend MESSAGE-ID [--config gateway.yaml] [--json]');
  const messageId = Number(m[1]);
  const r = await withLedger(
    config,
    (l) => {
      try {
        return resend(l, loadPartners(config.partners, partnerLoadOptions(config)), messageId, Date.now(), cliOperator());
      } catch (err) {
        if (err instanceof ReplayError) throw new CliUsageError(err.message);
        throw err;
      }
    },
    () => viaApi<{ messageId: number; resentFrom: number }>(config, 'POST', '/api/resend', { messageId }),
  );
  await writeOut(io.stdout, json ? JSON.stringify(r, null, 2) + '\n' : `message ${r.resentFrom} queued again as outbound message ${r.messageId} (same bytes and control numbers; its acks are expected afresh)\n`);
  return 0;
}
