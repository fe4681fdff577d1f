/**
 * Whole-input validation: the envelope reader of either standard plus, for every transaction set or
 * message with a shipped definition, the definition-driven validator. Produces a report with counts per
 * interchange and group, per-transaction verdicts (bounded) and every finding (bounded) with its
 * position and ack codes. Memory does not grow with the input beyond those bounds.
 */
import { existsSync } from 'node:fs';
import { definitionsDir, hasTransaction, loadDictionary, loadTransaction } from './common/definition-loader';
import type { EdiHandler, GroupHeader, InterchangeHeader, Standard, TransactionHeader } from './common/events';
import type { Dictionary, TransactionDef } from './common/definitions';
import type { EdiIssue } from './common/issues';
import { makeIssue } from './common/issues';
import type { ScannedSegment } from './common/scanner';
import { compileTransaction, createTransactionValidator, type CompiledTransaction, type DefinitionOverlay } from './common/validate';
import { EdiReader, type ReaderOptions } from './reader';

type TransactionValidator = ReturnType<typeof createTransactionValidator>;

export interface TransactionResult {
  id: string;
  controlNumber: string;
  version: string;
  segments: number;
  valid: boolean;
  /** False when no definition was available and only the envelope was checked. */
  contentValidated: boolean;
}

export interface GroupReport {
  controlNumber: string;
  functionalId: string;
  version: string;
  transactionCount: number;
  acceptedCount: number;
  trailerFound: boolean;
  /** Errors at group level (trailer, counts, control numbers). */
  groupErrors: number;
  transactions: TransactionResult[];
}

export interface InterchangeReport {
  controlNumber: string;
  sender: { qualifier: string; id: string };
  receiver: { qualifier: string; id: string };
  version: string;
  syntaxId?: string;
  test: boolean;
  groups: GroupReport[];
  /** Messages directly in the interchange (EDIFACT without UNG). */
  transactions: TransactionResult[];
  transactionCount: number;
  acceptedCount: number;
  trailerFound: boolean;
  errors: number;
}

export interface ValidationReport {
  valid: boolean;
  standard: Standard | 'unknown';
  bytes: number;
  segments: number;
  interchanges: InterchangeReport[];
  errors: EdiIssue[];
  warnings: EdiIssue[];
  errorCount: number;
  warningCount: number;
  /** True when more issues or transactions were found than the report keeps. */
  truncated: boolean;
}

/** Options of validation. */
export interface ValidateOptions extends ReaderOptions {
  /** Check transaction content against the shipped definitions (default true). */
  content?: boolean;
  /** Report characters outside the declared EDIFACT character set as warnings instead of errors. */
  lenientCharset?: boolean;
  /** Partner overlays by "<standard>/<version>/<id>" (e.g. "x12/004010/850"). */
  overlays?: Record<string, DefinitionOverlay>;
  /** Most issues kept in the report (default 1000). */
  maxIssues?: number;
  /** Most transaction results kept in the report (default 10000). */
  maxTransactions?: number;
}

const compiled = new Map<string, CompiledTransaction | null>();
const SAFE_NAME = /^[A-Za-z0-9]{1,12}$/;

/** The definition folder version for a transaction: 004010 from GS08 "004010VICS", D96A from UNH. */
export function definitionVersion(standard: Standard, t: TransactionHeader): string {
  if (standard === 'x12') return t.version.slice(0, 6);
  // CONTRL carries the syntax version (D:3, 4:1): its structure is the one shipped with D96A.
  if (t.id === 'CONTRL' && (!SAFE_NAME.test(t.version) || !existsSync(definitionsDir('edifact', t.version)))) return 'D96A';
  return t.version;
}

/** The shipped definition and dictionary of a transaction, or undefined when none is shipped. */
export function definitionSource(standard: Standard, t: TransactionHeader): { def: TransactionDef; dictionary: Dictionary } | undefined {
  const version = definitionVersion(standard, t);
  // Version and id come from the partner's file: they name a folder and a file only when plain.
  if (!SAFE_NAME.test(version) || !SAFE_NAME.test(t.id)) return undefined;
  const dir = definitionsDir(standard, version);
  if (!existsSync(dir) || !hasTransaction(dir, t.id)) return undefined;
  return { def: loadTransaction(dir, t.id), dictionary: loadDictionary(dir) };
}

