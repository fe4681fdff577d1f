/**
 * Posting canonical documents to Odoo: one idempotent poster per document kind.
 *
 *   const ctx = createPostContext({ client, settings: partner.odoo });
 *   const result = await postDocument(doc, ctx); // [{ model, id, name, created, action, notes }]
 *
 * A {@link BusinessError} (not retryable) says the document cannot be booked as it is; Odoo client
 * errors pass through with their `retryable` flag, and posting again after a retryable failure is safe.
 */
import type { CanonicalDocument } from '../../canonical';
import { BusinessError, type PostContext, type PostResult } from './context';
import { postInvoice } from './invoice';
import { postCustomerOrder } from './order-update';
import { postOrderResponse } from './order-response';
import { postShipNotice } from './ship-notice';

export { BusinessError, createPostContext, HeldForPerson, ResolveCache } from './context';
export type { BusinessErrorCode, PartnerCodeLookup, StatedOrderLookup, PostAction, PostContext, PostContextInit, PostedRecord, PostResult } from './context';
export { postInvoice } from './invoice';
export { postOrder } from './order';
export { postCustomerOrder, postOrderUpdate } from './order-update';
export { postOrderBatch, settle, type Settled } from './order-batch';
export { postOrderResponse } from './order-response';
export { postShipNotice } from './ship-notice';
export { EDI_UOM_CODES, resolveDeliveryAddress, resolvePartner, resolveProduct, resolveUom } from './resolve';

/** Post one canonical document. A functional acknowledgment is not an Odoo document: it posts nothing. */
export function postDocument(doc: CanonicalDocument, ctx: PostContext): Promise<PostResult> {
  switch (doc.type) {
    case 'order':
      return postCustomerOrder(doc, ctx);
    case 'order_response':
      return postOrderResponse(doc, ctx);
    case 'ship_notice':
      return postShipNotice(doc, ctx);
    case 'invoice':
      return postInvoice(doc, ctx);
    case 'functional_ack':
      return Promise.resolve([]);
    default: {
      const never: never = doc;
      return Promise.reject(new BusinessError('unsupported', `document type ${(never as { type: string }).type} cannot be posted to Odoo`));
    }
  }
}
