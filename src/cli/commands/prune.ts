/**
 * `edi-gateway prune [--older-than 90d] [--dry-run] [--vacuum] [--config F] [--json]`: the payload
 * retention policy applied once, on a ledger no gateway holds (a running gateway applies
 * `retention.payloads` by itself); `--vacuum` then gives the freed pages back to the file system.
 */
import { parseArgs } from 'node:util';
import { loadGatewayConfig, PayloadRetentionSchema } from '../../config/gateway';
import { prunePayloads, type PruneResult } from '../../store';
import { CliUsageError, writeOut, type CliIo } from '../io';
import { withLedger } from '../ledger-access';

const MB = 1024 * 1024;

/** `edi-gateway prune`. */
export async function pruneCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, 'older-than': { type: 'string' }, 'dry-run': { type: 'boolean' }, vacuum: { type: 'boolean' }, json: { type: 'boolean' } } });
  const config = loadGatewayConfig(values.config);
  let keepMs = config.retention.payloads;
  if (values['older-than'] !== undefined) {
    const parsed = PayloadRetentionSchema.safeParse(values['older-than']);
    if (!parsed.success) throw new CliUsageError(`--older-than: ${parsed.error.issues[0]?.message ?? 'not a duration'}`);
    keepMs = parsed.data;
  }
  if (keepMs === undefined) throw new CliUsageError('give --older-than (e.g. 90d), or set retention.payloads in gateway.yaml');
  const dry = values['dry-run'] === true;
  const vacuum = values.vacuum === true && !dry;
  const keep = keepMs;
  const r = await withLedger<PruneResult & { file?: { before: number; after: number } }>(
    config,
    async (ledger) => {
      const pruned = await prunePayloads(ledger, keep, { dry });
      return vacuum ? { ...pruned, file: ledger.vacuum() } : pruned;
    },
    () => Promise.reject(new CliUsageError('a running gateway holds the ledger; it applies retention.payloads from gateway.yaml by itself, every hour')),
  );
  const what = `${r.messages} messages and ${r.documents} documents, ${(r.bytes / MB).toFixed(1)} MB of payload`;
  const file = r.file ? `; the ledger file went from ${(r.file.before / MB).toFixed(1)} to ${(r.file.after / MB).toFixed(1)} MB\n` : '\n';
  await writeOut(io.stdout, values.json === true ? JSON.stringify({ ...r, dryRun: dry }) + '\n' : dry ? `would remove the payloads of ${what}\n` : `removed the payloads of ${what}${file}`);
  return 0;
}
