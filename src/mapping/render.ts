/**
 * Canonical documents out, EDI in: each document is checked against its canonical schema, turned into
 * the segments of the partner's message type by reading its mapping file backwards (render-tree.ts),
 * and the transactions are enveloped as the partner's settings say (version, delimiters, character set,
 * line breaks), from our identity (`us`) to theirs, with fresh control numbers.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { validateCanonicalDocument, type CanonicalDocument } from '../canonical/document';
import type { ControlNumbers } from '../edi/ack';
import type { Dictionary, TransactionDef } from '../edi/common/definitions';
import { EdiWriteError, type TextDelimiters } from '../edi/common/encode';
import type { TransactionHeader } from '../edi/common/events';
import type { ParsedSegment } from '../edi/common/segment';
import { EdifactInterchangeWriter } from '../edi/edifact/writer';
import { definitionSource } from '../edi/validate';
import { X12InterchangeWriter } from '../edi/x12/writer';
import type { Partner } from '../partners/registry';
import { standardOfMessageType, type EdifactIdentity, type X12Identity } from '../partners/schema';
import { loadMapping, MappingFileError, type Mapping } from './mapping-file';
import { TreeRenderer, type RenderError } from './render-tree';

export type { RenderError, RenderRule } from './render-tree';

/** Options of {@link renderDocuments}. */
export interface RenderOptions {
  /** Source of ISA13/GS06/ST02 or UNB 0020/UNH 0062. */
  controlNumbers: ControlNumbers;
  /** Envelope date and time (default: now). */
  now?: Date;
  /** Test indicator (ISA15 T, UNB 0035 1); default: the partner's mode. */
  test?: boolean;
  /** Key of the control number series; default "<standard>:<qualifier>:<id>" of the partner, the key acks to it use. */
  partnerKey?: string;
}

/** What {@link renderDocuments} produced. */
export interface RenderResult {
  /** The interchange ('' when no document could be rendered). */
  text: string;
  /** How to turn `text` into the bytes to send. */
  encoding: 'utf8' | 'latin1';
  interchangeControlNumber: string;
  /** GS06 of the first group (X12). */
  groupControlNumber?: string;
  /** GS06 of every group (X12 puts each functional group of documents in its own GS). */
  groupControlNumbers: string[];
  transactions: { controlNumber: string; messageType: string; document: number }[];
  /** Errors keep a document out of the interchange; warnings name values that were not sent. */
  errors: RenderError[];
}

interface Prepared {
  index: number;
  messageType: string;
  functionalId: string;
  segments: ParsedSegment[];
}

interface Target {
  standard: 'x12' | 'edifact';
  version: string;
}

/** The message type and mapping file a partner uses for a document type we send. */
function mappingFor(partner: Partner, type: string, target: Target | undefined): { messageType: string; file: string } | string {
  const entries = partner.documents.filter((d) => d.type === type);
  const entry = entries.find((d) => d.direction === 'outbound') ?? entries[0];
  if (!entry) return `partner ${partner.id} does not exchange ${type}; add it to documents in ${partner.file}`;
  const own = join(partner.mappingsDir, entry.mapping ?? `${entry.messageType}.yaml`);
  if (existsSync(own) || entry.mapping !== undefined || !target) return { messageType: entry.messageType, file: own };
  // A partner without a file of its own for this message type gets the shared one of its version.
  const folder = target.standard === 'x12' ? `_x12-${target.version}` : `_edifact-${target.version.toLowerCase()}`;
  const shared = join(dirname(partner.mappingsDir), folder, `${entry.messageType}.yaml`);
  return { messageType: entry.messageType, file: existsSync(shared) ? shared : own };
}