/** The compiled definition for a transaction, or null when none is shipped. */
export function definitionFor(standard: Standard, t: TransactionHeader, overlays?: Record<string, DefinitionOverlay>): CompiledTransaction | null {
  const key = `${standard}/${definitionVersion(standard, t)}/${t.id}`;
  const overlay = overlays?.[key];
  if (!overlay && compiled.has(key)) return compiled.get(key) ?? null;
  const source = definitionSource(standard, t);
  const result = source ? compileTransaction(source.def, source.dictionary, overlay) : null;
  if (!overlay) compiled.set(key, result);
  return result;
}

/** Streaming validator: write() chunks, end() returns the report. */
export class EdiValidator {
  private readonly reader: EdiReader;
  private readonly report: ValidationReport = { valid: true, standard: 'unknown', bytes: 0, segments: 0, interchanges: [], errors: [], warnings: [], errorCount: 0, warningCount: 0, truncated: false };
  private ic: InterchangeReport | null = null;
  private grp: GroupReport | null = null;
  private txValidator: TransactionValidator | null = null;
  /** The validator created last and the definition it validates (reused for the next transaction of that definition). */
  private lastDef: CompiledTransaction | null = null;
  private lastValidator: TransactionValidator | null = null;
  /** Type and version of the transaction whose definition was looked up last, and the result. */
  private lastDefId: string | undefined;
  private lastDefVersion: string | undefined;
  private lastDefFound: CompiledTransaction | null = null;
  private txErrors = 0;
  private inTx = false;
  private txContent = false;
  private decimalMark: string | undefined;
  private keptTransactions = 0;
  private readonly maxIssues: number;
  private readonly maxTransactions: number;

  constructor(private readonly options: ValidateOptions = {}) {
    this.maxIssues = options.maxIssues ?? 1000;
    this.maxTransactions = options.maxTransactions ?? 10000;
    const handler: EdiHandler = {
      interchangeStart: (h) => this.onInterchangeStart(h),
      interchangeEnd: (_h, s) => {
        if (this.ic) {
          this.ic.trailerFound = s.trailerFound;
          this.ic.errors = s.errors;
        }
        this.ic = null;
      },
      groupStart: (g) => this.onGroupStart(g),
      groupEnd: (_g, s) => {
        if (this.grp) {
          this.grp.trailerFound = s.trailerFound;
        }
        this.grp = null;
      },
      transactionStart: (t) => this.onTransactionStart(t),
      transactionEnd: (t, s) => this.onTransactionEnd(t, s.segmentCount),
      segment: (seg, place) => {
        this.report.segments++;
        if (place.level === 'transaction' && this.txValidator) this.txValidator.segment(seg as ScannedSegment);
      },
      issue: (i) => this.onIssue(i),
    };
    this.reader = new EdiReader(handler, options);
  }

  /** Feed a chunk. */
  write(chunk: Buffer): void {
    this.report.bytes += chunk.length;
    this.reader.write(chunk);
  }

  /** End of input: the report. */
  end(): ValidationReport {
    this.reader.end();
    const std = this.reader.standard;
    this.report.standard = std === undefined ? 'unknown' : std;
    this.report.valid = this.report.errorCount === 0;
    return this.report;
  }

  private onIssue(issue: EdiIssue): void {
    if (this.options.lenientCharset && issue.code === 'element.charset_invalid') issue.severity = 'warning';
    if (issue.severity === 'error') {
      this.report.errorCount++;
      if (this.inTx && issue.transaction !== undefined) this.txErrors++;
      if (issue.level === 'group' && this.grp) this.grp.groupErrors++;
    } else this.report.warningCount++;
    const list = issue.severity === 'error' ? this.report.errors : this.report.warnings;
    if (this.report.errors.length + this.report.warnings.length < this.maxIssues) list.push(issue);
    else this.report.truncated = true;
  }

