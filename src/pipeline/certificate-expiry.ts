/**
 * Certificate expiry while the gateway runs: a warning in the log at start and once a day for every
 * certificate of a partner folder that is expired or expires within 30 days, and the gauge
 * `edi_certificate_expiry_seconds{partner, channel, use}` (read at every scrape) for alerts.
 */
import type { Logger } from 'pino';
import { describeExpiry, expiringCertificates, expirySeconds } from '../partners/certificates';
import type { PartnerRegistry } from '../partners/registry';
import type { GatewayMetrics } from './metrics';

export interface CertificateWatchOptions {
  registry: PartnerRegistry;
  logger: Logger;
  metrics?: GatewayMetrics;
  now?: () => number;
  /** Between two rounds of warnings (default a day). */
  everyMs?: number;
}

/** Starts watching; returns a function that stops the warnings and removes the gauge. */
export function watchCertificates(o: CertificateWatchOptions): () => void {
  const now = o.now ?? Date.now;
  const warn = (): void => {
    const t = now();
    for (const f of expiringCertificates(o.registry.partners, t)) {
      o.logger.warn({ partner: f.partner, channel: f.channel, use: f.use, file: f.path, notAfter: f.notAfter.toISOString() }, `certificate of partner ${f.partner} ${describeExpiry(f, t)}: ${f.path}`);
    }
  };
  warn();
  const timer = setInterval(warn, o.everyMs ?? 24 * 3600 * 1000);
  timer.unref();
  const removeGauge = o.metrics?.addGauge(
    {
      name: 'edi_certificate_expiry_seconds',
      help: 'Seconds until the partner channel use has no valid certificate left (the latest end among those valid now; negative when all have expired)',
      labelNames: ['partner', 'channel', 'use'],
    },
    (set) => {
      for (const { seconds, ...labels } of expirySeconds(o.registry.partners, now())) set(labels, seconds);
    },
  );
  return () => {
    clearInterval(timer);
    removeGauge?.();
  };
}
