/** The dashboard over HTTP with a real ledger: sign-in, the pages, CSRF and origin checks, limits, actions. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { loadPartners } from '../../../src/partners';
import { Gateway } from '../../../src/pipeline/gateway';
import { GatewayMetrics } from '../../../src/pipeline/metrics';
import { nullSink } from '../../../src/pipeline/sink';
import { startHttpServer, type HttpServerHandle } from '../../../src/server';
import { registerDashboard } from '../../../src/server/dashboard/routes';
import type { OperatorToken } from '../../../src/server/operators';
import { SqliteLedger } from '../../../src/store';

const TOKEN = 'dash-t0ken';
const registry = loadPartners(join(__dirname, '..', '..', '..', 'partners'), { dataRoot: '/nonexistent-data' });

/** A dashboard on a real HTTP server over `ledger` (with the named `users` of http.users), and a person's requests to it. */
function dashboardRig(ledger: SqliteLedger, users: readonly OperatorToken[] = []) {
  const gateway = new Gateway({ ledger, registry, sink: nullSink(), logger: pino({ level: 'silent' }) });
  let http: HttpServerHandle | undefined;
  const url = (): string => {
    if (!http) throw new Error('the dashboard is not started');
    return http.url;
  };
  const get = (path: string, cookie?: string) => fetch(`${url()}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const post = (path: string, form: Record<string, string>, o: { cookie?: string; origin?: string; body?: string } = {}) =>
    fetch(`${url()}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(o.cookie ? { cookie: o.cookie } : {}), ...(o.origin ? { origin: o.origin } : {}) },
      body: o.body ?? new URLSearchParams(form).toString(),
    });
  return {
    url,
    get,
    post,
    async start(): Promise<void> {
      http = await startHttpServer({ metrics: new GatewayMetrics({ processMetrics: false }), checks: { ledger: () => undefined, odoo: () => undefined }, auth: { token: TOKEN, users } });
      registerDashboard(http, { ledger, registry, gateway, token: TOKEN, users, secure: false });
    },
    async close(): Promise<void> {
      await http?.close();
      ledger.close();
    },
    async signIn(token = TOKEN): Promise<{ cookie: string; csrf: string }> {
      const r = await post('/dashboard/login', { token });
      expect(r.status).toBe(303);
      const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0];
      const page = await (await get('/dashboard', cookie)).text();
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
      if (!csrf) throw new Error('no csrf field on the overview');
      return { cookie, csrf };
    },
  };
}