/** What keeps the documents a partner is to receive from rendering, before one is sent: settings, a mapping file. */
export function outboundMappingProblems(partner: Partner): string[] {
  const out: string[] = [];
  for (const entry of partner.documents.filter((d) => d.direction === 'outbound')) {
    const target = targetOf(partner, entry.messageType);
    if (typeof target === 'string') {
      out.push(target);
      continue;
    }
    const found = mappingFor(partner, entry.type, target);
    if (typeof found === 'string') out.push(found);
    else if (!existsSync(found.file)) out.push(`partner ${partner.id} is sent ${entry.type} as ${entry.messageType}, but ${found.file} does not exist and there is no shared mapping for ${target.version}; add the mapping file`);
  }
  return out;
}

function targetOf(partner: Partner, messageType: string): Target | string {
  const standard = standardOfMessageType(messageType);
  if (standard === 'x12') return partner.x12 ? { standard, version: partner.x12.version } : `partner ${partner.id} has no x12: settings (version, delimiters) for what we send; add them to ${partner.file}`;
  return partner.edifact ? { standard, version: partner.edifact.directory } : `partner ${partner.id} has no edifact: settings (directory, charset) for what we send; add them to ${partner.file}`;
}

function definitionOf(target: Target, messageType: string): { def: TransactionDef; dictionary: Dictionary } | undefined {
  const header: TransactionHeader = { id: messageType, controlNumber: '', version: target.version, interchangeControlNumber: '', offset: 0 };
  try {
    return definitionSource(target.standard, header);
  } catch {
    return undefined;
  }
}

const LINE_BREAKS = { none: '', lf: '\n', crlf: '\r\n' } as const;

/**
 * Render canonical documents into one interchange for a partner. Documents with errors are left out
 * (and reported); the others are written with fresh control numbers.
 */
export async function renderDocuments(docs: readonly unknown[], partner: Partner, options: RenderOptions): Promise<RenderResult> {
  const errors: RenderError[] = [];
  const now = options.now ?? new Date();
  const prepared: Prepared[] = [];
  let standard: 'x12' | 'edifact' | undefined;
  for (const [index, raw] of docs.entries()) {
    const fail = (rule: RenderError['rule'], message: string, path = '') => errors.push({ document: index, severity: 'error', rule, path, message });
    const checked = validateCanonicalDocument(raw);
    if (!checked.ok) {
      for (const issue of checked.issues) fail('schema', `${issue.path || 'document'}: ${issue.message}`, issue.path);
      continue;
    }
    const doc: CanonicalDocument = checked.document;
    if (doc.partnerId !== partner.id) errors.push({ document: index, severity: 'warning', rule: 'partner', path: 'partnerId', message: `document is for partner ${doc.partnerId}; rendered for ${partner.id}` });
    const entry = partner.documents.find((d) => d.type === doc.type && d.direction === 'outbound') ?? partner.documents.find((d) => d.type === doc.type);
    if (!entry) {
      fail('partner', `partner ${partner.id} does not exchange ${doc.type}; add it to documents in ${partner.file}`);
      continue;
    }
    const target = targetOf(partner, entry.messageType);
    if (typeof target === 'string') {
      fail('partner', target);
      continue;
    }
    const found = mappingFor(partner, doc.type, target);
    if (typeof found === 'string') {
      fail('partner', found);
      continue;
    }
    if (standard !== undefined && standard !== target.standard) {
      fail('partner', `${found.messageType} is ${target.standard} but this interchange is ${standard}; render the documents separately`);
      continue;
    }
    let mapping: Mapping;
    try {
      mapping = loadMapping(found.file);
    } catch (err) {
      if (!(err instanceof MappingFileError)) throw err;
      fail('mapping', err.message);
      continue;
    }
    if (mapping.type !== doc.type) {
      fail('mapping', `${found.file} maps ${mapping.type}, not ${doc.type}`);
      continue;
    }
    const definition = definitionOf(target, found.messageType);
    if (!definition) {
      fail('definition', `no definition for ${target.standard} ${target.version} ${found.messageType}; it cannot be rendered`);
      continue;
    }
    const decimalMark = target.standard === 'edifact' ? (partner.edifact?.delimiters.decimal ?? '.') : '.';
    const renderer = new TreeRenderer(mapping, { def: definition.def, dictionary: definition.dictionary, decimalMark, now, documentIndex: index });
    const segments = await renderer.run(doc as unknown as Record<string, unknown>);
    errors.push(...renderer.errors);
    if (renderer.errors.some((e) => e.severity === 'error')) continue;
    standard = target.standard;
    prepared.push({ index, messageType: found.messageType, functionalId: definition.def.functionalGroup ?? '', segments });
  }
  const empty: RenderResult = { text: '', encoding: 'utf8', interchangeControlNumber: '', groupControlNumbers: [], transactions: [], errors };
  if (prepared.length === 0 || standard === undefined) return empty;
  const test = options.test ?? partner.mode === 'test';
  try {
    return standard === 'x12' ? writeX12(prepared, partner, options, now, test, errors) : writeEdifact(prepared, partner, options, now, test, errors);
  } catch (err) {
    if (!(err instanceof EdiWriteError) && !(err instanceof EnvelopeError)) throw err;
    errors.push({ document: err instanceof EnvelopeError ? -1 : (prepared[0]?.index ?? -1), severity: 'error', rule: 'write', path: '', message: err.message });
    return empty;
  }
}

