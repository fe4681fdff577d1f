/** APERAK: built for application-level rejections, valid by our own validator, read back by readAcks(). */
import { InMemoryControlNumbers } from '../../src/edi/ack';
import { readAcks } from '../../src/edi/ack-read';
import type { InterchangeHeader, TransactionHeader } from '../../src/edi/common/events';
import { buildAperak, ftxLines, type AperakOptions, type GeneratedAperak } from '../../src/edi/edifact/ack/aperak';
import { EdiReader } from '../../src/edi/reader';
import { validateBuffer } from '../../src/edi/validate';
import { fixture, NOW, segments } from './ack/helpers';

/** What the pipeline knows about a received message: its interchange header, UNH and BGM 1004. */
function received(text: string): { header: InterchangeHeader; tx: TransactionHeader; documentNumber: string } {
  let header: InterchangeHeader | undefined;
  let tx: TransactionHeader | undefined;
  let documentNumber = '';
  const reader = new EdiReader({
    interchangeStart: (h) => (header = header ?? h),
    transactionStart: (t) => (tx = tx ?? t),
    segment: (seg) => {
      if (seg.tag === 'BGM' && documentNumber === '') documentNumber = seg.value(2, 1);
    },
  });
  reader.write(Buffer.from(text, 'latin1'));
  reader.end();
  if (!header || !tx) throw new Error('no message in the fixture');
  return { header, tx, documentNumber };
}

function options(extra: Partial<AperakOptions> = {}): AperakOptions {
  return { controlNumbers: new InMemoryControlNumbers(), now: NOW, ...extra };
}

function bytes(a: GeneratedAperak): Buffer {
  return Buffer.from(a.text, a.encoding);
}

function expectValid(a: GeneratedAperak): void {
  const report = validateBuffer(bytes(a));
  expect(report.errors.map((e) => `${e.code} ${e.segmentId ?? ''}${e.element ?? ''}: ${e.message}`)).toEqual([]);
  expect(report.interchanges).toHaveLength(1);
  expect(report.interchanges[0].transactions.map((t) => [t.id, t.contentValidated])).toEqual([['APERAK', true]]);
}

const FINDINGS = [
  { code: 'PRD01', text: 'Product 8712345000991 is not known in Odoo' },
  { code: 'PO02', text: 'Purchase order PO-2024-0521 was already confirmed' },
];