describe('the dashboard over HTTP', () => {
  const ledger = new SqliteLedger({ file: ':memory:' });
  const rig = dashboardRig(ledger);
  const { get, post, signIn } = rig;
  let dead: number;
  let posted: number;
  let odd: number;
  beforeAll(async () => {
    const [m] = ledger.receiveMany([{ channel: 'dir', source: 'orders.edi', partnerId: 'northgate', bytes: Buffer.from('ISA*00*') }]);
    const doc = (seq: number, state: 'dead' | 'posted', key: string) => ({ seq, partnerId: 'northgate', type: 'order', messageType: '850', interchangeControlNumber: '1', groupControlNumber: '1', controlNumber: String(seq), businessKey: key, state, reason: state === 'dead' ? 'unit <ZZ> is not known' : undefined });
    [dead, posted] = ledger.commitProcessed({ messageId: m.id, state: 'processed', interchanges: [], documents: [doc(1, 'dead', 'PO-1'), doc(2, 'posted', 'PO-2')], outbound: [], events: [] });
    // A partner names its own files: the name is shown as text, never as markup.
    [{ id: odd }] = ledger.receiveMany([{ channel: 'dir', source: '<script>alert(1)</script>.edi', bytes: Buffer.from('not edi <b>at all</b>') }]);
    ledger.messageState(odd, 'failed', 'dir file <script>alert(1)</script>.edi: no interchange found', 'message.failed');
    await rig.start();
  });
  afterAll(() => rig.close());

  it('sends a person who is not signed in to the sign-in page, with strict headers', async () => {
    const r = await get('/dashboard/documents');
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/dashboard/login');
    const login = await get('/dashboard/login');
    expect(login.status).toBe(200);
    expect(login.headers.get('content-security-policy')).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    expect(login.headers.get('x-frame-options')).toBe('DENY');
    expect(await login.text()).toContain('name="token"');
    // The API's bearer token is not a session: the browser pages ask for a cookie.
    const bearer = await fetch(`${rig.url()}/dashboard`, { redirect: 'manual', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(bearer.status).toBe(303);
  });

  it('refuses a wrong token with 401 and signs in with the right one', async () => {
    const wrong = await post('/dashboard/login', { token: 'nope' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('That is not the gateway token.');
    const ok = await post('/dashboard/login', { token: TOKEN });
    expect(ok.headers.get('set-cookie')).toMatch(/^edi_session=[\w-]{40,}; Path=\/dashboard; HttpOnly; SameSite=Strict/);
  });

  it('shows the overview, lists and detail pages with partner data as text', async () => {
    const { cookie } = await signIn();
    const overview = await (await get('/dashboard', cookie)).text();
    expect(overview).toMatch(/<tr data-partner="northgate">[\s\S]*?data-col="failed"><a class="bad" href="\/dashboard\/documents\?state=dead%2Cparked%2Cheld&amp;partner=northgate">1<\/a>/);
    expect(overview).toMatch(/id="total-failed">1</);
    const list = await (await get('/dashboard/documents', cookie)).text();
    expect(list).toContain(`data-id="${dead}"`);
    expect(list).not.toContain(`data-id="${posted}"`);
    expect(list).toContain('unit &lt;ZZ&gt; is not known');
    const one = await (await get(`/dashboard/documents/${dead}`, cookie)).text();
    expect(one).toContain('Replay with the current mapping');
    expect(one).toContain('document.dead');
    const failed = await (await get('/dashboard/messages?state=failed', cookie)).text();
    expect(failed).toContain('&lt;script&gt;alert(1)&lt;/script&gt;.edi');
    expect(failed).not.toContain('<script>');
    const northgate = await (await get('/dashboard/messages?partner=northgate', cookie)).text();
    expect(northgate).toContain('orders.edi');
    expect(northgate).not.toContain(`data-id="${odd}"`);
    const raw = await (await get(`/dashboard/messages/${odd}`, cookie)).text();
    expect(raw).toContain('not edi &lt;b&gt;at all&lt;/b&gt;');
  });

  it('shows what posting did in Odoo and the history as lines to read, not as the JSON the ledger keeps', async () => {
    const [m] = ledger.receiveMany([{ channel: 'dir', source: 'one.edi', partnerId: 'northgate', bytes: Buffer.from('ISA*00*') }]);
    const [id] = ledger.commitProcessed({ messageId: m.id, state: 'processed', interchanges: [], documents: [{ seq: 1, partnerId: 'northgate', type: 'order', messageType: '850', interchangeControlNumber: '1', groupControlNumber: '1', controlNumber: '9', businessKey: 'PO-9', state: 'mapped', canonical: '{}' }], outbound: [], events: [] });
    const result = [
      { model: 'res.partner', id: 31, name: 'Northgate <DC>', action: 'found', notes: ['delivery address'] },
      { model: 'sale.order', id: 7, name: 'S00007', action: 'created', notes: ['confirmed'] },
    ];
    ledger.documentState(id, { state: 'posted', attempt: true, result, event: 'document.posted', detail: { records: ['found res.partner 31', 'created sale.order 7 S00007'], attempt: 1 } });
    const { cookie } = await signIn();
    const page = await (await get(`/dashboard/documents/${id}`, cookie)).text();
    expect(page).toContain('<dd id="odoo">found res.partner 31 Northgate &lt;DC&gt; (delivery address)<br>created sale.order 7 S00007 (confirmed)</dd>');
    expect(page).toContain('<div><span class="muted">records</span> found res.partner 31<br>created sale.order 7 S00007</div><div><span class="muted">attempt</span> 1</div>');
    expect(page).toContain('<td>document.posted</td>');
  });

  it('finds documents by a business number, and says so when nothing has it', async () => {
    const { cookie } = await signIn();
    const found = await (await get('/dashboard/search?q=PO-1', cookie)).text();
    expect(found).toContain(`data-id="${dead}"`);
    expect(found).not.toContain(`data-id="${posted}"`);
    const none = await (await get(`/dashboard/search?q=${encodeURIComponent('<i>X</i>')}`, cookie)).text();
    expect(none).toContain('Nothing in the ledger has the number &lt;i&gt;X&lt;/i&gt;');
    expect(await (await get('/dashboard/search', cookie)).text()).toContain('Find a number');
  });

  it('answers unknown states, ids and pages with an error page', async () => {
    const { cookie } = await signIn();
    const bad = await get('/dashboard/documents?state=nonsense', cookie);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('unknown state &quot;nonsense&quot;');
    expect((await get('/dashboard/documents/abc', cookie)).status).toBe(404);
    expect((await get('/dashboard/documents/99999', cookie)).status).toBe(404);
    expect((await get('/dashboard/nowhere', cookie)).status).toBe(404);
  });

  it('acts only on a form with the session\'s CSRF token, from this origin, within the size limit', async () => {
    const { cookie, csrf } = await signIn();
    const path = `/dashboard/documents/${dead}/discard`;
    expect((await post(path, { reason: 'x' }, { cookie })).status).toBe(403);
    expect((await post(path, { reason: 'x', csrf: 'forged' }, { cookie })).status).toBe(403);
    expect((await post(path, { reason: 'x', csrf }, { cookie, origin: 'http://evil.example' })).status).toBe(403);
    expect((await post(path, { reason: 'x', csrf })).status).toBe(303); // no session: to the sign-in page
    expect((await post(path, {}, { cookie, body: `csrf=${csrf}&reason=${'x'.repeat(20_000)}` })).status).toBe(413);
    expect((await post(path, { reason: ' ', csrf }, { cookie })).status).toBe(400);
    expect(ledger.document(dead)?.state).toBe('dead');
  });

  it('discards with the reason kept in the history, and refuses what cannot be done with 409', async () => {
    const { cookie, csrf } = await signIn();
    const r = await post(`/dashboard/documents/${dead}/discard`, { reason: 'customer cancelled by phone', csrf }, { cookie });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`/dashboard/documents/${dead}?done=discarded`);
    expect(ledger.document(dead)).toMatchObject({ state: 'discarded', reason: 'discarded from the dashboard by gateway: customer cancelled by phone' });
    expect(await (await get(r.headers.get('location') ?? '', cookie)).text()).toContain('Discarded: it will not be posted.');
    const again = await post(`/dashboard/documents/${posted}/replay`, { csrf }, { cookie });
    expect(again.status).toBe(409);
    expect(await again.text()).toMatch(/is posted: only .* documents are replayed/);
    const inbound = await post(`/dashboard/messages/${odd}/resend`, { csrf }, { cookie });
    expect(inbound.status).toBe(409);
  });

  it('shows the records of Odoo that could not be sent, counted on the overview, and dismisses one with its reason', async () => {
    ledger.exportFailed({ source: 'odoo:account.move', key: 'northgate:7', partnerId: 'northgate', recordId: 7, name: 'INV/2026/00007', reason: 'it cannot be rendered as 810: IT1 <unit> is missing' });
    const { cookie, csrf } = await signIn();
    const overview = await (await get('/dashboard', cookie)).text();
    expect(overview).toMatch(/<tr data-partner="northgate">[\s\S]*?data-col="not-sent"><a class="bad" href="\/dashboard\/exports\?partner=northgate">1<\/a>/);
    const list = await (await get('/dashboard/exports?partner=northgate', cookie)).text();
    expect(list).toContain('account.move INV/2026/00007');
    expect(list).toContain('IT1 &lt;unit&gt; is missing');
    expect(await (await get('/dashboard/exports?partner=keystone', cookie)).text()).toContain('None.');
    const [failure] = ledger.exportFailures();
    const empty = await post(`/dashboard/exports/${failure!.id}/dismiss`, { reason: ' ', csrf }, { cookie });
    expect(empty.status).toBe(400);
    const r = await post(`/dashboard/exports/${failure!.id}/dismiss`, { reason: 'sent on paper', csrf }, { cookie });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/dashboard/exports?done=dismissed');
    expect(ledger.exportFailures()).toEqual([]);
    expect(ledger.exported('odoo:account.move', 'northgate:7')).toBeNull();
    expect(await (await get('/dashboard/exports?done=dismissed', cookie)).text()).toContain('Dismissed: the record will not be sent.');
    expect((await post(`/dashboard/exports/${failure!.id}/dismiss`, { reason: 'again', csrf }, { cookie })).status).toBe(404);
  });

  it('signs out: the session no longer opens pages', async () => {
    const { cookie, csrf } = await signIn();
    const r = await post('/dashboard/logout', { csrf }, { cookie });
    expect(r.status).toBe(303);
    expect(r.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect((await get('/dashboard', cookie)).status).toBe(303);
  });
});

describe('the dashboard lists, a page at a time', () => {
  const ledger = new SqliteLedger({ file: ':memory:' });
  const rig = dashboardRig(ledger);
  const partnerOf = (i: number): string => (i % 2 === 0 ? 'northgate' : 'bolt-supply');
  /** The 450 documents in creation order, and the 600 outbound messages with their expected acks. */
  let docs: { id: number; partner: string; state: 'dead' | 'posted' }[];
  let sent: { messageId: number; ackId: number; partner: string; overdue: boolean }[];
  let cookie: string;
  beforeAll(async () => {
    const [m] = ledger.receiveMany([{ channel: 'dir', source: 'big.edi', bytes: Buffer.from('ISA*00*') }]);
    const spec = Array.from({ length: 450 }, (_, i) => ({ partner: partnerOf(i), state: i % 3 === 0 ? ('dead' as const) : ('posted' as const) }));
    const ids = ledger.commitProcessed({
      messageId: m.id,
      state: 'processed',
      interchanges: [],
      documents: spec.map((d, i) => ({ seq: i, partnerId: d.partner, type: 'order', messageType: '850', interchangeControlNumber: '1', groupControlNumber: '1', controlNumber: String(i), businessKey: `PO-${i}`, state: d.state })),
      outbound: [],
      events: [],
    });
    docs = spec.map((d, i) => ({ id: ids[i], ...d }));
    // The oldest 40 interchanges we sent were never acknowledged: their deadline passed long ago.
    sent = Array.from({ length: 600 }, (_, i) => {
      const overdue = i < 40;
      const messageId = ledger.enqueue({ partnerId: partnerOf(i), channel: 'dir', name: `inv-${i}.edi`, bytes: Buffer.from(`ISA ${i}`), correlationId: `c-${i}`, messageType: '810', interchangeControlNumber: String(i), expects: [{ ackType: '997', interchangeControlNumber: String(i), messageType: '810', deadline: overdue ? 1 : Date.now() + 86_400_000 }] });
      const [ack] = ledger.expectedAcks(partnerOf(i), String(i));
      return { messageId, ackId: ack.id, partner: partnerOf(i), overdue };
    });
    await rig.start();
    ({ cookie } = await rig.signIn());
  });
  afterAll(() => rig.close());

  const unescape = (href: string): string => href.replace(/&amp;/g, '&');
  /** One list page: the ids of its rows (with the partner column of acks), and its Older and Newest links. */
  async function page(path: string): Promise<{ ids: number[]; partners: string[]; older?: string; newest?: string }> {
    const r = await rig.get(path, cookie);
    expect(r.status).toBe(200);
    const text = await r.text();
    const rows = [...text.matchAll(/<tr data-id="(\d+)"><td(?: class="n")?>(?:<a [^>]*>\d+<\/a>)?([^<]*)<\/td>/g)];
    const older = /<a rel="next" href="([^"]+)">Older →<\/a>/.exec(text)?.[1];
    const newest = /<a href="([^"]+)">Newest<\/a>/.exec(text)?.[1];
    return { ids: rows.map((x) => Number(x[1])), partners: rows.map((x) => x[2]), ...(older ? { older: unescape(older) } : {}), ...(newest ? { newest: unescape(newest) } : {}) };
  }
  /** Every page of a list from its first, following Older; each page after the first links back to `first`. */
  async function allPages(first: string): Promise<{ ids: number[][]; partners: string[]; links: string[] }> {
    const pages: { ids: number[][]; partners: string[]; links: string[] } = { ids: [], partners: [], links: [] };
    let next: string | undefined = first;
    while (next) {
      const p = await page(next);
      if (pages.ids.length === 0) expect(p.newest).toBeUndefined();
      else expect(p.newest).toBe(first);
      pages.ids.push(p.ids);
      pages.partners.push(...p.partners);
      if (p.older) pages.links.push(p.older);
      next = p.older;
    }
    return pages;
  }
  const newestFirst = (ids: number[]): number[] => [...ids].sort((a, b) => b - a);

  it('pages documents 200 at a time, newest first, each row once, with the states kept', async () => {
    const first = '/dashboard/documents?state=dead%2Cposted';
    const { ids, links } = await allPages(first);
    expect(ids.map((p) => p.length)).toEqual([200, 200, 50]);
    expect(ids.flat()).toEqual(newestFirst(docs.map((d) => d.id)));
    expect(links).toEqual([`${first}&before=${ids[0][199]}`, `${first}&before=${ids[1][199]}`]);
    // The failed ones (the default) fit on one page: no page links at all.
    const failed = await page('/dashboard/documents');
    expect(failed.ids).toEqual(newestFirst(docs.filter((d) => d.state === 'dead').map((d) => d.id)));
    expect(failed.older ?? failed.newest).toBeUndefined();
  });

  it("keeps a partner's filter across pages of documents", async () => {
    const { ids, links } = await allPages('/dashboard/documents?state=posted%2Cdead&partner=northgate');
    expect(ids.map((p) => p.length)).toEqual([200, 25]);
    expect(ids.flat()).toEqual(newestFirst(docs.filter((d) => d.partner === 'northgate').map((d) => d.id)));
    expect(links).toEqual([`/dashboard/documents?state=posted%2Cdead&partner=northgate&before=${ids[0][199]}`]);
  });

  it('pages messages of a direction and a partner, the last full page without an Older link', async () => {
    const outbound = await allPages('/dashboard/messages?direction=outbound');
    expect(outbound.ids.map((p) => p.length)).toEqual([200, 200, 200]);
    expect(outbound.ids.flat()).toEqual(newestFirst(sent.map((s) => s.messageId)));
    const bolt = await allPages('/dashboard/messages?direction=outbound&partner=bolt-supply');
    expect(bolt.links[0]).toMatch(/^\/dashboard\/messages\?direction=outbound&partner=bolt-supply&before=\d+$/);
    expect(bolt.ids.flat()).toEqual(newestFirst(sent.filter((s) => s.partner === 'bolt-supply').map((s) => s.messageId)));
  });

  it('shows overdue acks older than the newest 500, and filters acks by partner in the ledger', async () => {
    const overdue = sent.filter((s) => s.overdue).map((s) => s.ackId);
    // The case the list once missed: none of the overdue ones is among the newest 500.
    expect(ledger.expectedAckList(500).filter((a) => overdue.includes(a.id))).toEqual([]);
    const shown = await page('/dashboard/acks?state=overdue');
    expect(shown.ids).toEqual(newestFirst(overdue));
    expect(shown.older).toBeUndefined();
    const northgate = await page('/dashboard/acks?state=overdue&partner=northgate');
    expect(northgate.ids).toEqual(newestFirst(sent.filter((s) => s.overdue && s.partner === 'northgate').map((s) => s.ackId)));
    expect(new Set(northgate.partners)).toEqual(new Set(['northgate']));
    const bolt = await allPages('/dashboard/acks?partner=bolt-supply');
    expect(bolt.ids.map((p) => p.length)).toEqual([200, 100]);
    expect(bolt.ids.flat()).toEqual(newestFirst(sent.filter((s) => s.partner === 'bolt-supply').map((s) => s.ackId)));
    expect(new Set(bolt.partners)).toEqual(new Set(['bolt-supply']));
    expect(bolt.links).toEqual([`/dashboard/acks?partner=bolt-supply&before=${bolt.ids[0][199]}`]);
  });

  it('answers a page number that is not one with 400, and past the oldest row with an empty page', async () => {
    for (const before of ['0', '-1', 'x', '1e3', '1.5', '007', '99999999999999999']) {
      for (const list of ['documents', 'messages', 'acks']) {
        const r = await rig.get(`/dashboard/${list}?before=${before}`, cookie);
        expect([list, before, r.status]).toEqual([list, before, 400]);
        expect(await r.text()).toMatch(/before is (a whole number from 1|at most 9007199254740991)/);
      }
    }
    const r = await rig.get(`/dashboard/documents?partner=${'p'.repeat(101)}`, cookie);
    expect(r.status).toBe(400);
    // An empty parameter is no parameter: the form's "all" and "any".
    expect((await page('/dashboard/documents?state=&partner=&before=')).ids).toEqual(newestFirst(docs.filter((d) => d.state === 'dead').map((d) => d.id)));
    const past = await page(`/dashboard/documents?state=dead&before=${docs[0].id}`);
    expect(past).toEqual({ ids: [], partners: [], newest: '/dashboard/documents?state=dead' });
  });
});

