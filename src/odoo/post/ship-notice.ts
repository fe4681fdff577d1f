/**
 * Ship notice (856 / DESADV from a supplier) → the incoming stock.picking of each purchase order.
 *
 * For each order of the notice: the open receipt of the PO (origin = PO name, incoming, not done)
 * gets the shipped quantities, as Odoo 18 wants them for a partial receipt (odoo-api.md §6): every
 * shipped move `quantity` + `picked: true`, lots as move lines (`lot_name`), un-shipped moves
 * `quantity: 0`. `carrier_tracking_ref` is written only when the field exists (module
 * stock_delivery). A chatter note with the marker `[edi ship_notice SHIPMENT]` records the notice.
 * With `validateReceipts` the picking is validated; a partial one answers the backorder wizard,
 * which is created with the returned context and `process`ed (the rest stays as a backorder).
 *
 * Idempotency key: the marker on a picking of the PO. A marked picking that is done is not touched;
 * a marked one still open is only validated (when the setting says so). Quantities are compared
 * before they are written. Everything is resolved and checked (products, lines, tolerance) before
 * the first write.
 */
import type { ShipNotice } from '../../canonical';
import { BusinessError, lineSegment, m2oId, num, record, str, type PostContext, type PostResult } from './context';
import { findPurchaseOrder, marker, matchPurchaseLine, readPurchaseLines, recordsWithMarker, type PurchaseLine, type PurchaseOrder } from './purchase';
import { convertQuantity, hasField, resolvePartner, resolveUom } from './resolve';
import type { OdooRecord } from '../client';

interface MoveBucket {
  move: OdooRecord;
  line: PurchaseLine;
  qty: number;
  /** lot name ('' = no lot) → quantity */
  lots: Map<string, number>;
}

type Plan =
  | { kind: 'marked'; po: PurchaseOrder; picking: OdooRecord }
  | { kind: 'open'; po: PurchaseOrder; picking: OdooRecord; moves: OdooRecord[]; buckets: Map<number, MoveBucket> };

const EPS = 1e-6;