describe('buildAperak', () => {
  test('answers a D96A ORDERS (UNOA): envelope turned around, BGM 313 27, RFF ACW and ON, ERC + FTX; valid', () => {
    const r = received(fixture('edifact/D96A/ORDERS-unoa-una-release.edi'));
    const a = buildAperak(r.header, { reference: r.tx.controlNumber, type: r.tx.id, version: r.tx.version, documentNumber: r.documentNumber }, FINDINGS, options());
    expect(a).toMatchObject({ type: 'APERAK', interchange: 'ORD0000521', controlNumber: '1', messageReference: '1', directory: 'D96A', status: 'rejected', encoding: 'latin1' });
    expect(a.notes).toBeUndefined();
    expect(segments(a.text)).toEqual([
      'UNA:+.? ',
      'UNB+UNOA:3+8034567000012:14+8712345000014:14+261126:1530+1',
      'UNH+1+APERAK:D:96A:UN',
      'BGM+313+1+27',
      'DTM+137:202611261530:203',
      'RFF+ACW:ORD521',
      'RFF+ON:PO-2024-0521',
      'ERC+PRD01',
      // UNOA has no lower case: the text is upper-cased rather than refused.
      'FTX+AAO+++PRODUCT 8712345000991 IS NOT KNOWN IN ODOO',
      'ERC+PO02',
      'FTX+AAO+++PURCHASE ORDER PO-2024-0521 WAS ALREADY CONFIRMED',
      'UNT+10+1',
      'UNZ+1+1',
    ]);
    expectValid(a);
  });

  test('answers a D01B ORDERS in UNOW with | as element separator: D01B APERAK, UTF-8 text kept, valid', () => {
    const r = received(fixture('edifact/D01B/ORDERS-unow-utf8-pipe.edi'));
    const a = buildAperak(r.header, { reference: r.tx.controlNumber, type: r.tx.id, version: r.tx.version, documentNumber: r.documentNumber }, [{ code: 'PRD01', text: 'Artikel „Kugelhahn ½″“ unbekannt' }], options());
    expect(a.directory).toBe('D01B');
    expect(a.encoding).toBe('utf8');
    expect(a.text).toContain('UNH|1|APERAK:D:01B:UN');
    expect(a.text).toContain('Kugelhahn ½″');
    expectValid(a);
  });

  test('a directory we ship no APERAK for falls back to D96A', () => {
    const r = received(fixture('edifact/D96A/ORDRSP-unoc-no-una.edi'));
    const a = buildAperak(r.header, { reference: r.tx.controlNumber, type: r.tx.id, version: 'D93A' }, FINDINGS, options());
    expect(a.directory).toBe('D96A');
    expect(a.text).toContain("UNH+1+APERAK:D:96A:UN'");
    // Without a document number there is only the message reference.
    expect(segments(a.text).filter((s) => s.startsWith('RFF'))).toEqual([`RFF+ACW:${r.tx.controlNumber}`]);
    expectValid(a);
  });

  test('keeps the partner delimiters (UNA =*,? ~, syntax 4, test indicator) and escapes delimiters in the text', () => {
    const text = fixture('edifact/D01B/INVOIC-unoy-utf8-decimal-comma.edi').replace(/(UNB\*[^~]*)~/, '$1******1~');
    const r = received(text);
    expect(r.header.test).toBe(true);
    const a = buildAperak(r.header, { reference: r.tx.controlNumber, type: r.tx.id, version: r.tx.version, documentNumber: r.documentNumber }, [{ code: 'INV9', text: 'Amount 1*2=3 ~ not ok' }], options());
    expect(a.text.startsWith('UNA=*,? ~')).toBe(true);
    expect(a.text).toMatch(/^UNB\*UNOY=4\*4012345000009=14\*8034567000012=14\*20261126=1530\*1\*+1~$/m);
    expect(a.text).toContain('RFF*IV=VV-F-24-01388~');
    expect(a.text).toContain('FTX*AAO***Amount 1?*2?=3 ?~ not ok~');
    expectValid(a);
  });

  test('the test indicator is read back, and the escaped text comes back as written', async () => {
    const r = received(fixture('edifact/D01B/INVOIC-unoy-utf8-decimal-comma.edi').replace(/(UNB\*[^~]*)~/, '$1******1~'));
    const a = buildAperak(r.header, { reference: r.tx.controlNumber, type: r.tx.id, version: r.tx.version }, [{ code: 'INV9', text: 'Amount 1*2=3 ~ not ok' }], options());
    const read = await readAcks(bytes(a));
    expect(read.problems).toEqual([]);
    expect(read.acks[0]).toMatchObject({ test: true, errors: [{ code: 'INV9', description: 'Amount 1*2=3 ~ not ok' }] });
  });

  test('long text is broken at spaces into at most 5 FTX lines of 70; long codes are shortened with a note', () => {
    const r = received(fixture('edifact/D96A/ORDRSP-unoc-no-una.edi'));
    const long = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');
    const a = buildAperak(r.header, { reference: r.tx.controlNumber, type: r.tx.id }, [{ code: 'PRODUCT_UNKNOWN', text: long }], options());
    expect(a.notes).toEqual(['error code "PRODUCT_UNKNOWN" is longer than ERC 9321 allows (8): written as "PRODUCT_"', 'text of finding PRODUCT_ cut to 5 lines of 70 characters']);
    const ftx = segments(a.text).find((s) => s.startsWith('FTX'));
    const lines = (ftx ?? '').split('+')[4].split(':');
    expect(lines).toHaveLength(5);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(70);
    expectValid(a);
  });

  test('ftxLines breaks at the last space, hard-breaks a word longer than a line', () => {
    expect(ftxLines('aaa bbb ccc', 7)).toEqual({ lines: ['aaa bbb', 'ccc'], cut: false });
    expect(ftxLines('abcdefghij', 4)).toEqual({ lines: ['abcd', 'efgh', 'ij'], cut: false });
    expect(ftxLines('a b c d', 1, 2)).toEqual({ lines: ['a', 'b'], cut: true });
  });

  test('refuses what it cannot answer: no finding, an X12 header', () => {
    const r = received(fixture('edifact/D96A/ORDRSP-unoc-no-una.edi'));
    expect(() => buildAperak(r.header, { reference: '1', type: 'ORDRSP' }, [], options())).toThrow('at least one finding');
    expect(() => buildAperak({ ...r.header, standard: 'x12' }, { reference: '1', type: '850' }, FINDINGS, options())).toThrow('EDIFACT');
  });

  test('control numbers come from the source, per partner key', () => {
    const r = received(fixture('edifact/D96A/ORDRSP-unoc-no-una.edi'));
    const o = options({ controlNumbers: new InMemoryControlNumbers(500), partnerKey: 'acme' });
    const first = buildAperak(r.header, { reference: r.tx.controlNumber, type: r.tx.id }, FINDINGS, o);
    const second = buildAperak(r.header, { reference: r.tx.controlNumber, type: r.tx.id }, FINDINGS, o);
    expect([first.controlNumber, first.messageReference, second.controlNumber, second.messageReference]).toEqual(['500', '500', '501', '501']);
  });
});

