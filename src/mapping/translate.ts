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
import type { EdiHandler, GroupHeader, InterchangeHeader, Standard, TransactionHeader } from '../edi/common/events';
import { EdiReader } from '../edi/reader';
import type { SegmentView } from '../edi/common/segment';
import { loadPartners, type LoadPartnersOptions } from '../partners/loader';
import type { Partner, PartnerRegistry, RouteResult } from '../partners/registry';
import { mapTransactionNow, type MappingError, type MappingResult } from './engine';
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
  /**
   * Hand each document, in order, to this as soon as it is mapped instead of collecting it in
   * `documents` (which then stays empty): a caller that keeps only a serialised form lets the objects
   * die young instead of holding a whole file's documents until the end.
   */
  onDocument?: (document: CanonicalDocument, place: TransactionPlace) => void;
  /**
   * Mark every mapping error with its transaction's place (the pipeline tells apart two interchanges of
   * one file, or two groups of one interchange, that share control numbers); off, errors are as printed.
   */
  placeErrors?: boolean;
  /**
   * Reader events for another reader of the same input (the pipeline's interchange scan), each before
   * the translator's own: the input is then read once for both.
   */
  also?: EdiHandler;
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
  /**
   * The transaction's tree, built as its segments arrive (no list of them kept in between); absent when
   * there is no definition to build it by, and then nothing can be mapped.
   */
  builder?: TreeBuilder;
  decimalMark: '.' | ',' | 'either';
}

type Definition = { def: TransactionDef; dictionary: Dictionary } | undefined;

/**
 * The shipped definitions do not change while the process runs (the validator keeps its compiled ones
 * for good too): asking the file system again for every transaction cost more than mapping some of them.
 */
const definitions = new Map<string, Definition>();

/** The shipped definition, or undefined when there is none or it cannot be read. */
function safeDefinition(standard: Standard, t: TransactionHeader): Definition {
  const key = `${standard}\u0000${t.version}\u0000${t.id}`;
  if (definitions.has(key)) return definitions.get(key);
  let found: Definition;
  try {
    found = definitionSource(standard, t);
  } catch {
    found = undefined;
  }
  definitions.set(key, found);
  return found;
}

/** What translating one transaction adds to the result, kept apart until the reader's issues before it are in. */
interface Outcome {
  document?: CanonicalDocument;
  errors: MappingError[];
  warnings?: MappingError[];
  place?: TransactionPlace;
}

/**
 * Where a transaction sits in the input beyond its own control number, which is unique only within its
 * group (X12) or interchange: its interchange's ordinal in the input and its group's control number.
 */
export interface TransactionPlace {
  interchangeIndex: number;
  groupControlNumber?: string;
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
  /**
   * Transactions translated as they completed, in order. Their results join `result` only when the chunk
   * has been read, after its reader issues, as when every transaction waited for the end of the chunk.
   */
  private readonly started: Maybe<Outcome>[] = [];
  /** Transactions after one whose mapping had to be awaited: they wait their turn, as before. */
  private readonly queue: Collected[] = [];
  private awaiting = false;
  private readonly reader: EdiReader;
  private interchange: InterchangeHeader | undefined;
  private group: GroupHeader | undefined;
  private current: Collected | undefined;
  private decimalMark: '.' | ',' | 'either' = '.';
  private lastRoute: { interchange: InterchangeHeader; group: GroupHeader | undefined; result: RouteResult } | undefined;
  private lastMapping: { partner: Partner; id: string; entry: Partner['documents'][number] | undefined; file: string } | undefined;

  constructor(private readonly registry: PartnerRegistry, private readonly options: TranslateOptions) {
    this.reader = new EdiReader(this.handler(options.also));
  }

  private handler(also: EdiHandler | undefined): EdiHandler {
    const own = this.ownHandler();
    return also ? both(also, own) : own;
  }

