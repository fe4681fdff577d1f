/**
 * Odoo's log access columns (create_date, write_date, create_uid, write_uid) and account.tax's
 * country_id, over the sandbox's RPC as 17, 18 and 19: what create, write, a model's own methods,
 * an order line's own create, write or unlink and a chatter note do to them, and that they read,
 * search and sort like any stored field.
 */
import type { OdooClient, OdooRecord } from '../../src/odoo';
import { startSandbox, type SandboxHandle } from '../../src/odoo/sandbox';
import { API_KEY, client, DB, LOGIN, PASSWORD } from './helpers';

const VERSIONS = ['17.0', '18.0-20250702', '19.0'];
const LOG_ACCESS = ['create_uid', 'create_date', 'write_uid', 'write_date'];
const STAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
/** The seed's admin user (res.users 2) and company country (United States). */
const ADMIN = 2;
const US = 233;

interface Run {
  version: string;
  sb: SandboxHandle;
  c: OdooClient;
  /** Two purchase orders and a sale order made before the pause, and their dates then. */
  so: number;
  po: number;
  noted: number;
  /** Orders whose lines are created, written or deleted on their own after the pause. */
  fed: Record<'added' | 'renamed' | 'emptied' | 'requantified' | 'redated', { model: string; id: number }>;
  before: Map<string, OdooRecord>;
}

const runs: Run[] = [];

/** The time the sandbox answers with now, as Odoo writes it (UTC, to the second). */
const utcNow = (): string => new Date().toISOString().slice(0, 19).replace('T', ' ');

async function dates(c: OdooClient, model: string, id: number): Promise<OdooRecord> {
  const [r] = await c.read(model, [id], LOG_ACCESS);
  return r!;
}

beforeAll(async () => {
  for (const version of VERSIONS) {
    const sb = await startSandbox({ apiKey: API_KEY, password: PASSWORD, login: LOGIN, db: DB, host: '127.0.0.1', port: 0, serverVersion: version });
    const c = client(sb, version.startsWith('19') ? 'json2' : 'jsonrpc');
    const so = await c.create('sale.order', { partner_id: 30, order_line: [[0, 0, { product_id: 5, product_uom_qty: 2 }]] });
    const [po, noted] = await c.create('purchase.order', [
      { partner_id: 20, order_line: [[0, 0, { product_id: 5, product_qty: 3 }]] },
      { partner_id: 21, order_line: [[0, 0, { product_id: 8, product_qty: 1 }]] },
    ]);
    const [added, renamed, emptied] = await c.create('sale.order', [0, 1, 2].map(() => ({ partner_id: 30, order_line: [[0, 0, { product_id: 5, product_uom_qty: 1 }]] })));
    const [requantified, redated] = await c.create('purchase.order', [
      { partner_id: 20, order_line: [[0, 0, { product_id: 5, product_qty: 1 }]] },
      {
        partner_id: 20,
        order_line: [
          [0, 0, { product_id: 5, product_qty: 1, date_planned: '2030-01-01 12:00:00' }],
          [0, 0, { product_id: 8, product_qty: 1, date_planned: '2030-02-01 12:00:00' }],
        ],
      },
    ]);
    const sale = (id: number | undefined) => ({ model: 'sale.order', id: id! });
    const purchase = (id: number | undefined) => ({ model: 'purchase.order', id: id! });
    const fed = { added: sale(added), renamed: sale(renamed), emptied: sale(emptied), requantified: purchase(requantified), redated: purchase(redated) };
    const before = new Map([
      ['so', await dates(c, 'sale.order', so)],
      ['po', await dates(c, 'purchase.order', po!)],
      ['noted', await dates(c, 'purchase.order', noted!)],
      ...(await Promise.all(Object.entries(fed).map(async ([key, { model, id }]) => [key, await dates(c, model, id)] as const))),
    ]);
    runs.push({ version, sb, c, so, po: po!, noted: noted!, fed, before });
  }
  // One real pause for every version: the sandbox's clock is the wall clock, to the second as Odoo's.
  await new Promise((r) => setTimeout(r, 1100));
});

afterAll(async () => {
  for (const r of runs) await r.sb.close();
});

