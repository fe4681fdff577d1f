/**
 * The digest for people who do not watch the dashboard: what went overdue, what needs a person and
 * what could not be sent since the last digest, counted and listed per partner, as a plain text body
 * and a simple (escaped) HTML one. Putting it together only reads the ledger; sending is notify/send.ts.
 */
import { awaitedLabel } from '../pipeline/acks';
import { escapeHtml } from '../server/dashboard/html';
import { DEAD_LETTER_STATES, type DocumentRow, type ExpectedAckRow, type ExportFailureRow, type SqliteLedger } from '../store';

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
  /** When it became what it is (epoch ms). */
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

/** Rows read per kind: far more than a digest ever lists, so the counts stay right on a busy ledger. */
const SCAN_LIMIT = 10_000;

const SECTIONS: Record<DigestKind, { title: string; path: string }> = {
  overdue: { title: 'Acknowledgments and order responses overdue', path: '/dashboard/acks?state=overdue' },
  needsPerson: { title: 'Documents that need a person (dead, parked, held)', path: `/dashboard/documents?state=${DEAD_LETTER_STATES.join(',')}` },
  notSent: { title: 'Records of Odoo not sent', path: '/dashboard/exports' },
};

function ackItem(a: ExpectedAckRow): DigestItem {
  return { id: a.id, partnerId: a.partnerId, label: `${a.messageType} interchange ${a.interchangeControlNumber}${a.transactionControlNumber ? ` transaction ${a.transactionControlNumber}` : ''}: ${awaitedLabel(a)} due ${new Date(a.deadline).toISOString()}`, at: a.updatedAt };
}

function documentItem(d: DocumentRow): DigestItem {
  return { id: d.id, partnerId: d.partnerId ?? '(unknown partner)', label: `document ${d.id} ${d.state}: ${d.messageType ?? 'unreadable'} ${d.businessKey ?? ''}`.trimEnd(), ...(d.reason ? { reason: d.reason } : {}), at: d.updatedAt };
}

function failureItem(f: ExportFailureRow): DigestItem {
  return { id: f.id, partnerId: f.partnerId, label: `${f.source.replace(/^odoo:/, '')} ${f.name} (${f.attempts} attempt${f.attempts === 1 ? '' : 's'})`, reason: f.reason, at: f.firstAt };
}

function section(kind: DigestKind, items: DigestItem[], rows: number): DigestSection {
  const partners = new Map<string, DigestItem[]>();
  for (const i of [...items].sort((a, b) => a.at - b.at || a.id - b.id)) partners.set(i.partnerId, [...(partners.get(i.partnerId) ?? []), i]);
  const byPartner = [...partners].sort(([a], [b]) => a.localeCompare(b)).map(([partnerId, list]) => ({ partnerId, count: list.length, items: list.slice(0, rows) }));
  return { kind, ...SECTIONS[kind], count: items.length, byPartner };
}

/**
 * What became overdue, needs a person or could not be sent in (since, until]: an item counts from when
 * it entered that state (an ack's overdue marking, a document's last change, a record's first failure),
 * so each is in one digest only.
 */
export function collectDigest(ledger: SqliteLedger, window: { since: number; until: number; rows: number }): Digest {
  const inWindow = (i: DigestItem): boolean => i.at > window.since && i.at <= window.until;
  // expectedAcksIn marks what passed its deadline first, stamping it with the ledger's clock.
  const overdue = ledger.expectedAcksIn(['overdue'], SCAN_LIMIT).map(ackItem).filter(inWindow);
  const needsPerson = ledger.documentsIn(DEAD_LETTER_STATES, SCAN_LIMIT).map(documentItem).filter(inWindow);
  const notSent = ledger.exportFailures({ limit: SCAN_LIMIT }).map(failureItem).filter(inWindow);
  const sections = [section('overdue', overdue, window.rows), section('needsPerson', needsPerson, window.rows), section('notSent', notSent, window.rows)].filter((s) => s.count > 0);
  return { since: window.since, until: window.until, sections, total: sections.reduce((n, s) => n + s.count, 0) };
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
