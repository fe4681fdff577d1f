/**
 * The parties of the documents we send: to customers (invoices, ship notices) and to suppliers (our
 * purchase orders). The partner's own parties (a customer's buyer, invoicee and delivery point) are taken
 * as the customer named them on the order, with their GLNs, DUNS or numbers of their own, so their system
 * recognises them; only when the order as received is not in the ledger, or does not name a party (and
 * always on our orders, which answer none), are they read from Odoo's contacts (name and address, no id).
 * Our own party is the Odoo company (name, address, VAT number), identified as the partner knows us: our
 * interchange identity (the envelope's sender); a place at another address (the warehouse the goods leave
 * or reach, a drop-ship customer) is that address's contact, without an id.
 */
import type { Envelope } from '../../canonical/envelope';
import type { Order } from '../../canonical/order';
import type { Address, Party, PartyRole } from '../../canonical/party';
import { m2oId, str, type PostContext } from '../post/context';
import { hasField } from '../post/resolve';

/** An Odoo contact's address and tax id, read once per run. */
interface Contact {
  name: string;
  address: Address | undefined;
  taxId: string;
  country: string;
}

/** res.partner as a contact: the name it is known by, its postal address and VAT number. */
export function readContact(ctx: PostContext, partnerId: number): Promise<Contact | undefined> {
  return ctx.cache.get(`contact:${partnerId}`, async () => {
    const withState = await hasField(ctx, 'res.partner', 'state_id');
    const [p] = await ctx.client.read('res.partner', [partnerId], ['id', 'name', 'display_name', 'street', 'street2', 'city', 'zip', 'country_id', 'vat', ...(withState ? ['state_id'] : [])]);
    if (!p) return undefined;
    const country = await codeOf(ctx, 'res.country', m2oId(p.country_id));
    const address: Address = {};
    const lines = [str(p.street), str(p.street2)].map((l) => l.trim()).filter((l) => l !== '');
    if (lines.length) address.lines = lines;
    if (str(p.city).trim()) address.city = str(p.city).trim();
    const region = withState ? await codeOf(ctx, 'res.country.state', m2oId(p.state_id)) : '';
    if (region) address.region = region;
    if (str(p.zip).trim()) address.postalCode = str(p.zip).trim();
    // The canonical country is ISO alpha-2: Odoo's code is, but a hand-made country may have none.
    if (/^[A-Z]{2}$/.test(country)) address.country = country;
    return {
      // A delivery address typed without a name of its own is known by its display name ("Company, Delivery Address").
      name: (str(p.name) || str(p.display_name)).trim(),
      address: Object.keys(address).length ? address : undefined,
      taxId: str(p.vat).trim(),
      country: address.country ?? '',
    };
  });
}

/** The `code` of a country or state, '' for none. */
export async function codeOf(ctx: PostContext, model: string, id: number | undefined): Promise<string> {
  if (id === undefined) return '';
  return ctx.cache.get(`${model}:code:${id}`, async () => str((await ctx.client.read(model, [id], ['id', 'code']))[0]?.code).trim());
}

/** A contact as a party in `role`, with its VAT number when `taxIds`; undefined for no such contact. */
async function contactParty(ctx: PostContext, partnerId: number | undefined, role: PartyRole, taxIds: boolean): Promise<Party | undefined> {
  const c = partnerId === undefined ? undefined : await readContact(ctx, partnerId);
  if (!c || (!c.name && !c.address)) return undefined;
  return { role, ...(c.name ? { name: c.name } : {}), ...(c.address ? { address: c.address } : {}), ...(taxIds && c.taxId ? { taxId: c.taxId } : {}) };
}

/** The company record: its name and the contact holding its address and VAT number. */
export function readCompany(ctx: PostContext, companyId: number): Promise<{ name: string; partnerId: number | undefined }> {
  return ctx.cache.get(`res.company:${companyId}`, async () => {
    const [c] = await ctx.client.read('res.company', [companyId], ['id', 'name', 'partner_id']);
    return { name: str(c?.name), partnerId: m2oId(c?.partner_id) };
  });
}

