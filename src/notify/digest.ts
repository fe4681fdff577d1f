/**
 * The digest for people who do not watch the dashboard: what went overdue, what needs a person and
 * what could not be sent since the last digest, counted and listed per partner, as a plain text body
 * and a simple (escaped) HTML one. Putting it together only reads the ledger; sending is notify/send.ts.
 *
 * Listed once per entry. An item belongs to the digest whose window (since, until] holds the moment it
 * entered the state it is listed for, not the last time its row was written:
 * - an ack or order response: when it was marked overdue (an answer that comes later takes it out of
 *   overdue; it is never marked overdue twice);
 * - a document: when it entered dead, parked or held (`state_at`). Each of its changes of state moves that
 *   moment, so a document that fails again is listed again: a replay that fails makes a new document (the
 *   old one becomes `replaced`), dead from the moment of the replay. A write that changes no state does
 *   not (today no such write touches a waiting document; a note a person adds must stay one), so a
 *   document merely touched is not listed a second time;
 * - a record of Odoo: its first failure since it was last sent or dismissed; the export run's later
 *   attempts count up on the same entry.
 * The counts are exact (the ledger counts the whole window), the lists the first `rows` per partner.
 */
import { awaitedLabel } from '../pipeline/acks';
import { escapeHtml } from '../server/dashboard/html';
import { DEAD_LETTER_STATES, type DigestWindow, type DocumentRow, type ExpectedAckRow, type ExportFailureRow, type PartnerWindow, type SqliteLedger } from '../store';

/** The three lists of the digest, in the order they are shown. */
export type DigestKind = 'overdue' | 'needsPerson' | 'notSent';

/** One line of the digest: enough for a person to find the item. */
export interface DigestItem {
  id: number;
  partnerId: string;
  /** What it is: "850 interchange 000000207, 997 due 2026-11-27T10:00:00.000Z". */
  label: string;
  /** Why it needs someone (the ledger's reason), when known. */
  reason?: string;
  /** When it entered what it is listed for (epoch ms). */
  at: number;
}

/** One kind's items, per partner; `count` is every item of the window, `items` at most `rows` per partner. */
export interface DigestSection {
  kind: DigestKind;
  title: string;
  count: number;
  byPartner: { partnerId: string; count: number; items: DigestItem[] }[];
  /** The dashboard path of the full list. */
  path: string;
}

export interface Digest {
  /** The window: after `since`, up to and including `until` (epoch ms). */
  since: number;
  until: number;
  sections: DigestSection[];
  total: number;
}

const SECTIONS: Record<DigestKind, { title: string; path: string }> = {
  overdue: { title: 'Acknowledgments and order responses overdue', path: '/dashboard/acks?state=overdue' },
  needsPerson: { title: 'Documents that need a person (dead, parked, held)', path: `/dashboard/documents?state=${DEAD_LETTER_STATES.join(',')}` },
  notSent: { title: 'Records of Odoo not sent', path: '/dashboard/exports' },
};

const UNKNOWN_PARTNER = '(unknown partner)';

function ackItem(a: ExpectedAckRow, at: number): DigestItem {
  return { id: a.id, partnerId: a.partnerId, label: `${a.messageType} interchange ${a.interchangeControlNumber}${a.transactionControlNumber ? ` transaction ${a.transactionControlNumber}` : ''}: ${awaitedLabel(a)} due ${new Date(a.deadline).toISOString()}`, at };
}

function documentItem(d: DocumentRow, at: number): DigestItem {
  return { id: d.id, partnerId: d.partnerId ?? UNKNOWN_PARTNER, label: `document ${d.id} ${d.state}: ${d.messageType ?? 'unreadable'} ${d.businessKey ?? ''}`.trimEnd(), ...(d.reason ? { reason: d.reason } : {}), at };
}

function failureItem(f: ExportFailureRow, at: number): DigestItem {
  return { id: f.id, partnerId: f.partnerId, label: `${f.source.replace(/^odoo:/, '')} ${f.name} (${f.attempts} attempt${f.attempts === 1 ? '' : 's'})`, reason: f.reason, at };
}

