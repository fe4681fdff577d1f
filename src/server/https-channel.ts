/**
 * The plain HTTPS channel, for partners without AS2 software: `POST /https/<partner id>` with the EDI
 * file as the body, authenticated by the partner's bearer token or by its pinned client certificate
 * (mutual TLS; needs the gateway's HTTP server in TLS mode). The answer is a JSON receipt, sent only
 * after the bytes are fsynced in the ledger: `{status, messageId, sha256, size, receivedAt}`, so the
 * partner can check that what we stored is what it sent.
 */
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { fingerprintMatches } from '../channels/fingerprint';
import type { ChannelDeps, InboundSink } from '../channels/types';
import type { Partner, PartnerRegistry } from '../partners/registry';
import { HttpError, sendJson, type HttpServerHandle } from './http';
import { sameSecret } from './secret';

type HttpsInbound = Extract<Partner['channels']['inbound'][number], { type: 'https' }>;

/** Whether the request proves it comes from the partner this channel is for. */
function authenticated(channel: HttpsInbound, authorization: string | undefined, socket: unknown, deps: ChannelDeps, partnerId: string): boolean {
  if (channel.token !== undefined) {
    const m = /^Bearer (.+)$/.exec(authorization ?? '');
    if (m && sameSecret(m[1].trim(), deps.secret(channel.token, `partner ${partnerId} channels https token`))) return true;
  }
  if (channel.clientCertificate !== undefined) {
    const tls = socket as Partial<TLSSocket>;
    const cert = typeof tls.getPeerCertificate === 'function' ? tls.getPeerCertificate() : undefined;
    if (cert && cert.raw && fingerprintMatches(channel.clientCertificate, cert.raw)) return true;
  }
  return false;
}

/** Register `POST /https/<partner id>`. */
export function registerHttpsChannel(http: HttpServerHandle, options: { registry: PartnerRegistry; receive: InboundSink; deps: ChannelDeps }): void {
  http.route('POST', '/https', async (req, res, ctx) => {
    const id = decodeURIComponent(ctx.subpath.replace(/^\//, ''));
    const partner = /^[a-z0-9][a-z0-9-]*$/.test(id) ? options.registry.get(id) : undefined;
    const channel = partner?.channels.inbound.find((c): c is HttpsInbound => c.type === 'https');
    // Unknown partner and failed authentication look the same from outside: no probing for partner ids.
    if (!partner || !channel || !authenticated(channel, req.headers.authorization, req.socket, options.deps, partner.id)) {
      throw new HttpError(401, 'unauthorized', 'unknown partner or wrong credentials', { 'WWW-Authenticate': 'Bearer' });
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > channel.maxSize) throw new HttpError(413, 'too_large', `the partner's limit is ${channel.maxSize} bytes`);
    const body = await ctx.readBody();
    if (body.length > channel.maxSize) throw new HttpError(413, 'too_large', `the partner's limit is ${channel.maxSize} bytes`);
    if (body.length === 0) throw new HttpError(400, 'empty', 'the body is the EDI file; it was empty');
    let stored;
    try {
      stored = await options.receive({ partnerId: partner.id, channel: 'https', source: `https/${ctx.requestId}`, bytes: body });
    } catch (err) {
      ctx.logger.error({ err, partner: partner.id }, 'https channel: the ledger did not take the message');
      // No receipt: the partner must send it again.
      throw new HttpError(503, 'not_stored', 'not stored; send it again later', { 'Retry-After': '60' });
    }
    sendJson(res, 200, { status: 'received', messageId: stored.messageId, correlationId: stored.correlationId, sha256: createHash('sha256').update(body).digest('hex'), size: body.length, receivedAt: new Date(options.deps.now()).toISOString() });
  });
}