  private onInterchangeStart(h: InterchangeHeader): void {
    this.ic = {
      controlNumber: h.controlNumber,
      sender: { qualifier: h.senderQualifier, id: h.senderId },
      receiver: { qualifier: h.receiverQualifier, id: h.receiverId },
      version: h.version,
      syntaxId: h.syntaxId,
      test: h.test,
      groups: [],
      transactions: [],
      transactionCount: 0,
      acceptedCount: 0,
      trailerFound: false,
      errors: 0,
    };
    this.decimalMark = h.standard === 'edifact' ? (h.serviceStringAdvice && h.serviceStringAdvice.length >= 6 ? h.serviceStringAdvice[5] : '.') : undefined;
    this.report.interchanges.push(this.ic);
  }

  private onGroupStart(g: GroupHeader): void {
    this.grp = { controlNumber: g.controlNumber, functionalId: g.functionalId, version: g.version, transactionCount: 0, acceptedCount: 0, trailerFound: false, groupErrors: 0, transactions: [] };
    this.ic?.groups.push(this.grp);
  }

  private onTransactionStart(t: TransactionHeader): void {
    this.txErrors = 0;
    this.inTx = true;
    const standard = this.reader.standard === 'edifact' ? 'edifact' : 'x12';
    let def: CompiledTransaction | null = null;
    if (this.options.content !== false) {
      // Messages of one interchange are mostly of one type and version: skip building the lookup key.
      if (t.id === this.lastDefId && t.version === this.lastDefVersion) def = this.lastDefFound;
      else {
        def = definitionFor(standard, t, this.options.overlays);
        this.lastDefId = t.id;
        this.lastDefVersion = t.version;
        this.lastDefFound = def;
      }
    }
    this.txContent = def !== null;
    if (def) {
      const ctx: Parameters<typeof createTransactionValidator>[1] = { standard, interchange: t.interchangeControlNumber, group: t.groupControlNumber, transaction: t.controlNumber, transactionType: t.id, decimalMark: this.decimalMark };
      // Consecutive transactions of one type reuse one validator (reset() starts it over).
      if (def === this.lastDef && this.lastValidator !== null) {
        this.lastValidator.reset(ctx);
      } else {
        this.lastDef = def;
        this.lastValidator = createTransactionValidator(def, ctx, (i) => this.onIssue(i));
      }
      this.txValidator = this.lastValidator;
    } else {
      this.txValidator = null;
    }
    if (!def && this.options.content !== false) {
      this.onIssue(makeIssue('transaction.definition_unavailable', { interchange: t.interchangeControlNumber, group: t.groupControlNumber, transaction: t.controlNumber, transactionType: t.id, offset: t.offset }, `${t.id} ${definitionVersion(standard, t) || '(no version)'}`));
    }
  }

  private onTransactionEnd(t: TransactionHeader, segments: number): void {
    this.txValidator?.end();
    this.txValidator = null;
    this.inTx = false;
    const valid = this.txErrors === 0;
    const result: TransactionResult = { id: t.id, controlNumber: t.controlNumber, version: t.version, segments, valid, contentValidated: this.txContent };
    const owner = this.grp ?? this.ic;
    if (this.grp) {
      this.grp.transactionCount++;
      if (valid) this.grp.acceptedCount++;
    }
    if (this.ic) {
      this.ic.transactionCount++;
      if (valid) this.ic.acceptedCount++;
    }
    if (owner && this.keptTransactions < this.maxTransactions) {
      owner.transactions.push(result);
      this.keptTransactions++;
    } else if (owner) this.report.truncated = true;
  }
}

/** Validate a whole buffer. */
export function validateBuffer(buf: Buffer, options: ValidateOptions = {}): ValidationReport {
  const v = new EdiValidator(options);
  v.write(buf);
  return v.end();
}

/** Validate a stream (file, stdin, socket) chunk by chunk. */
export async function validateStream(source: AsyncIterable<Buffer | string>, options: ValidateOptions = {}): Promise<ValidationReport> {
  const v = new EdiValidator(options);
  for await (const chunk of source) v.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return v.end();
}
