/**
 * The dashboard's pages as functions of ledger rows: no I/O here, so what a page shows (and that partner
 * data on it is only ever text) is tested without a server.
 */
import { awaitedLabel } from '../../pipeline/acks';
import { ORDER_RESPONSE_EXPECTED } from '../../partners/schema';
import { RESENDABLE_MESSAGE_STATES } from '../../pipeline/resend';
import { DEAD_LETTER_STATES, MESSAGE_STATES, REPLAYABLE_DOCUMENT_STATES, type DocumentRow, type DocumentState, type EventRow, type ExpectedAckRow, type ExpectedAckState, type ExportFailureRow, type MessageRow, type MessageState, type PartnerActivity } from '../../store';
import type { ListQuery } from '../list-query';
import type { Operator } from '../operators';
import { formatTime, html, queryString, type Html, type HtmlValue } from './html';

/** Document states a person acts on, and the ones still on their way. */
export const FAILED_STATES: readonly DocumentState[] = DEAD_LETTER_STATES;
export const WAITING_STATES: readonly DocumentState[] = ['mapped', 'retry'];
/** Message states that need a person (inbound unreadable or held; outbound given up on). */
export const MESSAGE_ATTENTION_STATES: readonly MessageState[] = ['failed', 'held', 'parked'];

/** Fixed texts for the outcome of an action (the redirect names one by key; no free text travels in URLs). */
export const NOTICES: Readonly<Record<string, string>> = {
  replayed: 'Replayed from the stored bytes with the current mappings.',
  discarded: 'Discarded: it will not be posted.',
  resent: 'Queued to be sent again.',
  dismissed: 'Dismissed: the record will not be sent.',
};

export interface PageFrame {
  title: string;
  /** The session's CSRF token: present when signed in (then the page has the navigation and sign-out). */
  csrf?: string;
  /** Who is signed in (named beside the sign-out button). */
  operator?: Operator;
  /** Reload the page this often (the overview). */
  refreshS?: number;
  notice?: { text: string; error?: boolean };
}

