import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { runUntilSignal } from '../../src/cli/commands/start';
import { loadGatewayConfig } from '../../src/config/gateway';
import { SqliteLedger } from '../../src/store';

const ROOT = join(__dirname, '..', '..');

describe('edi-gateway start and signals', () => {
  it('a SIGTERM while the service is still starting stops it cleanly once started (exit code 0, ledger released)', async () => {
    const data = mkdtempSync(join(tmpdir(), 'gw-signal-'));
    const config = loadGatewayConfig(undefined);
    config.dataDir = data;
    config.partners = join(ROOT, 'partners');
    config.mappings = join(ROOT, 'mappings');
    config.http.port = 0;
    const stdout = new PassThrough();
    let printed = '';
    stdout.on('data', (b: Buffer) => (printed += b.toString()));
    const io = { stdin: new PassThrough(), stdout, stderr: new PassThrough() };
    let bannerShown = false;
    const run = runUntilSignal({ config, sandbox: {}, logger: pino({ level: 'silent' }) }, io, () => {
      bannerShown = true;
      return 'banner\n';
    });
    // Delivered before startService has resolved: the handler is already there, so the process lives.
    process.emit('SIGTERM');
    await expect(run).resolves.toBe(0);
    expect(bannerShown).toBe(false);
    expect(printed).toBe('edi-gateway: stopped\n');
    expect(process.listenerCount('SIGTERM')).toBe(0);
    // Stopped for real: the ledger's single-owner lock is free again.
    const ledger = new SqliteLedger({ file: join(data, 'ledger.sqlite') });
    ledger.close();
  });
});
