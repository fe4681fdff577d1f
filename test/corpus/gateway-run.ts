/**
 * Gateway run over ../shared/corpus: every public sample goes through the whole gateway (dir channel →
 * ledger → analysis → acks → post to the Odoo sandbox → dead-letter), each file sent by a partner made
 * for it from its envelope. Files that share sender ids go to different rounds (one gateway, ledger and
 * sandbox per round), so each file meets the gateway alone: no file's control numbers or order numbers
 * turn another's into a "received before". Each round then receives every file again (a re-delivery).
 * The outcome of each file is what the ledger, the outbound folders and the sandbox say afterwards.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { stringify } from 'yaml';
import type { CanonicalDocument } from '../../src/canonical/document';
import type { Standard } from '../../src/edi/common/events';
import { readAcks } from '../../src/edi/ack-read';
import { EdiReader } from '../../src/edi/reader';
import { definitionVersion, EdiValidator } from '../../src/edi/validate';
import { translate } from '../../src/mapping';
import { OdooClient } from '../../src/odoo/client';
import { startSandbox, type SandboxHandle } from '../../src/odoo/sandbox';
import { loadPartners, MESSAGE_TYPES, type Identity, type PartnerRegistry } from '../../src/partners';
import type { Partner } from '../../src/partners/registry';
import { Gateway } from '../../src/pipeline/gateway';
import { odooSink } from '../../src/pipeline/sink';
import { SqliteLedger, type DocumentState, type MessageState } from '../../src/store';
import { until } from '../support/wait';
import { cell as tableCell, clean, receiverOf, shorten } from './translate-run';

const ROOT = join(__dirname, '..', '..');

/** Messages without this checkout's absolute paths or the run's temp folder, so the committed report is the same everywhere. */
function scrub(message: string, temp: string): string {
  return clean(message.split(`${temp}/`).join('').split(temp).join(''));
}

/** What the envelopes of a file say, read with the gateway's own reader. */
export interface Envelope {
  standard: Standard;
  senders: Identity[];
  receivers: Identity[];
  test: boolean;
  transactions: { version: string; id: string }[];
}

function identity(standard: Standard, qualifier: string, id: string): Identity {
  const q = qualifier.trim();
  if (standard === 'x12') return { standard, qualifier: q, id: id.trim() };
  return q ? { standard, id: id.trim(), qualifier: q } : { standard, id: id.trim() };
}

function identityKey(i: Identity): string {
  return `${i.standard}/${i.qualifier ?? ''}/${i.id}`;
}

function addIdentity(list: Identity[], i: Identity): void {
  if (i.id !== '' && !list.some((o) => identityKey(o) === identityKey(i))) list.push(i);
}

/** The senders, receivers and transactions of a file, or undefined when no interchange can be read. */
export function envelopeOf(bytes: Buffer): Envelope | undefined {
  let env: Envelope | undefined;
  const reader = new EdiReader({
    interchangeStart: (h) => {
      env ??= { standard: h.standard, senders: [], receivers: [], test: h.test, transactions: [] };
      if (h.standard !== env.standard) return;
      addIdentity(env.senders, identity(h.standard, h.senderQualifier, h.senderId));
      addIdentity(env.receivers, identity(h.standard, h.receiverQualifier, h.receiverId));
    },
    transactionStart: (t) => {
      if (env) env.transactions.push({ version: definitionVersion(env.standard, t), id: t.id });
    },
  });
  try {
    reader.write(bytes);
    reader.end();
  } catch {
    // A reader that throws is a finding of the translate run; here the file is just one without a partner.
  }
  return env && env.senders.length > 0 ? env : undefined;
}

/** One corpus file and what the run made of it. */
export interface PlannedFile {
  id: string;
  path: string;
  bytes: Buffer;
  envelope?: Envelope;
  /** The partner made for it; for a file without a readable envelope, the partner whose folder it is dropped in. */
  partner: string;
  /** True when the partner was made for this file. */
  own: boolean;
  round: number;
  /** Shipped partners whose mappings the partner uses, by message type. */
  mappedBy: Record<string, string>;
}

const ACK_MESSAGE_TYPES = new Set(['997', '999', 'CONTRL', 'APERAK', 'TA1']);