/** Something missing for the envelope (our identity, the partner's). */
class EnvelopeError extends Error {}

function identities<T extends X12Identity | EdifactIdentity>(partner: Partner, standard: T['standard']): { us: T; them: T } {
  const us = partner.us?.find((i): i is T => i.standard === standard);
  const them = partner.identities.find((i): i is T => i.standard === standard);
  if (!us) throw new EnvelopeError(`partner ${partner.id} has no ${standard} identity of ours under us: in ${partner.file}; add the one we send from`);
  if (!them) throw new EnvelopeError(`partner ${partner.id} has no ${standard} identity under identities: in ${partner.file}`);
  return { us, them };
}

function writeX12(prepared: Prepared[], partner: Partner, options: RenderOptions, now: Date, test: boolean, errors: RenderError[]): RenderResult {
  const numbers = options.controlNumbers;
  const settings = partner.x12 as NonNullable<Partner['x12']>;
  const { us, them } = identities<X12Identity>(partner, 'x12');
  const key = options.partnerKey ?? `x12:${them.qualifier}:${them.id}`;
  const is5010 = settings.version >= '005010';
  // 004010 has no repetition separator: ISA11 carries the standards identifier U and data may hold '^'.
  const d: TextDelimiters = { element: settings.delimiters.element, component: settings.delimiters.component, terminator: settings.delimiters.segment, release: '', repetition: is5010 ? (settings.delimiters.repetition ?? '^') : '' };
  const interchange = String(numbers.next('interchange', key));
  const writer = new X12InterchangeWriter(
    { senderQualifier: us.qualifier, senderId: us.id, receiverQualifier: them.qualifier, receiverId: them.id, version: `${settings.version.slice(0, 5)}`, controlNumber: interchange, test },
    { delimiters: d, lineBreak: LINE_BREAKS[settings.lineBreak], now },
  );
  const groups: string[] = [];
  const transactions: RenderResult['transactions'] = [];
  let open: string | undefined;
  for (const p of prepared) {
    if (open !== p.functionalId) {
      if (open !== undefined) writer.endGroup();
      const group = String(numbers.next('group', key));
      groups.push(group);
      writer.beginGroup({ functionalId: p.functionalId, applicationSender: us.gsCode ?? us.id, applicationReceiver: them.gsCode ?? them.id, controlNumber: group, version: settings.version });
      open = p.functionalId;
    }
    const control = String(numbers.next('transaction', key)).padStart(4, '0');
    writer.beginTransaction(p.messageType, control);
    for (const seg of p.segments) writer.segment(seg);
    writer.endTransaction();
    transactions.push({ controlNumber: control, messageType: p.messageType, document: p.index });
  }
  const text = writer.end();
  const result: RenderResult = { text, encoding: 'utf8', interchangeControlNumber: interchange.padStart(9, '0'), groupControlNumbers: groups, transactions, errors };
  if (groups[0] !== undefined) result.groupControlNumber = groups[0];
  return result;
}