function section<T>(kind: DigestKind, partners: PartnerWindow<T>[], item: (row: T, at: number) => DigestItem): DigestSection {
  const byPartner = partners
    .map((p) => ({ partnerId: p.partnerId ?? UNKNOWN_PARTNER, count: p.count, items: p.rows.map((r) => item(r.row, r.at)) }))
    .sort((a, b) => a.partnerId.localeCompare(b.partnerId));
  return { kind, ...SECTIONS[kind], count: byPartner.reduce((n, p) => n + p.count, 0), byPartner };
}

/**
 * What became overdue, needs a person or could not be sent in (since, until], per the rule above: exact
 * counts and the first `rows` items per partner, from three indexed ledger queries.
 */
export function collectDigest(ledger: SqliteLedger, window: DigestWindow): Digest {
  const empty: Digest = { since: window.since, until: window.until, sections: [], total: 0 };
  // Nothing can be in an empty window, and an ack marked overdue at its end would fall in no window at all.
  if (window.until <= window.since) return empty;
  const sections = ledger.readTogether(() => {
    // What passed its deadline is marked overdue first, stamped with the window's end so it is in this one.
    ledger.markOverdue(window.until);
    return [section('overdue', ledger.overdueAcksIn(window), ackItem), section('needsPerson', ledger.needsPersonIn(window), documentItem), section('notSent', ledger.exportFailuresIn(window), failureItem)];
  }).filter((s) => s.count > 0);
  return { ...empty, sections, total: sections.reduce((n, s) => n + s.count, 0) };
}

/** How the digest names partners and links to the dashboard. */
export interface DigestView {
  /** The partner's name from its folder, if it has one. */
  partnerName?: (partnerId: string) => string | undefined;
  /** The dashboard's base URL (no trailing slash); without it, no links. */
  dashboardUrl?: string;
}

function partnerLabel(id: string, view: DigestView): string {
  const name = view.partnerName?.(id);
  return name && name !== id ? `${name} (${id})` : id;
}

/** The mail of a digest: subject, plain text and simple HTML (every value escaped). */
export function renderDigest(d: Digest, view: DigestView = {}): { subject: string; text: string; html: string } {
  const counts = d.sections.map((s) => `${s.count} ${s.kind === 'overdue' ? 'overdue' : s.kind === 'needsPerson' ? 'need a person' : 'not sent'}`);
  const subject = `EDI gateway: ${counts.join(', ')}`;
  const base = view.dashboardUrl?.replace(/\/+$/, '');
  const text: string[] = [`Since ${new Date(d.since).toISOString()} (until ${new Date(d.until).toISOString()}):`, ''];
  const html: string[] = [`<p>Since ${escapeHtml(new Date(d.since).toISOString())} (until ${escapeHtml(new Date(d.until).toISOString())}):</p>`];
  for (const s of d.sections) {
    text.push(`${s.title}: ${s.count}`);
    html.push(`<h2>${escapeHtml(s.title)}: ${s.count}</h2>`);
    if (base) {
      text.push(`  ${base}${s.path}`);
      html.push(`<p><a href="${escapeHtml(base + s.path)}">open the list</a></p>`);
    }
    for (const p of s.byPartner) {
      const more = p.count > p.items.length ? ` (first ${p.items.length} of ${p.count})` : '';
      text.push(`  ${partnerLabel(p.partnerId, view)}: ${p.count}${more}`);
      html.push(`<h3>${escapeHtml(partnerLabel(p.partnerId, view))}: ${p.count}${escapeHtml(more)}</h3><ul>`);
      for (const i of p.items) {
        text.push(`    - ${i.label}${i.reason ? ` — ${i.reason}` : ''}`);
        html.push(`<li>${escapeHtml(i.label)}${i.reason ? ` — ${escapeHtml(i.reason)}` : ''}</li>`);
      }
      html.push('</ul>');
    }
    text.push('');
  }
  return { subject, text: text.join('\n'), html: html.join('\n') };
}