/**
 * Our interchange identity as a party id: an X12 ISA qualifier 01 is a DUNS and 14 a DUNS+4, an EDIFACT
 * UNB 0007 14 a GLN and 1 a DUNS; any other (ZZ, ZZZ …) is an id the partner and we agreed on.
 */
function ourId(envelope: Envelope): Party['ids'] {
  const { id, qualifier = '' } = envelope.sender;
  if (!id) return undefined;
  const known: Record<string, string> = envelope.standard === 'x12' ? { '01': 'DUNS', '14': 'DUNS+4' } : { '14': 'GLN', '1': 'DUNS' };
  return [{ qualifier: known[qualifier] ?? 'mutually_defined', value: id }];
}

/** What a document's parties are made from. */
export interface PartySources {
  /** The customer's order as received (the ledger), whose parties win; none for our own orders. */
  original: Order | undefined;
  /** The partner's roles (a customer's; the supplier's on our orders), each with the Odoo contact that stands in when the order does not name it. */
  partner: Array<[PartyRole, number | undefined]>;
  /** Our roles in this document (supplier, ship from; buyer, ship to …). */
  ours: PartyRole[];
  /** The Odoo company the record belongs to. */
  companyId: number | undefined;
  /**
   * Of our roles, those that are a place (ship from, ship to), each with the contact of where the goods
   * leave or go (a warehouse's address, a drop-ship address): the role goes by it unless it is the company's contact.
   */
  places?: Partial<Record<PartyRole, number | undefined>>;
  envelope: Envelope;
  /** Parties carry VAT numbers (an invoice's do; a ship notice's need not). */
  taxIds: boolean;
}

/** The parties of a document: the partner's roles as their order named them (else Odoo's contacts), then ours. */
export async function documentParties(ctx: PostContext, s: PartySources): Promise<Party[]> {
  const out: Party[] = [];
  for (const [role, fallback] of s.partner) {
    const theirs = s.original?.parties?.find((p) => p.role === role);
    if (!theirs) {
      const party = await contactParty(ctx, fallback, role, s.taxIds);
      if (party) out.push(party);
      continue;
    }
    // Contacts are the buyer's people, not the party: the documents we send have no place for them.
    const { contacts: _contacts, ...party } = theirs;
    // An order seldom carries the buyer's VAT number, which an invoice between two VAT payers must state.
    const taxId = s.taxIds && !party.taxId && fallback !== undefined ? (await readContact(ctx, fallback))?.taxId : undefined;
    out.push(taxId ? { ...party, taxId } : party);
  }
  if (s.companyId === undefined) return out;
  const company = await readCompany(ctx, s.companyId);
  const contact = await contactParty(ctx, company.partnerId, s.ours[0] ?? 'supplier', s.taxIds);
  const ids = ourId(s.envelope);
  for (const role of s.ours) {
    // Another place (a plant, a distribution centre, a drop-ship customer) is named by its own contact and
    // carries no id: our interchange id names the company, and a GLN one location, so the partner's
    // system would take the goods as leaving from, or going to, our head office.
    // A contact without an address says nowhere: the company's address is then the better guess.
    const place = s.places?.[role];
    const elsewhere = place !== undefined && place !== company.partnerId ? await contactParty(ctx, place, role, s.taxIds) : undefined;
    const party: Party = elsewhere?.address ? elsewhere : { ...contact, role, ...(company.name ? { name: company.name } : {}), ...(ids ? { ids } : {}) };
    if (party.ids || party.name || party.address) out.push(party);
  }
  return out;
}

/** The commercial entity (the company) of a contact. */
export async function commercialOf(ctx: PostContext, partnerId: number | undefined): Promise<number | undefined> {
  if (partnerId === undefined) return undefined;
  return ctx.cache.get(`commercial:${partnerId}`, async () => {
    const [p] = await ctx.client.read('res.partner', [partnerId], ['id', 'commercial_partner_id']);
    return m2oId(p?.commercial_partner_id) ?? partnerId;
  });
}
