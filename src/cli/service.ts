/**
 * The running gateway: ledger, partners, Odoo (or the sandbox), pipelines, HTTP server, wired from a
 * gateway config. `edi-gateway start` and `edi-gateway demo` both run this; they differ only in where
 * Odoo is and what they print.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { startSmtpListener, type SmtpListenerHandle } from '../channels/email/listener';
import { partnerLoadOptions, readHttpUsers, readSecret, type GatewayConfig } from '../config/gateway';
import { OdooClient } from '../odoo/client';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../odoo/sandbox';
import { loadPartners } from '../partners';
import type { PartnerRegistry } from '../partners/registry';
import { AnalysisPool } from '../pipeline/analysis-pool';
import { Gateway } from '../pipeline/gateway';
import { GatewayMetrics } from '../pipeline/metrics';
import { watchCertificates } from '../pipeline/certificate-expiry';
import { ledgerStatedOrders, odooSink, type DocumentSink } from '../pipeline/sink';
import { startHttpServer, type HttpServerHandle } from '../server';
import { registerApi } from '../server/api';
import { registerDashboard } from '../server/dashboard/routes';
import { registerAs2 } from '../server/as2';
import { registerOdooWebhook } from '../server/odoo-webhook';
import { registerHttpsChannel } from '../server/https-channel';
import type { SecretRef } from '../partners/schema';
import { ledgerRenderer } from '../pipeline/export';
import { exportFromOdoo } from '../pipeline/export-all';
import { recordAsyncMdn } from '../pipeline/mdn';
import { CHECKPOINT_INTERVAL_MS, ledgerFile, prunePayloads, scheduleRetention, SqliteLedger, type RetentionPass } from '../store';
import { pruneArchives } from '../channels/archive-retention';
import { digestDashboardUrl, scheduleDigest, sendDigest, smtpDigestMailer } from '../notify/send';

/** Odoo models whose changes an Odoo automation rule may announce: what the export sends partners. */
const EXPORTED_MODELS = new Set(['purchase.order', 'sale.order', 'stock.picking', 'account.move']);

export interface ServiceOptions {
  config: GatewayConfig;
  /** Run against an Odoo sandbox started here (the demo), instead of config.odoo. */
  sandbox?: SandboxOptions;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Overrides for tests: inbound settle time, folder poll period. */
  settleMs?: number;
  dirPollMs?: number;
  /** A sink other than Odoo (the pipeline benchmark). */
  sink?: DocumentSink;
  /** Start no HTTP server. */
  noHttp?: boolean;
  /** Take a free port when the configured one is in use (the demo). */
  anyPort?: boolean;
}

export interface ServiceHandle {
  gateway: Gateway;
  ledger: SqliteLedger;
  registry: PartnerRegistry;
  http?: HttpServerHandle;
  smtp?: SmtpListenerHandle;
  sandbox?: SandboxHandle;
  odooUrl?: string;
  /** Where the token that signs in to the API and the dashboard comes from (for the first screen; never the token). */
  tokenSource?: string;
  logger: Logger;
  /** Stop intake and stages, close the HTTP server, the sandbox and the ledger. */
  stop(): Promise<void>;
}

/** The retention passes gateway.yaml asks for: payloads in the ledger, day folders of the dir channels' archives. */
function retentionPasses(config: GatewayConfig, registry: PartnerRegistry, ledger: SqliteLedger): RetentionPass[] {
  const passes: RetentionPass[] = [];
  const { payloads, archives } = config.retention;
  if (payloads !== undefined) passes.push({ name: 'payloads', run: (signal) => prunePayloads(ledger, payloads, { signal }) });
  if (archives !== undefined) {
    const folders = registry.partners.flatMap((p) => p.channels.inbound.flatMap((c) => (c.type === 'dir' && c.archive ? [c.archive] : [])));
    passes.push({ name: 'archives', run: () => pruneArchives(folders, Date.now() - archives) });
  }
  return passes;
}

