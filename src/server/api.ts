/**
 * The REST API of the running gateway (bearer token): what is in the dead-letter queue, one document
 * with its history, replay and discard, expected acks, send and re-send. The CLI uses it when the
 * gateway is running (it owns the ledger). Every action is recorded under the name of the token's
 * owner; viewers are refused before a handler runs (http.ts).
 */
import type { PartnerRegistry } from '../partners/registry';
import type { Gateway } from '../pipeline/gateway';
import { discard, ReplayError } from '../pipeline/replay';
import { DEAD_LETTER_STATES, DOCUMENT_STATES, EXPECTED_ACK_STATES, type Ledger } from '../store';
import { HttpError, sendJson, type HttpServerHandle, type RouteContext } from './http';
import { parseListQuery, readPage, type ListQuery, type ListQueryOptions } from './list-query';

/** Most rows an API list returns at once. */
const MAX_LIMIT = 1000;

/** The request body as a JSON object; 400 naming the expected shape otherwise. */
async function jsonBody(ctx: RouteContext, shape: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse((await ctx.readBody()).toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new HttpError(400, 'bad_json', `the body must be JSON: ${shape}`);
  return parsed as Record<string, unknown>;
}

function idOf(s: string, what: string): number {
  if (!/^\d{1,12}$/.test(s)) throw new HttpError(400, 'bad_id', `${what} id must be a number`);
  return Number(s);
}

/** A list's query parameters, or 400 naming the wrong one (`bad_state`, `bad_before`, …). */
function listQueryOf<S extends string>(ctx: RouteContext, options: ListQueryOptions<S>): ListQuery<S> {
  const r = parseListQuery(ctx.query, options);
  if (!r.ok) throw new HttpError(400, `bad_${r.param}`, r.message);
  return r.query;
}

/** A refusal as HTTP: 404 when the thing is not in the ledger, 409 (`code`) when it is but may not be done. */
function refusal(err: ReplayError, code: string): HttpError {
  return err.kind === 'missing' ? new HttpError(404, 'not_found', err.message) : new HttpError(409, code, err.message);
}

/** Register /api/* on the server. */
export function registerApi(http: HttpServerHandle, deps: { ledger: Ledger; registry: PartnerRegistry; gateway: Gateway }): void {
  const { ledger, registry, gateway } = deps;
  http.route(
    'GET',
    '/api/documents',
    (_req, res, ctx) => {
      const id = ctx.subpath.replace(/^\//, '');
      if (id !== '') {
        const doc = ledger.document(idOf(id, 'document'));
        if (!doc) throw new HttpError(404, 'not_found', `no document ${id}`);
        sendJson(res, 200, { document: doc, events: ledger.eventsOfDocument(doc.id) });
        return;
      }
      const q = listQueryOf(ctx, { known: DOCUMENT_STATES, fallback: DEAD_LETTER_STATES, limit: { default: 100, max: MAX_LIMIT } });
      const { rows, next } = readPage(q.limit, (n) => ledger.documentsIn(q.states, n, q.partner, q.before));
      sendJson(res, 200, { documents: rows, next });
    },
    { auth: true },
  );
  http.route(
    'POST',
    '/api/replay',
    async (_req, res, ctx) => {
      const target = await jsonBody(ctx, '{"documentId": N} or {"messageId": N}');
      const documentId = typeof target.documentId === 'number' ? target.documentId : undefined;
      const messageId = typeof target.messageId === 'number' ? target.messageId : undefined;
      if (documentId === undefined && messageId === undefined) throw new HttpError(400, 'bad_target', 'give documentId or messageId');
      try {
        sendJson(res, 200, await gateway.replay({ documentId, messageId }, ctx.operator?.name));
      } catch (err) {
        if (err instanceof ReplayError) throw refusal(err, 'not_replayable');
        throw err;
      }
    },
    { auth: true, exact: true },
  );
  http.route(
    'POST',
    '/api/resend',
    async (_req, res, ctx) => {
      const body = await jsonBody(ctx, '{"messageId": N}');
      if (typeof body.messageId !== 'number' || !Number.isSafeInteger(body.messageId) || body.messageId < 1) throw new HttpError(400, 'bad_target', 'give messageId, the outbound message to send again');
      try {
        sendJson(res, 200, gateway.resend(body.messageId, ctx.operator?.name));
      } catch (err) {
        if (err instanceof ReplayError) throw refusal(err, 'not_resendable');
        throw err;
      }
    },
    { auth: true, exact: true },
  );
  http.route(
    'GET',
    '/api/exports',
    (_req, res, ctx) => {
      const partner = ctx.query.get('partner');
      sendJson(res, 200, { failures: ledger.exportFailures(partner ? { partnerId: partner } : {}) });
    },
    { auth: true, exact: true },
  );
  http.route(
    'POST',
    '/api/exports/dismiss',
    async (_req, res, ctx) => {
      const body = await jsonBody(ctx, '{"id": N, "reason": "..."}');
      if (typeof body.id !== 'number' || !Number.isSafeInteger(body.id) || typeof body.reason !== 'string' || body.reason.trim() === '') throw new HttpError(400, 'bad_target', 'give id (of GET /api/exports) and reason');
      const row = ledger.dismissExport(body.id, body.reason.trim(), ctx.operator?.name);
      if (!row) throw new HttpError(404, 'not_found', `no record ${body.id} waiting to be sent`);
      sendJson(res, 200, { dismissed: row });
    },
    { auth: true, exact: true },
  );
  http.route(
    'GET',
    '/api/acks',
    (_req, res, ctx) => {
      const q = listQueryOf(ctx, { known: EXPECTED_ACK_STATES, fallback: [], limit: { default: 500, max: MAX_LIMIT } });
      const { rows, next } = readPage(q.limit, (n) => ledger.expectedAcksIn(q.states, n, q.partner, q.before));
      sendJson(res, 200, { acks: rows, next });
    },
    { auth: true, exact: true },
  );
  http.route(
    'POST',
    '/api/send',
    async (_req, res, ctx) => {
      const body = await jsonBody(ctx, '{"partner": "id", "base64": "..."}');
      if (typeof body.partner !== 'string' || typeof body.base64 !== 'string') throw new HttpError(400, 'bad_target', 'give partner and base64');
      if (!registry.get(body.partner)) throw new HttpError(404, 'not_found', `no partner ${body.partner}`);
      sendJson(res, 200, { messageId: gateway.enqueue(body.partner, Buffer.from(body.base64, 'base64'), undefined, ctx.operator?.name) });
    },
    { auth: true, exact: true },
  );
  http.route(
    'POST',
    '/api/discard',
    async (_req, res, ctx) => {
      const target = await jsonBody(ctx, '{"documentId": N, "reason": "..."}');
      if (typeof target.documentId !== 'number') throw new HttpError(400, 'bad_target', 'give documentId');
      try {
        discard(ledger, target.documentId, typeof target.reason === 'string' ? target.reason : undefined, ctx.operator?.name);
      } catch (err) {
        if (err instanceof ReplayError) throw refusal(err, 'not_discardable');
        throw err;
      }
      sendJson(res, 200, { documentId: target.documentId, state: 'discarded' });
    },
    { auth: true, exact: true },
  );
}
