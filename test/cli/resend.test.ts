/**
 * `edi-gateway resend MESSAGE-ID`: the overdue order `acks` lists is queued again, on the ledger itself
 * when the gateway is stopped, through the running gateway's API (which sends it at once) when it runs.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadGatewayConfig } from '../../src/config/gateway';
import { startService } from '../../src/cli/service';
import { loadPartners } from '../../src/partners';
import { queueOutbound } from '../../src/pipeline/acks';
import { nullSink } from '../../src/pipeline/sink';
import { ledgerFile, SqliteLedger } from '../../src/store';
import { runCli } from '../support/cli';
import { orderToBolt } from '../support/orders';
import { until } from '../support/wait';

const PARTNERS = join(__dirname, '..', '..', 'partners');

/** The CLI as a process of its own. */
function cliChild(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(__dirname, '..', 'support', 'cli-child.js'), ...args], { timeout: 60_000 }, (err, out, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out, err: stderr });
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A data folder whose ledger holds our 850 to Bolt, sent 5 hours ago (its 997 was due in 4), and its gateway.yaml. */
async function setup(): Promise<{ config: string; file: string; sent: number }> {
  const data = mkdtempSync(join(tmpdir(), 'resend-cli-'));
  const file = ledgerFile(data);
  const ledger = new SqliteLedger({ file });
  const bolt = loadPartners(PARTNERS, { dataRoot: data }).get('bolt-supply');
  if (!bolt) throw new Error('the bolt-supply partner folder is missing');
  const sent = queueOutbound(ledger, bolt, orderToBolt(733, 'PO-1003'), Date.now() - 5 * 3600 * 1000, 'c-po-1003');
  ledger.outboundState(sent, { state: 'sent', attempt: true, event: 'outbound.sent' });
  ledger.close();
  const config = join(data, 'gateway.yaml');
  writeFileSync(config, `dataDir: ${JSON.stringify(data)}\npartners: ${JSON.stringify(PARTNERS)}\nhttp:\n  port: ${await freePort()}\n`);
  return { config, file, sent };
}

describe('edi-gateway resend', () => {
  it('on a stopped gateway: queues the overdue order `acks` lists again; refuses what is still queued', async () => {
    const { config, file, sent } = await setup();
    const overdue = await runCli(['acks', '--state', 'overdue', '--config', config]);
    expect(overdue.code).toBe(0);
    expect(overdue.out.split('\n')[1]).toMatch(new RegExp(`^ *${sent}  bolt-supply +850 +000000733/733/0001 +997 +overdue `));

    const r = await runCli(['resend', String(sent), '--config', config]);
    expect(r).toEqual({ code: 0, out: expect.stringMatching(new RegExp(`^message ${sent} queued again as outbound message \\d+ `)), err: '' });
    const copy = Number(/as outbound message (\d+)/.exec(r.out)?.[1]);
    const ledger = new SqliteLedger({ file });
    try {
      expect(ledger.message(copy)).toMatchObject({ state: 'pending', causeMessageId: sent, correlationId: 'c-po-1003' });
      // The 997 was overdue and is owed again for the copy; Bolt also owes an 855 for each (2 days, not yet due).
      expect(ledger.expectedAcks('bolt-supply', '000000733').map((a) => [a.messageId, a.ackType, a.state])).toEqual([
        [sent, '997', 'overdue'],
        [sent, 'order_response', 'sent'],
        [copy, '997', 'sent'],
        [copy, 'order_response', 'sent'],
      ]);
    } finally {
      ledger.close();
    }

    const again = await runCli(['resend', `m${copy}`, '--config', config]);
    expect(again.code).toBe(2);
    expect(again.err).toContain(`edi-gateway resend: message ${copy} is pending: it is still on its way`);
    expect((await runCli(['resend', '--config', config])).err).toContain('usage: edi-gateway resend MESSAGE-ID');
    expect((await runCli(['resend', 'PO-1003', '--config', config])).code).toBe(2);
  });

  it('while the gateway runs: through its API, and the copy goes out', async () => {
    const { config, sent } = await setup();
    const service = await startService({ config: loadGatewayConfig(config), sink: nullSink(), logger: pino({ level: 'silent' }) });
    try {
      // Another process, as a person's shell is: the ledger's lock is held, so the API answers (and filters).
      const listed = await cliChild(['acks', '--state', 'overdue', '--partner', 'bolt-supply', '--config', config, '--json']);
      expect((JSON.parse(listed.out) as { messageId: number; state: string }[]).map((a) => [a.messageId, a.state])).toEqual([[sent, 'overdue']]);
      expect(JSON.parse((await cliChild(['acks', '--state', 'overdue', '--partner', 'northgate', '--config', config, '--json'])).out)).toEqual([]);
      const r = await cliChild(['resend', String(sent), '--config', config, '--json']);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.out) as { messageId: number; resentFrom: number };
      expect(out).toEqual({ messageId: expect.any(Number), resentFrom: sent });
      await until(() => service.ledger.message(out.messageId)?.state === 'sent', 15_000, 'the copy to be sent');
      expect(service.ledger.message(out.messageId)).toMatchObject({ causeMessageId: sent, correlationId: 'c-po-1003' });
      const missing = await cliChild(['resend', '999', '--config', config]);
      expect(missing).toMatchObject({ code: 2, err: 'edi-gateway resend: no message 999 in the ledger\n' });
    } finally {
      await service.stop();
    }
  });
});