/** `x12/edifabric_810_BOM.txt` → `edifabric-810-bom` (a partner folder name). */
function partnerIdOf(fileId: string): string {
  return basename(fileId).replace(/\.[a-z0-9]+$/i, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/**
 * Partners and rounds: a file goes into the first round where none of its sender ids is already taken
 * (routing needs each id at one partner); files without an envelope go into round 0, dropped in the
 * folder of the first partner there.
 */
export function planCorpus(files: { id: string; path: string }[], shipped: PartnerRegistry): PlannedFile[] {
  const rounds: Set<string>[] = [];
  const out: PlannedFile[] = [];
  const orphans: PlannedFile[] = [];
  for (const f of files) {
    const bytes = readFileSync(f.path);
    const envelope = envelopeOf(bytes);
    const planned: PlannedFile = { id: f.id, path: f.path, bytes, partner: partnerIdOf(f.id), own: envelope !== undefined, round: 0, mappedBy: {} };
    if (!envelope) {
      orphans.push(planned);
      continue;
    }
    planned.envelope = envelope;
    // Routing compares ids trimmed and EDIFACT qualifiers loosely: the id alone decides a clash.
    const keys = envelope.senders.map((s) => `${s.standard}/${s.id}`);
    let round = rounds.findIndex((taken) => keys.every((k) => !taken.has(k)));
    if (round < 0) round = rounds.push(new Set()) - 1;
    for (const k of keys) rounds[round]!.add(k);
    planned.round = round;
    for (const t of envelope.transactions) {
      if (ACK_MESSAGE_TYPES.has(t.id) || planned.mappedBy[t.id]) continue;
      const receiver = receiverOf(shipped, envelope.standard, t.version, t.id);
      if (receiver) planned.mappedBy[t.id] = receiver.id;
    }
    out.push(planned);
  }
  const host = out.filter((p) => p.round === 0).sort((a, b) => a.partner.localeCompare(b.partner))[0];
  for (const o of orphans) out.push({ ...o, partner: host?.partner ?? o.partner });
  return out.sort((a, b) => files.findIndex((f) => f.id === a.id) - files.findIndex((f) => f.id === b.id));
}

const TEMPLATES: Record<string, string> = { x12: 'northgate', 'x12-005010': 'keystone', edifact: 'nordhaven', 'edifact-D01B': 'mueller-armaturen' };

/** The partner.yaml of the partner made for a file: its ids, the shipped mappings and settings of its kind. */
function partnerFile(p: PlannedFile, shipped: PartnerRegistry, ref: string): Record<string, unknown> {
  const env = p.envelope!;
  const x12v5 = env.standard === 'x12' && env.transactions.some((t) => t.version.startsWith('005'));
  const d01b = env.standard === 'edifact' && env.transactions.some((t) => t.version === 'D01B');
  const firstMapped = Object.values(p.mappedBy)[0];
  const template = shipped.get(firstMapped ?? TEMPLATES[x12v5 ? 'x12-005010' : d01b ? 'edifact-D01B' : env.standard]!)!;
  const documents: Record<string, unknown>[] = [];
  for (const [messageType, from] of Object.entries(p.mappedBy)) {
    const entry = shipped.get(from)!.documents.find((d) => d.direction === 'inbound' && d.messageType === messageType)!;
    documents.push({ type: entry.type, direction: 'inbound', messageType });
  }
  // Types that carry a canonical document but have no shipped mapping of their version: received, and unmappable.
  const canonical = Object.entries(MESSAGE_TYPES).filter(([type]) => type !== 'functional_ack');
  if (documents.length === 0) {
    for (const t of env.transactions) {
      const type = canonical.find(([, ids]) => ids.includes(t.id))?.[0];
      if (type && !documents.some((d) => d.messageType === t.id)) documents.push({ type, direction: 'inbound', messageType: t.id });
    }
  }
  // A partner lists at least one document; one whose file holds none we could take gets an order it never sends.
  if (documents.length === 0) documents.push({ type: 'order', direction: 'inbound', messageType: env.standard === 'x12' ? '850' : 'ORDERS' });
  const send = env.standard === 'edifact' ? ['CONTRL'] : x12v5 ? ['999'] : ['997'];
  const file: Record<string, unknown> = {
    id: p.partner,
    name: `corpus sample ${p.id}`,
    mode: env.test ? 'test' : 'production',
    identities: env.senders,
    documents,
    odoo: { ...template.odoo, partnerRef: ref },
    acknowledgments: { send },
    duplicates: { businessDocument: template.duplicates.businessDocument },
    channels: {
      inbound: [{ type: 'dir', path: `exchange/${p.partner}/inbound`, archive: `exchange/${p.partner}/archive`, pattern: '*', pollInterval: '5s' }],
      outbound: { type: 'dir', path: `exchange/${p.partner}/outbound` },
    },
  };
  // A file sent to itself (nodex12_850_3) names no receiver of its own: we are then whoever it is addressed to.
  const us = env.receivers.filter((r) => !env.senders.some((s) => identityKey(s) === identityKey(r)));
  if (us.length > 0) file.us = us;
  if (env.standard === 'x12') file.x12 = { version: x12v5 ? '005010' : '004010', delimiters: { element: '*', component: '>', segment: '~' }, lineBreak: 'lf' };
  else file.edifact = { directory: d01b ? 'D01B' : 'D96A', charset: d01b ? 'UNOY' : 'UNOC', syntaxVersion: d01b ? 4 : 3, una: 'always', lineBreak: 'none' };
  return file;
}

/** An acknowledgment the gateway sent for a file, as our own validator and ack reader see it. */
export interface SentAck {
  type: string;
  file: string;
  status: string;
  /** Errors of our validator on the ack itself. */
  validatorErrors: string[];
  /** Transaction verdicts (AK2/IK2/UCM): control number, status. */
  transactions: { group?: string; interchange?: string; controlNumber: string; status: string }[];
}

/** A document the gateway made of a file. */
export interface DocumentOutcome {
  id: number;
  messageType: string | null;
  type: string | null;
  interchange: string | null;
  group: string | null;
  controlNumber: string | null;
  state: DocumentState;
  mapped: boolean;
  reason: string | null;
}

/** What became of one corpus file in the gateway. */
export interface GatewayOutcome {
  id: string;
  partner: string;
  own: boolean;
  round: number;
  transactions: string[];
  mappedBy: Record<string, string>;
  message: { state: MessageState | 'missing'; reason: string | null };
  documents: DocumentOutcome[];
  acks: SentAck[];
  /** The second delivery of the same bytes. */
  redelivery: { state: MessageState | 'missing'; reason: string | null; documents: number; acks: number };
  /** Sale orders booked in the sandbox for the partner, after the first delivery and after the second. */
  saleOrders: { first: number; second: number };
  /** Products seeded for this file's orders (undefined: it has none to seed). */
  seeded?: boolean;
  /** Crash log lines (an `onCrash` of a stage, a processing failure) naming this file's partner. */
  crashes: string[];
}

/** Everything the run saw, for the test and the report. */
export interface GatewayRun {
  outcomes: GatewayOutcome[];
  rounds: number;
  /** Crash lines that name no partner. */
  crashes: string[];
  /** Outbound folders that hold other files than the ledger sent, or a file our validator finds invalid. */
  strayOutbound: string[];
}

interface LogLine {
  level: number;
  msg?: string;
  stage?: string;
  partner?: string;
  messageId?: number;
  documentId?: number;
  err?: { message?: string };
}

/** A stage's `onCrash` (its log line names the stage) or a message whose processing threw. */
function isCrash(l: LogLine): boolean {
  return l.stage !== undefined || /processing failed/.test(l.msg ?? '');
}

function crashLine(l: LogLine, temp: string): string {
  return scrub(`${l.stage ?? 'process'}: ${l.msg ?? ''}: ${l.err?.message ?? ''}`, temp);
}

/** Order lines to seed products for: the codes a poster looks up, first the vendor's (our) number. */
function productCodes(doc: CanonicalDocument): { field: 'default_code' | 'barcode'; code: string }[] {
  if (doc.type !== 'order') return [];
  const out: { field: 'default_code' | 'barcode'; code: string }[] = [];
  for (const line of doc.lines) {
    const ids = line.itemIds;
    if (!ids) continue;
    const code = ids.vendor ?? ids.buyer ?? ids.sku;
    if (code) out.push({ field: 'default_code', code });
    else {
      const barcode = ids.gtin ?? ids.ean ?? ids.upc;
      if (barcode) out.push({ field: 'barcode', code: barcode });
    }
  }
  return out;
}

function verdictsOf(bytes: Buffer): Promise<{ status: string; type: string; transactions: SentAck['transactions'] }[]> {
  return readAcks(bytes).then((r) =>
    r.acks.map((a) => ({
      status: a.status,
      type: a.type,
      transactions: (a.refers.transactions ?? []).map((t) => ({ ...(a.refers.group ? { group: a.refers.group.controlNumber.trim() } : {}), ...(a.refers.interchange ? { interchange: a.refers.interchange.trim() } : {}), controlNumber: t.controlNumber.trim(), status: t.status })),
    })),
  );
}

function validatorErrors(bytes: Buffer): string[] {
  const v = new EdiValidator();
  v.write(bytes);
  return v.end().errors.map((e) => `${e.code}: ${e.message}`);
}

/** Every one of `inbound` received files is finished: none waits to be processed, posted or sent. */
function finished(ledger: SqliteLedger, inbound: number): boolean {
  const c = ledger.counts();
  return (
    ledger.messages('inbound', undefined, 10_000).length === inbound &&
    (c.messages.received ?? 0) === 0 &&
    (c.messages.pending ?? 0) === 0 &&
    (c.messages.retry ?? 0) === 0 &&
    (c.documents.mapped ?? 0) === 0 &&
    (c.documents.retry ?? 0) === 0
  );
}

/** One round: its partners, a sandbox, a gateway; both deliveries; the outcomes of its files. */
async function runRound(round: number, planned: PlannedFile[], shipped: PartnerRegistry, crashes: string[], orderFiles: { seen: number }): Promise<{ outcomes: GatewayOutcome[]; stray: string[] }> {
  const temp = mkdtempSync(join(tmpdir(), `gw-corpus-${round}-`));
  let sandbox: SandboxHandle | undefined;
  let gateway: Gateway | undefined;
  let ledger: SqliteLedger | undefined;
  try {
    const partnersDir = join(temp, 'partners');
    const mappingsDir = join(temp, 'mappings');
    const data = join(temp, 'data');
    mkdirSync(data);
    // The shared mappings as shipped; each partner's folder holds the shipped files of the types it receives.
    for (const shared of readdirSync(join(ROOT, 'mappings')).filter((n) => n.startsWith('_'))) cpSync(join(ROOT, 'mappings', shared), join(mappingsDir, shared), { recursive: true });
    const own = planned.filter((p) => p.own);
    const refs = new Map(own.map((p) => [p.partner, `CORPUS-${round}-${p.partner}`.toUpperCase()]));
    for (const p of own) {
      mkdirSync(join(partnersDir, p.partner), { recursive: true });
      writeFileSync(join(partnersDir, p.partner, 'partner.yaml'), stringify(partnerFile(p, shipped, refs.get(p.partner)!)));
      const target = join(mappingsDir, p.partner);
      mkdirSync(target, { recursive: true });
      for (const [messageType, from] of Object.entries(p.mappedBy)) {
        const source = shipped.get(from)!.mappingsDir;
        for (const name of readdirSync(source)) {
          if (name === `${messageType}.yaml` || !name.endsWith('.yaml')) copyFileSync(join(source, name), join(target, name));
        }
      }
    }
    const registry = loadPartners(partnersDir, { dataRoot: data, mappingsRoot: mappingsDir });
    const sb = await startSandbox({ password: 'pw' });
    sandbox = sb;
    const client = new OdooClient({ url: sb.url, db: sb.db, login: 'admin', password: 'pw', protocol: 'jsonrpc' });
    const customers = new Map<string, number>();
    for (const [partner, ref] of refs) customers.set(partner, await client.create('res.partner', { name: `Corpus ${partner}`, ref, is_company: true, customer_rank: 1, supplier_rank: 1 }));
    // Products for the orders that map: every other such file of the corpus (the 1st, 3rd …) gets them, so
    // both the posting path and the "unknown product" dead-letter are exercised.
    const seeded = new Map<string, boolean>();
    const known = new Set<string>();
    for (const p of own) {
      const r = await translate(p.bytes, { registry });
      const codes = r.documents.flatMap(productCodes);
      if (codes.length === 0) continue;
      const seed = orderFiles.seen++ % 2 === 0;
      seeded.set(p.id, seed);
      if (!seed) continue;
      for (const { field, code } of codes) {
        if (known.has(`${field}:${code}`)) continue;
        known.add(`${field}:${code}`);
        await client.create('product.product', { name: `Corpus item ${code}`, [field]: code, uom_id: 1, lst_price: 1 });
      }
    }

    const lines: LogLine[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const text of chunk.toString('utf8').split('\n')) if (text.trim()) lines.push(JSON.parse(text) as LogLine);
        done();
      },
    });
    const lg = new SqliteLedger({ file: join(data, 'ledger.sqlite') });
    ledger = lg;
    const gw = new Gateway({ ledger: lg, registry, sink: odooSink(client), logger: pino({ level: 'error' }, sink), settleMs: 0, dirPollMs: 30, pollMs: 30, retry: { baseMs: 50, maxMs: 200, maxAttempts: 3 } });
    gateway = gw;
    await gw.start();
    const drop = (p: PlannedFile, name: string): void => {
      const inbound = join(data, 'exchange', p.partner, 'inbound');
      writeFileSync(join(inbound, `${name}.part`), p.bytes);
      renameSync(join(inbound, `${name}.part`), join(inbound, name));
    };
    const name = (p: PlannedFile, n: number) => `${n}-${basename(p.id)}`;
    for (const p of planned) drop(p, name(p, 1));
    await until(() => finished(lg, planned.length), 30_000, `round ${round}: every file of the first delivery finished`);
    const firstOrders = new Map([...customers].map(([partner, id]) => [partner, sb.data.count('sale.order', [['partner_id', '=', id]])]));
    for (const p of planned) drop(p, name(p, 2));
    await until(() => finished(lg, 2 * planned.length), 30_000, `round ${round}: every file of the re-delivery finished`);
    await gw.stop();

    const inbound = lg.messages('inbound', undefined, 10_000);
    const outbound = lg.messages('outbound', undefined, 10_000);
    const outcomes: GatewayOutcome[] = [];
    for (const p of planned) {
      const first = inbound.find((m) => m.source === name(p, 1));
      const second = inbound.find((m) => m.source === name(p, 2));
      const docs = first ? lg.documentsOfMessage(first.id) : [];
      const acks: SentAck[] = [];
      for (const m of outbound.filter((o) => first && o.causeMessageId === first.id)) {
        const bytes = lg.bytes(m.id);
        const read = await verdictsOf(bytes);
        acks.push({
          type: m.messageType ?? '?',
          file: `${m.messageType ?? 'message'}-${m.interchangeControlNumber ?? m.id}`,
          status: `${m.state}${read.length ? `, ${read.map((a) => a.status).join('/')}` : ''}`,
          validatorErrors: validatorErrors(bytes),
          transactions: read.flatMap((a) => a.transactions),
        });
      }
      const messageIds = new Set([first?.id, second?.id].filter((x): x is number => x !== undefined));
      const docIds = new Set(docs.map((d) => d.id));
      const mine = lines.filter((l) => isCrash(l) && ((l.messageId !== undefined && messageIds.has(l.messageId)) || (l.documentId !== undefined && docIds.has(l.documentId))));
      const customer = customers.get(p.partner);
      const outcome: GatewayOutcome = {
        id: p.id,
        partner: p.partner,
        own: p.own,
        round,
        transactions: (p.envelope?.transactions ?? []).map((t) => `${p.envelope!.standard} ${t.version || '?'} ${t.id}`),
        mappedBy: p.mappedBy,
        message: { state: first?.state ?? 'missing', reason: first?.reason ? scrub(first.reason, temp) : null },
        documents: docs.map((d) => ({
          id: d.id,
          messageType: d.messageType,
          type: d.type,
          interchange: d.interchangeControlNumber,
          group: d.groupControlNumber,
          controlNumber: d.controlNumber,
          state: d.state,
          mapped: d.canonical !== null,
          reason: d.reason ? scrub(d.reason, temp) : null,
        })),
        acks,
        redelivery: {
          state: second?.state ?? 'missing',
          reason: second?.reason ? scrub(second.reason, temp) : null,
          documents: second ? lg.documentsOfMessage(second.id).length : 0,
          acks: second ? outbound.filter((o) => o.causeMessageId === second.id).length : 0,
        },
        saleOrders: {
          first: p.own && customer !== undefined ? (firstOrders.get(p.partner) ?? 0) : 0,
          second: p.own && customer !== undefined ? sb.data.count('sale.order', [['partner_id', '=', customer]]) : 0,
        },
        crashes: mine.map((l) => crashLine(l, temp)),
      };
      if (seeded.has(p.id)) outcome.seeded = seeded.get(p.id)!;
      outcomes.push(outcome);
    }
    for (const l of lines) if (isCrash(l) && l.messageId === undefined && l.documentId === undefined) crashes.push(crashLine(l, temp));
    // What is in the outbound folders: as many files as the ledger sent, each valid to our own validator.
    const stray: string[] = [];
    const files = registry.partners.flatMap((partner: Partner) => {
      const dir = join(data, 'exchange', partner.id, 'outbound');
      return existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)) : [];
    });
    const sentRows = outbound.filter((o) => o.state === 'sent').length;
    if (files.length !== sentRows) stray.push(`round ${round}: ${files.length} files in outbound folders, ${sentRows} sent messages in the ledger`);
    for (const f of files) {
      const errors = validatorErrors(readFileSync(f));
      if (errors.length > 0) stray.push(`round ${round}: ${scrub(f, temp)} is invalid: ${errors.slice(0, 3).join('; ')}`);
    }
    return { outcomes, stray };
  } finally {
    await gateway?.stop();
    ledger?.close();
    await sandbox?.close();
    rmSync(temp, { recursive: true, force: true });
  }
}

