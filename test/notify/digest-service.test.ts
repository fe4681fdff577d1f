/**
 * The digest as `edi-gateway start` runs it (runUntilSignal → startService, a `notify` section) against a
 * real SMTP server on 127.0.0.1: a document that goes dead is mailed at the next round, a quiet round
 * mails nothing, and a SIGTERM neither sends a half digest nor waits on a server that does not answer;
 * what a cut-short digest held comes in the next one.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { runUntilSignal } from '../../src/cli/commands/start';
import type { ServiceHandle } from '../../src/cli/service';
import { GatewayConfigSchema, loadGatewayConfig, type GatewayConfig } from '../../src/config/gateway';
import { DIGEST_SINCE_KEY, type NotifyConfig } from '../../src/notify/send';
import { BusinessError } from '../../src/odoo/post/context';
import { nullSink, type DocumentSink } from '../../src/pipeline/sink';
import { ledgerFile, SqliteLedger } from '../../src/store';
import { startSmtpSink, type SmtpSink } from '../support/smtp';
import { until } from '../support/wait';

const ROOT = join(__dirname, '..', '..');
const ORDER = readFileSync(join(ROOT, 'fixtures', 'edi', 'x12', '004010', '850-purchase-order.edi'));
/** The digest's round: far below the minute gateway.yaml asks for, so the test waits for rounds, not minutes. */
const EVERY_MS = 300;

/** Odoo as a sink that refuses every order as a business error: the document goes dead. */
const refusing: DocumentSink = {
  ...nullSink(),
  post: () => Promise.reject(new BusinessError('unknown_product', 'no product with SKU X-99')),
  postMany: undefined,
};

function gatewayConfig(data: string, smtpPort: number): GatewayConfig {
  const config = loadGatewayConfig(undefined);
  config.dataDir = data;
  config.partners = join(ROOT, 'partners');
  config.mappings = join(ROOT, 'mappings');
  const notify = GatewayConfigSchema.parse({ notify: { to: ['purchasing@example.test'], from: 'edi-gateway@example.test', smtp: { host: '127.0.0.1', port: smtpPort, security: 'none' } } }).notify as NotifyConfig;
  config.notify = { ...notify, every: EVERY_MS };
  return config;
}

/** The service as `edi-gateway start` runs it, until `stop()` delivers a SIGTERM; resolves its exit code. */
async function start(data: string, smtp: SmtpSink): Promise<{ service: ServiceHandle; stop: () => Promise<number> }> {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  let service: ServiceHandle | undefined;
  const run = runUntilSignal({ config: gatewayConfig(data, smtp.port), sink: refusing, noHttp: true, settleMs: 0, dirPollMs: 50, logger: pino({ level: 'silent' }) }, io, (s) => {
    service = s;
    return '';
  });
  await until(() => service !== undefined, 15_000, 'the service to start');
  return {
    service: service as ServiceHandle,
    stop: () => {
      process.emit('SIGTERM');
      return run;
    },
  };
}

/** Drop Northgate's 850 into its inbound folder and wait until its document is dead; when it went dead. */
async function deadOrder(service: ServiceHandle, data: string): Promise<number> {
  writeFileSync(join(data, 'exchange', 'northgate', 'inbound', 'po-101.edi'), ORDER);
  await until(() => service.ledger.documentsIn(['dead'], 1).length === 1, 15_000, 'the order to be dead-lettered');
  return service.ledger.documentsIn(['dead'], 1)[0].updatedAt;
}

const marker = (ledger: SqliteLedger): number => Number(ledger.meta(DIGEST_SINCE_KEY) ?? 0);

describe('the service sends the digest', () => {
  it('mails a dead document at the next round, nothing at a quiet round, and stops cleanly on SIGTERM', async () => {
    const smtp = await startSmtpSink();
    const data = mkdtempSync(join(tmpdir(), 'digest-service-'));
    try {
      const { service, stop } = await start(data, smtp);
      const deadAt = await deadOrder(service, data);
      await until(() => smtp.messages.length === 1, 15_000, 'the digest mail');
      const [mail] = smtp.messages;
      expect(mail.to).toEqual(['purchasing@example.test']);
      expect(mail.mail.subject).toBe('EDI gateway: 1 need a person');
      expect(mail.mail.text).toContain('Northgate Industrial Distribution (northgate): 1');
      expect(mail.mail.text).toContain('no product with SKU X-99');

      // The window that held the document is committed; a later round, with nothing new, moves the marker and mails nothing.
      await until(() => marker(service.ledger) >= deadAt, 15_000, 'the digest to be recorded');
      const sent = marker(service.ledger);
      await until(() => marker(service.ledger) > sent, 15_000, 'a quiet round');
      expect(smtp.messages).toHaveLength(1);

      await expect(stop()).resolves.toBe(0);
      expect(smtp.messages).toHaveLength(1);
      expect(process.listenerCount('SIGTERM')).toBe(0);
    } finally {
      await smtp.close();
    }
  });

  it('a SIGTERM while the server holds back its answer cuts the send short: no mail, no marker moved, the items in the next digest', async () => {
    const hanging = await startSmtpSink({ stall: true });
    const data = mkdtempSync(join(tmpdir(), 'digest-service-'));
    let deadAt: number;
    try {
      const { service, stop } = await start(data, hanging);
      deadAt = await deadOrder(service, data);
      // The whole mail is with the server, which never answers: the send waits (its own timeout is 30 s).
      await until(() => hanging.stalled.length === 1, 15_000, 'the digest to reach the server');
      expect(hanging.stalled[0].toString('utf8')).toContain('Subject: EDI gateway: 1 need a person');
      await expect(stop()).resolves.toBe(0);
      expect(hanging.messages).toHaveLength(0);
    } finally {
      await hanging.close();
    }
    const ledger = new SqliteLedger({ file: ledgerFile(data) });
    try {
      expect(marker(ledger)).toBeLessThan(deadAt);
    } finally {
      ledger.close();
    }

    // The next start, with a server that answers: the document is in its first digest.
    const smtp = await startSmtpSink();
    try {
      const { stop } = await start(data, smtp);
      await until(() => smtp.messages.length === 1, 15_000, 'the digest mail after the restart');
      expect(smtp.messages[0].mail.subject).toBe('EDI gateway: 1 need a person');
      expect(smtp.messages[0].mail.text).toContain('no product with SKU X-99');
      await expect(stop()).resolves.toBe(0);
    } finally {
      await smtp.close();
    }
  });
});