/** A whole page around `body`. */
export function layout(frame: PageFrame, body: HtmlValue): string {
  const nav = frame.csrf
    ? html`<header><span class="brand">EDI gateway</span><nav>
<a href="/dashboard">Overview</a>
<a href="/dashboard/documents${queryString({ state: FAILED_STATES.join(',') })}">Failed</a>
<a href="/dashboard/documents${queryString({ state: WAITING_STATES.join(',') })}">Waiting</a>
<a href="/dashboard/acks">Acknowledgments</a>
<a href="/dashboard/exports">Not sent</a>
<a href="/dashboard/messages">Messages</a>
</nav><form class="search" method="get" action="/dashboard/search" role="search"><input type="search" name="q" maxlength="100" placeholder="Order, invoice or shipment number" aria-label="number"><button type="submit">Find</button></form>${frame.operator ? html`<span class="who" data-role="${frame.operator.role}">${frame.operator.name}${frame.operator.role === 'viewer' ? ' (viewer)' : ''}</span>` : ''}<form method="post" action="/dashboard/logout">${csrfField(frame.csrf)}<button type="submit">Sign out</button></form></header>`
    : '';
  const notice = frame.notice ? html`<div class="notice${frame.notice.error ? ' error' : ''}" role="status">${frame.notice.text}</div>` : '';
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${frame.refreshS ? html`<meta http-equiv="refresh" content="${frame.refreshS}">` : ''}
<title>${frame.title} · EDI gateway</title><link rel="stylesheet" href="/dashboard/style.css"></head>
<body>${nav}<main>${notice}${body}</main></body></html>
`.text;
}

function csrfField(csrf: string): Html {
  return html`<input type="hidden" name="csrf" value="${csrf}">`;
}

/** The sign-in form. */
export function signInPage(problem?: string): string {
  return layout(
    { title: 'Sign in', ...(problem ? { notice: { text: problem, error: true } } : {}) },
    html`<form class="signin" method="post" action="/dashboard/login"><h1>Sign in</h1>
<label for="token">Your token, or the gateway API token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button class="primary" type="submit">Sign in</button>
<p class="muted">A person's token is theirs in <code>http.users</code> of gateway.yaml; the gateway's is <code>http.token</code>, or the file <code>api-token</code> in the data folder.</p></form>`,
  );
}

const sum = (counts: Partial<Record<string, number>>, states: readonly string[]): number => states.reduce((n, s) => n + (counts[s] ?? 0), 0);

function count(n: number, href: string, tone: 'bad' | 'warn' | '' = ''): Html {
  if (n === 0) return html`<span class="muted">0</span>`;
  return html`<a class="${tone}" href="${href}">${n}</a>`;
}

function stateTone(state: string): string {
  if (['dead', 'parked', 'held', 'failed', 'rejected', 'overdue'].includes(state)) return 'bad';
  if (['retry', 'accepted_with_errors', 'pending', 'received', 'mapped', 'sent'].includes(state)) return 'warn';
  return '';
}

function stateBadge(state: string): Html {
  return html`<span class="state ${stateTone(state)}">${state}</span>`;
}

/** A configured partner (or '' for unroutable files) with its activity. */
export interface PartnerLine {
  id: string;
  name?: string;
  mode?: 'production' | 'test';
  activity: PartnerActivity;
}

function docsHref(states: readonly string[], partner?: string): string {
  return `/dashboard/documents${queryString({ state: states.join(','), partner })}`;
}

/** The first screen: per partner, what failed, what waits, what was acknowledged and what is overdue. */
export function overviewPage(lines: readonly PartnerLine[], windowLabel: string, frame: PageFrame): string {
  const total = (f: (a: PartnerActivity) => number): number => lines.reduce((n, l) => n + f(l.activity), 0);
  const failed = total((a) => sum(a.open, FAILED_STATES));
  const waiting = total((a) => sum(a.open, WAITING_STATES));
  const overdue = total((a) => a.acks.overdue ?? 0);
  const attention = total((a) => sum(a.openMessages.inbound, MESSAGE_ATTENTION_STATES) + sum(a.openMessages.outbound, MESSAGE_ATTENTION_STATES));
  const notSent = total((a) => a.exportFailures);
  const rows = lines.map((l) => {
    const a = l.activity;
    const p = l.id || undefined;
    const label = l.id ? html`<a href="${docsHref(['posted', ...FAILED_STATES, ...WAITING_STATES], l.id)}">${l.name ?? l.id}</a> <span class="muted">${l.id}</span>` : html`<span class="muted">files of no known partner</span>`;
    return html`<tr data-partner="${l.id}">
<td>${label}${l.mode === 'test' ? html` <span class="state warn">test</span>` : ''}</td>
<td class="n">${a.received}</td>
<td class="n">${count(a.recent.posted ?? 0, docsHref(['posted'], p))}</td>
<td class="n">${count(sum(a.open, WAITING_STATES), docsHref(WAITING_STATES, p), 'warn')}</td>
<td class="n" data-col="failed">${count(sum(a.open, FAILED_STATES), docsHref(FAILED_STATES, p), 'bad')}</td>
<td class="n">${count(sum(a.openMessages.inbound, MESSAGE_ATTENTION_STATES) + sum(a.openMessages.outbound, MESSAGE_ATTENTION_STATES), `/dashboard/messages${queryString({ state: MESSAGE_ATTENTION_STATES.join(','), partner: p })}`, 'bad')}</td>
<td class="n" data-col="not-sent">${count(a.exportFailures, `/dashboard/exports${queryString({ partner: p })}`, 'bad')}</td>
<td class="n">${a.sent}</td>
<td class="n">${count(a.acks.sent ?? 0, `/dashboard/acks${queryString({ state: 'sent', partner: p })}`)}</td>
<td class="n" data-col="overdue">${count(a.acks.overdue ?? 0, `/dashboard/acks${queryString({ state: 'overdue', partner: p })}`, 'bad')}</td>
<td class="n">${count((a.acks.rejected ?? 0) + (a.acks.accepted_with_errors ?? 0), `/dashboard/acks${queryString({ state: 'rejected,accepted_with_errors', partner: p })}`, 'bad')}</td>
<td class="n">${a.acks.acknowledged ?? 0}</td>
<td>${formatTime(a.lastReceivedAt)}</td><td>${formatTime(a.lastSentAt)}</td></tr>`;
  });
  return layout(
    frame,
    html`<h1>Partners</h1>
<div class="cards">
<div class="card"><span class="n ${failed ? 'bad' : ''}" id="total-failed">${failed}</span>documents failed</div>
<div class="card"><span class="n ${waiting ? 'warn' : ''}" id="total-waiting">${waiting}</span>documents waiting to post</div>
<div class="card"><span class="n ${overdue ? 'bad' : ''}" id="total-overdue">${overdue}</span>acknowledgments overdue</div>
<div class="card"><span class="n ${attention ? 'bad' : ''}" id="total-attention">${attention}</span>messages need a person</div>
<div class="card"><a class="n ${notSent ? 'bad' : ''}" id="total-not-sent" href="/dashboard/exports">${notSent}</a>records of Odoo not sent</div>
</div>
<table class="activity"><thead><tr><th rowspan="2">Partner</th><th colspan="5">Inbound</th><th colspan="6">Outbound</th><th colspan="2">Last</th></tr>
<tr><th class="n">received ${windowLabel}</th><th class="n">posted ${windowLabel}</th><th class="n">waiting</th><th class="n">failed</th><th class="n">files held / failed</th>
<th class="n">not sent</th><th class="n">sent ${windowLabel}</th><th class="n">acks awaited</th><th class="n">overdue</th><th class="n">rejected ${windowLabel}</th><th class="n">acknowledged ${windowLabel}</th><th>received</th><th>sent</th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="14" class="muted">No partners configured.</td></tr>`}</tbody></table>
<p class="muted">Counts of failed, waiting, not sent and awaited are of everything still open; the others of the last ${windowLabel}. Times are UTC.</p>`,
  );
}

