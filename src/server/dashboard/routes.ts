/**
 * The dashboard under /dashboard: purchasing's view of what each partner sent and acknowledged, what
 * failed and what is overdue, with replay, discard and re-send. Server-rendered HTML without scripts
 * (the content security policy forbids them), a session cookie from signing in with the API token or a
 * person's own token of `http.users`, and a CSRF token in every form. Viewers see every page; their
 * actions are refused, and everyone else's are recorded under their name.
 */
import type http from 'node:http';
import type { PartnerRegistry } from '../../partners/registry';
import type { Gateway } from '../../pipeline/gateway';
import { discard, ReplayError } from '../../pipeline/replay';
import { DOCUMENT_STATES, emptyActivity, EXPECTED_ACK_STATES, LedgerError, MESSAGE_STATES, type Ledger, type PartnerActivity } from '../../store';
import type { HttpServerHandle, RouteContext } from '../http';
import { PAGE_SIZE, parseListQuery, readPage, type ListQuery } from '../list-query';
import {
  acksPage,
  documentPage,
  documentsPage,
  exportsPage,
  FAILED_STATES,
  messagePage,
  messagesPage,
  NOTICES,
  overviewPage,
  problemPage,
  searchPage,
  signInPage,
  type PageFrame,
  type PartnerLine,
} from './pages';
import { Operators, viewerRefusal, type OperatorToken } from '../operators';
import { sameSecret } from '../secret';
import { SessionStore, type Session } from './session';
import { DASHBOARD_CSS } from './style';

export interface DashboardDeps {
  ledger: Ledger;
  registry: PartnerRegistry;
  gateway: Gateway;
  /** The API token, which signs a person in as the operator `gateway`. */
  token: string;
  /** The named people of `http.users`, each signing in with a token of their own. */
  users?: readonly OperatorToken[];
  /** Served over HTTPS: the cookie gets `Secure`. */
  secure: boolean;
  /** Overview window, default 24 h. */
  windowMs?: number;
  now?: () => number;
}

/** No scripts, no inline styles, no framing, no forms to elsewhere, nothing cached. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` with our own forms.
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** Forms here are a token or a reason: anything larger is not a person typing. */
const MAX_FORM_BYTES = 16 * 1024;
const PREVIEW_BYTES = 16 * 1024;

/** A problem shown to the person as a page with this status. */
class PageError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
    this.name = 'PageError';
  }
}

function send(res: http.ServerResponse, status: number, body: string, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function redirect(res: http.ServerResponse, to: string, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(303, { ...SECURITY_HEADERS, ...headers, Location: to, 'Content-Length': 0 });
  res.end();
}

/** A list's filters and page from the query (a page is {@link PAGE_SIZE} rows); a wrong parameter is a 400 page naming it. */
function listQueryOf<S extends string>(ctx: RouteContext, known: readonly S[], fallback: readonly S[]): ListQuery<S> {
  const r = parseListQuery(ctx.query, { known, fallback });
  if (!r.ok) throw new PageError(400, r.param === 'state' ? 'Unknown state' : 'Not a page of this list', r.message);
  return r.query;
}

function idIn(text: string | undefined, what: string): number {
  if (!text || !/^\d{1,12}$/.test(text)) throw new PageError(404, 'Not found', `no such ${what}`);
  return Number(text);
}

/** The form fields of a POST, bounded in size. */
async function formOf(req: http.IncomingMessage, ctx: RouteContext): Promise<URLSearchParams> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_FORM_BYTES) throw new PageError(413, 'Too large', `a form is at most ${MAX_FORM_BYTES} bytes`);
  const body = await ctx.readBody();
  if (body.length > MAX_FORM_BYTES) throw new PageError(413, 'Too large', `a form is at most ${MAX_FORM_BYTES} bytes`);
  return new URLSearchParams(body.toString('utf8'));
}

