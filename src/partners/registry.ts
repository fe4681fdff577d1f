/**
 * The loaded partners and routing: which partner an interchange belongs to, from its envelope ids.
 *
 * An interchange is inbound when its sender is one of a partner's identities (and its receiver is us,
 * where our identities are known); it is outbound (one we wrote, e.g. a sample or a replay) when its
 * receiver is a partner identity and its sender is us. ISA ids are space-padded, so ids are compared
 * trimmed; EDIFACT qualifiers are optional on either side. A GS application code narrows an X12
 * identity when both the identity and the group give one.
 */
import type { Standard } from '../canonical/envelope';
import type { Channels, EdifactIdentity, Identity, InboundChannel, OutboundChannel, PartnerFile, X12Identity } from './schema';
import { describeIdentity } from './schema';

/** A loaded partner: the parsed file plus where it lives; every path in it is absolute and checked. */
export interface Partner extends Omit<PartnerFile, 'channels'> {
  channels: { inbound: InboundChannel[]; outbound?: OutboundChannel };
  /** Absolute path of partners/<id>. */
  folder: string;
  /** Absolute path of partners/<id>/partner.yaml. */
  file: string;
  /** Absolute path of mappings/<id>. */
  mappingsDir: string;
  /** Absolute overlays folder (validation.overlays), when set. */
  overlaysDir?: string;
}

/** What routing needs from an ISA / UNB header (InterchangeHeader fits). */
export interface RoutingInterchange {
  standard: Standard;
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
}

/** What routing needs from a GS / UNG header (GroupHeader fits). */
export interface RoutingGroup {
  applicationSender: string;
  applicationReceiver?: string;
}

export interface RoutedPartner {
  kind: 'partner';
  partner: Partner;
  /** inbound: the partner sent it; outbound: we sent it to the partner. */
  direction: 'inbound' | 'outbound';
  /** The partner identity that matched. */
  identity: Identity;
}

export interface UnknownPartner {
  kind: 'unknown';
  /** no-match: no partner has the id; ambiguous: several do (add gsCodes); not-for-us: a partner's id, but addressed to someone else. */
  reason: 'no-match' | 'ambiguous' | 'not-for-us';
  standard: Standard;
  sender: { qualifier: string; id: string };
  receiver: { qualifier: string; id: string };
  /** Partner ids that matched part of the envelope. */
  candidates: string[];
  message: string;
}

export type RouteResult = RoutedPartner | UnknownPartner;

interface Party {
  qualifier: string;
  id: string;
}

function matchesX12(identity: X12Identity, party: Party, gsCode: string | undefined): 'exact' | 'loose' | undefined {
  if (identity.qualifier.toUpperCase() !== party.qualifier.toUpperCase() || identity.id !== party.id) return undefined;
  if (identity.gsCode === undefined || gsCode === undefined) return 'loose';
  return identity.gsCode === gsCode ? 'exact' : undefined;
}

function matchesEdifact(identity: EdifactIdentity, party: Party): 'exact' | 'loose' | undefined {
  if (identity.id !== party.id) return undefined;
  if (identity.qualifier === undefined || party.qualifier === '') return 'loose';
  return identity.qualifier === party.qualifier ? 'exact' : undefined;
}

function matches(identity: Identity, standard: Standard, party: Party, gsCode: string | undefined): 'exact' | 'loose' | undefined {
  if (identity.standard !== standard) return undefined;
  return identity.standard === 'x12' ? matchesX12(identity, party, gsCode) : matchesEdifact(identity, party);
}

/** Partners loaded from a partners folder, by id, with routing. */
export class PartnerRegistry {
  private readonly byId: ReadonlyMap<string, Partner>;

  constructor(
    partners: readonly Partner[],
    /** The gateway's own identities, used for partners without `us`. */
    readonly defaultUs: readonly Identity[] = [],
  ) {
    this.byId = new Map(partners.map((p) => [p.id, p]));
  }

