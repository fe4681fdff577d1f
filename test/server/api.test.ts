/** The REST API over a real ledger: dead-letter listing, discard and replay refusals, re-send, bearer token. */
import { join } from 'node:path';
import pino from 'pino';
import { loadPartners } from '../../src/partners';
import { queueOutbound } from '../../src/pipeline/acks';
import { Gateway } from '../../src/pipeline/gateway';
import { GatewayMetrics } from '../../src/pipeline/metrics';
import { discard, ReplayError } from '../../src/pipeline/replay';
import { nullSink } from '../../src/pipeline/sink';
import { startHttpServer, type HttpServerHandle } from '../../src/server';
import { registerApi } from '../../src/server/api';
import { SqliteLedger, type MessageRow } from '../../src/store';
import { orderToBolt } from '../support/orders';

describe('the API', () => {
  const ledger = new SqliteLedger({ file: ':memory:' });
  const registry = loadPartners(join(__dirname, '..', '..', 'partners'), { dataRoot: '/nonexistent-data' });
  const gateway = new Gateway({ ledger, registry, sink: nullSink(), logger: pino({ level: 'silent' }) });
  let http: HttpServerHandle;
  let dead: number;
  let posted: number;
  beforeAll(async () => {
    const [m] = ledger.receiveMany([{ channel: 'dir', source: 'x.edi', partnerId: 'northgate', bytes: Buffer.from('ISA') }]);
    const doc = (seq: number, state: 'dead' | 'posted') => ({ seq, partnerId: 'northgate', type: 'order', messageType: '850', interchangeControlNumber: '1', groupControlNumber: '1', controlNumber: String(seq), businessKey: `K${seq}`, state, reason: state === 'dead' ? 'unknown product' : undefined });
    [dead, posted] = ledger.commitProcessed({ messageId: m.id, state: 'processed', interchanges: [], documents: [doc(1, 'dead'), doc(2, 'posted')], outbound: [], events: [] });
    http = await startHttpServer({ metrics: new GatewayMetrics({ processMetrics: false }), checks: { ledger: () => undefined, odoo: () => undefined }, auth: { token: 't0ken', users: [{ name: 'anna', role: 'operator', token: 'anna-t0ken' }, { name: 'vic', role: 'viewer', token: 'vic-t0ken' }] } });
    registerApi(http, { ledger, registry, gateway });
  });
  afterAll(async () => {
    await http.close();
    ledger.close();
  });
  const call = (method: string, path: string, body?: unknown, token = 't0ken') =>
    fetch(`${http.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

  it('needs the token', async () => {
    expect((await call('GET', '/api/documents', undefined, 'wrong')).status).toBe(401);
  });

  it('lists the dead-letter queue and shows one document with its history', async () => {
    const list = (await (await call('GET', '/api/documents')).json()) as { documents: { id: number; state: string }[] };
    expect(list.documents.map((d) => [d.id, d.state])).toEqual([[dead, 'dead']]);
    const one = (await (await call('GET', `/api/documents/${dead}`)).json()) as { events: { kind: string }[] };
    expect(one.events.map((e) => e.kind)).toEqual(['document.dead']);
    expect((await call('GET', '/api/documents?state=nonsense')).status).toBe(400);
  });

  it('lists the records of Odoo not sent, per partner, and dismisses one (404 when gone, 400 without a reason)', async () => {
    ledger.exportFailed({ source: 'odoo:sale.order', key: 'northgate:12', partnerId: 'northgate', recordId: 12, name: 'S00012', reason: 'ACK01 has no code for "changed"' });
    ledger.exportFailed({ source: 'odoo:purchase.order', key: 'bolt-supply:3', partnerId: 'bolt-supply', recordId: 3, name: 'P00003', reason: 'no product lines' });
    const all = (await (await call('GET', '/api/exports')).json()) as { failures: { id: number; name: string; attempts: number }[] };
    expect(all.failures.map((f) => [f.name, f.attempts])).toEqual([['S00012', 1], ['P00003', 1]]);
    const bolt = (await (await call('GET', '/api/exports?partner=bolt-supply')).json()) as { failures: { id: number; name: string }[] };
    expect(bolt.failures.map((f) => f.name)).toEqual(['P00003']);
    expect((await call('POST', '/api/exports/dismiss', { id: bolt.failures[0]!.id })).status).toBe(400);
    const ok = await call('POST', '/api/exports/dismiss', { id: bolt.failures[0]!.id, reason: 'sent by e-mail' });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { dismissed: { name: string } }).dismissed.name).toBe('P00003');
    expect((await call('POST', '/api/exports/dismiss', { id: bolt.failures[0]!.id, reason: 'again' })).status).toBe(404);
    expect(ledger.exportFailures().map((f) => f.name)).toEqual(['S00012']);
  });

  it('discard: only dead-lettered documents; 404 / 409 otherwise; bad bodies are 400', async () => {
    expect((await call('POST', '/api/discard', { documentId: posted })).status).toBe(409);
    expect((await call('POST', '/api/discard', { documentId: 999 })).status).toBe(404);
    expect((await call('POST', '/api/discard', [1])).status).toBe(400);
    const ok = await call('POST', '/api/discard', { documentId: dead, reason: 'customer cancelled by phone' });
    expect(await ok.json()).toEqual({ documentId: dead, state: 'discarded' });
    expect(ledger.document(dead)).toMatchObject({ state: 'discarded', reason: 'customer cancelled by phone' });
    expect(() => discard(ledger, dead)).toThrow(ReplayError);
  });

  it('resend: queues a sent message again (200); 404 / 409 with the reason otherwise; bad bodies are 400', async () => {
    const bolt = registry.get('bolt-supply');
    if (!bolt) throw new Error('the bolt-supply partner folder is missing');
    const bytes = orderToBolt(732, 'PO-1002');
    const sent = queueOutbound(ledger, bolt, bytes, Date.now(), 'c-po-1002');
    ledger.outboundState(sent, { state: 'sent', attempt: true, event: 'outbound.sent' });
    const ok = await call('POST', '/api/resend', { messageId: sent });
    expect(ok.status).toBe(200);
    const { messageId, resentFrom } = (await ok.json()) as { messageId: number; resentFrom: number };
    expect(resentFrom).toBe(sent);
    expect(ledger.message(messageId)).toMatchObject<Partial<MessageRow>>({ direction: 'outbound', causeMessageId: sent, correlationId: 'c-po-1002', interchangeControlNumber: '000000732' });
    expect(ledger.bytes(messageId).equals(bytes)).toBe(true);

    const refused = async (body: unknown): Promise<{ status: number; body: { error: string; message: string } }> => {
      const r = await call('POST', '/api/resend', body);
      return { status: r.status, body: (await r.json()) as { error: string; message: string } };
    };
    // The copy is not delivered here (this gateway does not run): it is still on its way.
    expect(await refused({ messageId })).toEqual({ status: 409, body: expect.objectContaining({ error: 'not_resendable', message: expect.stringContaining(`message ${messageId} is pending`) }) });
    const [inbound] = ledger.receiveMany([{ channel: 'dir', source: 'y.edi', partnerId: 'northgate', bytes: Buffer.from('ISA') }]);
    expect(await refused({ messageId: inbound.id })).toEqual({ status: 409, body: expect.objectContaining({ error: 'not_resendable', message: `message ${inbound.id} is inbound: replay it instead` }) });
    expect(await refused({ messageId: 999 })).toEqual({ status: 404, body: expect.objectContaining({ error: 'not_found', message: 'no message 999 in the ledger' }) });
    for (const bad of [{}, { messageId: '7' }, { messageId: 1.5 }, { messageId: 0 }, [7]]) expect((await refused(bad)).status).toBe(400);
  });

  it('replay refuses what reached Odoo (409) and what is not there (404)', async () => {
    const r = await call('POST', '/api/replay', { documentId: posted });
    expect(r.status).toBe(409);
    expect(((await r.json()) as { message: string }).message).toMatch(/is posted: only .* documents are replayed/);
    expect((await call('POST', '/api/replay', { documentId: 99999 })).status).toBe(404);
    expect((await call('POST', '/api/replay', { messageId: 99999 })).status).toBe(404);
  });
  it('pages documents and acks by id with the filters in the ledger; page parameters out of bounds are 400', async () => {
    const [m] = ledger.receiveMany([{ channel: 'dir', source: 'many.edi', partnerId: 'paging-co', bytes: Buffer.from('ISA') }]);
    const ids = ledger.commitProcessed({ messageId: m.id, state: 'processed', interchanges: [], documents: Array.from({ length: 250 }, (_, i) => ({ seq: i, partnerId: 'paging-co', type: 'order', messageType: '850', interchangeControlNumber: '1', groupControlNumber: '1', controlNumber: String(i), businessKey: `P${i}`, state: 'ignored' as const })), outbound: [], events: [] });
    type Page<K extends string> = Record<K, { id: number; partnerId: string }[]> & { next: number | null };
    const list = async <K extends string>(path: string): Promise<Page<K>> => {
      const r = await call('GET', path);
      expect(r.status).toBe(200);
      return (await r.json()) as Page<K>;
    };
    const first = await list<'documents'>('/api/documents?state=ignored&partner=paging-co&limit=100');
    const second = await list<'documents'>(`/api/documents?state=ignored&partner=paging-co&limit=100&before=${first.next}`);
    const third = await list<'documents'>(`/api/documents?state=ignored&partner=paging-co&limit=100&before=${second.next}`);
    expect([first, second, third].map((p) => p.documents.length)).toEqual([100, 100, 50]);
    expect([...first.documents, ...second.documents, ...third.documents].map((d) => d.id)).toEqual([...ids].reverse());
    expect(third.next).toBeNull();
    // Without limit, a page is 100 as before.
    expect((await list<'documents'>('/api/documents?state=ignored')).documents).toHaveLength(100);

    for (let i = 0; i < 30; i++) ledger.enqueue({ partnerId: i < 25 ? 'paging-co' : 'other-co', channel: 'dir', name: `o${i}.edi`, bytes: Buffer.from('ISA'), correlationId: `c${i}`, messageType: '810', interchangeControlNumber: `9${i}`, expects: [{ ackType: '997', interchangeControlNumber: `9${i}`, messageType: '810', deadline: i < 3 ? 1 : Date.now() + 86_400_000 }] });
    const overdue = await list<'acks'>('/api/acks?state=overdue&partner=paging-co');
    expect(overdue.acks.map((a) => a.partnerId)).toEqual(['paging-co', 'paging-co', 'paging-co']);
    const acks = await list<'acks'>('/api/acks?partner=paging-co&limit=20');
    const rest = await list<'acks'>(`/api/acks?partner=paging-co&limit=20&before=${acks.next}`);
    expect([acks.acks.length, rest.acks.length, rest.next]).toEqual([20, 5, null]);
    expect(acks.acks[19].id).toBeGreaterThan(rest.acks[0].id);

    const bad = async (path: string): Promise<string> => {
      const r = await call('GET', path);
      expect(r.status).toBe(400);
      return ((await r.json()) as { error: string }).error;
    };
    for (const q of ['before=0', 'before=-1', 'before=x', 'before=99999999999999999']) expect(await bad(`/api/documents?${q}`)).toBe('bad_before');
    for (const q of ['limit=0', 'limit=-5', 'limit=1001', 'limit=ten']) expect(await bad(`/api/acks?${q}`)).toBe('bad_limit');
    expect(await bad('/api/acks?state=late')).toBe('bad_state');
  });

  it("lets a viewer read and refuses each of the viewer's actions with 403; records an operator's under their name", async () => {
    const [m] = ledger.receiveMany([{ channel: 'dir', source: 'roles.edi', partnerId: 'northgate', bytes: Buffer.from('ISA') }]);
    const [mine] = ledger.commitProcessed({ messageId: m.id, state: 'processed', interchanges: [], documents: [{ seq: 1, partnerId: 'northgate', type: 'order', messageType: '850', interchangeControlNumber: '1', groupControlNumber: '1', controlNumber: '1', businessKey: 'ROLES-1', state: 'dead', reason: 'unknown product' }], outbound: [], events: [] });
    const bolt = registry.get('bolt-supply');
    if (!bolt) throw new Error('the bolt-supply partner folder is missing');
    const sent = queueOutbound(ledger, bolt, orderToBolt(733, 'PO-1003'), Date.now(), 'c-po-1003');
    ledger.outboundState(sent, { state: 'sent', attempt: true, event: 'outbound.sent' });
    ledger.exportFailed({ source: 'odoo:sale.order', key: 'northgate:13', partnerId: 'northgate', recordId: 13, name: 'S00013', reason: 'no lines' });
    const failure = ledger.exportFailures().find((f) => f.name === 'S00013');

    for (const path of ['/api/documents', `/api/documents/${mine}`, '/api/acks', '/api/exports', '/metrics']) expect((await call('GET', path, undefined, 'vic-t0ken')).status).toBe(200);
    const actions: [string, unknown][] = [
      ['/api/replay', { documentId: mine }],
      ['/api/discard', { documentId: mine, reason: 'no' }],
      ['/api/resend', { messageId: sent }],
      ['/api/send', { partner: 'bolt-supply', base64: orderToBolt(734, 'PO-1004').toString('base64') }],
      ['/api/exports/dismiss', { id: failure?.id, reason: 'no' }],
    ];
    const before = ledger.counts();
    for (const [path, body] of actions) {
      const r = await call('POST', path, body, 'vic-t0ken');
      expect(r.status).toBe(403);
      expect(await r.json()).toEqual({ error: 'forbidden', message: 'vic is a viewer: reading is allowed, changing anything needs the operator role (http.users in gateway.yaml)', requestId: expect.any(String) });
    }
    expect(ledger.counts()).toEqual(before);
    expect(ledger.document(mine)?.state).toBe('dead');

    // The answers are the same for everyone; the history names who acted.
    expect(await (await call('POST', '/api/discard', { documentId: mine, reason: 'cancelled' }, 'anna-t0ken')).json()).toEqual({ documentId: mine, state: 'discarded' });
    const one = (await (await call('GET', `/api/documents/${mine}`, undefined, 'vic-t0ken')).json()) as { events: { kind: string; detail: string }[] };
    expect(one.events.map((e) => [e.kind, JSON.parse(e.detail) as unknown])).toEqual([
      ['document.dead', { reason: 'unknown product' }],
      ['document.discarded', { reason: 'cancelled', operator: 'anna' }],
    ]);
    const resent = (await (await call('POST', '/api/resend', { messageId: sent }, 'anna-t0ken')).json()) as { messageId: number };
    const resentDetails = ledger.eventsOfMessage(sent).filter((e) => e.kind === 'message.resent').map((e) => JSON.parse(e.detail ?? '{}') as unknown);
    expect(resentDetails).toEqual([{ messageId: resent.messageId, operator: 'anna' }]);
    const queued = (await (await call('POST', '/api/send', { partner: 'bolt-supply', base64: orderToBolt(735, 'PO-1005').toString('base64') })).json()) as { messageId: number };
    expect(ledger.eventsOfMessage(queued.messageId).map((e) => JSON.parse(e.detail ?? '{}') as { operator?: string })[0]?.operator).toBe('gateway');
  });
});
