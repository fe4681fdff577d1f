import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectForAcks } from '../../src/edi/ack';
import { loadPartners } from '../../src/partners';
import type { PartnerRegistry } from '../../src/partners/registry';
import { analyseMessage, partnerAckPolicy } from '../../src/pipeline/analyse';
import { northgateOrders } from '../support/orders';

const ROOT = join(__dirname, '..', '..');
const PARTNERS = join(ROOT, 'partners');

function ediFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return ediFiles(path);
    return /\.(edi|x12|edifact|txt|bin)$/i.test(name) ? [path] : [];
  });
}

const files = ediFiles(join(ROOT, 'fixtures'));

/** The shipped partners with every partner.yaml rewritten by `edit`. */
function editedPartners(dir: string, edit: (yaml: string) => string): PartnerRegistry {
  cpSync(PARTNERS, dir, { recursive: true });
  for (const name of readdirSync(dir)) {
    const file = join(dir, name, 'partner.yaml');
    try {
      writeFileSync(file, edit(readFileSync(file, 'utf8')));
    } catch {
      // Not a partner folder (README).
    }
  }
  return loadPartners(dir);
}

/** What the checks of each inbound interchange are when its slice is read on its own (the old way). */
async function sliceCollections(bytes: Buffer, registry: PartnerRegistry): Promise<unknown[]> {
  const analysis = await analyseMessage(bytes, registry);
  return Promise.all(
    analysis.interchanges.map(async (ic) => {
      const routed = registry.route(ic.header, ic.group);
      if (routed.kind !== 'partner' || routed.direction !== 'inbound') return undefined;
      const slice = bytes.subarray(ic.start, ic.end);
      return collectForAcks(slice, { lenientCharset: routed.partner.validation.lenientCharset, usage: partnerAckPolicy(routed.partner).usage });
    }),
  );
}

describe('the ack checks ride on the translation read: the same records as a read of each interchange slice', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'analyse-collect-'));
  const registries: [string, PartnerRegistry][] = [
    ['shipped partners', loadPartners(PARTNERS)],
    ['partners in test mode, lenient about the charset', editedPartners(join(tmp, 'test-mode'), (y) => y.replace(/^mode: production/m, 'mode: test').replace('lenientCharset: false', 'lenientCharset: true'))],
  ];
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('has fixtures to compare', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  const variants: [string, (b: Buffer) => Buffer][] = [
    ['as received', (b) => b],
    ['after white space', (b) => Buffer.concat([Buffer.from('\r\n '), b])],
    ['twice in one file', (b) => Buffer.concat([b, Buffer.from('\n'), b])],
    ['twice, without a line between', (b) => Buffer.concat([b, b])],
    ['cut short', (b) => b.subarray(0, Math.floor(b.length * 0.8))],
  ];

  describe.each(registries)('%s', (_name, registry) => {
    describe.each(variants)('%s', (_variant, make) => {
      it.each(files.map((f) => [f.slice(ROOT.length + 1), f]))('%s', async (_rel, file) => {
        const bytes = make(readFileSync(file));
        const analysis = await analyseMessage(bytes, registry);
        expect(analysis.interchanges.map((ic) => ic.collected)).toStrictEqual(await sliceCollections(bytes, registry));
      });
    });
  });

  it('a clean file is read once: its checks come from the translation read, not from a second one', async () => {
    const analysis = await analyseMessage(northgateOrders({ icn: 601, count: 3, prefix: 'ONCE' }), loadPartners(PARTNERS));
    const ic = analysis.interchanges[0];
    expect(ic.collectedFor).toBe('northgate');
    // A second read would have made its own header object; the ride shares the translation read's.
    expect(ic.collected?.interchanges[0].header).toBe(ic.header);
    expect(ic.collected?.interchanges[0].groups[0].transactions).toHaveLength(3);
  });

  it('a second interchange, or a first one after white space, is read again on its own', async () => {
    const one = northgateOrders({ icn: 602, count: 2, prefix: 'AGAIN' });
    const analysis = await analyseMessage(Buffer.concat([Buffer.from('\n'), one, one]), loadPartners(PARTNERS));
    expect(analysis.interchanges).toHaveLength(2);
    for (const ic of analysis.interchanges) {
      expect(ic.collectedFor).toBe('northgate');
      expect(ic.collected?.interchanges[0].header).not.toBe(ic.header);
    }
  });
});
