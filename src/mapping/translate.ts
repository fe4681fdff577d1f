/**
 * EDI in, canonical documents out: the envelope reader streams the input, each transaction is collected
 * (transactions are small), placed in its tree by the shipped definition, routed to its partner by the
 * envelope ids and mapped with that partner's mapping for the message type.
 */
import { join } from 'node:path';
import type { CanonicalDocument } from '../canonical/document';
import type { Envelope, EnvelopeParty } from '../canonical/envelope';
import { definitionSource, definitionVersion } from '../edi/validate';
import type { Dictionary, TransactionDef } from '../edi/common/definitions';
import type { GroupHeader, InterchangeHeader, Standard, TransactionHeader } from '../edi/common/events';
import type { ParsedSegment } from '../edi/common/segment';
import { EdiReader } from '../edi/reader';
import { loadPartners, type LoadPartnersOptions } from '../partners/loader';
import type { Partner, PartnerRegistry } from '../partners/registry';
import { mapTransaction, type MappingError } from './engine';
import { loadMapping, MappingFileError, type Mapping } from './mapping-file';
import { TreeBuilder } from './tree';

export interface TranslateOptions {
  /** Use this partner for every interchange instead of routing by envelope ids. */
  partner?: string;
  /** Folder of partner folders (default: the shipped partners). */
  partnersRoot?: string;
  /** Folder of mapping folders (default: <partnersRoot>/../mappings). */
  mappingsRoot?: string;
  /** An already loaded registry (partnersRoot and mappingsRoot are then not read). */
  registry?: PartnerRegistry;
  /** Further options for loading partners. */
  partnerOptions?: LoadPartnersOptions;
}

export interface TranslateResult {
  documents: CanonicalDocument[];
  errors: MappingError[];
  /** Values received but not mapped (mapping `onMore: warn`); absent when there are none. */
  warnings?: MappingError[];
}

interface Collected {
  standard: Standard;
  interchange: InterchangeHeader;
  group?: GroupHeader;
  header: TransactionHeader;
  segments: { seg: ParsedSegment; position: number; offset: number }[];
  decimalMark: '.' | ',' | 'either';
}

/** The shipped definition, or undefined when there is none or it cannot be read. */
function safeDefinition(standard: Standard, t: TransactionHeader): { def: TransactionDef; dictionary: Dictionary } | undefined {
  try {
    return definitionSource(standard, t);
  } catch {
    return undefined;
  }
}

function party(qualifier: string, id: string): EnvelopeParty {
  const out: EnvelopeParty = { id: id.trim() };
  if (qualifier.trim() !== '') out.qualifier = qualifier.trim();
  return out;
}

/** The canonical envelope block of a transaction. */
export function envelopeOf(standard: Standard, interchange: InterchangeHeader, group: GroupHeader | undefined, t: TransactionHeader): Envelope {
  const envelope: Envelope = {
    standard,
    version: standard === 'x12' ? (group?.version ?? t.version) : t.version,
    messageType: t.id,
    sender: party(interchange.senderQualifier, interchange.senderId),
    receiver: party(interchange.receiverQualifier, interchange.receiverId),
    interchangeControlNumber: interchange.controlNumber.trim(),
    controlNumber: t.controlNumber.trim(),
    test: interchange.test,
  };
  const groupNumber = t.groupControlNumber ?? group?.controlNumber;
  if (groupNumber !== undefined && groupNumber.trim() !== '') envelope.groupControlNumber = groupNumber.trim();
  return envelope;
}

/** Translates transactions as they complete; errors and documents accumulate. */
class Translator {
  readonly result: TranslateResult = { documents: [], errors: [] };
  private readonly queue: Collected[] = [];
  private readonly reader: EdiReader;
  private interchange: InterchangeHeader | undefined;
  private group: GroupHeader | undefined;
  private current: Collected | undefined;
  private decimalMark: '.' | ',' | 'either' = '.';