/** Run the whole corpus through the gateway, round after round. */
export async function runCorpus(files: { id: string; path: string }[]): Promise<GatewayRun> {
  // Read for their settings and mappings only: their channels are never opened, so their data folder is never made.
  const shipped = loadPartners(join(ROOT, 'partners'), { dataRoot: join(tmpdir(), 'gw-corpus-shipped') });
  const planned = planCorpus(files, shipped);
  const rounds = Math.max(...planned.map((p) => p.round)) + 1;
  const crashes: string[] = [];
  const outcomes: GatewayOutcome[] = [];
  const strayOutbound: string[] = [];
  const orderFiles = { seen: 0 };
  for (let r = 0; r < rounds; r++) {
    const { outcomes: o, stray } = await runRound(r, planned.filter((p) => p.round === r), shipped, crashes, orderFiles);
    outcomes.push(...o);
    strayOutbound.push(...stray);
  }
  outcomes.sort((a, b) => files.findIndex((f) => f.id === a.id) - files.findIndex((f) => f.id === b.id));
  return { outcomes, rounds, crashes, strayOutbound };
}

const FINAL_MESSAGE: readonly string[] = ['processed', 'held', 'duplicate', 'failed'];
const FINAL_DOCUMENT: readonly string[] = ['posted', 'dead', 'held', 'parked', 'ignored'];
/** Failures of a whole transaction (no mapping for it at all) or of its envelope, which have no segment of their own. */
const NO_SEGMENT = /does not exist; add the mapping file|does not exchange|no definition for|rejected in the acknowledgment: (?:interchange|group)\.|interchange control number|from partner .* mode|already received from partner|is not a (?:purchase order|product)|order line \d+/;

