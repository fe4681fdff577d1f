/**
 * Sending the digest (notify/digest.ts): one mail through the SMTP server of gateway.yaml's `notify`,
 * built with the email channel's transport options. The ledger keeps when the last digest went out
 * (setting `notify.since`); it moves only after the server took the mail, so a failed send loses nothing:
 * the same items come in the next digest. A send cut short by the gateway stopping is such a failed send:
 * the SMTP transaction ends before the server's final reply, so the server keeps no part of the mail.
 */
import type { ConnectionOptions } from 'node:tls';
import { smtpTransportOptions } from '../channels/email/sender';
import { lazy } from '../channels/lazy';
import type { GatewayConfig, SecretRef } from '../config/gateway';
import type { SqliteLedger } from '../store';
import { collectDigest, renderDigest, type Digest, type DigestView } from './digest';

const nodemailer = lazy(() => import('nodemailer'));

/** The ledger setting holding the end of the last digest's window (epoch ms). */
export const DIGEST_SINCE_KEY = 'notify.since';

export type NotifyConfig = NonNullable<GatewayConfig['notify']>;

/** A rendered digest mail. */
export interface DigestMail {
  subject: string;
  text: string;
  html: string;
}

/** Sends one digest mail; rejects when the server did not take it, or `signal` aborted the send. */
export type DigestMailer = (mail: DigestMail, signal?: AbortSignal) => Promise<void>;

/** A mailer for the `notify` section: a transport per digest (one mail an hour keeps no connection open). */
export function smtpDigestMailer(c: NotifyConfig, secret: (ref: SecretRef, what: string) => string, o: { tls?: ConnectionOptions; timeoutMs?: number } = {}): DigestMailer {
  return async (mail, signal) => {
    const { createTransport } = await nodemailer();
    // Read at each send, like the other secrets: a rotated password file is picked up without a restart.
    const auth = c.smtp.user !== undefined && c.smtp.password !== undefined ? { user: c.smtp.user, pass: secret(c.smtp.password, 'notify.smtp.password') } : undefined;
    const transport = createTransport(smtpTransportOptions({ host: c.smtp.host, port: c.smtp.port, security: c.smtp.security, ...(auth ? { auth } : {}), timeoutMs: o.timeoutMs ?? 30_000, ...(o.tls ? { tls: o.tls } : {}) }));
    try {
      await transport.sendMail({ from: c.from, to: c.to, subject: mail.subject, text: mail.text, html: mail.html, ...(signal ? { signal } : {}) });
    } finally {
      transport.close();
    }
  };
}

export interface DigestRun {
  ledger: SqliteLedger;
  mailer: DigestMailer;
  /** Most items listed per kind and partner. */
  rows: number;
  view?: DigestView;
  now?: () => number;
  logger: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Build and return the mail but neither send it nor move the marker. */
  dryRun?: boolean;
  /** Aborted when the gateway stops: the send is cut short and the marker stays. */
  signal?: AbortSignal;
}

export interface DigestOutcome {
  digest: Digest;
  /** The mail, when there was anything new. */
  mail?: DigestMail;
  sent: boolean;
  /** Why the server did not take it. */
  error?: string;
}

/** Put together the digest of what is new since the last one and, unless a dry run, send it and move the marker. */
export async function sendDigest(r: DigestRun): Promise<DigestOutcome> {
  // A millisecond behind the clock: a row written after the queries below but in the same millisecond is
  // stamped after the window, so it goes into the next digest rather than into none.
  const until = (r.now ?? Date.now)() - 1;
  const since = Number(r.ledger.meta(DIGEST_SINCE_KEY) ?? 0);
  const digest = collectDigest(r.ledger, { since, until, rows: r.rows });
  // An empty window (the clock went back, or two digests in one millisecond): nothing read, nothing moved.
  if (until <= since) return { digest, sent: false };
  if (digest.total === 0) {
    // Nothing new: the marker moves all the same, so a quiet window is not looked at again.
    if (!r.dryRun) r.ledger.setMeta(DIGEST_SINCE_KEY, String(until));
    return { digest, sent: false };
  }
  const mail = renderDigest(digest, r.view);
  if (r.dryRun) return { digest, mail, sent: false };
  try {
    if (r.signal?.aborted) throw new Error('the gateway is stopping');
    await r.mailer(mail, r.signal);
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    if (r.signal?.aborted) r.logger.info({ items: digest.total }, 'notify: the digest was not sent, the gateway is stopping; its items come in the next one');
    else r.logger.warn({ items: digest.total, error }, 'notify: the digest could not be sent; its items come in the next one');
    return { digest, mail, sent: false, error };
  }
  r.ledger.setMeta(DIGEST_SINCE_KEY, String(until));
  r.logger.info({ items: digest.total }, 'notify: digest sent');
  return { digest, mail, sent: true };
}

/**
 * The dashboard's base URL for the digest's links: notify.dashboardUrl, else the HTTP server's address
 * unless it listens on every interface (http://0.0.0.0:8080 would lead a reader nowhere).
 */
export function digestDashboardUrl(c: NotifyConfig, serverUrl: string | undefined): string | undefined {
  if (c.dashboardUrl) return c.dashboardUrl;
  if (!serverUrl) return undefined;
  const host = new URL(serverUrl).hostname;
  return host === '0.0.0.0' || host === '[::]' ? undefined : serverUrl;
}

/**
 * Run `digest` every `everyMs` (never two at once) on an unref'd timer; the returned function stops it,
 * aborts the signal a run in progress was given (a send waiting on a slow server would hold the shutdown
 * for up to its timeout) and waits for that run to end.
 */
export function scheduleDigest(digest: (signal: AbortSignal) => Promise<unknown>, everyMs: number, logger: { error(obj: object, msg: string): void }): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const stopping = new AbortController();
  const timer = setInterval(() => {
    if (running || stopped) return;
    // sendDigest reports a failed send itself; anything else (a ledger error) is logged, not fatal.
    running = digest(stopping.signal)
      .catch((err: unknown) => logger.error({ err }, 'notify: the digest could not be put together; tried again at the next round'))
      .finally(() => (running = undefined));
  }, everyMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    stopping.abort(new Error('the gateway is stopping'));
    await running;
  };
}
