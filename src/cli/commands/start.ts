/**
 * `edi-gateway start [--config gateway.yaml]`: the service. Runs every partner's channels, the
 * pipelines and the HTTP server until SIGTERM/SIGINT, then stops taking work, lets what is in flight
 * finish (or leaves it in the ledger for the next start) and closes the ledger.
 */
import { parseArgs } from 'node:util';
import { GatewayConfigError, loadGatewayConfig } from '../../config/gateway';
import { PartnerConfigErrors } from '../../partners';
import { LedgerError } from '../../store';
import { CliUsageError, writeOut, type CliIo } from '../io';
import { startService, type ServiceHandle, type ServiceOptions } from '../service';

/**
 * Start the service and resolve once it has stopped on a signal (exit code 0), or failed to start (2).
 * The signal handlers come first: a SIGTERM while the service is still starting (a supervisor stopping it
 * early) stops it as soon as it has started, instead of killing it half-way.
 */
export async function runUntilSignal(options: ServiceOptions, io: CliIo, banner: (s: ServiceHandle) => string | Promise<string>): Promise<number> {
  let received: string | undefined;
  let wake: (() => void) | undefined;
  const on = (signal: string) => () => {
    received ??= signal;
    wake?.();
  };
  const onTerm = on('SIGTERM');
  const onInt = on('SIGINT');
  // Once each: a second signal of the same kind ends the process the hard way, as a stuck stop should.
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  try {
    let service: ServiceHandle;
    try {
      service = await startService(options);
    } catch (err) {
      if (err instanceof GatewayConfigError || err instanceof PartnerConfigErrors || err instanceof LedgerError) throw new CliUsageError(err.message);
      throw err;
    }
    if (received === undefined) await writeOut(io.stdout, await banner(service));
    await new Promise<void>((resolve) => {
      wake = resolve;
      if (received !== undefined) resolve();
    });
    service.logger.info({ signal: received }, 'stopping: no new work; in-flight work finishes or resumes on the next start');
    await service.stop();
    await writeOut(io.stdout, 'edi-gateway: stopped\n');
    return 0;
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
  }
}

/** What the service runs, for the first lines on the terminal. */
export function describeService(s: ServiceHandle): string {
  const lines = [`edi-gateway: running (ledger ${s.ledger ? 'SQLite' : '?'}, ${s.registry.size} partners)`];
  if (s.http) {
    lines.push(`  dashboard ${s.http.url}/dashboard   (sign in with the API token: ${s.tokenSource ?? 'http.token'})`);
    lines.push(`  health   ${s.http.url}/healthz   readiness ${s.http.url}/readyz   metrics ${s.http.url}/metrics`);
  }
  if (s.odooUrl) lines.push(`  odoo     ${s.odooUrl}${s.sandbox ? '  (the Odoo sandbox, in memory: stops with the gateway)' : ''}`);
  for (const f of s.gateway.inboundChannels) lines.push(`  inbound  ${f.partner.padEnd(18)} ${f.label}`);
  return lines.join('\n') + '\n';
}

export async function startCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, sandbox: { type: 'boolean' } } });
  const config = (() => {
    try {
      return loadGatewayConfig(values.config);
    } catch (err) {
      if (err instanceof GatewayConfigError) throw new CliUsageError(err.message);
      throw err;
    }
  })();
  if (!config.odoo && !values.sandbox) {
    throw new CliUsageError('no Odoo configured: add odoo {url, db, login, apiKey: {env: ODOO_API_KEY}} to gateway.yaml (--config), or pass --sandbox to run against the Odoo sandbox');
  }
  return runUntilSignal({ config, ...(values.sandbox ? { sandbox: {} } : {}) }, io, describeService);
}