  private ownHandler(): EdiHandler {
    return {
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
        const found = safeDefinition(this.interchange.standard, t);
        this.current = { standard: this.interchange.standard, interchange: this.interchange, group: this.group, header: t, decimalMark: this.decimalMark };
        if (found) this.current.builder = new TreeBuilder(found.def);
      },
      segment: (seg, place) => {
        if (place.level === 'transaction' && this.current?.builder) addSegment(this.current.builder, seg, place.position);
      },
      transactionEnd: () => {
        const c = this.current;
        this.current = undefined;
        if (!c) return;
        if (this.awaiting || this.queue.length > 0) {
          this.queue.push(c);
          return;
        }
        // Mapped now, while its parsed segments are still young: a file's worth of them kept for a later
        // pass outlived the young generation and made most of the collector's work.
        const outcome = this.translate(c);
        if (outcome instanceof Promise) this.awaiting = true;
        else this.handOver(outcome);
        this.started.push(outcome);
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
    };
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
    for (const outcome of this.started) this.add(outcome instanceof Promise ? this.handOver(await outcome) : outcome);
    this.started.length = 0;
    this.awaiting = false;
    while (this.queue.length > 0) {
      const outcome = this.translate(this.queue.shift() as Collected);
      this.add(this.handOver(outcome instanceof Promise ? await outcome : outcome));
    }
  }

  /**
   * A finished transaction's document to `onDocument`, at once: every transaction before it has handed
   * over its own (one that had to be awaited holds the later ones back in `queue`), so the order holds.
   */
  private handOver(outcome: Outcome): Outcome {
    const { onDocument } = this.options;
    if (onDocument && outcome.document) {
      onDocument(outcome.document, outcome.place ?? { interchangeIndex: 0 });
      delete outcome.document;
    }
    return outcome;
  }

  private add(outcome: Outcome): void {
    if (outcome.document) this.result.documents.push(outcome.document);
    this.result.errors.push(...outcome.errors);
    if (outcome.warnings) (this.result.warnings ??= []).push(...outcome.warnings);
  }

  private failed(c: Collected, rule: MappingError['rule'], message: string, partner?: string, mappingFile?: string): Outcome {
    const e: MappingError = { rule, message, path: '', interchangeControlNumber: c.interchange.controlNumber.trim(), controlNumber: c.header.controlNumber, messageType: c.header.id };
    if (partner !== undefined) e.partner = partner;
    if (mappingFile !== undefined) e.mappingFile = mappingFile;
    return { errors: [e] };
  }

  private partnerFor(c: Collected): { partner: Partner } | { failed: Outcome } {
    if (this.options.partner !== undefined) {
      const p = this.registry.get(this.options.partner);
      return p ? { partner: p } : { failed: this.failed(c, 'routing', `no partner '${this.options.partner}'; known partners: ${this.registry.partners.map((x) => x.id).join(', ') || 'none'}`) };
    }
    const routed = this.route(c.interchange, c.group);
    if (routed.kind === 'unknown') return { failed: this.failed(c, 'routing', routed.message) };
    return { partner: routed.partner };
  }

  /** The registry's route for an interchange and group, asked once for all their transactions. */
  private route(interchange: InterchangeHeader, group: GroupHeader | undefined): RouteResult {
    const last = this.lastRoute;
    if (last && last.interchange === interchange && last.group === group) return last.result;
    const result = this.registry.route(interchange, group);
    this.lastRoute = { interchange, group, result };
    return result;
  }

  /** A partner's mapping entry and file for a transaction type, worked out once for all its transactions. */
  private mappingFor(partner: Partner, id: string): { entry: Partner['documents'][number] | undefined; file: string } {
    const last = this.lastMapping;
    if (last && last.partner === partner && last.id === id) return last;
    const entry = partner.documents.find((d) => d.messageType === id && d.direction === 'inbound') ?? partner.documents.find((d) => d.messageType === id);
    const found = { partner, id, entry, file: entry ? join(partner.mappingsDir, entry.mapping ?? `${id}.yaml`) : '' };
    this.lastMapping = found;
    return found;
  }

  private translate(c: Collected): Maybe<Outcome> {
    const outcome = this.translateOne(c);
    const group = (c.header.groupControlNumber ?? c.group?.controlNumber)?.trim();
    const place: TransactionPlace = { interchangeIndex: c.interchange.index, ...(group ? { groupControlNumber: group } : {}) };
    const errors = this.options.placeErrors === true;
    return outcome instanceof Promise ? outcome.then((o) => placed(o, place, errors)) : placed(outcome, place, errors);
  }

