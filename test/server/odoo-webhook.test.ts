/** Odoo automation webhooks reach the gateway only with the secret path; the payload names the record. */
import { GatewayMetrics } from '../../src/pipeline/metrics';
import { startHttpServer, type HttpServerHandle } from '../../src/server';
import { registerOdooWebhook } from '../../src/server/odoo-webhook';

describe('POST /odoo/webhook/<token>', () => {
  let http: HttpServerHandle;
  const seen: [string, number][] = [];
  beforeAll(async () => {
    http = await startHttpServer({ metrics: new GatewayMetrics({ processMetrics: false }), checks: { ledger: () => undefined, odoo: () => undefined }, auth: { token: 'api-token' } });
    registerOdooWebhook(http, { token: 's3cret-path', onRecord: (model, id) => seen.push([model, id]) });
  });
  afterAll(() => http.close());

  const post = (path: string, body: string) => fetch(`${http.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  // Literal payload shape recorded from Odoo 18 (odoo-api.md): keys sorted, no signature.
  const payload = JSON.stringify({ _action: 'Send Webhook Notification(#539)', _id: 4, _model: 'purchase.order' });

  it('the right token: 200 at once, the record is passed on', async () => {
    const res = await post('/odoo/webhook/s3cret-path', payload);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(seen).toEqual([['purchase.order', 4]]);
  });

  it('a wrong or missing token looks like nothing is there', async () => {
    expect((await post('/odoo/webhook/guess', payload)).status).toBe(404);
    expect((await post('/odoo/webhook', payload)).status).toBe(404);
    expect(seen).toHaveLength(1);
  });

  it('a body that is not an Odoo webhook payload is refused', async () => {
    expect((await post('/odoo/webhook/s3cret-path', '{"hello":1}')).status).toBe(400);
    expect((await post('/odoo/webhook/s3cret-path', 'not json')).status).toBe(400);
  });
});
