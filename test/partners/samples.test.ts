/**
 * The shipped sample partners load, pass the partner check, and every fixture interchange routes to
 * the partner it belongs to (read with the gateway's own envelope reader, as the pipeline will).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { GroupHeader, InterchangeHeader } from '../../src/edi/common/events';
import { EdiReader } from '../../src/edi/reader';
import { checkPartners, defaultPartnersRoot, loadPartners } from '../../src/partners';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'edi');

/** Every fixture file, relative to fixtures/edi. */
function fixtureFiles(dir = FIXTURES): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? fixtureFiles(join(dir, e.name)) : /\.(edi|bin)$/.test(e.name) ? [relative(FIXTURES, join(dir, e.name))] : [],
  );
}

/** Interchange headers with the first group header of each. */
function envelopes(file: string): { interchange: InterchangeHeader; group?: GroupHeader }[] {
  const out: { interchange: InterchangeHeader; group?: GroupHeader }[] = [];
  const reader = new EdiReader({
    interchangeStart: (interchange) => out.push({ interchange }),
    groupStart: (group) => {
      const last = out[out.length - 1];
      if (last && !last.group) last.group = group;
    },
  });
  reader.write(readFileSync(join(FIXTURES, file)));
  reader.end();
  return out;
}

/** Where each fixture belongs: partner and direction per interchange, 'unknown', or nothing to route. */
const EXPECTED: Record<string, string[]> = {
  'x12/004010/850-purchase-order.edi': ['northgate inbound'],
  'x12/004010/855-po-acknowledgment.edi': ['northgate outbound'],
  'x12/004010/856-ship-notice.edi': ['northgate outbound'],
  'x12/004010/810-invoice-two-interchanges.edi': ['northgate outbound', 'northgate outbound'],
  'x12/004010/997-functional-ack-bom.edi': ['northgate outbound'],
  // The 005010 fixtures carry Northgate's ids (keystone has its own); they route by id, not by version.
  'x12/005010/850-purchase-orders-two-groups.edi': ['northgate inbound'],
  'x12/005010/856-ship-notice.edi': ['northgate outbound'],
  'x12/005010/810-invoice.edi': ['northgate outbound'],
  'x12/005010/999-implementation-ack.edi': ['northgate inbound'],
  'edifact/D96A/ORDERS-unoa-una-release.edi': ['nordhaven inbound'],
  'edifact/D96A/ORDRSP-unoc-no-una.edi': ['nordhaven outbound'],
  'edifact/D96A/DESADV-unoc-crlf.edi': ['nordhaven outbound'],
  'edifact/D96A/INVOIC-unoa-ung-group.edi': ['nordhaven outbound'],
  'edifact/D96A/CONTRL-accepting-orders.edi': ['nordhaven outbound'],
  'edifact/D01B/ORDERS-unow-utf8-pipe.edi': ['mueller-armaturen inbound'],
  'edifact/D01B/INVOIC-unoy-utf8-decimal-comma.edi': ['mueller-armaturen outbound'],
  // A French buyer (GLN 3012345000004) that has no partner folder.
  'edifact/D01B/ORDERS-unoc-latin1.edi': ['unknown no-match'],
  'invalid/edifact-invalid-utf8-under-unoy.edi': ['mueller-armaturen outbound'],
  'invalid/edifact-truncated-mid-segment.edi': ['nordhaven outbound'],
  'invalid/x12-invalid-time.edi': ['northgate outbound'],
  'invalid/empty.edi': [],
  'invalid/binary-garbage.bin': [],
};
/** The other invalid files are derived from Northgate's 850 or Nordhaven's ORDERS. */
function expected(file: string): string[] {
  if (file in EXPECTED) return EXPECTED[file];
  if (file.startsWith('invalid/x12-')) return ['northgate inbound'];
  if (file.startsWith('invalid/edifact-')) return ['nordhaven inbound'];
  throw new Error(`add ${file} to EXPECTED in ${__filename}`);
}

describe('shipped sample partners', () => {
  const registry = loadPartners();

  test('every partner folder loads', () => {
    expect(registry.partners.map((p) => p.id)).toEqual(['bolt-supply', 'fjordline', 'keystone', 'mueller-armaturen', 'nordhaven', 'northgate']);
    for (const partner of registry.partners) {
      expect(partner.file).toBe(join(defaultPartnersRoot(), partner.id, 'partner.yaml'));
      expect(partner.channels.inbound[0]).toMatchObject({ type: 'dir', path: expect.stringContaining(join('exchange', partner.id, 'inbound')) });
      expect(partner.channels.outbound).toMatchObject({ type: 'dir', path: expect.stringContaining(join('exchange', partner.id, 'outbound')) });
    }
  });

  test('the partner check finds nothing wrong', () => {
    expect(checkPartners().map((p) => p.message)).toEqual([]);
  });

  test('settings come through typed: codes stay text, durations become milliseconds', () => {
    const northgate = registry.get('northgate')!;
    expect(northgate.x12).toEqual({ version: '004010', delimiters: { element: '*', component: '>', segment: '~' }, lineBreak: 'lf' });
    expect(northgate.documents[0]).toEqual({ type: 'order', direction: 'inbound', messageType: '850' });
    expect(northgate.acknowledgments).toEqual({ send: ['997'], expect: [{ type: '997', within: 86_400_000 }], acceptWithErrors: false });
    expect(northgate.duplicates.window).toBe(30 * 86_400_000);
    expect(registry.get('bolt-supply')!.identities[0]).toEqual({ standard: 'x12', qualifier: '01', id: '047712960', gsCode: 'BOLTSUPPLY' });
    expect(registry.get('keystone')!.x12?.delimiters.repetition).toBe('^');
    expect(registry.get('mueller-armaturen')!.edifact).toMatchObject({ directory: 'D01B', charset: 'UNOY', syntaxVersion: 4, delimiters: { component: '=', element: '*', decimal: ',', segment: '~' } });
    expect(registry.get('nordhaven')!.odoo).toMatchObject({ partnerRef: 'NORDHAVEN', confirmOrders: true, postInvoices: false, priceSource: 'odoo' });
  });

  test.each(fixtureFiles().sort())('%s routes to its partner', (file) => {
    const routed = envelopes(file).map(({ interchange, group }) => {
      const result = registry.route(interchange, group);
      return result.kind === 'partner' ? `${result.partner.id} ${result.direction}` : `unknown ${result.reason}`;
    });
    expect(routed).toEqual(expected(file));
  });
});