/** Character sets Node can write: the ASCII ones and Latin-1 as latin1, the Unicode ones as UTF-8. */
const UTF8_CHARSETS = new Set(['UNOW', 'UNOY']);

function writeEdifact(prepared: Prepared[], partner: Partner, options: RenderOptions, now: Date, test: boolean, errors: RenderError[]): RenderResult {
  const numbers = options.controlNumbers;
  const settings = partner.edifact as NonNullable<Partner['edifact']>;
  const { us, them } = identities<EdifactIdentity>(partner, 'edifact');
  const key = options.partnerKey ?? `edifact:${them.qualifier ?? ''}:${them.id}`;
  const syntaxVersion = settings.syntaxVersion ?? (UTF8_CHARSETS.has(settings.charset) ? 4 : 3);
  const dl = settings.delimiters;
  const repetition = syntaxVersion >= 4 ? (dl.repetition === undefined ? '*' : dl.repetition === ' ' ? '' : dl.repetition) : '';
  const d: TextDelimiters = { component: dl.component, element: dl.element, release: dl.release, repetition, terminator: dl.segment };
  const interchange = String(numbers.next('interchange', key));
  const unb = {
    syntaxId: settings.charset,
    // The writer knows syntax 3 and 4; syntax 2 interchanges are written as 3 (same service segments).
    syntaxVersion: (syntaxVersion >= 4 ? 4 : 3) as 3 | 4,
    senderId: us.id,
    receiverId: them.id,
    controlNumber: interchange,
    test,
    ...(us.qualifier !== undefined ? { senderQualifier: us.qualifier } : {}),
    ...(them.qualifier !== undefined ? { receiverQualifier: them.qualifier } : {}),
  };
  const una = settings.una === 'always' ? true : settings.una === 'never' ? false : undefined;
  const writer = new EdifactInterchangeWriter(unb, { delimiters: d, decimalMark: dl.decimal, lineBreak: LINE_BREAKS[settings.lineBreak], now, ...(una !== undefined ? { una } : {}) });
  const groups: string[] = [];
  const transactions: RenderResult['transactions'] = [];
  const directory = settings.directory;
  if (settings.groups) {
    const group = String(numbers.next('group', key));
    groups.push(group);
    writer.beginGroup({ messageGroupId: prepared[0].messageType, senderId: us.id, receiverId: them.id, controlNumber: group, version: directory.slice(0, 1), release: directory.slice(1) });
  }
  for (const p of prepared) {
    const control = String(numbers.next('transaction', key));
    writer.beginMessage(control, p.messageType, directory.slice(0, 1), directory.slice(1));
    for (const seg of p.segments) writer.segment(seg);
    writer.endMessage();
    transactions.push({ controlNumber: control, messageType: p.messageType, document: p.index });
  }
  const text = writer.end();
  const encoding = UTF8_CHARSETS.has(settings.charset) ? 'utf8' : 'latin1';
  if (encoding === 'latin1' && settings.charset !== 'UNOC' && /[^\x00-\x7f]/.test(text)) {
    errors.push({ document: -1, severity: 'error', rule: 'write', path: '', message: `the interchange holds characters outside ASCII, which ${settings.charset} cannot carry here; use UNOC (Latin-1) or UNOW/UNOY (UTF-8) for ${partner.id}` });
  } else if (encoding === 'latin1' && /[^\x00-\xff]/.test(text)) {
    errors.push({ document: -1, severity: 'error', rule: 'write', path: '', message: `the interchange holds characters outside Latin-1, which ${settings.charset} cannot carry; use UNOW/UNOY (UTF-8) for ${partner.id}` });
  }
  const result: RenderResult = { text, encoding, interchangeControlNumber: interchange, groupControlNumbers: groups, transactions, errors };
  if (groups[0] !== undefined) result.groupControlNumber = groups[0];
  return result;
}
