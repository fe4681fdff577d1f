/**
 * APERAK for what Odoo refused: an EDIFACT partner that asks for application acknowledgments
 * (`acknowledgments.send: [APERAK]`) learns that an order it sent could not be booked (unknown product,
 * closed purchase order …), with our reason as text, after the CONTRL already accepted its syntax.
 */
import type { InterchangeHeader } from '../edi/common/events';
import type { ControlNumbers } from '../edi/ack';
import { buildAperak } from '../edi/edifact/ack/aperak';
import { EdiReader } from '../edi/reader';
import type { BusinessErrorCode } from '../odoo/post';
import type { Partner } from '../partners/registry';
import type { DocumentRow, Ledger, NewOutboundMessage } from '../store';

/**
 * ERC 9321 is an8 and its values are agreed between partners; these are ours, one per kind of business
 * error, listed in the README so a partner's guide can map them.
 */
export const APERAK_CODES: Record<BusinessErrorCode | 'other', string> = {
  unknown_partner: 'PARTY',
  ambiguous: 'AMBIG',
  unknown_product: 'PRODUCT',
  unknown_uom: 'UOM',
  po_not_found: 'PONOTFND',
  po_closed: 'POCLOSED',
  no_receipt: 'NORCPT',
  line_not_found: 'LINE',
  quantity_over_tolerance: 'QTY',
  duplicate_supplier_invoice: 'DUPINV',
  unsupported: 'UNSUPP',
  other: 'REJECTED',
};

function headerOf(bytes: Buffer, controlNumber: string | null): InterchangeHeader | undefined {
  let found: InterchangeHeader | undefined;
  const reader = new EdiReader({
    interchangeStart: (h) => {
      if (!found && (controlNumber === null || h.controlNumber.trim() === controlNumber)) found = h;
    },
  });
  reader.write(bytes);
  reader.end();
  return found;
}

/** The APERAK to queue for a document Odoo refused, or undefined when the partner does not want one. */
export function aperakFor(ledger: Ledger, partner: Partner, doc: DocumentRow, code: BusinessErrorCode | 'other', reason: string, now: Date): NewOutboundMessage | undefined {
  if (!partner.acknowledgments.send.includes('APERAK') || !doc.controlNumber || !doc.messageType) return undefined;
  const header = headerOf(ledger.bytes(doc.messageId), doc.interchangeControlNumber);
  if (!header || header.standard !== 'edifact') return undefined;
  const a = buildAperak(
    header,
    { reference: doc.controlNumber, type: doc.messageType, ...(doc.businessKey ? { documentNumber: doc.businessKey.split('/')[0] } : {}) },
    [{ code: APERAK_CODES[code], text: reason }],
    { controlNumbers: ledger as ControlNumbers, partnerKey: `${partner.id}:edifact`, now },
  );
  return {
    partnerId: partner.id,
    channel: partner.channels.outbound?.type ?? 'dir',
    name: `APERAK-${a.controlNumber}`,
    bytes: Buffer.from(a.text, a.encoding),
    correlationId: doc.correlationId,
    messageType: 'APERAK',
    causeMessageId: doc.messageId,
    interchangeControlNumber: a.controlNumber,
  };
}