describe('the dashboard of named users, across restarts', () => {
  const ANNA: OperatorToken = { name: 'anna', role: 'operator', token: 'anna-t0ken' };
  const VIC: OperatorToken = { name: 'vic', role: 'viewer', token: 'vic-t0ken' };
  const file = join(mkdtempSync(join(tmpdir(), 'dash-users-')), 'ledger.sqlite');
  let rig = dashboardRig(new SqliteLedger({ file }), [ANNA, VIC]);
  let ledger: SqliteLedger;
  let dead: number;
  let other: number;
  let messageId: number;
  /** Stop the server and close the ledger, then open both again on the same file with `users`. */
  const restart = async (users: readonly OperatorToken[]): Promise<void> => {
    await rig.close();
    ledger = new SqliteLedger({ file });
    rig = dashboardRig(ledger, users);
    await rig.start();
  };
  beforeAll(async () => {
    await restart([ANNA, VIC]);
    const [m] = ledger.receiveMany([{ channel: 'dir', source: 'orders.edi', partnerId: 'northgate', bytes: Buffer.from('ISA*00*') }]);
    messageId = m.id;
    const doc = (seq: number) => ({ seq, partnerId: 'northgate', type: 'order', messageType: '850', interchangeControlNumber: '1', groupControlNumber: '1', controlNumber: String(seq), businessKey: `PO-${seq}`, state: 'dead' as const, reason: 'no such unit' });
    [dead, other] = ledger.commitProcessed({ messageId: m.id, state: 'processed', interchanges: [], documents: [doc(1), doc(2)], outbound: [], events: [] });
    ledger.exportFailed({ source: 'odoo:account.move', key: 'northgate:9', partnerId: 'northgate', recordId: 9, name: 'INV/9', reason: 'no lines' });
  });
  afterAll(() => rig.close());

  it('lets a viewer read every page but refuses each action with 403, changing nothing', async () => {
    const { cookie, csrf } = await rig.signIn(VIC.token);
    const overview = await (await rig.get('/dashboard', cookie)).text();
    expect(overview).toContain('<span class="who" data-role="viewer">vic (viewer)</span>');
    for (const path of [`/dashboard/documents/${dead}`, `/dashboard/messages/${messageId}`, '/dashboard/exports', '/dashboard/acks']) expect((await rig.get(path, cookie)).status).toBe(200);
    const [failure] = ledger.exportFailures();
    for (const path of [`/dashboard/documents/${dead}/replay`, `/dashboard/documents/${dead}/discard`, `/dashboard/messages/${messageId}/replay`, `/dashboard/messages/${messageId}/resend`, `/dashboard/exports/${failure!.id}/dismiss`]) {
      const r = await rig.post(path, { csrf, reason: 'not mine to decide' }, { cookie });
      expect(r.status).toBe(403);
      expect(await r.text()).toContain('vic is a viewer: reading is allowed, changing anything needs the operator role');
    }
    expect(ledger.document(dead)?.state).toBe('dead');
    expect(ledger.exportFailures()).toHaveLength(1);
    expect(ledger.eventsOfMessage(messageId).map((e) => e.kind)).toEqual(['document.dead', 'document.dead']);
    // Signing out is no change to the ledger's documents: a viewer may.
    expect((await rig.post('/dashboard/logout', { csrf }, { cookie })).status).toBe(303);
  });

  it("records an operator's discard and dismissal under their name, shown in the history", async () => {
    const { cookie, csrf } = await rig.signIn(ANNA.token);
    expect((await rig.post(`/dashboard/documents/${dead}/discard`, { csrf, reason: 'cancelled by phone' }, { cookie })).status).toBe(303);
    expect(ledger.document(dead)?.reason).toBe('discarded from the dashboard by anna: cancelled by phone');
    const event = ledger.eventsOfDocument(dead).find((e) => e.kind === 'document.discarded');
    expect(JSON.parse(event?.detail ?? '{}')).toEqual({ reason: 'discarded from the dashboard by anna: cancelled by phone', operator: 'anna' });
    const page = await (await rig.get(`/dashboard/documents/${dead}`, cookie)).text();
    expect(page).toMatch(/<td>document\.discarded<\/td><td data-col="by">anna<\/td>/);
    // The detail is read as text: the reason alone, not the JSON the ledger keeps.
    expect(page).toContain('<td data-col="by">anna</td><td>discarded from the dashboard by anna: cancelled by phone</td>');
    expect(page).not.toContain('{&quot;reason&quot;');
    const history = await (await rig.get(`/dashboard/messages/${messageId}`, cookie)).text();
    expect(history).toMatch(/<td>document\.discarded<\/td><td data-col="by">anna<\/td>/);
    const [failure] = ledger.exportFailures();
    expect((await rig.post(`/dashboard/exports/${failure!.id}/dismiss`, { csrf, reason: 'sent on paper' }, { cookie })).status).toBe(303);
    expect(ledger.exportFailures()).toEqual([]);
    const db = new Database(file, { readonly: true });
    const dismissed = db.prepare("SELECT detail FROM events WHERE kind = 'export.dismissed'").pluck().get() as string;
    db.close();
    expect(JSON.parse(dismissed)).toMatchObject({ name: 'INV/9', reason: 'dismissed from the dashboard by anna: sent on paper', operator: 'anna' });
  });

  it('keeps a session across a restart of the server and the ledger, and ends a removed or demoted user\'s', async () => {
    const anna = await rig.signIn(ANNA.token);
    const vic = await rig.signIn(VIC.token);
    await restart([ANNA, VIC]);
    expect((await rig.get('/dashboard', anna.cookie)).status).toBe(200);
    // The CSRF token came back from the ledger with the session: a form of the page before the restart still works.
    expect((await rig.post(`/dashboard/documents/${other}/discard`, { csrf: anna.csrf, reason: 'duplicate' }, { cookie: anna.cookie })).status).toBe(303);
    expect(ledger.document(other)?.state).toBe('discarded');
    expect((await rig.get('/dashboard', vic.cookie)).status).toBe(200);

    await restart([ANNA]);
    const gone = await rig.get('/dashboard', vic.cookie);
    expect(gone.status).toBe(303);
    expect(gone.headers.get('location')).toBe('/dashboard/login');
    expect((await rig.get('/dashboard', anna.cookie)).status).toBe(200);

    await restart([{ ...ANNA, role: 'viewer' }]);
    expect((await rig.get('/dashboard', anna.cookie)).status).toBe(303);
    // Signed in again, anna has the rights the configuration gives her now.
    const again = await rig.signIn(ANNA.token);
    expect((await rig.post(`/dashboard/messages/${messageId}/replay`, { csrf: again.csrf }, again)).status).toBe(403);
  });
});
