/**
 * What kind of tax an Odoo tax is on the invoices we send (src/odoo/pull/taxes.ts, D24): the partner's
 * word first, then the tax's name, then its amount and its country. Against the Odoo sandbox over JSON-RPC.
 */
import { OdooClient } from '../../src/odoo/client';
import { createPostContext, ResolveCache } from '../../src/odoo/post';
import { readTaxes } from '../../src/odoo/pull/taxes';
import { startSandbox, type SandboxHandle } from '../../src/odoo/sandbox';
import { setCompany } from '../support/export-rig';

describe('the kind of the taxes we invoice', () => {
  let sandbox: SandboxHandle | undefined;
  afterEach(async () => sandbox && (await sandbox.close()));

  it('by the partner\'s odoo.taxes, the name, the amount and the country the tax is in', async () => {
    sandbox = await startSandbox({ password: 'pw' });
    const client = new OdooClient({ url: sandbox.url, db: sandbox.db, login: 'admin', password: 'pw', protocol: 'jsonrpc' });
    // A company in the United States: a tax that does not say what it is, is a sales tax there.
    await setCompany(client, 'Brightwater Valve and Fitting Co.', { city: 'San Francisco', country_id: 233 });
    const tax = (name: string, amount: number) => client.create('account.tax', { name, amount, amount_type: 'percent', type_tax_use: 'sale' });
    const ids = {
      plain: await tax('Tax 15%', 15),
      vat: await tax('VAT 21%', 21),
      btw: await tax('BTW 9%', 9),
      gst: await tax('GST 10%', 10),
      zero: await tax('0% Export', 0),
      exempt: await tax('VAT Exempt', 0),
      reverse: await tax('VAT 0% reverse charge', 0),
      levy: await tax('Special levy', 2),
      byId: await tax('Tax 0% (resale)', 0),
    };
    const ctx = createPostContext({
      client,
      settings: {
        partnerRef: 'NORTHGATE',
        taxes: [
          { tax: 'SPECIAL LEVY', type: 'OTH' },
          { tax: ids.byId, category: 'E' },
        ],
      },
      cache: new ResolveCache(),
    });
    const kinds = await readTaxes(ctx, Object.values(ids));
    const kind = (id: number) => kinds.get(id)?.kind;
    expect(kind(ids.plain)).toEqual({ type: 'STT', category: 'S' });
    expect(kind(ids.vat)).toEqual({ type: 'VAT', category: 'S' });
    expect(kind(ids.btw)).toEqual({ type: 'VAT', category: 'S' });
    expect(kind(ids.gst)).toEqual({ type: 'GST', category: 'S' });
    expect(kind(ids.zero)).toEqual({ type: 'STT', category: 'Z' });
    expect(kind(ids.exempt)).toEqual({ type: 'VAT', category: 'E' });
    expect(kind(ids.reverse)).toEqual({ type: 'VAT', category: 'AE' });
    // The partner's word: by name (any case), the rest by the rule; by id.
    expect(kind(ids.levy)).toEqual({ type: 'OTH', category: 'S' });
    expect(kind(ids.byId)).toEqual({ type: 'STT', category: 'E' });
    expect(kinds.get(ids.vat)).toMatchObject({ amount: 21, amountType: 'percent' });
  });

  it('a tax of a company elsewhere is a VAT, or a GST where the tax on sales is one', async () => {
    sandbox = await startSandbox({ password: 'pw' });
    const client = new OdooClient({ url: sandbox.url, db: sandbox.db, login: 'admin', password: 'pw', protocol: 'jsonrpc' });
    const ctx = () => createPostContext({ client, settings: { partnerRef: 'NORTHGATE' }, cache: new ResolveCache() });
    // a new tax takes its company's country (account.tax country_id)
    await setCompany(client, 'Valdoria Valvole S.r.l.', { city: 'Lumezzane', country_id: 109 });
    const id = await client.create('account.tax', { name: '22%', amount: 22, amount_type: 'percent', type_tax_use: 'sale' });
    expect((await readTaxes(ctx(), [id])).get(id)?.kind).toEqual({ type: 'VAT', category: 'S' });
    const au = await client.create('res.country', { name: 'Australia', code: 'AU' });
    await setCompany(client, 'Brightwater Pty Ltd', { city: 'Sydney', country_id: au });
    const gst = await client.create('account.tax', { name: '10%', amount: 10, amount_type: 'percent', type_tax_use: 'sale' });
    expect((await readTaxes(ctx(), [gst])).get(gst)?.kind).toEqual({ type: 'GST', category: 'S' });
    // setCompany moves the company's existing taxes with it
    expect((await readTaxes(ctx(), [id])).get(id)?.kind).toEqual({ type: 'GST', category: 'S' });
  });
});