/** A select whose options are `[value, label]`, with `current` selected. */
function select(name: string, options: readonly (readonly [string, string])[], current: string): Html {
  return html`<select name="${name}">${options.map(([value, label]) => html`<option value="${value}"${value === current ? html` selected` : ''}>${label}</option>`)}</select>`;
}

/** A filter form of a list page: states (comma-separated), partner, and whatever `extra` adds first. */
function filterForm(action: string, states: readonly string[], choices: readonly string[], partner: string | undefined, partners: readonly string[], extra: HtmlValue = ''): Html {
  return html`<form class="filters" method="get" action="${action}">${extra}
<label>State ${select('state', choices.map((c) => [c, c ? c.replace(/,/g, ', ') : 'any'] as const), states.join(','))}</label>
<label>Partner ${select('partner', [['', 'all'], ...partners.map((p) => [p, p] as const)], partner ?? '')}</label>
<button type="submit">Show</button></form>`;
}

/** What a list page shows: its filters and the page (`before`: the rows below that id; none: the newest). */
export type ListView<S extends string> = Pick<ListQuery<S>, 'states' | 'partner' | 'before'>;

/** Links to a list's newest page and to the next older one (`next`, null on the last), keeping its filters. */
function pager(path: string, filters: Record<string, string | undefined>, before: number | undefined, next: number | null): HtmlValue {
  if (before === undefined && next === null) return '';
  return html`<nav class="pager" aria-label="pages">${before !== undefined ? html`<a href="${path}${queryString(filters)}">Newest</a>` : ''}${next !== null ? html`<a rel="next" href="${path}${queryString({ ...filters, before: next })}">Older →</a>` : ''}</nav>`;
}

