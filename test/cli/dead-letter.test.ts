/** `edi-gateway dead-letter discard` on the ledger of a stopped gateway: the history names the OS user who did it. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ledgerFile, SqliteLedger } from '../../src/store';
import { runCli } from '../support/cli';

const PARTNERS = join(__dirname, '..', '..', 'partners');

describe('edi-gateway dead-letter discard', () => {
  it('discards a dead document and records cli:<user> as who did', async () => {
    const data = mkdtempSync(join(tmpdir(), 'dead-letter-cli-'));
    let ledger = new SqliteLedger({ file: ledgerFile(data) });
    const [m] = ledger.receiveMany([{ channel: 'dir', source: 'x.edi', partnerId: 'northgate', bytes: Buffer.from('ISA') }]);
    const [dead] = ledger.commitProcessed({ messageId: m.id, state: 'processed', interchanges: [], documents: [{ seq: 1, partnerId: 'northgate', type: 'order', messageType: '850', interchangeControlNumber: '1', groupControlNumber: '1', controlNumber: '1', businessKey: 'PO-1', state: 'dead', reason: 'unknown product' }], outbound: [], events: [] });
    ledger.close();
    const config = join(data, 'gateway.yaml');
    writeFileSync(config, `dataDir: ${JSON.stringify(data)}\npartners: ${JSON.stringify(PARTNERS)}\n`);

    const r = await runCli(['dead-letter', 'discard', String(dead), '--config', config]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`document ${dead} discarded\n`);
    ledger = new SqliteLedger({ file: ledgerFile(data) });
    try {
      const event = ledger.eventsOfDocument(dead).find((e) => e.kind === 'document.discarded');
      expect(JSON.parse(event?.detail ?? '{}')).toEqual({ reason: `discarded by cli:${userInfo().username}`, operator: `cli:${userInfo().username}` });
    } finally {
      ledger.close();
    }
  });
});