/** What a file's outcome breaks of the gateway's promises, one line each (empty: it keeps them all). */
export function violations(o: GatewayOutcome): string[] {
  const out: string[] = [];
  const file = `1-${basename(o.id)}`;
  if (!FINAL_MESSAGE.includes(o.message.state)) out.push(`message ${o.message.state}, not finished`);
  if (o.message.state === 'failed' && !(o.message.reason ?? '').includes(`file ${file}`)) out.push(`failed message's reason does not name the file: ${o.message.reason ?? '(none)'}`);
  for (const c of o.crashes) out.push(`crash: ${c}`);
  for (const d of o.documents) {
    const what = `document ${d.messageType ?? '?'} ${d.controlNumber ?? '?'}`;
    if (!FINAL_DOCUMENT.includes(d.state)) out.push(`${what} is ${d.state}, not finished`);
    if (d.state !== 'dead' && d.state !== 'held') continue;
    const reason = d.reason ?? '';
    if (!reason.includes(`partner ${o.partner}`) || !reason.includes(`file ${file}`)) out.push(`${what}: the reason does not name partner and file: ${reason}`);
    else if (!/at position \d+|at segment \d+/.test(reason) && !NO_SEGMENT.test(reason)) out.push(`${what}: the reason names no segment position: ${reason}`);
  }
  for (const a of o.acks) {
    if (a.validatorErrors.length > 0) out.push(`${a.type} ${a.file} is invalid: ${a.validatorErrors.slice(0, 3).join('; ')}`);
    if (!a.status.startsWith('sent')) out.push(`${a.type} ${a.file} was not sent: ${a.status}`);
  }
  // Each document against the acks: accepted → it was mapped; rejected → it is dead (or held); not named → rejected whole.
  const verdicts = o.acks.flatMap((a) => a.transactions);
  const rejectedWhole = o.acks.some((a) => a.transactions.length === 0 && a.status.includes('rejected'));
  for (const d of o.documents) {
    const what = `document ${d.messageType ?? '?'} ${d.controlNumber ?? '?'} (${d.state})`;
    const mine = verdicts.filter((t) => t.controlNumber === d.controlNumber && (t.group === undefined || t.group === d.group) && (t.interchange === undefined || t.interchange === d.interchange));
    if (mine.length === 0) {
      if (o.acks.length > 0 && !rejectedWhole) out.push(`${what}: no acknowledgment names it`);
      else if (rejectedWhole && d.state !== 'dead' && d.state !== 'held') out.push(`${what}: its interchange or group was rejected, yet it is not dead`);
      continue;
    }
    if (mine.some((t) => t.status === 'rejected') && d.state !== 'dead' && d.state !== 'held') out.push(`${what}: rejected in the acknowledgment, yet not dead`);
    if (mine.every((t) => t.status !== 'rejected') && !d.mapped) out.push(`${what}: accepted in the acknowledgment, yet never mapped`);
  }
  const postedOrders = o.documents.filter((d) => d.type === 'order' && d.state === 'posted').length;
  if (o.own && o.saleOrders.first !== postedOrders) out.push(`${o.saleOrders.first} sale orders for ${postedOrders} posted orders`);
  if (o.saleOrders.second !== o.saleOrders.first) out.push(`the re-delivery booked ${o.saleOrders.second - o.saleOrders.first} more sale orders`);
  const again = o.message.state === 'failed' ? 'failed' : 'duplicate';
  if (o.redelivery.state !== again) out.push(`the re-delivery is ${o.redelivery.state}, not ${again}`);
  if (o.redelivery.documents > 0) out.push(`the re-delivery made ${o.redelivery.documents} documents`);
  // A re-delivery is acknowledged again as the delivery was: the same acks, and none for a file of acks only.
  if (o.redelivery.acks !== o.acks.length) out.push(`the delivery got ${o.acks.length} acks, the re-delivery ${o.redelivery.acks}`);
  return out;
}

