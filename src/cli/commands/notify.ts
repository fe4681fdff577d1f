/**
 * `edi-gateway notify [--dry-run]`: the digest mail of gateway.yaml's `notify` section, now: what went
 * overdue, needs a person or was not sent since the last digest. --dry-run prints it and sends nothing
 * (the next digest still has its items).
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadGatewayConfig, partnerLoadOptions, readSecret } from '../../config/gateway';
import { digestDashboardUrl, sendDigest, smtpDigestMailer } from '../../notify/send';
import { loadPartners } from '../../partners';
import { CliUsageError, writeOut, type CliIo } from '../io';
import { withLedger } from '../ledger-access';

/** `edi-gateway notify --config F [--dry-run]`. */
export async function notifyCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { config: { type: 'string' }, 'dry-run': { type: 'boolean' } } });
  if (positionals.length > 0) throw new CliUsageError('usage: edi-gateway notify --config gateway.yaml [--dry-run]');
  const config = loadGatewayConfig(values.config);
  const notify = config.notify;
  if (!notify) throw new CliUsageError('gateway.yaml has no notify section (to, from, smtp): see README');
  const registry = loadPartners(config.partners, partnerLoadOptions(config));
  // The HTTP server's address as configured; the CLI does not know whether it is up, but the gateway's is what a reader opens.
  const serverUrl = `${config.http.tls ? 'https' : 'http'}://${config.http.host}:${config.http.port}`;
  const dryRun = values['dry-run'] === true;
  const outcome = await withLedger(
    config,
    (ledger) =>
      sendDigest({
        ledger,
        mailer: smtpDigestMailer(notify, (ref, what) => readSecret(ref, what)),
        rows: notify.rows,
        view: { partnerName: (id) => registry.get(id)?.name, dashboardUrl: digestDashboardUrl(notify, serverUrl) },
        logger: pino({ level: 'silent' }),
        dryRun,
      }),
    // The running gateway sends the digest on its own schedule; there is no second sender beside it.
    () => Promise.reject(new CliUsageError(`the gateway is running and holds the ledger: it sends the digest every ${notify.every / 60_000} min itself`)),
  );
  if (!outcome.mail) {
    await writeOut(io.stdout, 'nothing new since the last digest: no mail\n');
    return 0;
  }
  if (dryRun) {
    await writeOut(io.stdout, `Subject: ${outcome.mail.subject}\nTo: ${notify.to.join(', ')}\n\n${outcome.mail.text}`);
    return 0;
  }
  if (!outcome.sent) {
    io.stderr.write(`edi-gateway notify: the digest could not be sent (${outcome.error ?? 'unknown error'}); its ${outcome.digest.total} items come in the next one\n`);
    return 1;
  }
  await writeOut(io.stdout, `digest of ${outcome.digest.total} items sent to ${notify.to.join(', ')}\n`);
  return 0;
}
