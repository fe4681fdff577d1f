/**
 * The plain HTTPS channel outbound: POST the file to the partner's URL with its bearer token and/or our
 * client certificate (mutual TLS), trusting the partner's CA when one is configured. A 2xx answer is the
 * delivery; when it is a JSON receipt naming a sha256, it must be ours (the partner stored what we sent).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { Partner } from '../partners/registry';
import { ChannelError, type ChannelDeps, type OutboundSender } from './types';

type HttpsOutbound = Extract<NonNullable<Partner['channels']['outbound']>, { type: 'https' }>;

/** The content type a partner's server expects for the file, from its first segment. */
function contentType(bytes: Buffer): string {
  const head = bytes.subarray(0, 16).toString('latin1').replace(/^\uFEFF?\s*/, '');
  if (head.startsWith('ISA')) return 'application/edi-x12';
  if (head.startsWith('UNA') || head.startsWith('UNB')) return 'application/edifact';
  return 'application/octet-stream';
}

/** The HTTPS sender. */
export function httpsSender(deps: ChannelDeps): OutboundSender {
  return {
    send: (partner, file) => {
      const channel = partner.channels.outbound as HttpsOutbound;
      const headers: Record<string, string> = { 'content-type': contentType(file.bytes), 'content-length': String(file.bytes.length), 'x-edi-file-name': file.name, 'x-correlation-id': file.correlationId };
      if (channel.token) headers.authorization = `Bearer ${deps.secret(channel.token, `partner ${partner.id} channels outbound token`)}`;
      const tls: https.RequestOptions = {};
      try {
        if (channel.clientCertificate && channel.clientKey) {
          tls.cert = readFileSync(channel.clientCertificate);
          tls.key = deps.secret(channel.clientKey, `partner ${partner.id} channels outbound clientKey`);
        }
        if (channel.ca) tls.ca = readFileSync(channel.ca);
      } catch (err) {
        throw new ChannelError(`https: ${err instanceof Error ? err.message : String(err)}`, false, 'https', partner.id);
      }
      const ours = createHash('sha256').update(file.bytes).digest('hex');
      return new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = https.request(channel.url, { method: 'POST', headers, timeout: channel.timeout, ...tls }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= 64 * 1024) chunks.push(c);
          });
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            if (status < 200 || status >= 300) {
              const retryable = status >= 500 || status === 408 || status === 429;
              reject(new ChannelError(`https: ${channel.url} answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}`, retryable, 'https', partner.id));
              return;
            }
            let receipt: Record<string, unknown> | undefined;
            try {
              const parsed: unknown = JSON.parse(text);
              if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) receipt = parsed as Record<string, unknown>;
            } catch {
              receipt = undefined;
            }
            if (receipt && typeof receipt.sha256 === 'string' && receipt.sha256.toLowerCase() !== ours) {
              reject(new ChannelError(`https: the partner's receipt names sha256 ${receipt.sha256}, ours is ${ours}: it did not store what we sent`, true, 'https', partner.id));
              return;
            }
            resolve({ channel: 'https', url: channel.url, status, sha256: ours, ...(receipt ? { receipt } : {}) });
          });
          res.on('error', (err) => reject(new ChannelError(`https: ${err.message}`, true, 'https', partner.id)));
        });
        req.on('timeout', () => req.destroy(new Error(`no answer within ${channel.timeout} ms`)));
        req.on('error', (err: NodeJS.ErrnoException) => {
          // Certificate problems will not go away by themselves; network ones may.
          const tlsProblem = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME|ERR_TLS/i.test(err.code ?? err.message);
          reject(new ChannelError(`https: ${channel.url}: ${err.message}`, !tlsProblem, 'https', partner.id));
        });
        req.end(file.bytes);
      });
    },
    close: async () => undefined,
  };
}