/** A POST must come from a page of this server: no foreign Origin (SameSite=Strict and the CSRF token do the rest). */
function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** Register GET/POST /dashboard and the pages below it. */
export function registerDashboard(server: HttpServerHandle, deps: DashboardDeps): void {
  const { ledger, registry, gateway } = deps;
  const now = deps.now ?? Date.now;
  const windowMs = deps.windowMs ?? 24 * 3600_000;
  const sessions = new SessionStore({ operators: new Operators(deps.token, deps.users), table: ledger.sessions, now });
  const partnerIds = (): string[] => registry.partners.map((p) => p.id).sort();

  const frame = (session: Session, title: string, ctx: RouteContext): PageFrame & { csrf: string } => {
    const done = ctx.query.get('done');
    const text = done ? NOTICES[done] : undefined;
    return { title, csrf: session.csrf, operator: session.operator, ...(text ? { notice: { text } } : {}) };
  };

  const overview = (session: Session, ctx: RouteContext): string => {
    const activity = new Map<string, PartnerActivity>(ledger.partnerActivity(now() - windowMs).map((a) => [a.partnerId, a]));
    const lines: PartnerLine[] = registry.partners
      .map((p) => ({ id: p.id, name: p.name, mode: p.mode, activity: activity.get(p.id) ?? emptyActivity(p.id) }))
      .sort((a, b) => a.id.localeCompare(b.id));
    // Partners removed from the configuration, and files of no known partner, still show while they have rows.
    for (const [id, a] of activity) if (!registry.get(id)) lines.push({ id, activity: a });
    const hours = Math.round(windowMs / 3600_000);
    return overviewPage(lines, hours === 24 ? '24 h' : `${hours} h`, { ...frame(session, 'Overview', ctx), refreshS: 30 });
  };

  const documentView = (session: Session, ctx: RouteContext, id: number): string => {
    const doc = ledger.document(id);
    if (!doc) throw new PageError(404, 'Not found', `no document ${id}`);
    return documentPage(doc, ledger.eventsOfDocument(id), frame(session, `Document ${id}`, ctx));
  };

  const messageView = (session: Session, ctx: RouteContext, id: number): string => {
    const msg = ledger.message(id);
    if (!msg) throw new PageError(404, 'Not found', `no message ${id}`);
    let preview: { text: string; truncated: boolean } | { gone: string };
    try {
      const bytes = ledger.bytes(id);
      preview = { text: bytes.subarray(0, PREVIEW_BYTES).toString('utf8'), truncated: bytes.length > PREVIEW_BYTES };
    } catch (err) {
      if (!(err instanceof LedgerError)) throw err;
      preview = { gone: err.message };
    }
    const cause = msg.causeMessageId !== null ? ledger.message(msg.causeMessageId) : undefined;
    return messagePage(msg, cause, ledger.documentsOfMessage(id), ledger.eventsOfMessage(id), preview, frame(session, `Message ${id}`, ctx));
  };

  const pageFor = (session: Session, ctx: RouteContext): string => {
    const [section, id, ...rest] = ctx.subpath.split('/').filter(Boolean);
    if (rest.length > 0) throw new PageError(404, 'Not found', `no page ${ctx.path}`);
    if (section === undefined) return overview(session, ctx);
    if (section === 'documents') {
      if (id !== undefined) return documentView(session, ctx, idIn(id, 'document'));
      const q = listQueryOf(ctx, DOCUMENT_STATES, FAILED_STATES);
      const { rows, next } = readPage(PAGE_SIZE, (n) => ledger.documentsIn(q.states, n, q.partner, q.before));
      return documentsPage(rows, q, partnerIds(), next, frame(session, 'Documents', ctx));
    }
    if (section === 'messages') {
      if (id !== undefined) return messageView(session, ctx, idIn(id, 'message'));
      const direction = ctx.query.get('direction') === 'outbound' ? 'outbound' : 'inbound';
      const q = listQueryOf(ctx, MESSAGE_STATES, []);
      const { rows, next } = readPage(PAGE_SIZE, (n) => ledger.messages(direction, q.states, n, q.partner, q.before));
      return messagesPage(rows, direction, q, partnerIds(), next, frame(session, 'Messages', ctx));
    }
    if (section === 'search' && id === undefined) {
      const q = (ctx.query.get('q') ?? '').trim().slice(0, 100);
      const found = q ? ledger.findByNumber(q, partnerIds(), PAGE_SIZE) : { documents: [], messages: [] };
      const acks = found.messages.flatMap((m) => (m.partnerId && m.interchangeControlNumber ? ledger.expectedAcks(m.partnerId, m.interchangeControlNumber).filter((a) => a.messageId === m.id) : []));
      return searchPage(q, found.documents, found.messages, acks, frame(session, q ? `Number ${q}` : 'Find', ctx));
    }
    if (section === 'acks' && id === undefined) {
      const q = listQueryOf(ctx, EXPECTED_ACK_STATES, []);
      const { rows, next } = readPage(PAGE_SIZE, (n) => ledger.expectedAcksIn(q.states, n, q.partner, q.before));
      return acksPage(rows, q, partnerIds(), next, frame(session, 'Acknowledgments', ctx));
    }
    if (section === 'exports' && id === undefined) {
      // Rows wait here only until sent or dismissed: a page of the oldest is the list.
      const { partner } = listQueryOf(ctx, [], []);
      return exportsPage(ledger.exportFailures({ ...(partner ? { partnerId: partner } : {}), limit: PAGE_SIZE }), partner, partnerIds(), frame(session, 'Not sent', ctx));
    }
    throw new PageError(404, 'Not found', `no page ${ctx.path}`);
  };

  /** Run a person's action, recorded under their name; refusals (wrong state, pruned bytes) become a 409 page. */
  const act = async (section: string, id: number, action: string, form: URLSearchParams, by: string): Promise<string> => {
    try {
      if (section === 'documents' && action === 'replay') {
        const result = await gateway.replay({ documentId: id }, by);
        const to = result.replaced.find((r) => r.from === id)?.to;
        return to !== undefined ? `/dashboard/documents/${to}?done=replayed` : `/dashboard/messages/${result.messageId}?done=replayed`;
      }
      if (section === 'documents' && action === 'discard') {
        const reason = (form.get('reason') ?? '').trim();
        if (!reason) throw new PageError(400, 'A reason is needed', 'say why the document is not to be posted: the history keeps it');
        discard(ledger, id, `discarded from the dashboard by ${by}: ${reason}`, by);
        return `/dashboard/documents/${id}?done=discarded`;
      }
      if (section === 'messages' && action === 'replay') {
        await gateway.replay({ messageId: id }, by);
        return `/dashboard/messages/${id}?done=replayed`;
      }
      if (section === 'exports' && action === 'dismiss') {
        const reason = (form.get('reason') ?? '').trim();
        if (!reason) throw new PageError(400, 'A reason is needed', 'say why the record is not to be sent: the history keeps it');
        if (!ledger.dismissExport(id, `dismissed from the dashboard by ${by}: ${reason}`, by)) throw new PageError(404, 'Not found', `no record ${id} waiting to be sent`);
        return '/dashboard/exports?done=dismissed';
      }
      if (section === 'messages' && action === 'resend') {
        const result = gateway.resend(id, by);
        return `/dashboard/messages/${result.messageId}?done=resent`;
      }
    } catch (err) {
      if (err instanceof ReplayError) throw new PageError(err.kind === 'missing' ? 404 : 409, 'Not done', err.message);
      throw err;
    }
    throw new PageError(404, 'Not found', `no action ${action}`);
  };

  const handle = (fn: (req: http.IncomingMessage, res: http.ServerResponse, ctx: RouteContext) => Promise<void> | void) => async (req: http.IncomingMessage, res: http.ServerResponse, ctx: RouteContext): Promise<void> => {
    try {
      await fn(req, res, ctx);
    } catch (err) {
      if (!(err instanceof PageError)) throw err;
      const session = sessions.fromCookie(req.headers.cookie);
      send(res, err.status, problemPage(err.title, err.message, session ? { title: err.title, csrf: session.csrf, operator: session.operator } : { title: err.title }));
    }
  };

  server.route(
    'GET',
    '/dashboard',
    handle((req, res, ctx) => {
      if (ctx.subpath === '/style.css') {
        res.writeHead(200, { ...SECURITY_HEADERS, 'Cache-Control': 'max-age=3600', 'Content-Type': 'text/css; charset=utf-8' });
        res.end(DASHBOARD_CSS);
        return;
      }
      const session = sessions.fromCookie(req.headers.cookie);
      if (ctx.subpath === '/login') {
        if (session) redirect(res, '/dashboard');
        else send(res, 200, signInPage());
        return;
      }
      if (!session) return redirect(res, '/dashboard/login');
      send(res, 200, pageFor(session, ctx));
    }),
  );

  server.route(
    'POST',
    '/dashboard',
    handle(async (req, res, ctx) => {
      if (!sameOrigin(req)) throw new PageError(403, 'Refused', 'the form was sent from another site');
      const form = await formOf(req, ctx);
      if (ctx.subpath === '/login') {
        const r = sessions.signIn(form.get('token') ?? '', req.socket.remoteAddress ?? '?');
        if (r.kind === 'ok') return redirect(res, '/dashboard', { 'Set-Cookie': sessions.cookie(r.session, deps.secure) });
        if (r.kind === 'locked') return send(res, 429, signInPage(`Too many wrong tokens from this address: try again in ${r.retryAfterS} s.`), { 'Retry-After': String(r.retryAfterS) });
        ctx.logger.warn({ remote: req.socket.remoteAddress }, 'dashboard sign-in with a wrong token');
        return send(res, 401, signInPage('That is not the gateway token.'));
      }
      const session = sessions.fromCookie(req.headers.cookie);
      if (!session) return redirect(res, '/dashboard/login');
      if (!sameSecret(form.get('csrf') ?? '', session.csrf)) throw new PageError(403, 'Refused', 'the form is stale or not from this dashboard: reload the page and try again');
      if (ctx.subpath === '/logout') {
        sessions.signOut(session);
        return redirect(res, '/dashboard/login', { 'Set-Cookie': sessions.cookie(undefined, deps.secure) });
      }
      if (session.operator.role === 'viewer') throw new PageError(403, 'Not allowed', viewerRefusal(session.operator));
      const [section, id, action, ...rest] = ctx.subpath.split('/').filter(Boolean);
      if (!section || !action || rest.length > 0) throw new PageError(404, 'Not found', `no action ${ctx.path}`);
      const to = await act(section, idIn(id, 'row'), action, form, session.operator.name);
      ctx.logger.info({ action: `${section}.${action}`, id: Number(id), operator: session.operator.name }, 'dashboard action');
      redirect(res, to);
    }),
  );
}