function cell(text: string): string {
  return tableCell(text.replace(/\s+/g, ' '));
}

function tally(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n} ${v}`).join(', ');
}

/** The committed report: what the run did, a summary by state, each file's fate, and the known gaps. */
export function renderReport(run: GatewayRun, gaps: Map<string, string>): string {
  const o = run.outcomes;
  const documentStates = ['posted', 'dead', 'held', 'parked', 'ignored'];
  const docs = o.flatMap((x) => x.documents);
  const acks = o.flatMap((x) => x.acks);
  const supplierDead = o.filter((x) => x.documents.some((d) => /is not a purchase order/.test(d.reason ?? ''))).map((x) => x.id);
  const lines = [
    '# Corpus gateway report',
    '',
    'Generated by `npm run test:corpus` (`test/corpus/gateway.test.ts`, `test/corpus/gateway-run.ts`) from the public samples',
    'in `../shared/corpus`; do not edit by hand. Each file goes through the whole gateway: dir channel → ledger → analysis →',
    'acknowledgments → post to the Odoo sandbox → dead-letter, sent by a partner made for it: its identities are the',
    "file's interchange senders, `us` its receivers, `mode` test when the file is test traffic, its documents the message",
    'types it holds with the shipped mapping of the same standard, version and type (X12 004010 850 → northgate, 855/856/810',
    '→ bolt-supply; EDIFACT D96A ORDERS → nordhaven, ORDRSP/DESADV/INVOIC → fjordline; D01B ORDERS → mueller-armaturen);',
    'types with a canonical document but no shipped mapping of their version are listed without one; it is sent the',
    "standard's acknowledgment (997, 999 for 005010, CONTRL). Files whose envelope cannot be read are dropped in another",
    "partner's folder. Files sharing a sender id run in separate rounds (one gateway, ledger and sandbox each), so no file",
    "meets another's control numbers or order numbers. Products are seeded in the sandbox for the orders of every other",
    'file whose orders map (1st, 3rd …), so both a posted order and an "is not a product in Odoo" dead-letter occur.',
    `Supplier documents that map (${supplierDead.join(', ') || 'none'}) answer purchase orders the sandbox does not have:`,
    'they end dead-lettered "not a purchase order … in Odoo", so the purchase side is exercised up to that lookup.',
    'Each round then receives all its files again (a re-delivery), which must post nothing and book no sale order. The',
    'first delivery of a file is named `1-<file>` in the inbound folder, the re-delivery `2-<file>`.',
    '',
    `${o.length} files, ${run.rounds} rounds.`,
    '',
    '## Summary',
    '',
    '| message (first delivery) | files | re-delivery | files |',
    '|---|---|---|---|',
    ...['processed', 'held', 'duplicate', 'failed'].map((m) => `| ${m} | ${o.filter((x) => x.message.state === m).length} | ${m} | ${o.filter((x) => x.redelivery.state === m).length} |`),
    '',
    '| document | documents |',
    '|---|---|',
    ...documentStates.map((d) => `| ${d} | ${docs.filter((x) => x.state === d).length} |`),
  ];
  lines.push(
    '',
    `Acknowledgments sent: ${acks.length} (${tally(acks.map((a) => `${a.type} ${a.status.replace(/^sent, /, '')}`)) || 'none'}); each is valid to our own validator.`,
    `Sale orders booked: ${o.reduce((n, x) => n + x.saleOrders.first, 0)}, none by the re-delivery.`,
    `Dead documents by cause: ${tally(docs.filter((d) => d.state === 'dead').map((d) => causeOf(d.reason ?? '')))}.`,
    '',
    '## Known gaps',
    '',
  );
  if (gaps.size === 0) lines.push('None: every file keeps every promise the test checks.');
  else for (const [id, why] of gaps) lines.push(`- \`${id}\`: ${why}`);
  lines.push('', '## Per file', '', '| file | partner (mappings of) | message | documents | acks sent | re-delivery | first reason |', '|---|---|---|---|---|---|---|');
  for (const x of o) {
    const mapped = Object.entries(x.mappedBy).map(([t, p]) => `${t}: ${p}`).join(', ');
    const partner = x.own ? `${x.partner}${mapped ? ` (${mapped})` : ''}` : `(no envelope: dropped at ${x.partner})`;
    const reason = x.message.reason ?? x.documents.find((d) => d.reason)?.reason ?? '';
    const ackText = x.acks.map((a) => `${a.type} ${a.status.replace(/^sent, /, '')}`).join(', ') || '—';
    lines.push(`| ${cell(x.id)} | ${cell(partner)} | ${x.message.state} | ${tally(x.documents.map((d) => d.state)) || '—'} | ${cell(ackText)} | ${x.redelivery.state}${x.redelivery.acks ? ` (${x.redelivery.acks} acks again)` : ''} | ${cell(shorten(reason))} |`);
  }
  return lines.join('\n') + '\n';
}

/** The kind of a dead-letter reason, for the summary. */
function causeOf(reason: string): string {
  if (/does not exist; add the mapping file/.test(reason)) return 'no mapping for the version';
  if (/does not exchange/.test(reason)) return 'message type not exchanged';
  if (/rejected in the acknowledgment/.test(reason)) return 'syntax error (rejected in the ack)';
  if (/is not a product in Odoo/.test(reason)) return 'unknown product in Odoo';
  if (/is not a purchase order/.test(reason)) return 'purchase order not in Odoo';
  if (/\[mappings\//.test(reason)) return 'mapping failure (code, required value, canonical rule)';
  return 'other';
}