const DOCUMENT_FILTERS = [FAILED_STATES.join(','), WAITING_STATES.join(','), 'posted', 'dead', 'parked', 'held', 'retry', 'ignored', 'discarded', 'replaced', `posted,${FAILED_STATES.join(',')},${WAITING_STATES.join(',')}`];

/** Documents in some states, newest first, a page at a time. */
export function documentsPage(docs: readonly DocumentRow[], { states, partner, before }: ListView<DocumentState>, partners: readonly string[], next: number | null, frame: PageFrame): string {
  const choices = DOCUMENT_FILTERS.includes(states.join(',')) ? DOCUMENT_FILTERS : [states.join(','), ...DOCUMENT_FILTERS];
  return layout(
    frame,
    html`<h1>Documents: ${states.join(', ')}${partner ? html` · ${partner}` : ''}</h1>
${filterForm('/dashboard/documents', states, choices, partner, partners)}
${documentTable(docs)}
${pager('/dashboard/documents', { state: states.join(','), partner }, before, next)}`,
  );
}

function clip(text: string | null, max: number): string {
  if (!text) return '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** An event's detail as the ledger keeps it (JSON), parsed; undefined when it is not JSON. */
function parsedDetail(detail: string | null): unknown {
  if (!detail) return undefined;
  try {
    return JSON.parse(detail) as unknown;
  } catch {
    return undefined;
  }
}

/** The person an event names (its detail's `operator`), or '' for what the gateway did by itself. */
function operatorOf(detail: unknown): string {
  const operator = detail && typeof detail === 'object' ? (detail as { operator?: unknown }).operator : undefined;
  return typeof operator === 'string' ? operator : '';
}

/** A value of an event's detail as a person reads it: text as it is, lists one item a line, the rest as JSON. */
function detailValue(value: unknown): HtmlValue {
  if (typeof value === 'string') return clip(value, 600);
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) return value.slice(0, 20).map((v, i) => html`${i > 0 ? html`<br>` : ''}${clip(String(v), 300)}`);
  return clip(JSON.stringify(value), 600);
}

/** An event's detail: one line per field (the operator has its own column), or the text when it is not an object. */
function eventDetail(detail: string | null): HtmlValue {
  const parsed = parsedDetail(detail);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return clip(detail, 600);
  const fields = Object.entries(parsed).filter(([k, v]) => k !== 'operator' && v !== undefined && v !== null && v !== '');
  // A single reason needs no label.
  if (fields.length === 1 && fields[0][0] === 'reason') return detailValue(fields[0][1]);
  return fields.map(([k, v]) => html`<div><span class="muted">${k}</span> ${detailValue(v)}</div>`);
}

function eventsTable(events: readonly EventRow[]): Html {
  return html`<table class="events"><thead><tr><th>At</th><th>What</th><th>By</th><th>Detail</th></tr></thead><tbody>
${events.map((e) => html`<tr><td>${formatTime(e.at)}</td><td>${e.kind}</td><td data-col="by">${operatorOf(parsedDetail(e.detail))}</td><td>${eventDetail(e.detail)}</td></tr>`)}
${events.length === 0 ? html`<tr><td colspan="4" class="muted">None.</td></tr>` : ''}</tbody></table>`;
}

/** What posting did in Odoo (the poster's result), one record a line: "created sale.order 1 S00001 (confirmed …)". */
function odooResult(result: string): HtmlValue {
  const parsed = parsedDetail(result);
  if (!Array.isArray(parsed)) return result;
  return parsed.map((r: unknown, i) => {
    const rec = (r && typeof r === 'object' ? r : {}) as { action?: unknown; model?: unknown; id?: unknown; name?: unknown; notes?: unknown };
    const notes = Array.isArray(rec.notes) && rec.notes.length > 0 ? ` (${rec.notes.map(String).join('; ')})` : '';
    return html`${i > 0 ? html`<br>` : ''}${[rec.action, rec.model, rec.id, rec.name].filter((x) => x !== undefined && x !== null && x !== '').map(String).join(' ')}${notes}`;
  });
}