describe.each(VERSIONS)('Odoo %s: create_date and write_date', (version) => {
  const run = (): Run => runs.find((r) => r.version === version)!;

  test('create stamps both with one time and the caller; values given for them are ignored', async () => {
    const { c, so, before } = run();
    const d = before.get('so')!;
    expect(d.create_date).toMatch(STAMP);
    expect(d.write_date).toBe(d.create_date);
    expect(d.create_uid).toEqual([ADMIN, expect.any(String)]);
    expect(d.write_uid).toEqual(d.create_uid);
    // the order's lines were made in the same call, at the same time
    const [order] = await c.read('sale.order', [so], ['order_line']);
    const lines = await c.read('sale.order.line', order!.order_line as number[], ['create_date', 'write_date']);
    for (const l of lines) expect([l.create_date, l.write_date]).toEqual([d.create_date, d.create_date]);
    const id = await c.create('res.partner', { name: 'Backdated', create_date: '2001-01-01 00:00:00', write_date: '2001-01-01 00:00:00', create_uid: 1 });
    const p = await dates(c, 'res.partner', id);
    expect(p.create_date).not.toBe('2001-01-01 00:00:00');
    expect(p.write_date).toBe(p.create_date);
    expect(p.create_uid).toEqual([ADMIN, expect.any(String)]);
  });

  test('a later write moves write_date, not create_date; a write of the columns themselves is dropped', async () => {
    const { c, so, before } = run();
    const created = before.get('so')!.create_date as string;
    const t = utcNow();
    await c.write('sale.order', [so], { client_order_ref: `DATES-${version}`, write_date: '2001-01-01 00:00:00', create_date: '2001-01-01 00:00:00' });
    const d = await dates(c, 'sale.order', so);
    expect(d.create_date).toBe(created);
    expect(d.write_date! > created).toBe(true);
    expect(d.write_date! >= t).toBe(true);
  });

  test('a model method moves write_date: sale.order action_confirm, purchase.order button_confirm', async () => {
    const { c, so, po, before } = run();
    await c.call('sale.order', 'action_confirm', [[so]]);
    await c.call('purchase.order', 'button_confirm', [[po]]);
    for (const [model, id, key] of [['sale.order', so, 'so'], ['purchase.order', po, 'po']] as const) {
      const d = await dates(c, model, id);
      const was = before.get(key)!;
      expect(d.create_date).toBe(was.create_date);
      expect(d.write_date! > (was.write_date as string)).toBe(true);
    }
    // the confirmation made the receipt: a row created by the call is stamped once, created = written
    const [picking] = await c.searchRead('stock.picking', [['origin', '=', (await c.read('purchase.order', [po], ['name']))[0]!.name]], { fields: LOG_ACCESS });
    expect(picking!.write_date).toBe(picking!.create_date);
  });

  test('a chatter note leaves the record as it was (mail.thread message_post writes a mail.message only)', async () => {
    const { c, noted, before } = run();
    const was = before.get('noted')!;
    const msg = await c.messagePost('purchase.order', noted, 'EDI 855 received', { subtypeXmlid: 'mail.mt_note', messageType: 'comment' });
    expect(await dates(c, 'purchase.order', noted)).toEqual(was);
    const [m] = await c.read('mail.message', [msg], ['create_date', 'write_date', 'model', 'res_id']);
    expect(m).toMatchObject({ model: 'purchase.order', res_id: noted });
    expect(m!.create_date! > (was.write_date as string)).toBe(true);
  });

  test('search by write_date and order by it; fields_get lists the four as read-only', async () => {
    const { c, so, before } = run();
    const t = before.get('so')!.write_date as string;
    const since = await c.search('sale.order', [['write_date', '>', t]]);
    expect(since).toContain(so);
    const seeded = await c.search('sale.order', [['write_date', '<=', t]]);
    expect(seeded).not.toContain(so);
    const all = await c.searchRead('sale.order', [], { fields: ['write_date'], order: 'write_date, id' });
    const keys = all.map((r) => `${r.write_date as string} ${String(r.id).padStart(9, '0')}`);
    expect(keys).toEqual([...keys].sort());
    const desc = await c.searchRead('sale.order', [], { fields: ['write_date'], order: 'write_date desc, id' });
    expect(desc[0]!.id).toBe(so);
    const meta = await c.fieldsGet('purchase.order', { attributes: ['type', 'readonly', 'relation'] });
    expect(meta.create_date).toEqual({ type: 'datetime', readonly: true });
    expect(meta.write_date).toEqual({ type: 'datetime', readonly: true });
    expect(meta.create_uid).toEqual({ type: 'many2one', readonly: true, relation: 'res.users' });
    expect(meta.write_uid).toEqual({ type: 'many2one', readonly: true, relation: 'res.users' });
  });

  test("an order line's own create, write or unlink writes its order when an amount changes (a stored compute), not otherwise", async () => {
    const { c, fed, before } = run();
    const lines = async (key: keyof Run['fed']): Promise<number[]> => (await c.read(fed[key].model, [fed[key].id], ['order_line']))[0]!.order_line as number[];
    const poLines = async (key: keyof Run['fed']): Promise<OdooRecord[]> => c.read('purchase.order.line', await lines(key), ['date_planned', 'write_date']);
    // sale.order _compute_amounts: a new line, a line gone
    await c.create('sale.order.line', { order_id: fed.added.id, product_id: 8, product_uom_qty: 2 });
    await c.unlink('sale.order.line', await lines('emptied'));
    // a new description is no amount: the line is written, its order is not
    const [renamedLine] = await lines('renamed');
    await c.write('sale.order.line', [renamedLine!], { name: 'Office Chair, as the customer calls it' });
    // purchase.order _amount_all and _compute_date_planned (the earliest line's): a quantity moves the
    // amounts; a later date on the later line leaves the earliest as it was
    await c.write('purchase.order.line', await lines('requantified'), { product_qty: 4 });
    const [, later] = await poLines('redated');
    await c.write('purchase.order.line', [later!.id], { date_planned: '2030-03-01 12:00:00' });

    for (const key of ['added', 'emptied', 'requantified'] as const) {
      const d = await dates(c, fed[key].model, fed[key].id);
      expect([key, d.create_date]).toEqual([key, before.get(key)!.create_date]);
      expect([key, d.write_date! > (before.get(key)!.write_date as string)]).toEqual([key, true]);
    }
    for (const key of ['renamed', 'redated'] as const) expect([key, await dates(c, fed[key].model, fed[key].id)]).toEqual([key, before.get(key)]);
    const [line] = await c.read('sale.order.line', [renamedLine!], ['write_date']);
    expect(line!.write_date! > (before.get('renamed')!.write_date as string)).toBe(true);
    expect((await c.read('purchase.order', [fed.redated.id], ['date_planned']))[0]!.date_planned).toBe('2030-01-01 12:00:00');
    expect((await poLines('redated')).map((l) => l.write_date! > (before.get('redated')!.write_date as string))).toEqual([false, true]);
  });

  test('seeded records carry the seed time: the confirmed purchase orders were written no earlier than created', async () => {
    const { c } = run();
    const seeded = await c.searchRead('purchase.order', [['id', 'in', [1, 2]]], { fields: ['state', ...LOG_ACCESS] });
    expect(seeded).toHaveLength(2);
    for (const p of seeded) {
      expect(p.state).toBe('purchase');
      expect(p.create_date).toMatch(STAMP);
      expect(p.write_date! >= p.create_date!).toBe(true);
    }
  });

  test("account.tax has its company's country: read, searched, defaulted on create, given one kept", async () => {
    const { c } = run();
    const taxes = await c.searchRead('account.tax', [], { fields: ['name', 'country_id'] });
    expect(taxes.length).toBeGreaterThan(0);
    for (const t of taxes) expect(t.country_id).toEqual([US, 'United States']);
    expect(await c.search('account.tax', [['country_id', '=', US]])).toEqual(taxes.map((t) => t.id));
    const made = await c.create('account.tax', { name: '7% test', amount: 7, type_tax_use: 'sale' });
    const given = await c.create('account.tax', { name: '20% FR', amount: 20, type_tax_use: 'sale', country_id: 75 });
    const read = await c.read('account.tax', [made, given], ['country_id']);
    expect(read.map((r) => r.country_id)).toEqual([
      [US, 'United States'],
      [75, 'France'],
    ]);
    expect(await c.search('account.tax', [['country_id.code', '=', 'FR']])).toEqual([given]);
    const meta = await c.fieldsGet('account.tax', { attributes: ['type', 'required', 'relation'] });
    expect(meta.country_id).toEqual({ type: 'many2one', required: true, relation: 'res.country' });
  });
});