/** Start everything; on failure, what was started is stopped again. */
export async function startService(o: ServiceOptions): Promise<ServiceHandle> {
  const env = o.env ?? process.env;
  const config = o.config;
  const logger = o.logger ?? pino({ level: env.LOG_LEVEL ?? 'info', redact: { paths: ['*.password', '*.apiKey', '*.token', '*.authorization'], censor: '[secret]' } });
  const registry = loadPartners(config.partners, partnerLoadOptions(config));
  const ledger = new SqliteLedger({ file: ledgerFile(config.dataDir), backgroundCheckpointMs: CHECKPOINT_INTERVAL_MS });
  const closers: (() => Promise<void> | void)[] = [() => ledger.close()];
  const stopAll = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const metrics = new GatewayMetrics({ logger });
    // Every Odoo call's latency and failures, whoever makes it (posters, exporter, readiness).
    const observer = metrics.odooObserver;
    let sandbox: SandboxHandle | undefined;
    let client: OdooClient | undefined;
    let odooUrl: string | undefined;
    if (!o.sink) {
      if (o.sandbox || !config.odoo) {
        // The demo's Odoo: a throw-away password, loopback only, stopped with the gateway.
        const password = `demo-${process.pid}-${Date.now()}`;
        sandbox = await startSandbox({ host: '127.0.0.1', port: 0, password, ...o.sandbox });
        closers.push(() => sandbox?.close());
        client = new OdooClient({ url: sandbox.url, db: sandbox.db, login: 'admin', password, protocol: 'jsonrpc', observer });
        odooUrl = sandbox.url;
      } else {
        const c = config.odoo;
        const secret = c.apiKey ? { apiKey: readSecret(c.apiKey, 'odoo.apiKey', env) } : { password: readSecret(c.password as NonNullable<typeof c.password>, 'odoo.password', env) };
        client = new OdooClient({ url: c.url, db: c.db, login: c.login, protocol: c.protocol, observer, ...secret, ...(c.ca ? { ca: readFileSync(c.ca, 'utf8') } : {}) });
        odooUrl = c.url;
      }
    }
    const sink = o.sink ?? odooSink(client as OdooClient, undefined, undefined, ledgerStatedOrders(ledger));
    // Outbound documents from Odoo (purchase orders → 850 / ORDERS, answered sale orders → 855 / ORDRSP), when there is an Odoo.
    const exportOrders = client
      ? () =>
          exportFromOdoo({
            ledger,
            registry,
            client: client as OdooClient,
            logger,
            render: ledgerRenderer(ledger),
          })
      : undefined;
    // Analysis beside the main thread, when the gateway runs compiled (from its TypeScript sources, as in
    // the process-level tests, a worker could not load them: the analysis then stays in the thread).
    const pool = config.pipeline.translateWorkers > 0 && AnalysisPool.available() ? new AnalysisPool({ partnersRoot: config.partners, loadOptions: partnerLoadOptions(config), workers: config.pipeline.translateWorkers, ...(config.pipeline.translateNice !== undefined ? { nice: config.pipeline.translateNice } : {}) }) : undefined;
    if (pool) closers.push(() => pool.close());
    const gateway = new Gateway({
      ledger,
      registry,
      sink,
      ...(pool ? { analyse: pool.analyse } : {}),
      logger,
      metrics,
      ...(exportOrders ? { exportOrders, exportEveryMs: config.odoo?.exportInterval ?? 60_000 } : {}),
      concurrency: config.pipeline.concurrency,
      postBatch: config.pipeline.postBatch,
      ...(config.pipeline.perPartner !== undefined ? { perPartnerConcurrency: config.pipeline.perPartner } : {}),
      retry: { maxAttempts: config.pipeline.maxAttempts, baseMs: config.pipeline.retryBase, maxMs: config.pipeline.retryMax },
      pollMs: config.pipeline.pollInterval,
      secret: (ref, what) => readSecret(ref, what, env),
      maxFileBytes: config.pipeline.maxFileBytes,
      settleMs: o.settleMs ?? config.pipeline.settle,
      ...((o.dirPollMs ?? config.pipeline.scanInterval) !== undefined ? { dirPollMs: o.dirPollMs ?? config.pipeline.scanInterval } : {}),
    });
    // Files are taken once they can be analysed, not queued behind the workers' start.
    await pool?.ready();
    await gateway.start();
    closers.push(() => gateway.stop());
    closers.push(watchCertificates({ registry, logger, metrics }));
    const retention = retentionPasses(config, registry, ledger);
    // Stopped before the ledger closes (closers run in reverse): a pass in progress ends between two steps.
    if (retention.length > 0) closers.push(scheduleRetention(retention, logger));
    let smtp: SmtpListenerHandle | undefined;
    const mailPartners = registry.partners.filter((p) => p.channels.inbound.some((c) => c.type === 'email' && c.via === 'smtp')).map((p) => p.id);
    if (config.smtp) {
      const t = config.smtp.tls;
      smtp = await startSmtpListener({
        host: config.smtp.host,
        port: config.smtp.port,
        registry,
        receive: gateway.receive,
        logger,
        requireTls: config.smtp.requireTls,
        ...(config.smtp.maxSize !== undefined ? { maxSize: config.smtp.maxSize } : {}),
        ...(t ? { tls: { key: readSecret(t.key, 'smtp.tls.key', env), cert: readFileSync(t.cert, 'utf8') } } : {}),
      });
      const s = smtp;
      // Closers run in reverse: the listener stops taking mail before the gateway stops.
      closers.push(() => s.close());
    } else if (mailPartners.length > 0) {
      logger.warn({ partners: mailPartners }, 'partners send by email (via: smtp) but gateway.yaml has no smtp section: their mail is not received');
    }
    let http: HttpServerHandle | undefined;
    let tokenSource: string | undefined;
    const channelDeps = { logger, secret: (ref: SecretRef, what: string) => readSecret(ref, what, env), now: Date.now, settleMs: o.settleMs ?? config.pipeline.settle, maxFileBytes: config.pipeline.maxFileBytes };
    if (!o.noHttp) {
      const token = config.http.token ? readSecret(config.http.token, 'http.token', env) : localToken(config.dataDir);
      tokenSource = config.http.token ? 'http.token in gateway.yaml' : `the file ${localTokenFile(config.dataDir)}`;
      const users = readHttpUsers(config, token, env);
      if (users.length > 0) tokenSource += `, or a token of http.users (${users.map((u) => `${u.name} ${u.role}`).join(', ')})`;
      const t = config.http.tls;
      const tls = t ? { key: readSecret(t.key, 'http.tls.key', env), cert: readFileSync(t.cert, 'utf8'), ...(t.ca ? { ca: readFileSync(t.ca, 'utf8') } : {}), requestCert: t.requestClientCertificates } : undefined;
      // The largest body any partner may POST (AS2, https), at least the server's 10 MiB default.
      const maxBodyBytes = Math.max(10 * 1024 * 1024, ...registry.partners.flatMap((p) => p.channels.inbound.map((c) => ('maxSize' in c && (c.type === 'as2' || c.type === 'https') ? c.maxSize : 0))));
      const serve = (port: number) =>
        startHttpServer({
          maxBodyBytes,
          host: config.http.host,
          port,
          metrics,
          logger,
          checks: { ledger: () => ledger.ping(), odoo: () => sink.ping() },
          details: () => ({ channels: gateway.channelHealth() }),
          auth: { token, users },
          ...(tls ? { tls } : {}),
        });
      try {
        http = await serve(config.http.port);
      } catch (err) {
        if (!o.anyPort || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        http = await serve(0);
      }
      registerApi(http, { ledger, registry, gateway });
      registerDashboard(http, { ledger, registry, gateway, token, users, secure: tls !== undefined });
      if (config.odoo?.webhookToken) {
        registerOdooWebhook(http, {
          token: readSecret(config.odoo.webhookToken, 'odoo.webhookToken', env),
          onRecord: (model) => {
            if (EXPORTED_MODELS.has(model)) gateway.kickExport();
          },
        });
      }
      registerHttpsChannel(http, { registry, receive: gateway.receive, deps: channelDeps });
      registerAs2(http, {
        registry,
        receive: gateway.receive,
        deps: channelDeps,
        // An asynchronous MDN is the AS2 receipt of a message we sent: checked against our MIC, kept in its history.
        onMdn: (m) => {
          const verdict = recordAsyncMdn(ledger, m);
          if (verdict !== 'receipt') logger.warn({ partner: m.partnerId, messageId: m.messageId, verdict, disposition: m.mdn.disposition }, 'AS2 MDN is not a clean receipt');
        },
      });
      const h = http;
      closers.push(() => h.close());
    }
    const notify = config.notify;
    if (notify) {
      const mailer = smtpDigestMailer(notify, (ref, what) => readSecret(ref, what, env));
      const view = { partnerName: (id: string) => registry.get(id)?.name, dashboardUrl: digestDashboardUrl(notify, http?.url) };
      // Stopped before the ledger closes (closers run in reverse): a digest being sent is cut short and waited for.
      closers.push(scheduleDigest((signal) => sendDigest({ ledger, mailer, rows: notify.rows, view, logger, signal }), notify.every, logger));
    }
    return { gateway, ledger, registry, http, smtp, sandbox, odooUrl, tokenSource, logger, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The file holding the API token when gateway.yaml names none. */
export function localTokenFile(dataDir: string): string {
  return join(dataDir, 'api-token');
}

/**
 * Secure by default: without a configured token the API still needs one, generated once and kept in
 * the data folder readable only by the gateway's user, where the local CLI finds it.
 */
function localToken(dataDir: string): string {
  const file = localTokenFile(dataDir);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return token;
}

/** The data folder's exchange folder of a partner (for messages to the user). */
export function exchangeFolder(config: GatewayConfig, partnerId: string): string {
  return join(config.dataDir, 'exchange', partnerId);
}