function prettyJson(text: string | null): string {
  if (!text) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** One document: where it came from, its state and why, its history, and what a person may do with it. */
export function documentPage(doc: DocumentRow, events: readonly EventRow[], frame: PageFrame & { csrf: string }): string {
  const replayable = REPLAYABLE_DOCUMENT_STATES.includes(doc.state);
  const discardable = DEAD_LETTER_STATES.includes(doc.state);
  return layout(
    frame,
    html`<h1>Document ${doc.id}: ${doc.type ?? doc.messageType ?? 'unmapped'} ${doc.businessKey ?? ''}</h1>
<dl>
<dt>State</dt><dd id="state">${stateBadge(doc.state)}${doc.errorKind ? html` <span class="muted">(${doc.errorKind} error)</span>` : ''}</dd>
${doc.reason ? html`<dt>Reason</dt><dd id="reason">${doc.reason}</dd>` : ''}
<dt>Partner</dt><dd>${doc.partnerId ?? '—'}</dd>
<dt>Message</dt><dd><a href="/dashboard/messages/${doc.messageId}">${doc.messageId}</a> · interchange ${doc.interchangeControlNumber ?? '—'} · group ${doc.groupControlNumber ?? '—'} · transaction ${doc.controlNumber ?? '—'} (${doc.messageType ?? '?'})</dd>
<dt>Attempts</dt><dd>${doc.attempts}${doc.nextAttemptAt ? html` · next at ${formatTime(doc.nextAttemptAt)}` : ''}</dd>
${doc.replayOf ? html`<dt>Replays</dt><dd><a href="/dashboard/documents/${doc.replayOf}">document ${doc.replayOf}</a></dd>` : ''}
<dt>Created</dt><dd>${formatTime(doc.createdAt)}</dd><dt>Updated</dt><dd>${formatTime(doc.updatedAt)}</dd>
<dt>Correlation</dt><dd>${doc.correlationId}</dd>
${doc.result ? html`<dt>Odoo</dt><dd id="odoo">${odooResult(doc.result)}</dd>` : ''}
</dl>
${replayable || discardable ? html`<h2>Actions</h2>` : ''}
${replayable ? html`<form class="inline" method="post" action="/dashboard/documents/${doc.id}/replay">${csrfField(frame.csrf)}<button class="primary" type="submit">Replay with the current mapping</button></form>` : ''}
${discardable ? html`<form class="inline" method="post" action="/dashboard/documents/${doc.id}/discard">${csrfField(frame.csrf)}<input type="text" name="reason" maxlength="500" required placeholder="why it is not to be posted"><button type="submit">Discard</button></form>` : ''}
<h2>History</h2>${eventsTable(events)}
<h2>Canonical document</h2>${doc.canonical ? html`<pre id="canonical">${prettyJson(doc.canonical)}</pre>` : html`<p class="muted">${events.some((e) => e.kind === 'document.mapped') ? 'Not kept any more (retention).' : 'None: it was not mapped.'}</p>`}`,
  );
}

/** Messages of one direction, newest first, a page at a time. */
export function messagesPage(messages: readonly MessageRow[], direction: 'inbound' | 'outbound', { states, partner, before }: ListView<MessageState>, partners: readonly string[], next: number | null, frame: PageFrame): string {
  const choices = ['', MESSAGE_ATTENTION_STATES.join(','), ...MESSAGE_STATES];
  return layout(
    frame,
    html`<h1>${direction === 'inbound' ? 'Received' : 'Sent'} messages${states.length ? html`: ${states.join(', ')}` : ''}${partner ? html` · ${partner}` : ''}</h1>
${filterForm('/dashboard/messages', states, choices, partner, partners, html`<label>Direction ${select('direction', [['inbound', 'inbound'], ['outbound', 'outbound']], direction)}</label>`)}
${messageTable(messages)}
${pager('/dashboard/messages', { direction, state: states.join(','), partner }, before, next)}`,
  );
}

/** One message: its envelope facts, documents, history, the first bytes as stored, and its actions. */
export function messagePage(
  msg: MessageRow,
  cause: MessageRow | undefined,
  documents: readonly DocumentRow[],
  events: readonly EventRow[],
  preview: { text: string; truncated: boolean } | { gone: string },
  frame: PageFrame & { csrf: string },
): string {
  const inbound = msg.direction === 'inbound';
  const canReplay = inbound && (['failed', 'held'].includes(msg.state) || documents.some((d) => REPLAYABLE_DOCUMENT_STATES.includes(d.state)));
  const canResend = !inbound && RESENDABLE_MESSAGE_STATES.includes(msg.state) && !('gone' in preview);
  return layout(
    frame,
    html`<h1>${inbound ? 'Received' : 'Sent'} message ${msg.id}${msg.messageType ? html`: ${msg.messageType}` : ''}</h1>
<dl>
<dt>State</dt><dd id="state">${stateBadge(msg.state)}</dd>
${msg.reason ? html`<dt>Reason</dt><dd id="reason">${msg.reason}</dd>` : ''}
<dt>Partner</dt><dd>${msg.partnerId ?? '—'}</dd>
<dt>Channel</dt><dd>${msg.channel} · ${msg.source}</dd>
<dt>Interchange</dt><dd>${msg.interchangeControlNumber ?? '—'}</dd>
<dt>Size</dt><dd>${msg.size} bytes · sha256 ${msg.sha256}</dd>
${cause ? html`<dt>${cause.direction === 'outbound' ? 'Re-sends' : 'Answers'}</dt><dd><a href="/dashboard/messages/${cause.id}">message ${cause.id}</a></dd>` : ''}
<dt>Attempts</dt><dd>${msg.attempts}${msg.nextAttemptAt ? html` · next at ${formatTime(msg.nextAttemptAt)}` : ''}</dd>
<dt>Created</dt><dd>${formatTime(msg.createdAt)}</dd><dt>Updated</dt><dd>${formatTime(msg.updatedAt)}</dd>
<dt>Correlation</dt><dd>${msg.correlationId}</dd>
</dl>
${canReplay || canResend ? html`<h2>Actions</h2>` : ''}
${canReplay ? html`<form class="inline" method="post" action="/dashboard/messages/${msg.id}/replay">${csrfField(frame.csrf)}<button class="primary" type="submit">Replay its failed documents</button></form>` : ''}
${canResend ? html`<form class="inline" method="post" action="/dashboard/messages/${msg.id}/resend">${csrfField(frame.csrf)}<button class="primary" type="submit">Re-send to ${msg.partnerId ?? 'the partner'}</button></form>` : ''}
${documents.length ? html`<h2>Documents</h2><table><thead><tr><th class="n">#</th><th>Type</th><th>Number</th><th>State</th><th>Reason</th></tr></thead><tbody>
${documents.map((d) => html`<tr><td class="n"><a href="/dashboard/documents/${d.id}">${d.id}</a></td><td>${d.type ?? d.messageType ?? '—'}</td><td>${d.businessKey ?? '—'}</td><td>${stateBadge(d.state)}</td><td>${clip(d.reason, 240)}</td></tr>`)}</tbody></table>` : ''}
<h2>History</h2>${eventsTable(events)}
<h2>As stored</h2>${'gone' in preview ? html`<p class="muted">${preview.gone}</p>` : html`<pre id="raw">${preview.text}</pre>${preview.truncated ? html`<p class="muted">The first bytes only.</p>` : ''}`}`,
  );
}

/** Documents as a table, one row each, linking to their pages. */
function documentTable(docs: readonly DocumentRow[]): Html {
  return html`<table id="documents"><thead><tr><th class="n">#</th><th>Partner</th><th>Type</th><th>Number</th><th>State</th><th class="n">Attempts</th><th>Reason</th><th>Updated</th></tr></thead><tbody>
${docs.map(
  (d) => html`<tr data-id="${d.id}"><td class="n"><a href="/dashboard/documents/${d.id}">${d.id}</a></td><td>${d.partnerId ?? '—'}</td><td>${d.type ?? '—'} <span class="muted">${d.messageType}</span></td>
<td>${d.businessKey ?? '—'}</td><td>${stateBadge(d.state)}</td><td class="n">${d.attempts}</td><td>${clip(d.reason, 240)}</td><td>${formatTime(d.updatedAt)}</td></tr>`,
)}
${docs.length === 0 ? html`<tr><td colspan="8" class="muted">None.</td></tr>` : ''}</tbody></table>`;
}

/** Messages as a table, one row each, linking to their pages. */
function messageTable(messages: readonly MessageRow[]): Html {
  return html`<table id="messages"><thead><tr><th class="n">#</th><th>Partner</th><th>Channel</th><th>File</th><th>Type</th><th>Interchange</th><th>State</th><th class="n">Bytes</th><th>Reason</th><th>At</th></tr></thead><tbody>
${messages.map(
  (m) => html`<tr data-id="${m.id}"><td class="n"><a href="/dashboard/messages/${m.id}">${m.id}</a></td><td>${m.partnerId ?? '—'}</td><td>${m.channel}</td><td>${clip(m.source, 80)}</td><td>${m.messageType ?? ''}</td>
<td>${m.interchangeControlNumber ?? ''}</td><td>${stateBadge(m.state)}</td><td class="n">${m.size}</td><td>${clip(m.reason, 200)}</td><td>${formatTime(m.createdAt)}</td></tr>`,
)}
${messages.length === 0 ? html`<tr><td colspan="10" class="muted">None.</td></tr>` : ''}</tbody></table>`;
}

/** Acks we expect as a table, with Re-send on those overdue or rejected (not on an order the supplier rejected: sending it again asks the same). */
function ackTable(acks: readonly ExpectedAckRow[], csrf: string): Html {
  const resendable = (a: ExpectedAckRow): boolean => a.state === 'overdue' || (a.state === 'rejected' && a.ackType !== ORDER_RESPONSE_EXPECTED);
  return html`<table id="acks"><thead><tr><th>Partner</th><th>Our message</th><th>Type</th><th>Control numbers (ICN / GS / ST)</th><th>Ack</th><th>State</th><th>Deadline</th><th>Order response</th><th></th></tr></thead><tbody>
${acks.map(
  (a) => html`<tr data-id="${a.id}"><td>${a.partnerId}</td><td><a href="/dashboard/messages/${a.messageId}">${a.messageId}</a></td><td>${a.messageType}</td>
<td>${[a.interchangeControlNumber, a.groupControlNumber, a.transactionControlNumber].filter(Boolean).join(' / ')}</td><td>${awaitedLabel(a)}</td><td>${stateBadge(a.state)}${a.errors ? html` <span class="muted">${clip(a.errors, 200)}</span>` : ''}</td>
<td>${formatTime(a.deadline)}</td>
<td>${a.orderResponse === undefined ? '' : a.orderResponse === null ? html`<span class="muted">none yet</span>` : html`<a href="/dashboard/documents/${a.orderResponse.documentId}">${a.orderResponse.status ?? a.orderResponse.state}</a>`}</td>
<td>${resendable(a) ? html`<form class="inline" method="post" action="/dashboard/messages/${a.messageId}/resend">${csrfField(csrf)}<button type="submit">Re-send</button></form>` : ''}</td></tr>`,
)}
${acks.length === 0 ? html`<tr><td colspan="9" class="muted">None.</td></tr>` : ''}</tbody></table>`;
}

/** Everything about one business number: its documents, the messages named by it and their acks. */
export function searchPage(q: string, documents: readonly DocumentRow[], messages: readonly MessageRow[], acks: readonly ExpectedAckRow[], frame: PageFrame & { csrf: string }): string {
  return layout(
    frame,
    html`<h1>${q ? html`Number ${q}` : 'Find a number'}</h1>
${q && documents.length === 0 && messages.length === 0 ? html`<p class="notice" role="status">Nothing in the ledger has the number ${q}: orders, order responses, ship notices and invoices are found by their order number, invoices and ship notices also by their own.</p>` : ''}
${documents.length ? html`<h2>Documents</h2>${documentTable(documents)}` : ''}
${messages.length ? html`<h2>Sent</h2>${messageTable(messages)}<h2>Acknowledgments of what we sent</h2>${ackTable(acks, frame.csrf)}` : ''}`,
  );
}

const ACK_FILTERS = ['', 'overdue', 'sent', 'rejected,accepted_with_errors', 'acknowledged', 'accepted_with_errors', 'rejected'];

/** What partners owe us for what we sent: awaited, overdue, settled, with the order responses; a page at a time. */
export function acksPage(acks: readonly ExpectedAckRow[], { states, partner, before }: ListView<ExpectedAckState>, partners: readonly string[], next: number | null, frame: PageFrame & { csrf: string }): string {
  const choices = ACK_FILTERS.includes(states.join(',')) ? ACK_FILTERS : [states.join(','), ...ACK_FILTERS];
  return layout(
    frame,
    html`<h1>Acknowledgments${states.length ? html`: ${states.join(', ')}` : ''}${partner ? html` · ${partner}` : ''}</h1>
${filterForm('/dashboard/acks', states, choices, partner, partners)}
${ackTable(acks, frame.csrf)}
${pager('/dashboard/acks', { state: states.join(','), partner }, before, next)}`,
  );
}

/** Records of Odoo that could not be sent to their partner: why, how often tried, and Dismiss. */
export function exportsPage(failures: readonly ExportFailureRow[], partner: string | undefined, partners: readonly string[], frame: PageFrame & { csrf: string }): string {
  return layout(
    frame,
    html`<h1>Not sent${partner ? html` · ${partner}` : ''}</h1>
<form class="filters" method="get" action="/dashboard/exports"><label>Partner ${select('partner', [['', 'all'], ...partners.map((p) => [p, p] as const)], partner ?? '')}</label><button type="submit">Show</button></form>
<p class="muted">Each is tried again at every export run, so fixing the cause in Odoo or in the partner's mapping sends it. Dismiss one that is not to be sent.</p>
<table id="exports"><thead><tr><th>Partner</th><th>In Odoo</th><th>Reason</th><th class="n">Attempts</th><th>First failed</th><th>Last tried</th><th></th></tr></thead><tbody>
${failures.map(
  (f) => html`<tr data-id="${f.id}"><td>${f.partnerId}</td><td>${f.source.replace(/^odoo:/, '')} ${f.name} <span class="muted">id ${f.recordId}</span></td><td>${clip(f.reason, 600)}</td><td class="n">${f.attempts}</td>
<td>${formatTime(f.firstAt)}</td><td>${formatTime(f.lastAt)}</td>
<td><form class="inline" method="post" action="/dashboard/exports/${f.id}/dismiss">${csrfField(frame.csrf)}<input type="text" name="reason" maxlength="500" required placeholder="why it is not to be sent"><button type="submit">Dismiss</button></form></td></tr>`,
)}
${failures.length === 0 ? html`<tr><td colspan="7" class="muted">None.</td></tr>` : ''}</tbody></table>`,
  );
}

/** An error page for a signed-in person (a refused action, a missing row). */
export function problemPage(title: string, text: string, frame: PageFrame): string {
  return layout({ ...frame, title }, html`<h1>${title}</h1><p class="notice error" role="alert">${text}</p><p><a href="/dashboard">Back to the overview</a></p>`);
}