describe('APERAK built, then read back', () => {
  test.each([
    ['edifact/D96A/ORDERS-unoa-una-release.edi', 'ON', 'PRODUCT 8712345000991 IS NOT KNOWN IN ODOO'],
    ['edifact/D01B/ORDERS-unoc-latin1.edi', 'ON', FINDINGS[0].text],
    ['edifact/D96A/INVOIC-unoa-ung-group.edi', 'IV', 'PRODUCT 8712345000991 IS NOT KNOWN IN ODOO'],
  ])('%s: rejected, matched to the message and the document, errors and text as written', async (path, qualifier, firstText) => {
    const r = received(fixture(path));
    const a = buildAperak(r.header, { reference: r.tx.controlNumber, type: r.tx.id, version: r.tx.version, documentNumber: r.documentNumber }, FINDINGS, options());
    expectValid(a);
    const read = await readAcks(bytes(a));
    expect(read.problems).toEqual([]);
    expect(read.acks).toHaveLength(1);
    const got = read.acks[0];
    expect(got).toMatchObject({
      type: 'APERAK',
      standard: 'edifact',
      from: { id: r.header.receiverId, qualifier: r.header.receiverQualifier },
      to: { id: r.header.senderId, qualifier: r.header.senderQualifier },
      ackInterchange: a.controlNumber,
      ackMessage: a.messageReference,
      status: 'rejected',
      code: '27',
      refers: { document: { qualifier, number: r.documentNumber } },
    });
    expect(got.refers.transactions?.map((t) => [t.controlNumber, t.status, t.errors.map((e) => e.code)])).toEqual([[r.tx.controlNumber, 'rejected', ['PRD01', 'PO02']]]);
    expect(got.errors.map((e) => [e.level, e.code])).toEqual([
      ['transaction', 'PRD01'],
      ['transaction', 'PO02'],
    ]);
    expect(got.errors[0].description).toBe(firstText);
    expect(got.text?.split('\n')).toHaveLength(2);
  });

  test('a long text read back equals the text written (lines joined at the spaces they were broken at)', async () => {
    const r = received(fixture('edifact/D01B/ORDERS-unow-utf8-pipe.edi'));
    const long = 'The order line 3 names article 4012345000991, which is not sold to this customer in Odoo; please check the price list and send a corrected order.';
    const a = buildAperak(r.header, { reference: r.tx.controlNumber, type: r.tx.id, version: r.tx.version }, [{ code: 'PRD09', text: long }], options());
    const read = await readAcks(bytes(a));
    expect(read.acks[0].errors[0].description).toBe(long);
  });
});
