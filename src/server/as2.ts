/**
 * The AS2 endpoints on the gateway's HTTP server: `POST /as2` (and `/as2/<partner id>`) receives
 * partner messages, routed on AS2-From / AS2-To to the partner whose inbound as2 channel names that
 * pair; `POST /as2/mdn` receives asynchronous MDNs for messages we sent. Partners authenticate by
 * signature, not by bearer token, so these routes are open.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { As2HeadersSchema, deliverAsyncMdn, MdnError, parseMdn, parseOurMessageId, receiveAs2, type As2InboundChannel, type As2OutboundChannel, type ParsedMdn } from '../channels/as2';
import { partnerCertificates } from '../channels/as2/keys';
import { unquote } from '../channels/as2/mime';
import type { ChannelDeps, InboundSink } from '../channels/types';
import type { Partner, PartnerRegistry } from '../partners/registry';
import { HttpError, readBody, type HttpServerHandle } from './http';

/** An asynchronous MDN that arrived and verified, for the caller to record against the message it answers. */
export interface ReceivedMdn {
  partnerId: string;
  /** The MDN's own Message-ID. */
  as2MessageId: string | undefined;
  /** The ledger message the MDN answers, read from its Original-Message-ID when that is one of ours. */
  messageId: number | undefined;
  correlationId: string | undefined;
  mdn: ParsedMdn;
}

/** What `registerAs2` needs. */
export interface As2RouteOptions {
  registry: PartnerRegistry;
  receive: InboundSink;
  deps: ChannelDeps;
  /** Called with every verified asynchronous MDN (compare `mdn.mic` with the MIC recorded when sending). */
  onMdn?: (m: ReceivedMdn) => Promise<void> | void;
  /** Largest asynchronous MDN accepted, default 1 MiB. */
  maxMdnBytes?: number;
}

const PARTNER_SEGMENT = /^\/[A-Za-z0-9._-]{1,64}$/;

/** Registers `POST /as2` and `POST /as2/mdn` on the server. */
export function registerAs2(http: HttpServerHandle, o: As2RouteOptions): void {
  http.route('POST', '/as2', async (req, res, ctx) => {
    const parsed = As2HeadersSchema.safeParse(req.headers);
    if (!parsed.success) throw new HttpError(400, 'bad_as2_headers', describe(parsed.error));
    const headers = parsed.data;
    const found = inboundChannel(o.registry, headers['as2-from'], headers['as2-to']);
    if (!found) throw new HttpError(404, 'unknown_as2_partner', `no partner has an as2 inbound channel from "${headers['as2-from']}" to "${headers['as2-to']}"`);
    // /as2/<partner id> is a convenience for partners that want a URL of their own; it must agree with the headers.
    if (ctx.subpath !== '' && (!PARTNER_SEGMENT.test(ctx.subpath) || ctx.subpath.slice(1) !== found.partner.id)) {
      throw new HttpError(404, 'unknown_as2_partner', 'the URL names another partner than AS2-From / AS2-To');
    }
    const body = await readBody(req, found.channel.maxSize);
    const reply = await receiveAs2(headers, body, { partner: found.partner, channel: found.channel, deps: { ...o.deps, logger: ctx.logger }, receive: o.receive });
    res.writeHead(reply.status, { ...reply.headers, 'Content-Length': String(reply.body.length) });
    res.end(reply.body);
    const mdn = reply.asyncMdn;
    if (mdn) {
      // After the response: the partner's HTTP request must not wait for our POST to its MDN URL.
      void deliverAsyncMdn(mdn, { timeoutMs: 30_000, logger: ctx.logger }).then((ok) =>
        ok ? ctx.logger.info({ url: mdn.url }, 'asynchronous MDN delivered') : ctx.logger.error({ url: mdn.url, partner: found.partner.id }, 'asynchronous MDN could not be delivered'),
      );
    }
  });

  http.route(
    'POST',
    '/as2/mdn',
    async (req, res, ctx) => {
      const parsed = MdnHeadersSchema.safeParse(req.headers);
      if (!parsed.success) throw new HttpError(400, 'bad_as2_headers', describe(parsed.error));
      const h = parsed.data;
      // An MDN comes from the partner (its AS2-From is the partner's name) to us.
      const found = outboundChannel(o.registry, h['as2-to'], h['as2-from']);
      if (!found) throw new HttpError(404, 'unknown_as2_partner', `no partner has an as2 outbound channel from "${h['as2-to']}" to "${h['as2-from']}"`);
      const body = await readBody(req, o.maxMdnBytes ?? 1024 * 1024);
      let mdn: ParsedMdn;
      try {
        mdn = parseMdn(h['content-type'], body, { partner: partnerCertificates(found.channel), requireSigned: found.channel.mdnSigned, policy: { allowLegacy: found.channel.allowLegacyAlgorithms }, at: new Date(o.deps.now()) });
      } catch (err) {
        if (err instanceof MdnError) throw new HttpError(400, 'bad_mdn', err.message);
        throw err;
      }
      const ours = parseOurMessageId(mdn.originalMessageId);
      await o.onMdn?.({ partnerId: found.partner.id, as2MessageId: h['message-id'], messageId: ours?.messageId, correlationId: ours?.correlationId, mdn });
      logMdn(ctx.logger, found.partner, mdn);
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': '0' });
      res.end();
    },
    { exact: true },
  );
}

const headerValue = z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string());
const MdnHeadersSchema = z.object({
  'as2-from': headerValue.transform(unquote).pipe(z.string().regex(/^[\x20-\x7e]{1,128}$/)),
  'as2-to': headerValue.transform(unquote).pipe(z.string().regex(/^[\x20-\x7e]{1,128}$/)),
  'message-id': headerValue.pipe(z.string().max(998)).optional(),
  'content-type': headerValue.pipe(z.string().min(3).max(1000)),
});

function inboundChannel(registry: PartnerRegistry, from: string, to: string): { partner: Partner; channel: As2InboundChannel } | undefined {
  for (const partner of registry.partners) {
    for (const c of partner.channels.inbound) if (c.type === 'as2' && c.as2From === from && c.as2To === to) return { partner, channel: c };
  }
  return undefined;
}

function outboundChannel(registry: PartnerRegistry, ours: string, theirs: string): { partner: Partner; channel: As2OutboundChannel } | undefined {
  for (const partner of registry.partners) {
    const c = partner.channels.outbound;
    if (c?.type === 'as2' && c.as2From === ours && c.as2To === theirs) return { partner, channel: c };
  }
  return undefined;
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'headers'}: ${i.message}`).join('; ');
}

function logMdn(logger: Logger, partner: Partner, mdn: ParsedMdn): void {
  const detail = { partner: partner.id, originalMessageId: mdn.originalMessageId, disposition: mdn.disposition, signed: mdn.signed };
  if (mdn.processed) logger.info(detail, 'asynchronous MDN received');
  else logger.warn(detail, 'asynchronous MDN reports an error');
}
