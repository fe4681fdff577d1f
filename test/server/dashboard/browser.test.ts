/**
 * Purchasing's day in the dashboard, in Debian's Chromium against the running service (ledger file, dir
 * channels, the Odoo sandbox): sign in, see what failed and what is overdue, replay a document after the
 * mapping fix, re-send an interchange whose ack is overdue, partner-named files shown as text, and a
 * list longer than a page.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadGatewayConfig } from '../../../src/config/gateway';
import { startService, type ServiceHandle } from '../../../src/cli/service';
import { ledgerFile } from '../../../src/store';
import { northgateOrders } from '../../support/orders';
import { until } from '../../support/wait';

const ROOT = join(__dirname, '..', '..', '..');
const TOKEN = 'browser-t0ken-123';
const OUR_855 = readFileSync(join(ROOT, 'fixtures', 'edi', 'x12', '004010', '855-po-acknowledgment.edi'));

describe('the dashboard in Chromium', () => {
  let data: string;
  let service: ServiceHandle;
  let browser: Browser;
  let page: Page;
  let base: string;
  const inbound = (): string => join(data, 'exchange', 'northgate', 'inbound');
  const outbound = (): string => join(data, 'exchange', 'northgate', 'outbound');
  const drop = (name: string, bytes: Buffer): void => {
    writeFileSync(join(inbound(), `.${name.length}.tmp`), bytes);
    renameSync(join(inbound(), `.${name.length}.tmp`), join(inbound(), name));
  };
  const sent855 = (): number => readdirSync(outbound()).filter((f) => readFileSync(join(outbound(), f), 'latin1').includes('ST|855|')).length;

  beforeAll(async () => {
    data = mkdtempSync(join(tmpdir(), 'dashboard-browser-'));
    cpSync(join(ROOT, 'mappings'), join(data, 'mappings'), { recursive: true });
    const yaml = join(data, 'gateway.yaml');
    writeFileSync(yaml, `dataDir: ${JSON.stringify(data)}\npartners: ${JSON.stringify(join(ROOT, 'partners'))}\nmappings: ${JSON.stringify(join(data, 'mappings'))}\nhttp:\n  port: 0\n  token: { env: DASHBOARD_TOKEN }\n`);
    service = await startService({ config: loadGatewayConfig(yaml), sandbox: {}, env: { DASHBOARD_TOKEN: TOKEN }, settleMs: 0, dirPollMs: 30, logger: pino({ level: 'silent' }) });
    base = service.http?.url ?? '';
    const ledger = service.ledger;
    // Three orders, the second with a unit Northgate's mapping does not know; a file of no partner; an 855 of ours.
    drop('batch.edi', northgateOrders({ icn: 800, count: 3, badUnitAt: [2] }));
    drop('x<img src=y onerror=alert(1)>.edi', Buffer.from('this is not EDI'));
    await until(() => (ledger.counts().documents.posted ?? 0) === 2 && (ledger.counts().documents.dead ?? 0) === 1 && (ledger.counts().messages.failed ?? 0) === 1, 20_000, 'the batch');
    const ours = service.gateway.enqueue('northgate', OUR_855);
    await until(() => ledger.message(ours)?.state === 'sent', 10_000, 'our 855 sent');
    // Its 997 never came: the deadline passed (written as another process would, through the file).
    const db = new Database(ledgerFile(data));
    db.prepare('UPDATE expected_acks SET deadline = 1 WHERE message_id = ?').run(ours);
    db.close();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
    page = await browser.newPage();
    page.setDefaultTimeout(5000);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it('asks for the token, and refuses a wrong one', async () => {
    await page.goto(`${base}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');
    await page.fill('#token', 'not-the-token');
    await page.click('button[type=submit]');
    expect(await page.textContent('.notice')).toBe('That is not the gateway token.');
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    expect(await page.textContent('h1')).toBe('Partners');
  });

  it('shows per partner what failed and what is overdue', async () => {
    expect(await page.textContent('#total-failed')).toBe('1');
    expect(await page.textContent('#total-overdue')).toBe('1');
    expect(await page.textContent('#total-attention')).toBe('1');
    const northgate = page.locator('tr[data-partner="northgate"]');
    expect(await northgate.locator('[data-col=failed]').textContent()).toBe('1');
    expect(await northgate.locator('[data-col=overdue]').textContent()).toBe('1');
    expect(await northgate.locator('td').first().textContent()).toContain('Northgate Industrial Distribution');
  });

  it('opens the failed document with its reason, and replays it after the mapping fix', async () => {
    await page.locator('tr[data-partner="northgate"] [data-col=failed] a').click();
    const row = page.locator('#documents tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toMatch(/segment PO1 at position \d+, element PO103/);
    await row.locator('a').first().click();
    expect(await page.textContent('#state')).toContain('dead');
    expect(await page.textContent('.events')).toContain('document.dead');

    // The fix: Northgate's unit table learns ZZ.
    const file = join(data, 'mappings', 'northgate', '850.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('    CA: Case of 12', '    CA: Case of 12\n    ZZ: Units'));
    const before = page.url();
    await page.click('text=Replay with the current mapping');
    expect(page.url()).not.toBe(before);
    expect(await page.textContent('.notice')).toBe('Replayed from the stored bytes with the current mappings.');
    await until(async () => {
      await page.reload();
      return ((await page.textContent('#state')) ?? '').includes('posted');
    }, 15_000, 'the replayed document posted');
    expect(service.sandbox?.data.count('sale.order')).toBe(3);
    expect(await page.textContent('dl')).toMatch(/Replays\s*document \d+/);
  });

  it('finds an order by its number from any page', async () => {
    await page.fill('header input[name=q]', 'PO-800-2');
    await page.click('header button:has-text("Find")');
    expect(await page.textContent('h1')).toBe('Number PO-800-2');
    const rows = page.locator('#documents tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.textContent()).toMatch(/northgate.*order.*PO-800-2.*posted/s);
  });

  it('shows a file named by the partner as text, not markup', async () => {
    await page.goto(`${base}/dashboard/messages?state=failed`);
    const row = page.locator('#messages tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('x<img src=y onerror=alert(1)>.edi');
    expect(await page.locator('#messages img').count()).toBe(0);
  });

  it('re-sends our interchange whose acknowledgment is overdue', async () => {
    await page.click('text=Acknowledgments');
    const overdue = page.locator('#acks tbody tr', { hasText: 'overdue' });
    expect(await overdue.count()).toBe(1);
    expect(await overdue.textContent()).toContain('855');
    expect(sent855()).toBe(1);
    await overdue.locator('button', { hasText: 'Re-send' }).click();
    expect(await page.textContent('.notice')).toBe('Queued to be sent again.');
    await until(() => sent855() === 2, 10_000, 'the copy in the outbound folder');
    await until(async () => {
      await page.reload();
      return ((await page.textContent('#state')) ?? '').includes('sent');
    }, 10_000, 'the copy sent');
    expect(await page.textContent('dl')).toMatch(/Re-sends\s*message \d+/);
  });

  it('pages a long list: Older shows the rest with the filters kept, Newest the first page again', async () => {
    // 201 documents set aside, written as another process would, through the file.
    const db = new Database(ledgerFile(data));
    const add = db.prepare(`INSERT INTO documents (message_id, seq, partner_id, type, state, correlation_id, created_at, updated_at) SELECT MIN(id), ?, 'northgate', 'order', 'ignored', 'c-paging', 1, 1 FROM messages`);
    db.transaction(() => {
      for (let i = 0; i < 201; i++) add.run(i);
    })();
    db.close();
    await page.goto(`${base}/dashboard/documents?state=ignored&partner=northgate`);
    const rows = page.locator('#documents tbody tr');
    expect(await rows.count()).toBe(200);
    const last = Number(await rows.last().getAttribute('data-id'));
    await page.click('text=Older →');
    expect(await rows.count()).toBe(1);
    expect(Number(await rows.first().getAttribute('data-id'))).toBeLessThan(last);
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ state: 'ignored', partner: 'northgate', before: String(last) });
    expect(await page.locator('text=Older →').count()).toBe(0);
    await page.click('text=Newest');
    expect(await rows.count()).toBe(200);
  });

  it('signs out', async () => {
    await page.click('text=Sign out');
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');
    await page.goto(`${base}/dashboard/acks`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/login');
  });
});
