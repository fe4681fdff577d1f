/**
 * Credit notes through the shared invoice mappings (D30): an 810 with BIG07 CR and an INVOIC with BGM
 * 381 are canonical invoices of invoiceType credit_note, naming the invoice they credit (REF*OI, RFF+IV
 * or RFF+OI); an invoice leaves invoiceType out; a credit note renders the same way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderDocuments, translate } from '../../src/mapping';
import { InMemoryControlNumbers } from '../../src/edi/ack';
import { loadPartners } from '../../src/partners/loader';
import type { Invoice } from '../../src/canonical';
import { businessKey } from '../../src/pipeline/analyse';

const ROOT = join(__dirname, '..', '..');
const fixture = (path: string): string => readFileSync(join(ROOT, 'fixtures', path), 'latin1');

/** The one invoice `text` translates to, without errors. */
async function invoiceOf(text: string): Promise<Invoice> {
  const result = await translate(Buffer.from(text, 'latin1'));
  expect(result.errors).toEqual([]);
  expect(result.documents).toHaveLength(1);
  return result.documents[0] as Invoice;
}

describe('credit notes in the invoice mappings', () => {
  it('an 810 with BIG07 CR is a credit note of the invoice its REF*OI names; without BIG07 an invoice', async () => {
    const original = fixture('bolt-supply/810.edi');
    expect((await invoiceOf(original)).invoiceType).toBeUndefined();
    const credit = original
      .replace('BIG*20240325*BIS-INV-0093317*20240315*PO-BW-10427~', 'BIG*20240328*BIS-CM-0000412*20240315*PO-BW-10427***CR~')
      .replace('REF*VN*SO-771204~', 'REF*VN*SO-771204~REF*OI*BIS-INV-0093317~')
      .replace(/SE\*21\*0001/, 'SE*22*0001');
    const doc = await invoiceOf(credit);
    expect(doc).toMatchObject({ invoiceType: 'credit_note', invoiceNumber: 'BIS-CM-0000412', creditedInvoiceNumber: 'BIS-INV-0093317', orderNumber: 'PO-BW-10427', totalAmount: 683.5 });
    // A credit note numbered like an invoice (a series of its own) is not taken for a second copy of it.
    const sameNumber = await invoiceOf(credit.replace('BIS-CM-0000412', 'BIS-INV-0093317'));
    expect(businessKey(sameNumber)).not.toBe(businessKey(await invoiceOf(original)));
  });

  it('an INVOIC with BGM 381 is a credit note of the invoice its RFF+IV (or RFF+OI) names; 380 an invoice', async () => {
    const original = fixture('fjordline/INVOIC-freight-export.edi');
    expect((await invoiceOf(original)).invoiceType).toBeUndefined();
    const credit = original.replace("BGM+380+FJL-F-24-10093+9'", "BGM+381+FJL-C-24-00017+9'").replace("RFF+ON:PO-VV-2024-0188'", "RFF+ON:PO-VV-2024-0188'RFF+IV:FJL-F-24-10093'");
    const counted = credit.replace(/UNT\+(\d+)\+/, (_m, n: string) => `UNT+${Number(n) + 1}+`);
    expect(await invoiceOf(counted)).toMatchObject({ invoiceType: 'credit_note', invoiceNumber: 'FJL-C-24-00017', creditedInvoiceNumber: 'FJL-F-24-10093' });
    const byOi = counted.replace("RFF+IV:FJL-F-24-10093'", "RFF+OI:FJL-F-24-10093'").replace("BGM+381+", "BGM+83+");
    expect(await invoiceOf(byOi)).toMatchObject({ invoiceType: 'credit_note', creditedInvoiceNumber: 'FJL-F-24-10093' });
  });

  it('a credit note renders as BIG07 CR with REF*OI, or BGM 381 with RFF+IV', async () => {
    const registry = loadPartners();
    const base = { type: 'invoice' as const, invoiceType: 'credit_note' as const, invoiceNumber: 'RINV/2026/11/0001', creditedInvoiceNumber: 'INV/2026/11/0003', invoiceDate: '2026-11-27', orderNumber: 'PO-1', totalAmount: 184.5 };
    const lines = [{ lineNumber: '1', quantity: 10, uom: 'Units', unitPrice: 18.45 }];
    for (const [partnerId, expected] of [
      ['northgate', ['BIG*20261127*RINV/2026/11/0001**PO-1***CR~', 'REF*OI*INV/2026/11/0003~']],
      ['nordhaven', ["BGM+381+RINV/2026/11/0001+9'", "RFF+IV:INV/2026/11/0003'"]],
    ] as const) {
      const partner = registry.get(partnerId)!;
      const standard = partner.edifact && !partner.x12 ? 'edifact' : 'x12';
      const envelope = { standard, version: standard === 'x12' ? '004010' : 'D96A', messageType: standard === 'x12' ? '810' : 'INVOIC', sender: { id: 'A' }, receiver: { id: 'B' }, interchangeControlNumber: '1', controlNumber: '1', test: false };
      const doc = { ...base, partnerId, envelope, lines };
      const rendered = await renderDocuments([doc], partner, { controlNumbers: new InMemoryControlNumbers() });
      expect(rendered.errors.filter((e) => e.severity === 'error')).toEqual([]);
      for (const segment of expected) expect(rendered.text).toContain(segment);
    }
  });
});
