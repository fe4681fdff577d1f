/**
 * Certificates that are expired or expire within 30 days: `partners check` warns (naming partner, file,
 * key and date), the running gateway logs them at start and then periodically, and the gauge
 * edi_certificate_expiry_seconds tells how long each use of a partner channel stays covered. The
 * certificates are made by openssl with known end dates; the expected dates are read back with openssl.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPartners, loadPartners, type LoadPartnersOptions } from '../../src/partners';
import { watchCertificates } from '../../src/pipeline/certificate-expiry';
import { GatewayMetrics } from '../../src/pipeline/metrics';
import { makeDatedCertificate, openssl } from '../support/as2';
import { capturingLogger } from '../support/log';

const DAY = 86_400_000;
let tmp: string;
let root: string;
/** notAfter of each certificate, as openssl prints it. */
const ends: Record<string, number> = {};
let now: number;

const PARTNER = `id: rollco
name: Roll Co
identities:
  - { standard: x12, qualifier: ZZ, id: ROLLCO }
documents:
  - { type: order, direction: inbound, messageType: 850 }
odoo:
  partnerRef: ROLLCO
channels:
  inbound:
    - type: as2
      as2From: ROLLCO-AS2
      as2To: OUR-AS2
      partnerCertificate: [certs/partner-expiring.crt, certs/partner-new.crt]
      ourKeys:
        - { key: { file: us.key }, certificate: certs/us.crt }
  outbound:
    type: as2
    url: http://127.0.0.1:9/as2
    as2From: OUR-AS2
    as2To: ROLLCO-AS2
    partnerCertificate: certs/partner-expired.crt
    signingKey: { file: us.key }
    signingCertificate: certs/us.crt
`;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cert-expiry-'));
  root = join(tmp, 'partners');
  const certs = join(root, 'rollco', 'certs');
  mkdirSync(certs, { recursive: true });
  mkdirSync(join(tmp, 'secrets'));
  writeFileSync(join(root, 'rollco', 'partner.yaml'), PARTNER);
  const made = join(tmp, 'made');
  mkdirSync(made);
  const t = Date.now();
  const make = async (name: string, fromDays: number, toDays: number) => {
    const pair = await makeDatedCertificate(made, name, { cn: name, notBefore: new Date(t + fromDays * DAY), notAfter: new Date(t + toDays * DAY) });
    copyFileSync(pair.cert, join(certs, `${name}.crt`));
    const end = (await openssl(['x509', '-in', pair.cert, '-noout', '-enddate'])).toString().trim().replace('notAfter=', '');
    ends[name] = new Date(end).getTime();
    return pair;
  };
  const [, , , us] = await Promise.all([make('partner-expiring', -300, 10), make('partner-new', -1, 365), make('partner-expired', -400, -31), make('us', -1, 400)]);
  copyFileSync(us.key, join(tmp, 'secrets', 'us.key'));
  // Exactly ten days before the expiring certificate ends.
  now = ends['partner-expiring'] - 10 * DAY;
}, 30000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function options(extra: LoadPartnersOptions = {}): LoadPartnersOptions {
  return { dataRoot: join(tmp, 'data'), secretsRoot: join(tmp, 'secrets'), ...extra };
}

const day = (name: string): string => new Date(ends[name]).toISOString().slice(0, 10);

describe('partners check', () => {
  it('warns about a certificate expiring in 10 days and an expired one, naming partner file, key, certificate and date', () => {
    const found = checkPartners(root, options({ now }));
    expect(found.map((p) => [p.severity, p.partnerId, p.message])).toEqual([
      [
        'warning',
        'rollco',
        `partners/rollco/partner.yaml at channels.inbound[0].partnerCertificate[0]: certificate partners/rollco/certs/partner-expiring.crt expires on ${day('partner-expiring')} (in 10 days); get the new one and list it beside this one for the overlap`,
      ],
      [
        'warning',
        'rollco',
        `partners/rollco/partner.yaml at channels.outbound.partnerCertificate: certificate partners/rollco/certs/partner-expired.crt expired on ${day('partner-expired')}; replace it (or, once a newer one is listed beside it, remove it)`,
      ],
    ]);
    // Warnings do not stop the partner from loading.
    expect(loadPartners(root, options()).get('rollco')).toBeDefined();
  });

  it('says nothing at a time when every certificate is further than 30 days from its end', () => {
    // 110 days before: the expired one then had 69 days left, the expiring one 110.
    expect(checkPartners(root, options({ now: ends['partner-expiring'] - 110 * DAY, only: 'rollco' }))).toEqual([]);
  });
});

describe('the running gateway', () => {
  it('logs the same certificates at start and again each period, and exposes edi_certificate_expiry_seconds', async () => {
    const { logger, lines } = capturingLogger('warn');
    const metrics = new GatewayMetrics({ processMetrics: false });
    const registry = loadPartners(root, options());
    const stop = watchCertificates({ registry, logger, metrics, now: () => now, everyMs: 40 });
    try {
      expect(lines.map((l) => [l.partner, l.use, l.notAfter])).toEqual([
        ['rollco', 'partner-signature', new Date(ends['partner-expiring']).toISOString()],
        ['rollco', 'partner-encryption', new Date(ends['partner-expired']).toISOString()],
      ]);
      expect(String(lines[0].msg)).toContain(`certificate of partner rollco expires on ${day('partner-expiring')} (in 10 days)`);
      await new Promise((r) => setTimeout(r, 100));
      expect(lines.length).toBeGreaterThanOrEqual(4);

      const text = await metrics.text();
      const value = (use: string): number => Number(new RegExp(`edi_certificate_expiry_seconds\\{partner="rollco",channel="as2",use="${use}"\\} (\\S+)`).exec(text)?.[1]);
      // The new certificate covers signature checks although the old one ends in 10 days.
      expect(value('partner-signature')).toBe((ends['partner-new'] - now) / 1000);
      expect(value('partner-encryption')).toBe((ends['partner-expired'] - now) / 1000);
      expect(value('partner-encryption')).toBeLessThan(0);
      expect(value('our-decryption')).toBe((ends.us - now) / 1000);
      expect(value('our-signature')).toBe((ends.us - now) / 1000);
    } finally {
      stop();
    }
    const after = lines.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(lines.length).toBe(after);
    expect(await metrics.text()).not.toContain('edi_certificate_expiry_seconds');
  });
});

describe('the schema', () => {
  it('refuses ourKeys beside the single-key settings it replaces', () => {
    const dir = join(tmp, 'both');
    mkdirSync(join(dir, 'rollco'), { recursive: true });
    writeFileSync(join(dir, 'rollco', 'partner.yaml'), PARTNER.replace('      ourKeys:', '      decryptionKey: { file: us.key }\n      ourKeys:'));
    expect(() => loadPartners(dir, options())).toThrow(/channels\.inbound\[0\]\.decryptionKey: ourKeys replaces decryptionKey, mdnKey, mdnCertificate; list the pair in ourKeys and remove decryptionKey/);
  });
});