export async function postShipNotice(doc: ShipNotice, ctx: PostContext): Promise<PostResult> {
  const { client, settings } = ctx;
  const supplier = await resolvePartner(ctx);
  const seg = lineSegment(doc.envelope.standard, 'ship_notice');
  const mark = marker('ship_notice', doc.shipmentId);
  const tracking = doc.carrier?.trackingNumber;
  const trackingField = tracking !== undefined && (await hasField(ctx, 'stock.picking', 'carrier_tracking_ref'));
  const pickingFields = ['id', 'name', 'state', 'origin', 'backorder_id', ...(trackingField ? ['carrier_tracking_ref'] : [])];
  const names = await client.fieldNames();

  // ---- plan: resolve and check everything first
  const plans: Plan[] = [];
  const problems: string[] = [];
  let problemCode: BusinessError['code'] | undefined;
  const fail = (err: unknown): void => {
    if (!(err instanceof BusinessError)) throw err;
    problemCode ??= err.code;
    problems.push(...err.issues);
  };
  for (const order of doc.orders) {
    const where = `ship notice ${doc.shipmentId}, order ${order.orderNumber}`;
    let po: PurchaseOrder;
    try {
      po = await findPurchaseOrder(ctx, supplier, order.orderNumber, where);
    } catch (err) {
      fail(err);
      continue;
    }
    if (po.state !== 'purchase' && po.state !== 'done') {
      fail(new BusinessError('no_receipt', `${where}: purchase order ${po.name} is not confirmed (state ${po.state}), so it has no receipt`));
      continue;
    }
    const pickings = await client.searchRead(
      'stock.picking',
      [
        ['purchase_id', '=', po.id],
        ['picking_type_code', '=', 'incoming'],
        ['state', '!=', 'cancel'],
      ],
      { fields: pickingFields, order: 'id' },
    );
    const marked = await recordsWithMarker(ctx, 'stock.picking', pickings.map((p) => p.id), mark);
    const markedPicking = pickings.find((p) => marked.has(p.id));
    if (markedPicking) {
      plans.push({ kind: 'marked', po, picking: markedPicking });
      continue;
    }
    const open = pickings.filter((p) => p.state !== 'done');
    if (!open.length) {
      fail(new BusinessError('no_receipt', `${where}: purchase order ${po.name} has no open receipt${pickings.length ? ' (everything was received)' : ''}`));
      continue;
    }
    const picking = open[0]!;
    const earlier = await recordsWithMarker(ctx, 'stock.picking', [picking.id], '[edi ship_notice ');
    if (earlier.size) {
      // Another notice already set this receipt's quantities and it is not validated yet: adding or
      // replacing them silently would misstate what arrived.
      fail(new BusinessError('unsupported', `${where}: receipt ${str(picking.name)} already holds another ship notice that is not validated yet; validate or reset it first`));
      continue;
    }
    // stock.move keeps `product_uom` in 19; only the order lines' unit became product_uom_id
    const moves = await client.searchRead('stock.move', [['picking_id', '=', picking.id]], {
      fields: ['id', 'product_id', 'product_uom_qty', 'quantity', ...(names.hasPicked ? ['picked'] : []), 'product_uom', 'state', 'purchase_line_id', 'move_line_ids', 'location_id', 'location_dest_id'],
      order: 'id',
    });
    const poLines = await readPurchaseLines(ctx, po);
    const buckets = new Map<number, MoveBucket>();
    for (const [i, line] of order.lines.entries()) {
      const lw = `${where} line ${i + 1} (${seg} position ${line.lineNumber})`;
      try {
        const pl = await matchPurchaseLine(ctx, po, poLines, { lineNumber: line.lineNumber, itemIds: line.itemIds }, lw);
        const move = moves.find((m) => m2oId(m.purchase_line_id) === pl.id && m.state !== 'done' && m.state !== 'cancel');
        if (!move) throw new BusinessError('line_not_found', `${lw}: ${pl.productName} (line ${pl.position} of ${po.name}) has nothing left to receive on ${str(picking.name)}`);
        const uom = await resolveUom(ctx, line.uom, lw, { uomId: m2oId(move.product_uom), name: pl.productName });
        const qty = await convertQuantity(ctx, line.quantityShipped, uom, m2oId(move.product_uom));
        let b = buckets.get(move.id);
        if (!b) buckets.set(move.id, (b = { move, line: pl, qty: 0, lots: new Map() }));
        b.qty += qty;
        if (line.serials) {
          for (const s of line.serials) b.lots.set(s, (b.lots.get(s) ?? 0) + 1);
          if (line.serials.length !== qty) b.lots.set('', (b.lots.get('') ?? 0) + Math.max(0, qty - line.serials.length));
        } else {
          const lot = line.lot ?? '';
          b.lots.set(lot, (b.lots.get(lot) ?? 0) + qty);
        }
      } catch (err) {
        fail(err);
      }
    }
    const tol = settings.quantityTolerancePercent;
    for (const b of buckets.values()) {
      const limit = b.line.productQty * (1 + tol / 100);
      if (b.line.qtyReceived + b.qty > limit + EPS) {
        fail(
          new BusinessError(
            'quantity_over_tolerance',
            `${where}: ${b.line.productName} (line ${b.line.position}) shipped ${b.qty}${b.line.qtyReceived ? ` after ${b.line.qtyReceived} received` : ''}, ordered ${b.line.productQty}: more than the ${tol}% tolerance allows (at most ${round(limit)})`,
          ),
        );
      }
    }
    if (settings.validateReceipts) {
      const productIds = [...new Set([...buckets.values()].map((b) => m2oId(b.move.product_id)).filter((x): x is number => x !== undefined))];
      const tracked = productIds.length ? await client.read('product.product', productIds, ['tracking', 'display_name']) : [];
      for (const b of buckets.values()) {
        const p = tracked.find((t) => t.id === m2oId(b.move.product_id));
        if (p && (p.tracking === 'lot' || p.tracking === 'serial') && (b.lots.get('') ?? 0) > EPS) {
          fail(new BusinessError('unsupported', `${where}: ${str(p.display_name)} is tracked by ${str(p.tracking)} but the notice gives no ${str(p.tracking)} number for ${round(b.lots.get('') ?? 0)} of it; the receipt cannot be validated`));
        }
      }
    }
    plans.push({ kind: 'open', po, picking, moves, buckets });
  }
  if (problems.length) throw new BusinessError(problemCode ?? 'unsupported', problems);

  // ---- apply
  const out: PostResult = [];
  for (const plan of plans) {
    const notes: string[] = [];
    const picking = plan.picking;
    let changed = false;
    if (plan.kind === 'marked') {
      notes.push(`ship notice ${doc.shipmentId} already recorded on ${str(picking.name)}`);
      let extra: PostResult = [];
      if (picking.state !== 'done' && settings.validateReceipts) {
        extra = await validate(ctx, picking, notes);
        changed = true;
      }
      out.push(record('stock.picking', picking.id, str(picking.name), changed ? 'updated' : 'unchanged', notes), ...extra);
      continue;
    }
    for (const move of plan.moves) {
      if (move.state === 'done' || move.state === 'cancel') continue;
      const b = plan.buckets.get(move.id);
      if (!b) {
        if (num(move.quantity) !== 0 || move.picked === true) {
          await client.write('stock.move', [move.id], { quantity: 0, ...(names.hasPicked ? { picked: false } : {}) });
          changed = true;
        }
        continue;
      }
      const lots = [...b.lots.entries()].filter(([, q]) => q > EPS);
      if (lots.every(([lot]) => lot === '')) {
        if (Math.abs(num(move.quantity) - b.qty) > EPS || (names.hasPicked && move.picked !== true)) {
          await client.write('stock.move', [move.id], { quantity: b.qty, ...(names.hasPicked ? { picked: true } : {}) });
          changed = true;
        }
        continue;
      }
      changed = (await writeLots(ctx, move, lots, names.hasPicked)) || changed;
    }
    if (trackingField && tracking !== undefined && picking.carrier_tracking_ref !== tracking) {
      await client.write('stock.picking', [picking.id], { carrier_tracking_ref: tracking });
      notes.push(`tracking ${tracking}`);
      changed = true;
    } else if (tracking !== undefined && !trackingField) {
      notes.push(`carrier_tracking_ref does not exist on this server (module stock_delivery); tracking ${tracking} is in the note only`);
    }
    const shipped = [...plan.buckets.values()].map((b) => `${b.line.productName}: ${round(b.qty)} of ${b.line.productQty}${lotText(b)}`);
    const e = doc.envelope;
    const body = [
      `EDI ${e.messageType} ship notice ${doc.shipmentId}${doc.shipDate ? ` shipped ${doc.shipDate}` : ''}${doc.estimatedDeliveryDate ? `, expected ${doc.estimatedDeliveryDate}` : ''}`,
      ...(doc.carrier ? [`carrier ${[doc.carrier.scac, doc.carrier.name].filter(Boolean).join(' ') || '?'}${tracking ? `, tracking ${tracking}` : ''}`] : []),
      ...shipped,
      `${mark} interchange ${e.interchangeControlNumber}, control ${e.controlNumber}`,
    ].join('\n');
    await client.messagePost('stock.picking', picking.id, body);
    // `changed` false: an earlier run wrote the same values but stopped before its note.
    notes.push(changed ? `quantities set from ship notice ${doc.shipmentId}` : `quantities already as in ship notice ${doc.shipmentId}`);
    const extra = settings.validateReceipts ? await validate(ctx, picking, notes) : [];
    if (!settings.validateReceipts) notes.push('left ready, not validated (validateReceipts is off)');
    out.push(record('stock.picking', picking.id, str(picking.name), 'updated', notes), ...extra);
  }
  return out;
}

