/**
 * Issue 4's promise: every inbound interchange among the shipped fixtures produces, through the whole
 * pipeline, the acknowledgment its partner's policy asks for, in the outbox of the partner's channel
 * (here: its outbound folder). Fixtures written by us (outbound), acknowledgments themselves, and files
 * with no interchange header to answer get none, and the test says which.
 */
import { mkdtempSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import pino from 'pino';
import { globMatch } from '../../src/channels/dir';
import { readAcks } from '../../src/edi/ack-read';
import { EdiReader } from '../../src/edi/reader';
import type { InterchangeHeader, GroupHeader } from '../../src/edi/common/events';
import { loadPartners } from '../../src/partners';
import { Gateway } from '../../src/pipeline/gateway';
import { nullSink } from '../../src/pipeline/sink';
import { SqliteLedger } from '../../src/store';
import { until } from '../support/wait';

const ROOT = join(__dirname, '..', '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(edi|x12|txt)$/.test(n) ? [p] : [];
  });
}

function firstInterchange(bytes: Buffer): { h?: InterchangeHeader; g?: GroupHeader; types: Set<string> } {
  const out: { h?: InterchangeHeader; g?: GroupHeader; types: Set<string> } = { types: new Set() };
  const r = new EdiReader({ interchangeStart: (h) => (out.h ??= h), groupStart: (g) => (out.g ??= g), transactionStart: (t) => out.types.add(t.id) });
  r.write(bytes);
  r.end();
  return out;
}

const ACKS = new Set(['997', '999', 'CONTRL', 'APERAK', 'TA1']);

describe('every inbound fixture is acknowledged per its partner policy, through the pipeline', () => {
  const data = mkdtempSync(join(tmpdir(), 'gw-fixture-acks-'));
  const registry = loadPartners(join(ROOT, 'partners'), { dataRoot: data });
  const all = files(join(ROOT, 'fixtures'));
  const plan = all.map((file) => {
    const bytes = readFileSync(file);
    const { h, g, types } = firstInterchange(bytes);
    const name = relative(ROOT, file);
    if (!h) return { name, file, skip: 'no interchange header to answer' };
    const routed = registry.route(h, g);
    if (routed.kind !== 'partner') return { name, file, skip: `routes to no partner (${routed.reason})` };
    if (routed.direction === 'outbound') return { name, file, skip: `one of ours, for ${routed.partner.id}` };
    if ([...types].every((t) => ACKS.has(t)) && types.size > 0) return { name, file, skip: 'an acknowledgment (acks are not acknowledged)' };
    return { name, file, partner: routed.partner, bytes };
  });
  const inbound = plan.filter((p): p is typeof p & { partner: NonNullable<(typeof p)['partner']>; bytes: Buffer } => 'partner' in p && p.partner !== undefined);

  let ledger: SqliteLedger;
  let gateway: Gateway;
  beforeAll(async () => {
    ledger = new SqliteLedger({ file: join(data, 'ledger.sqlite') });
    gateway = new Gateway({ ledger, registry, sink: nullSink(), logger: pino({ level: 'silent' }), settleMs: 0, dirPollMs: 20, pollMs: 20 });
    await gateway.start();
  });
  afterAll(async () => {
    await gateway.stop();
    ledger.close();
  });

  it('the fixtures include inbound interchanges for every partner that sends us documents', () => {
    const partners = new Set(inbound.map((p) => p.partner.id));
    for (const p of registry.partners) if (p.documents.some((d) => d.direction === 'inbound')) expect([p.id, partners.has(p.id)]).toEqual([p.id, true]);
  });

  it.each(inbound.map((p) => [p.name, p] as const))('%s', async (_name, p) => {
    const before = new Set(ledger.messages('inbound', undefined, 1000).map((m) => m.id));
    const dir = join(data, 'exchange', p.partner.id, 'inbound');
    // A name the partner's channel pattern takes (keystone's folder takes *.x12 only).
    const channel = p.partner.channels.inbound.find((c) => c.type === 'dir');
    const pattern = channel && 'pattern' in channel ? channel.pattern : '*';
    let base = `${Date.now()}-${p.name.replace(/[^A-Za-z0-9.]/g, '_')}`;
    if (!globMatch(pattern, base)) base += pattern.replace(/^\*/, '');
    writeFileSync(join(dir, `${base}.tmp`), p.bytes);
    renameSync(join(dir, `${base}.tmp`), join(dir, base));
    await until(() => ledger.messages('inbound', undefined, 1000).some((m) => !before.has(m.id) && m.state !== 'received'));
    const msg = ledger.messages('inbound', undefined, 1000).find((m) => !before.has(m.id));
    if (!msg) throw new Error('not received');
    const wanted = p.partner.acknowledgments.send;
    await until(() => ledger.messages('outbound', undefined, 1000).filter((m) => m.causeMessageId === msg.id).every((m) => m.state === 'sent'));
    const acks = ledger.messages('outbound', undefined, 1000).filter((m) => m.causeMessageId === msg.id && m.messageType !== 'APERAK');
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) {
      // Each is one the partner asked for, or a TA1 answering an interchange rejected at envelope level.
      expect([a.messageType, wanted.includes(a.messageType as never) || a.messageType === 'TA1']).toEqual([a.messageType, true]);
      // It is in the partner's outbound folder, byte for byte, and reads as an acknowledgment of this interchange.
      const sent = ledger.eventsOfMessage(a.id).find((e) => e.kind === 'outbound.sent');
      const path = (JSON.parse(sent?.detail ?? '{}') as { path?: string }).path as string;
      expect(readFileSync(path)).toEqual(ledger.bytes(a.id));
      const read = await readAcks(readFileSync(path));
      expect(read.acks.length).toBeGreaterThan(0);
      expect(read.acks.some((r) => r.refers.interchange === msg.interchangeControlNumber || r.refers.group !== undefined)).toBe(true);
    }
  });

  it('lists what was not inbound', () => {
    const skipped = plan.filter((p) => 'skip' in p).map((p) => `${p.name}: ${(p as { skip: string }).skip}`);
    // Every skip has a reason; a fixture of ours or an ack is never silently treated as inbound.
    expect(skipped.every((s) => /: (no interchange header|routes to no partner|one of ours|an acknowledgment)/.test(s))).toBe(true);
    expect(inbound.length + skipped.length).toBe(all.length);
  });
});
