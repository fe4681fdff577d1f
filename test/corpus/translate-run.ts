/**
 * Translate run over ../shared/corpus: each public sample goes through `translate` twice. First as the
 * gateway would receive it, routed by its envelope ids to the shipped partners (the samples come from
 * other projects, so their senders are nobody we trade with). Then "as if" a shipped partner of the same
 * standard and version had sent it: each transaction goes to the partner that receives its message type
 * in that version (e.g. D96A ORDERS -> nordhaven, X12 004010 810 -> bolt-supply), so the shared mappings
 * meet documents we did not write. Each file ends up mapped, partly mapped, rejected (with the reasons) or
 * crashed (translate threw).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CanonicalDocument } from '../../src/canonical/document';
import type { Standard, TransactionHeader } from '../../src/edi/common/events';
import { EdiReader } from '../../src/edi/reader';
import { definitionVersion } from '../../src/edi/validate';
import { translate, type MappingError } from '../../src/mapping';
import type { Partner, PartnerRegistry } from '../../src/partners/registry';

export type Verdict = 'mapped' | 'partly mapped' | 'rejected' | 'crashed';

/** What became of one corpus file. */
export interface FileOutcome {
  id: string;
  /** `x12 004010 850` per transaction, in file order. */
  transactions: string[];
  /** Routed by envelope ids to the shipped partners. */
  routed: { verdict: Verdict; documents: number; reasons: string[] };
  /** Each transaction through the shipped partner of its standard, version and message type. */
  asPartner: { verdict: Verdict; partners: string[]; documents: number; reasons: string[] };
}

const ROOT = join(__dirname, '..', '..');

/** Messages without this checkout's absolute paths, so the committed report is the same everywhere. */
export function clean(message: string): string {
  return message.split(`${ROOT}/`).join('').replace(/\s+/g, ' ').trim();
}

function reason(e: MappingError): string {
  const where = [e.messageType, e.controlNumber].filter(Boolean).join(' ');
  return clean(`${where ? `${where}: ` : ''}[${e.rule}] ${e.message}`);
}

/** Standard, definition version and message type of every transaction (read with the gateway's own reader). */
export function transactionsOf(input: Buffer): { standard: Standard; version: string; id: string }[] {
  const out: { standard: Standard; version: string; id: string }[] = [];
  let standard: Standard = 'x12';
  const reader = new EdiReader({
    interchangeStart: (h) => {
      standard = h.standard;
    },
    transactionStart: (t: TransactionHeader) => {
      out.push({ standard, version: definitionVersion(standard, t), id: t.id });
    },
  });
  reader.write(input);
  reader.end();
  return out;
}

/** The shipped partner that receives this message type in this standard and version, if any. */
export function receiverOf(registry: PartnerRegistry, standard: Standard, version: string, messageType: string): Partner | undefined {
  return registry.partners.find((p) => {
    const v = standard === 'x12' ? p.x12?.version : p.edifact?.directory;
    return v === version && p.identities.some((i) => i.standard === standard) && p.documents.some((d) => d.direction === 'inbound' && d.messageType === messageType);
  });
}

function verdictOf(documents: number, errors: number): Verdict {
  if (documents > 0 && errors === 0) return 'mapped';
  if (documents > 0) return 'partly mapped';
  return 'rejected';
}

/** Translate one corpus file both ways; never throws (a throw is the verdict "crashed"). */
export async function runFile(id: string, path: string, registry: PartnerRegistry): Promise<FileOutcome> {
  const input = readFileSync(path);
  let txs: { standard: Standard; version: string; id: string }[] = [];
  try {
    txs = transactionsOf(input);
  } catch (err) {
    const crash = { verdict: 'crashed' as const, documents: 0, reasons: [`reader threw: ${clean((err as Error).message)}`] };
    return { id, transactions: [], routed: crash, asPartner: { ...crash, partners: [] } };
  }
  const transactions = txs.map((t) => `${t.standard} ${t.version || '?'} ${t.id}`);

  let routed: FileOutcome['routed'];
  try {
    const r = await translate(input, { registry });
    const why = r.errors.map(reason);
    if (r.documents.length === 0 && why.length === 0) why.push('no transaction or message to translate');
    routed = { verdict: verdictOf(r.documents.length, r.errors.length), documents: r.documents.length, reasons: why };
  } catch (err) {
    routed = { verdict: 'crashed', documents: 0, reasons: [`translate threw: ${clean((err as Error).message)}`] };
  }

  // Transactions grouped by the partner that would receive them; the others are rejected here with why.
  const byPartner = new Map<string, Set<string>>();
  const reasons: string[] = [];
  for (const t of txs) {
    const partner = receiverOf(registry, t.standard, t.version, t.id);
    if (partner) byPartner.set(partner.id, (byPartner.get(partner.id) ?? new Set()).add(t.id));
    else reasons.push(`${t.id}: no shipped partner receives ${t.standard === 'x12' ? 'X12' : 'EDIFACT'} ${t.version || '(no version)'} ${t.id}`);
  }
  if (txs.length === 0) reasons.push('no transaction or message to map (envelope or acknowledgment only, or unreadable)');
  const documents: CanonicalDocument[] = [];
  let errors = reasons.length;
  let envelopeErrorsSeen = false;
  let crashed = false;
  for (const [partnerId, types] of byPartner) {
    try {
      const r = await translate(input, { registry, partner: partnerId });
      documents.push(...r.documents.filter((d) => types.has(d.envelope.messageType)));
      // Errors of other message types belong to another partner's run; envelope errors (no message type) are counted once.
      const own = r.errors.filter((e) => (e.messageType === undefined || e.rule === 'edi' ? !envelopeErrorsSeen : types.has(e.messageType)));
      if (r.errors.some((e) => e.rule === 'edi')) envelopeErrorsSeen = true;
      errors += own.length;
      reasons.push(...own.map((e) => `${partnerId}: ${reason(e)}`));
    } catch (err) {
      crashed = true;
      reasons.push(`${partnerId}: translate threw: ${clean((err as Error).message)}`);
    }
  }
  const verdict: Verdict = crashed ? 'crashed' : verdictOf(documents.length, errors);
  return { id, transactions, routed, asPartner: { verdict, partners: [...byPartner.keys()], documents: documents.length, reasons } };
}

