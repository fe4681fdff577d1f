/**
 * Odoo's automation webhooks: `POST /odoo/webhook/<token>`. Odoo sends no signature and no auth header
 * (odoo-api.md), so the secret is the token in the URL, compared in constant time. The payload only
 * says which record changed; the gateway re-reads Odoo itself (the POST arrives before Odoo commits),
 * so the payload is used for nothing but choosing what to look at.
 */
import { z } from 'zod';
import { HttpError, sendJson, type HttpServerHandle } from './http';
import { matchesDigest, sha256Of } from './secret';

const Payload = z.looseObject({ _model: z.string().max(128), _id: z.number().int().nonnegative() });

/** Register the webhook route; `onRecord` is told which record changed. */
export function registerOdooWebhook(http: HttpServerHandle, options: { token: string; onRecord(model: string, id: number): void }): void {
  const expected = sha256Of(options.token);
  http.route('POST', '/odoo/webhook', async (_req, res, ctx) => {
    const given = ctx.subpath.replace(/^\//, '');
    if (given === '' || !matchesDigest(given, expected)) throw new HttpError(404, 'not_found', 'not found');
    const body = await ctx.readBody();
    if (body.length > 64 * 1024) throw new HttpError(413, 'too_large', 'webhook payloads are small');
    let parsed: z.infer<typeof Payload>;
    try {
      parsed = Payload.parse(JSON.parse(body.toString('utf8')));
    } catch {
      throw new HttpError(400, 'bad_payload', 'expected an Odoo webhook payload with _model and _id');
    }
    options.onRecord(parsed._model, parsed._id);
    // Odoo waits at most 1 s for this answer, inside its transaction: answer at once.
    sendJson(res, 200, { status: 'ok' });
  });
}