  private translateOne(c: Collected): Maybe<Outcome> {
    const routed = this.partnerFor(c);
    if ('failed' in routed) return routed.failed;
    const partner = routed.partner;
    const t = c.header;
    const { entry, file } = this.mappingFor(partner, t.id);
    if (!entry) return this.failed(c, 'routing', `partner ${partner.id} does not exchange ${t.id}; add it to documents in ${partner.file}`, partner.id);
    let mapping: Mapping;
    try {
      mapping = loadMapping(file);
    } catch (err) {
      if (!(err instanceof MappingFileError)) throw err;
      return this.failed(c, 'mapping', err.message, partner.id, file);
    }
    if (mapping.type !== entry.type) return this.failed(c, 'mapping', `${file} maps to ${mapping.type} but ${partner.file} says ${t.id} carries ${entry.type}`, partner.id, file);
    const found = safeDefinition(c.standard, t);
    if (!found || !c.builder) return this.failed(c, 'definition', `no definition for ${c.standard} ${definitionVersion(c.standard, t) || '(no version)'} ${t.id}; it cannot be mapped`, partner.id, file);
    const envelope = envelopeOf(c.standard, c.interchange, c.group, t);
    return mapTransactionNow(c.builder.result, mapping, { partnerId: partner.id, envelope, dictionary: found.dictionary, decimalMark: c.decimalMark, plainEnvelope: true }) satisfies Maybe<MappingResult>;
  }
}

/** An outcome marked with its transaction's place in the input, and its errors too when asked. */
function placed(outcome: Outcome, place: TransactionPlace, errors: boolean): Outcome {
  outcome.place = place;
  if (!errors) return outcome;
  for (const e of [...outcome.errors, ...(outcome.warnings ?? [])]) {
    e.interchangeIndex ??= place.interchangeIndex;
    if (place.groupControlNumber !== undefined) e.groupControlNumber ??= place.groupControlNumber;
  }
  return outcome;
}

/** A value now, or later when a mapping had to await an expression. */
type Maybe<T> = T | Promise<T>;

/**
 * A transaction segment into its tree: one whose elements are all simple (most are) as their values,
 * without the list of repetitions of a list of components per element that `toParsed` makes.
 */
function addSegment(builder: TreeBuilder, seg: SegmentView, position: number): void {
  const n = seg.elementCount();
  const values = new Array<string>(n);
  for (let e = 1; e <= n; e++) {
    if (!seg.openSimple(e)) {
      builder.add(seg.toParsed(), position, seg.offset);
      return;
    }
    values[e - 1] = seg.componentValue(1);
  }
  builder.addSimple(seg.tag, values, position, seg.offset);
}

/** A handler that passes every event to `first`, then to `second`. */
function both(first: EdiHandler, second: EdiHandler): EdiHandler {
  return {
    interchangeStart: (h) => {
      first.interchangeStart?.(h);
      second.interchangeStart?.(h);
    },
    interchangeEnd: (h, summary) => {
      first.interchangeEnd?.(h, summary);
      second.interchangeEnd?.(h, summary);
    },
    groupStart: (g) => {
      first.groupStart?.(g);
      second.groupStart?.(g);
    },
    groupEnd: (g, summary) => {
      first.groupEnd?.(g, summary);
      second.groupEnd?.(g, summary);
    },
    transactionStart: (t) => {
      first.transactionStart?.(t);
      second.transactionStart?.(t);
    },
    transactionEnd: (t, summary) => {
      first.transactionEnd?.(t, summary);
      second.transactionEnd?.(t, summary);
    },
    segment: (seg, place) => {
      first.segment?.(seg, place);
      second.segment?.(seg, place);
    },
    issue: (i) => {
      first.issue?.(i);
      second.issue?.(i);
    },
    layout: (text) => {
      first.layout?.(text);
      second.layout?.(text);
    },
    end: () => {
      first.end?.();
      second.end?.();
    },
  };
}

/** Translate EDI (a buffer or a stream of chunks) into canonical documents. Partner config errors throw. */
export async function translate(input: Buffer | AsyncIterable<Buffer | string>, options: TranslateOptions = {}): Promise<TranslateResult> {
  const registry = options.registry ?? loadPartners(options.partnersRoot, { ...options.partnerOptions, ...(options.mappingsRoot !== undefined ? { mappingsRoot: options.mappingsRoot } : {}) });
  const translator = new Translator(registry, options);
  if (Buffer.isBuffer(input)) await translator.write(input);
  else for await (const chunk of input) await translator.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return translator.end();
}
