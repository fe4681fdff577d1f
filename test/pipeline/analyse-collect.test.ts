import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectForAcks } from '../../src/edi/ack';

// Counted, to tell which interchanges were read a second time for their checks.
jest.mock('../../src/edi/ack', () => {
  const actual: typeof import('../../src/edi/ack') = jest.requireActual('../../src/edi/ack');
  return { ...actual, collectForAcks: jest.fn(actual.collectForAcks) };
});
const secondReads = jest.mocked(collectForAcks);
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
    ['after a byte-order mark', (b) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b])],
    ['twice in one file', (b) => Buffer.concat([b, Buffer.from('\n'), b])],
    ['three times, the second cut short', (b) => Buffer.concat([b, b.subarray(0, Math.floor(b.length / 2)), Buffer.from('\r\n'), b])],
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
    secondReads.mockClear();
    const analysis = await analyseMessage(northgateOrders({ icn: 601, count: 3, prefix: 'ONCE' }), loadPartners(PARTNERS));
    const ic = analysis.interchanges[0];
    expect(ic.collectedFor).toBe('northgate');
    expect(ic.collected?.interchanges[0].groups[0].transactions).toHaveLength(3);
    expect(secondReads).not.toHaveBeenCalled();
  });

  it('X12 interchanges after white space and after one another ride too, with their positions as their slices give them', async () => {
    const registry = loadPartners(PARTNERS);
    const one = northgateOrders({ icn: 602, count: 2, prefix: 'RIDE' });
    // A bad SE01 in the second: an envelope finding whose segment number is counted in the file.
    const two = Buffer.from(northgateOrders({ icn: 603, count: 2, prefix: 'RIDE' }).toString('latin1').replace(/SE\*(\d+)\*0002/, 'SE*99*0002'), 'latin1');
    const bytes = Buffer.concat([Buffer.from('\ufeff\r\n'), one, Buffer.from('\n'), two]);
    secondReads.mockClear();
    const analysis = await analyseMessage(bytes, registry);
    expect(secondReads).not.toHaveBeenCalled();
    expect(analysis.interchanges.map((ic) => ic.collected)).toStrictEqual(await sliceCollections(bytes, registry));
    const second = analysis.interchanges[1].collected?.interchanges[0];
    expect(second?.header).toMatchObject({ controlNumber: '000000603', offset: 0, index: 0 });
    expect(second?.groups[0].transactions[1].errors).toEqual([expect.objectContaining({ code: 'transaction.count_mismatch' })]);
  });

  it('an interchange whose trailer is missing, the one after it, and an EDIFACT interchange after another are read again on their own', async () => {
    const registry = loadPartners(PARTNERS);
    const one = northgateOrders({ icn: 604, count: 2, prefix: 'AGAIN' });
    const cut = Buffer.from(one.toString('latin1').replace(/IEA\*[^~]*~\s*$/, ''), 'latin1');
    const x12 = Buffer.concat([cut, one]);
    secondReads.mockClear();
    const a = await analyseMessage(x12, registry);
    // The second too: its ISA came without the IEA before it (the reader closed the first one there).
    expect(secondReads).toHaveBeenCalledTimes(2);
    expect(a.interchanges.map((ic) => ic.collected)).toStrictEqual(await sliceCollections(x12, registry));
    const edifact = readFileSync(join(ROOT, 'fixtures', 'nordhaven', 'ORDERS-unoc-two-deliveries.edi'));
    const twice = Buffer.concat([edifact, edifact]);
    secondReads.mockClear();
    const b = await analyseMessage(twice, registry);
    expect(b.interchanges.map((ic) => ic.collectedFor)).toEqual(['nordhaven', 'nordhaven']);
    expect(secondReads).toHaveBeenCalledTimes(1);
    expect(b.interchanges.map((ic) => ic.collected)).toStrictEqual(await sliceCollections(twice, registry));
  });
});