async function writeLots(ctx: PostContext, move: OdooRecord, lots: Array<[string, number]>, hasPicked: boolean): Promise<boolean> {
  const { client } = ctx;
  const names = await client.fieldNames();
  const qtyField = names.moveLineQuantity;
  const lineIds = Array.isArray(move.move_line_ids) ? (move.move_line_ids as number[]) : [];
  const lines = lineIds.length ? await client.read('stock.move.line', lineIds, ['id', qtyField, 'lot_name', ...(hasPicked ? ['picked'] : [])]) : [];
  lines.sort((a, b) => a.id - b.id);
  let changed = false;
  for (const [i, [lot, qty]] of lots.entries()) {
    const vals: Record<string, unknown> = { [qtyField]: qty, lot_name: lot || false, ...(hasPicked ? { picked: true } : {}) };
    const existing = lines[i];
    if (existing) {
      if (Math.abs(num(existing[qtyField]) - qty) > EPS || str(existing.lot_name) !== lot || (hasPicked && existing.picked !== true)) {
        await client.write('stock.move.line', [existing.id], vals);
        changed = true;
      }
    } else {
      await client.create('stock.move.line', {
        ...vals,
        move_id: move.id,
        product_id: m2oId(move.product_id),
        location_id: m2oId(move.location_id),
        location_dest_id: m2oId(move.location_dest_id),
      });
      changed = true;
    }
  }
  const extra = lines.slice(lots.length).map((l) => l.id);
  if (extra.length) {
    await client.unlink('stock.move.line', extra);
    changed = true;
  }
  if (hasPicked && move.picked !== true) {
    await client.write('stock.move', [move.id], { picked: true });
    changed = true;
  }
  return changed;
}

/** button_validate, answering the backorder wizard with `process` (the rest stays as a backorder). */
async function validate(ctx: PostContext, picking: OdooRecord, notes: string[]): Promise<PostResult> {
  const { client } = ctx;
  const res = await client.call('stock.picking', 'button_validate', [[picking.id]]);
  if (res && typeof res === 'object' && (res as { res_model?: unknown }).res_model === 'stock.backorder.confirmation') {
    const wizardContext = ((res as { context?: unknown }).context ?? {}) as Record<string, unknown>;
    const wid = await client.create('stock.backorder.confirmation', {}, { context: wizardContext });
    await client.call('stock.backorder.confirmation', 'process', [[wid]], { context: wizardContext });
    notes.push('partial receipt: backorder wizard processed (backorder kept for the rest)');
  }
  const [after] = await client.read('stock.picking', [picking.id], ['state']);
  notes.push(after?.state === 'done' ? 'validated (partner setting validateReceipts)' : `validation left it in state ${str(after?.state)}`);
  const backorders = await client.searchRead('stock.picking', [['backorder_id', '=', picking.id]], { fields: ['id', 'name'], order: 'id' });
  return backorders.map((b) => record('stock.picking', b.id, str(b.name), 'created', [`backorder of ${str(picking.name)}`]));
}

function lotText(b: MoveBucket): string {
  const lots = [...b.lots.entries()].filter(([lot, q]) => lot !== '' && q > EPS).map(([lot, q]) => (q === 1 ? lot : `${lot} x ${round(q)}`));
  return lots.length ? ` (lots ${lots.join(', ')})` : '';
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
