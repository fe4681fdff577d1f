/** `edi-gateway prune`: the payload retention applied once, from the command line. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { loadGatewayConfig } from '../../src/config/gateway';
import { startService } from '../../src/cli/service';
import { nullSink } from '../../src/pipeline/sink';
import { ledgerFile, SqliteLedger } from '../../src/store';
import { runCli } from '../support/cli';
import { until } from '../support/wait';

const DAY = 24 * 60 * 60 * 1000;

/** A data folder whose ledger holds one posted order received 40 days ago, and its gateway.yaml. */
function setup(yaml = ''): { config: string; file: string } {
  const data = mkdtempSync(join(tmpdir(), 'prune-cli-'));
  const file = ledgerFile(data);
  new SqliteLedger({ file }).close();
  const db = new Database(file);
  const at = Date.now() - 40 * DAY;
  db.prepare(`INSERT INTO messages (id, direction, channel, source, partner_id, sha256, size, state, correlation_id, created_at, updated_at) VALUES (1, 'inbound', 'dir', 'a.edi', 'northgate', 'x', 2048, 'processed', 'c', ?, ?)`).run(at, at);
  db.prepare('INSERT INTO message_bytes (message_id, bytes) VALUES (1, ?)').run(Buffer.alloc(2048, 65));
  db.prepare(`INSERT INTO documents (id, message_id, seq, partner_id, type, state, correlation_id, created_at, updated_at) VALUES (1, 1, 1, 'northgate', 'order', 'posted', 'c', ?, ?)`).run(at, at);
  db.prepare('INSERT INTO document_bodies (document_id, canonical) VALUES (1, ?)').run('{"type":"order"}');
  db.close();
  const config = join(data, 'gateway.yaml');
  writeFileSync(config, `dataDir: ${JSON.stringify(data)}\n${yaml}`);
  return { config, file };
}

const left = (file: string): number => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT (SELECT COUNT(*) FROM message_bytes) + (SELECT COUNT(*) FROM document_bodies)').pluck().get() as number);
  } finally {
    db.close();
  }
};

describe('edi-gateway prune', () => {
  it('--dry-run counts, then the run removes what is older than --older-than', async () => {
    const { config, file } = setup();
    const dry = await runCli(['prune', '--config', config, '--older-than', '30d', '--dry-run']);
    expect(dry).toMatchObject({ code: 0, out: 'would remove the payloads of 1 messages and 1 documents, 0.0 MB of payload\n' });
    expect(left(file)).toBe(2);
    const young = await runCli(['prune', '--config', config, '--older-than', '60d', '--json']);
    expect(JSON.parse(young.out)).toEqual({ messages: 0, documents: 0, bytes: 0, dryRun: false });
    const done = await runCli(['prune', '--config', config, '--older-than', '30d', '--json']);
    expect(JSON.parse(done.out)).toEqual({ messages: 1, documents: 1, bytes: 2048 + 16, dryRun: false });
    expect(left(file)).toBe(0);
  });

  it('--vacuum then gives the freed pages back to the file system', async () => {
    const { config, file } = setup();
    const db = new Database(file);
    db.prepare('UPDATE message_bytes SET bytes = ? WHERE message_id = 1').run(Buffer.alloc(4 * 1024 * 1024, 66));
    db.close();
    const before = statSync(file).size;
    const r = await runCli(['prune', '--config', config, '--older-than', '30d', '--vacuum']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^removed the payloads of 1 messages and 1 documents, 4\.0 MB of payload; the ledger file went from 4\.\d to 0\.\d MB\n$/);
    expect(statSync(file).size).toBeLessThan(before - 4 * 1024 * 1024 + 256 * 1024);
  });

  it('takes the age from retention.payloads in gateway.yaml', async () => {
    const { config, file } = setup('retention:\n  payloads: 35d\n');
    const r = await runCli(['prune', '--config', config]);
    expect(r).toMatchObject({ code: 0, out: 'removed the payloads of 1 messages and 1 documents, 0.0 MB of payload\n' });
    expect(left(file)).toBe(0);
  });

  it('refuses without an age, with less than a day, and while a gateway holds the ledger', async () => {
    const { config, file } = setup();
    const none = await runCli(['prune', '--config', config]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('give --older-than (e.g. 90d), or set retention.payloads in gateway.yaml');
    const minutes = await runCli(['prune', '--config', config, '--older-than', '90m']);
    expect(minutes.code).toBe(2);
    expect(minutes.err).toContain('keep payloads at least 1d');
    // The lock of a gateway running as another live process (pid 1 is always alive).
    writeFileSync(`${file}.lock`, '1');
    try {
      const busy = await runCli(['prune', '--config', config, '--older-than', '30d']);
      expect(busy.code).toBe(2);
      expect(busy.err).toContain('a running gateway holds the ledger; it applies retention.payloads from gateway.yaml by itself');
    } finally {
      rmSync(`${file}.lock`);
    }
    expect(left(file)).toBe(2);
  });

  it('a started gateway applies retention.payloads and retention.archives by itself, and stops cleanly', async () => {
    const partners = join(__dirname, '..', '..', 'partners');
    const { config, file } = setup(`partners: ${JSON.stringify(partners)}\nretention:\n  payloads: 35d\n  archives: 10d\n`);
    // northgate's dir channel archives under exchange/northgate/archive/<day>/.
    const archive = join(file, '..', 'exchange', 'northgate', 'archive');
    const today = new Date().toISOString().slice(0, 10);
    for (const day of ['2020-01-01', today]) {
      mkdirSync(join(archive, day), { recursive: true });
      writeFileSync(join(archive, day, '1-a.edi'), 'ISA');
    }
    const service = await startService({ config: loadGatewayConfig(config), sink: nullSink(), noHttp: true, logger: pino({ level: 'silent' }) });
    try {
      const pruned = (): boolean => service.ledger.message(1)?.state === 'processed' && left(file) === 0 && !existsSync(join(archive, '2020-01-01'));
      await until(pruned, 10_000, 'the first retention pass');
      expect(service.ledger.document(1)?.canonical ?? null).toBeNull();
      expect(() => service.ledger.bytes(1)).toThrow(/under the retention policy/);
      expect(service.ledger.message(1)?.state).toBe('processed');
    } finally {
      await service.stop();
    }
    expect(left(file)).toBe(0);
    expect(readdirSync(archive)).toEqual([today]);
  });
});
