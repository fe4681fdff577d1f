/**
 * `edi-gateway not-sent [--partner ID] [--json]`: the records of Odoo (purchase orders, order responses,
 * deliveries, invoices) that could not be sent to a partner, with why; each is tried again at every export
 * run. `edi-gateway not-sent dismiss ID --reason TEXT`: one that is not to be sent, never tried again.
 */
import { parseArgs } from 'node:util';
import type { ExportFailureRow } from '../../store';
import { CliUsageError, writeOut, type CliIo } from '../io';
import { cliOperator, commandConfig, viaApi, withLedger } from '../ledger-access';

function row(f: ExportFailureRow): string {
  return `${String(f.id).padStart(5)}  ${f.partnerId.padEnd(18)} ${`${f.source.replace(/^odoo:/, '')} ${f.name}`.padEnd(34)} ${String(f.attempts).padStart(8)}  ${new Date(f.lastAt).toISOString()}  ${f.reason}`;
}

export async function notSentCommand(args: string[], io: CliIo): Promise<number> {
  if (args[0] === 'dismiss') return dismiss(args.slice(1), io);
  const { config, json, partner, rest } = commandConfig(args);
  if (rest.length > 0) throw new CliUsageError('usage: edi-gateway not-sent [--partner ID] [--json] | not-sent dismiss ID --reason TEXT');
  const list = await withLedger(
    config,
    (l) => l.exportFailures(partner ? { partnerId: partner } : {}),
    async () => (await viaApi<{ failures: ExportFailureRow[] }>(config, 'GET', `/api/exports${partner ? `?partner=${encodeURIComponent(partner)}` : ''}`)).failures,
  );
  if (json) await writeOut(io.stdout, JSON.stringify(list, null, 2) + '\n');
  else await writeOut(io.stdout, list.length === 0 ? 'every record of Odoo due to a partner was sent\n' : `${'id'.padStart(5)}  ${'partner'.padEnd(18)} ${'in Odoo'.padEnd(34)} attempts  last tried                 reason\n${list.map(row).join('\n')}\n`);
  return 0;
}

async function dismiss(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { reason: { type: 'string' }, config: { type: 'string' } } });
  const reason = values.reason?.trim();
  if (positionals.length !== 1 || !/^\d{1,12}$/.test(positionals[0]!) || !reason) throw new CliUsageError('usage: edi-gateway not-sent dismiss ID --reason TEXT [--config gateway.yaml]');
  const id = Number(positionals[0]);
  const { config } = commandConfig(values.config ? ['--config', values.config] : []);
  const row = await withLedger(
    config,
    (l) => l.dismissExport(id, reason, cliOperator()),
    async () => (await viaApi<{ dismissed: ExportFailureRow }>(config, 'POST', '/api/exports/dismiss', { id, reason })).dismissed,
  );
  if (!row) throw new CliUsageError(`no record ${id} waiting to be sent (see edi-gateway not-sent)`);
  await writeOut(io.stdout, `${row.source.replace(/^odoo:/, '')} ${row.name} for ${row.partnerId} dismissed: it will not be sent\n`);
  return 0;
}