  /** All partners, by id order. */
  get partners(): Partner[] {
    return [...this.byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Partner | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Our identities towards a partner: its `us`, else the gateway's. */
  usFor(partner: Partner): readonly Identity[] {
    return partner.us ?? this.defaultUs;
  }

  /** The partner an interchange belongs to, or why there is none. */
  route(interchange: RoutingInterchange, group?: RoutingGroup): RouteResult {
    const standard = interchange.standard;
    const sender = { qualifier: interchange.senderQualifier.trim(), id: interchange.senderId.trim() };
    const receiver = { qualifier: interchange.receiverQualifier.trim(), id: interchange.receiverId.trim() };
    const gsSender = group?.applicationSender.trim() || undefined;
    const gsReceiver = group?.applicationReceiver?.trim() || undefined;

    const inbound = this.candidates(standard, sender, gsSender);
    const inboundForUs = inbound.filter((c) => this.isUs(c.partner, standard, receiver, gsReceiver));
    const picked = this.pick(inboundForUs);
    if (picked === 'ambiguous') return this.unknown('ambiguous', interchange, sender, receiver, inboundForUs.map((c) => c.partner.id));
    if (picked) return { kind: 'partner', partner: picked.partner, direction: 'inbound', identity: picked.identity };

    const outbound = this.candidates(standard, receiver, gsReceiver).filter((c) => this.isUs(c.partner, standard, sender, gsSender));
    const pickedOut = this.pick(outbound);
    if (pickedOut === 'ambiguous') return this.unknown('ambiguous', interchange, sender, receiver, outbound.map((c) => c.partner.id));
    if (pickedOut) return { kind: 'partner', partner: pickedOut.partner, direction: 'outbound', identity: pickedOut.identity };

    if (inbound.length > 0) return this.unknown('not-for-us', interchange, sender, receiver, [...new Set(inbound.map((c) => c.partner.id))]);
    return this.unknown('no-match', interchange, sender, receiver, []);
  }

  private candidates(standard: Standard, party: Party, gsCode: string | undefined): { partner: Partner; identity: Identity; quality: 'exact' | 'loose' }[] {
    const found: { partner: Partner; identity: Identity; quality: 'exact' | 'loose' }[] = [];
    for (const partner of this.byId.values()) {
      let best: { identity: Identity; quality: 'exact' | 'loose' } | undefined;
      for (const identity of partner.identities) {
        const quality = matches(identity, standard, party, gsCode);
        if (quality && (!best || (quality === 'exact' && best.quality === 'loose'))) best = { identity, quality };
      }
      if (best) found.push({ partner, ...best });
    }
    return found;
  }

  private pick<T extends { quality: 'exact' | 'loose' }>(found: T[]): T | 'ambiguous' | undefined {
    if (found.length <= 1) return found[0];
    const exact = found.filter((f) => f.quality === 'exact');
    return exact.length === 1 ? exact[0] : 'ambiguous';
  }

  /** True when the party is one of our identities towards the partner, or when we do not know ours. */
  private isUs(partner: Partner, standard: Standard, party: Party, gsCode: string | undefined): boolean {
    const ours = this.usFor(partner).filter((i) => i.standard === standard);
    if (ours.length === 0) return true;
    return ours.some((identity) => matches(identity, standard, party, gsCode) !== undefined);
  }

  private unknown(reason: UnknownPartner['reason'], interchange: RoutingInterchange, sender: Party, receiver: Party, candidates: string[]): UnknownPartner {
    const from = `${sender.qualifier ? `${sender.qualifier}/` : ''}${sender.id}`;
    const to = `${receiver.qualifier ? `${receiver.qualifier}/` : ''}${receiver.id}`;
    const what = `${interchange.standard} interchange from ${from} to ${to}`;
    const message =
      reason === 'ambiguous'
        ? `${what} matches partners ${candidates.join(', ')}; give their identities distinct gsCode values`
        : reason === 'not-for-us'
          ? `${what} comes from partner ${candidates.join(', ')} but is not addressed to us; check the receiver id or add it to the partner's us`
          : `no partner has the identity ${from} (or ${to}); add it to a partner's identities in partners/<id>/partner.yaml`;
    return { kind: 'unknown', reason, standard: interchange.standard, sender, receiver, candidates, message };
  }
}

export type { Channels };
export { describeIdentity };