/** A table cell's text: its pipes escaped. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** At most `max` characters, with an ellipsis when cut. */
export function shorten(text: string, max = 220): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** The committed report: a summary, then one row per file with the verdicts and the reasons. */
export function renderReport(outcomes: FileOutcome[]): string {
  const count = (pick: (o: FileOutcome) => Verdict, v: Verdict) => outcomes.filter((o) => pick(o) === v).length;
  const verdicts: Verdict[] = ['mapped', 'partly mapped', 'rejected', 'crashed'];
  const lines = [
    '# Corpus translate report',
    '',
    'Generated by `npm run test:corpus` (`test/corpus/translate.test.ts`) from the public samples in `../shared/corpus`;',
    'do not edit by hand. Each file is translated twice:',
    '',
    '- **routed**: as the gateway receives it, routed by its envelope ids to the shipped partners. The samples come from',
    '  other projects, so their senders are no partner of ours: translate answers with a routing error ("no partner has',
    `  the identity …") for their transactions (${outcomes.filter((o) => o.routed.reasons.some((r) => r.includes('[routing]'))).length} files); files without a transaction give nothing to translate.`,
    '- **as partner**: each transaction forced through the shipped partner that receives its message type in its standard',
    '  and version (X12 004010 850 -> northgate, 855/856/810 -> bolt-supply; X12 005010 850 -> keystone; EDIFACT D96A',
    '  ORDERS -> nordhaven, ORDRSP/DESADV/INVOIC -> fjordline; D01B ORDERS -> mueller-armaturen), so our shared mappings',
    '  meet documents we did not write. Other versions (X12 002040, EDIFACT D93A/D97B/D00A …) and message types',
    '  (TA1, 997, 999, CONTRL, PAORES …) have no mapping and are rejected with that reason.',
    '',
    '`mapped`: every transaction became a canonical document. `partly mapped`: some did. `rejected`: none did; the',
    'reasons are the translate errors (mapping rule, element, message), first ones shown. `crashed`: translate threw',
    '(must be none).',
    '',
    '## Summary',
    '',
    `${outcomes.length} files.`,
    '',
    '| verdict | routed | as partner |',
    '|---|---|---|',
    ...verdicts.map((v) => `| ${v} | ${count((o) => o.routed.verdict, v)} | ${count((o) => o.asPartner.verdict, v)} |`),
    '',
    'Why files that have a shipped partner for their version were not mapped, by the kind of their errors (a file counts',
    'under every kind it has): `[code]` a code value the mapping has no entry for (the partner dialect: units such as UN,',
    'KI, GBND; party roles such as MI, LW), `[required]` a value our mapping requires is missing (PO101, QTY 6411 …),',
    '`[schema]` the document breaks a canonical rule (a negative unit price, a quantity without unit), `[edi]` the file',
    'itself is in error (counts, ISA widths).',
    '',
    '| kind | files |',
    '|---|---|',
    ...['[code]', '[required]', '[schema]', '[edi]'].map((kind) => `| ${kind} | ${outcomes.filter((o) => o.asPartner.partners.length > 0 && o.asPartner.verdict !== 'mapped' && o.asPartner.reasons.some((r) => r.includes(kind))).length} |`),
    `| no shipped partner for the version or message type, or no transaction at all | ${outcomes.filter((o) => o.asPartner.partners.length === 0).length} |`,
    '',
    '## Per file',
    '',
    '| file | transactions | routed | as partner | documents | reasons (as partner) |',
    '|---|---|---|---|---|---|',
  ];
  for (const o of outcomes) {
    const txs = o.transactions.length === 0 ? '—' : summarize(o.transactions);
    const why = o.asPartner.reasons.length === 0 ? '' : shorten(o.asPartner.reasons.slice(0, 2).join('; ')) + (o.asPartner.reasons.length > 2 ? ` (+${o.asPartner.reasons.length - 2} more)` : '');
    const routedWhy = o.routed.verdict === 'crashed' ? ` (${shorten(o.routed.reasons[0] ?? '')})` : '';
    lines.push(`| ${cell(o.id)} | ${cell(txs)} | ${o.routed.verdict}${cell(routedWhy)} | ${o.asPartner.verdict}${o.asPartner.partners.length ? ` (${o.asPartner.partners.join(', ')})` : ''} | ${o.asPartner.documents} | ${cell(why)} |`);
  }
  return lines.join('\n') + '\n';
}

/** `x12 004010 810 ×2, x12 004010 850` from a list of transactions. */
function summarize(transactions: string[]): string {
  const counts = new Map<string, number>();
  for (const t of transactions) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].map(([t, n]) => (n > 1 ? `${t} ×${n}` : t)).join(', ');
}
