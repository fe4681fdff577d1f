/**
 * What the client puts on the wire, checked against the literal requests of odoo-api.md, and
 * connection reuse.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxHandle } from '../../src/odoo/sandbox';
import { decodeMethodCall, encodeMethodResponse } from '../../src/odoo/client/xmlrpc-codec';
import { API_KEY, client, PROTOCOLS, sandbox } from './helpers';

interface Captured {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function recorder(answer: (c: Captured) => { status?: number; type: string; body: string }): Promise<{ url: string; seen: Captured[]; close(): Promise<void> }> {
  const seen: Captured[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const ch of req) chunks.push(ch as Buffer);
    const c = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    seen.push(c);
    const a = answer(c);
    res.writeHead(a.status ?? 200, { 'Content-Type': a.type });
    res.end(a.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

test('JSON-RPC: call envelope, execute_kw argument order, context with company', async () => {
  const rec = await recorder((c) => {
    const msg = JSON.parse(c.body) as { id: number; params: { method: string } };
    return { type: 'application/json', body: JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: msg.params.method === 'authenticate' ? 2 : [] }) };
  });
  try {
    const c = client({ url: `${rec.url}/` } as SandboxHandle, 'jsonrpc', { companyId: 3, context: { tz: 'Europe/Brussels' } });
    await c.searchRead('res.partner', [['ref', '=', 'EDI-CUST-001']], { fields: ['id', 'name'], limit: 2 });
    expect(rec.seen.map((s) => s.path)).toEqual(['/jsonrpc', '/jsonrpc']);
    expect(JSON.parse(rec.seen[0]!.body)).toEqual({ jsonrpc: '2.0', method: 'call', params: { service: 'common', method: 'authenticate', args: ['edi', 'admin', API_KEY, {}] }, id: 1 });
    expect(JSON.parse(rec.seen[1]!.body)).toEqual({
      jsonrpc: '2.0',
      method: 'call',
      params: {
        service: 'object',
        method: 'execute_kw',
        args: [
          'edi',
          2,
          API_KEY,
          'res.partner',
          'search_read',
          [[['ref', '=', 'EDI-CUST-001']]],
          { fields: ['id', 'name'], limit: 2, context: { lang: 'en_US', tz: 'Europe/Brussels', allowed_company_ids: [3] } },
        ],
      },
      id: 2,
    });
  } finally {
    await rec.close();
  }
});

test('JSON-2: bearer key, X-Odoo-Database, named parameters', async () => {
  const rec = await recorder(() => ({ type: 'application/json', body: 'true' }));
  try {
    const c = client({ url: rec.url } as SandboxHandle, 'json2');
    expect(await c.write('purchase.order', [1], { partner_ref: 'VEND-SO-7781' })).toBe(true);
    await c.call('sale.order', 'action_confirm', [[42]]);
    await c.create('res.partner', [{ name: 'A' }]).catch(() => undefined);
    const [w, a, cr] = rec.seen;
    expect(w!.path).toBe('/json/2/purchase.order/write');
    expect(w!.headers.authorization).toBe(`bearer ${API_KEY}`);
    expect(w!.headers['x-odoo-database']).toBe('edi');
    expect(w!.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(w!.body)).toEqual({ ids: [1], vals: { partner_ref: 'VEND-SO-7781' }, context: { lang: 'en_US', tz: 'UTC' } });
    expect(a!.path).toBe('/json/2/sale.order/action_confirm');
    expect(JSON.parse(a!.body)).toMatchObject({ ids: [42] });
    expect(JSON.parse(cr!.body)).toMatchObject({ vals_list: [{ name: 'A' }] });
  } finally {
    await rec.close();
  }
});

test('XML-RPC: /xmlrpc/2/common then /xmlrpc/2/object, escaped strings', async () => {
  const rec = await recorder((c) => ({ type: 'text/xml', body: encodeMethodResponse(c.path.endsWith('/common') ? 2 : [{ id: 1, name: 'a&b' }]) }));
  try {
    const c = client({ url: rec.url } as SandboxHandle, 'xmlrpc');
    expect(await c.searchRead('res.partner', [['name', 'ilike', '<a&b>']], { fields: ['name'] })).toEqual([{ id: 1, name: 'a&b' }]);
    expect(rec.seen.map((s) => s.path)).toEqual(['/xmlrpc/2/common', '/xmlrpc/2/object']);
    expect(rec.seen[1]!.body).toContain('<string>&lt;a&amp;b&gt;</string>');
    const call = await decodeMethodCall(rec.seen[1]!.body);
    expect(call.method).toBe('execute_kw');
    expect(call.params.slice(3, 6)).toEqual(['res.partner', 'search_read', [[['name', 'ilike', '<a&b>']]]]);
  } finally {
    await rec.close();
  }
});

test.each(PROTOCOLS)('%s: connections are kept alive and reused', async (protocol) => {
  const sb = await sandbox();
  try {
    const c = client(sb, protocol);
    await c.authenticate();
    for (let i = 0; i < 10; i++) await c.searchCount('res.partner', []);
    expect(sb.stats.requests).toBeGreaterThanOrEqual(10);
    expect(sb.stats.connections).toBeLessThanOrEqual(2);
  } finally {
    await sb.close();
  }
});