  constructor(private readonly registry: PartnerRegistry, private readonly options: TranslateOptions) {
    this.reader = new EdiReader({
      interchangeStart: (h) => {
        this.interchange = h;
        this.group = undefined;
        this.decimalMark = h.standard === 'x12' ? '.' : h.serviceStringAdvice && h.serviceStringAdvice.length >= 6 ? (h.serviceStringAdvice[5] === ',' ? ',' : '.') : 'either';
      },
      interchangeEnd: () => {
        this.interchange = undefined;
      },
      groupStart: (g) => {
        this.group = g;
      },
      groupEnd: () => {
        this.group = undefined;
      },
      transactionStart: (t) => {
        if (!this.interchange) return;
        this.current = { standard: this.interchange.standard, interchange: this.interchange, group: this.group, header: t, segments: [], decimalMark: this.decimalMark };
      },
      segment: (seg, place) => {
        if (place.level === 'transaction' && this.current) this.current.segments.push({ seg: seg.toParsed(), position: place.position, offset: seg.offset });
      },
      transactionEnd: () => {
        if (this.current) this.queue.push(this.current);
        this.current = undefined;
      },
      issue: (i) => {
        if (i.severity !== 'error') return;
        const e: MappingError = { rule: 'edi', message: `${i.code}: ${i.message}`, path: '' };
        if (i.interchange !== undefined) e.interchangeControlNumber = i.interchange;
        if (i.transaction !== undefined) e.controlNumber = i.transaction;
        if (i.transactionType !== undefined) e.messageType = i.transactionType;
        if (i.segmentId !== undefined && i.segmentIndex !== undefined) e.segment = { tag: i.segmentId, position: i.segmentIndex };
        if (i.element !== undefined && i.segmentId !== undefined) e.element = `${i.segmentId}${String(i.element).padStart(2, '0')}`;
        this.result.errors.push(e);
      },
    });
  }

  async write(chunk: Buffer): Promise<void> {
    this.reader.write(chunk);
    await this.drain();
  }

  async end(): Promise<TranslateResult> {
    this.reader.end();
    await this.drain();
    return this.result;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) await this.translate(this.queue.shift() as Collected);
  }

  private fail(c: Collected, rule: MappingError['rule'], message: string, partner?: string, mappingFile?: string): void {
    const e: MappingError = { rule, message, path: '', interchangeControlNumber: c.interchange.controlNumber.trim(), controlNumber: c.header.controlNumber, messageType: c.header.id };
    if (partner !== undefined) e.partner = partner;
    if (mappingFile !== undefined) e.mappingFile = mappingFile;
    this.result.errors.push(e);
  }

  private partnerFor(c: Collected): Partner | undefined {
    if (this.options.partner !== undefined) {
      const p = this.registry.get(this.options.partner);
      if (!p) this.fail(c, 'routing', `no partner '${this.options.partner}'; known partners: ${this.registry.partners.map((x) => x.id).join(', ') || 'none'}`);
      return p;
    }
    const routed = this.registry.route(c.interchange, c.group);
    if (routed.kind === 'unknown') {
      this.fail(c, 'routing', routed.message);
      return undefined;
    }
    return routed.partner;
  }

  private async translate(c: Collected): Promise<void> {
    const partner = this.partnerFor(c);
    if (!partner) return;
    const t = c.header;
    const entry = partner.documents.find((d) => d.messageType === t.id && d.direction === 'inbound') ?? partner.documents.find((d) => d.messageType === t.id);
    if (!entry) {
      this.fail(c, 'routing', `partner ${partner.id} does not exchange ${t.id}; add it to documents in ${partner.file}`, partner.id);
      return;
    }
    const file = join(partner.mappingsDir, entry.mapping ?? `${t.id}.yaml`);
    let mapping: Mapping;
    try {
      mapping = loadMapping(file);
    } catch (err) {
      if (!(err instanceof MappingFileError)) throw err;
      this.fail(c, 'mapping', err.message, partner.id, file);
      return;
    }
    if (mapping.type !== entry.type) {
      this.fail(c, 'mapping', `${file} maps to ${mapping.type} but ${partner.file} says ${t.id} carries ${entry.type}`, partner.id, file);
      return;
    }
    const found = safeDefinition(c.standard, t);
    if (!found) {
      this.fail(c, 'definition', `no definition for ${c.standard} ${definitionVersion(c.standard, t) || '(no version)'} ${t.id}; it cannot be mapped`, partner.id, file);
      return;
    }
    const builder = new TreeBuilder(found.def);
    for (const s of c.segments) builder.add(s.seg, s.position, s.offset);
    const envelope = envelopeOf(c.standard, c.interchange, c.group, t);
    const mapped = await mapTransaction(builder.result, mapping, { partnerId: partner.id, envelope, dictionary: found.dictionary, decimalMark: c.decimalMark });
    if (mapped.document) this.result.documents.push(mapped.document);
    this.result.errors.push(...mapped.errors);
    if (mapped.warnings) (this.result.warnings ??= []).push(...mapped.warnings);
  }
}

/** Translate EDI (a buffer or a stream of chunks) into canonical documents. Partner config errors throw. */
export async function translate(input: Buffer | AsyncIterable<Buffer | string>, options: TranslateOptions = {}): Promise<TranslateResult> {
  const registry = options.registry ?? loadPartners(options.partnersRoot, { ...options.partnerOptions, ...(options.mappingsRoot !== undefined ? { mappingsRoot: options.mappingsRoot } : {}) });
  const translator = new Translator(registry, options);
  if (Buffer.isBuffer(input)) await translator.write(input);
  else for await (const chunk of input) await translator.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return translator.end();
}
