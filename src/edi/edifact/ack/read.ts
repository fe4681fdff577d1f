/**
 * Reading the EDIFACT acknowledgments a partner sends us.
 *
 * CONTRL (syntax and service report): UCI answers our interchange (0020, our UNB sender and recipient as
 * they received them, action 0083, error 0085 with segment tag 0013 and position S011); UCF answers one of
 * our groups (0048); UCM one of our messages (0062, S009); UCS a segment position (0096) and UCD an element
 * (S011) of it. One `ReceivedAck` is returned for the interchange (UCI and the UCMs directly under it) and
 * one per UCF (the group and its UCMs), so that each answers exactly one thing we sent.
 *
 * APERAK (application error and acknowledgement) answers one business message. How it names that message
 * varies by guide; we read, in this order: RFF+ACW ("reference number to previous message", the UNH 0062 we
 * sent, which our own builder writes) as the answered transaction; any other RFF in the heading (ON order
 * number, IV invoice number, ...: EANCOM's practice, the BGM 1004 of the answered document) or a D01B DOC
 * as the answered business document. An APERAK carries no interchange reference, so `refers.interchange`
 * stays empty and the tracker matches by partner + message reference or document number.
 */
import type { AckEnvelope, AckError, AckMessageReader, AckParty, ProblemSink, ReceivedAck, ReceivedAckDocument, ReceivedAckTransaction } from '../../ack-read';
import type { SegmentView } from '../../common/segment';

type Status = ReceivedAck['status'];

/** A 1-based position, or undefined when the value is not one. */
function position(v: string): number | undefined {
  if (!/^\d{1,9}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 ? n : undefined;
}

function opt(seg: SegmentView, e: number, c = 1): string | undefined {
  const v = seg.value(e, c).trim();
  return v === '' ? undefined : v;
}

function party(seg: SegmentView, e: number): AckParty | undefined {
  const id = opt(seg, e, 1);
  return id === undefined ? undefined : { qualifier: seg.value(e, 2).trim(), id };
}

/** A service-level 0085 error (UCI, UCF, UCM) with its segment tag (0013) and position (S011), if any. */
function serviceError(seg: SegmentView, level: AckError['level'], codeAt: number): AckError | undefined {
  const code = opt(seg, codeAt);
  if (code === undefined) return undefined;
  const e: AckError = { level, code };
  const tag = opt(seg, codeAt + 1);
  if (tag !== undefined) e.segmentTag = tag;
  const el = position(seg.value(codeAt + 2, 1).trim());
  if (el !== undefined) {
    e.elementPosition = el;
    const comp = position(seg.value(codeAt + 2, 2).trim());
    if (comp !== undefined) e.componentPosition = comp;
  }
  return e;
}

interface ContrlGroup {
  controlNumber: string;
  /** 0083 as read (4 when it was not a known action); `code` keeps the value as received. */
  action: string;
  code: string;
  errors: AckError[];
  txs: ReceivedAckTransaction[];
}

/** 0083 of a UCM: 4 rejects; 7 (and 8, "received") accept, with errors when UCS/UCD/0085 say so. */
function messageStatus(action: string, errors: AckError[]): ReceivedAckTransaction['status'] {
  if (action === '4') return 'rejected';
  return errors.length > 0 ? 'accepted_with_errors' : 'accepted';
}

/**
 * Overall answer of a level from its own action and what it reports below: a rejected level is rejected;
 * an acknowledged one (7 means "and every lower level not explicitly rejected") is accepted, partially
 * accepted or rejected by the lower-level answers it lists.
 */
function levelStatus(action: string, ownErrors: AckError[], below: ReceivedAckTransaction['status'][]): Status {
  if (action === '4') return 'rejected';
  const rejected = below.filter((s) => s === 'rejected').length;
  if (below.length > 0 && rejected === below.length) return 'rejected';
  if (rejected > 0) return 'partially_accepted';
  return ownErrors.length > 0 || below.some((s) => s === 'accepted_with_errors') ? 'accepted_with_errors' : 'accepted';
}

const ACTIONS = new Set(['4', '7', '8']);

class ContrlReader implements AckMessageReader {
  private uci: { interchange: string; sender?: AckParty; recipient?: AckParty; action: string; code: string; errors: AckError[] } | null = null;
  private readonly direct: ReceivedAckTransaction[] = [];
  private readonly groups: ContrlGroup[] = [];
  private group: ContrlGroup | null = null;
  private tx: ReceivedAckTransaction | null = null;
  /** Each UCM's 0083, settled into a status at the end once its UCS/UCD errors are known. */
  private readonly actions = new Map<ReceivedAckTransaction, string>();
  private ucs: { position: number } | null = null;
  private unexpected = 0;

  constructor(private readonly env: AckEnvelope, private readonly problem: ProblemSink) {}

  segment(seg: SegmentView, pos: number): void {
    const tag = seg.tag;
    if (pos === 1 || tag === 'UNT') return;
    if (tag !== 'UCI' && !this.uci) {
      this.problem(pos, tag, 'before UCI: ignored');
      return;
    }
    switch (tag) {
      case 'UCI':
        return this.onUci(seg, pos);
      case 'UCF':
        return this.onUcf(seg, pos);
      case 'UCM':
        return this.onUcm(seg, pos);
      case 'UCS':
        return this.onUcs(seg, pos);
      case 'UCD':
        return this.onUcd(seg, pos);
      default:
        if (this.unexpected++ < 20) this.problem(pos, tag, 'not a CONTRL segment: ignored');
    }
  }

  private onUci(seg: SegmentView, pos: number): void {
    if (this.uci) {
      this.problem(pos, 'UCI', 'a second UCI in one CONTRL: ignored');
      return;
    }
    const interchange = opt(seg, 1) ?? '';
    const action = seg.value(4).trim();
    if (interchange === '') this.problem(pos, 'UCI', 'UCI 0020 (the interchange reference answered) is missing');
    if (!ACTIONS.has(action)) this.problem(pos, 'UCI', `UCI 0083 "${action}" is not 4, 7 or 8: the interchange is counted as rejected`);
    const errors: AckError[] = [];
    const e = serviceError(seg, 'interchange', 5);
    if (e) errors.push(e);
    this.uci = { interchange, action: ACTIONS.has(action) ? action : '4', code: action, errors };
    const sender = party(seg, 2);
    if (sender) this.uci.sender = sender;
    const recipient = party(seg, 3);
    if (recipient) this.uci.recipient = recipient;
  }

  private closeMessage(): void {
    this.tx = null;
    this.ucs = null;
  }

  private onUcf(seg: SegmentView, pos: number): void {
    this.closeMessage();
    const controlNumber = opt(seg, 1);
    const action = seg.value(4).trim();
    if (controlNumber === undefined) {
      this.problem(pos, 'UCF', 'UCF 0048 (the group reference answered) is missing: this group and its UCMs are not read');
      this.group = { controlNumber: '', action: '4', code: action, errors: [], txs: [] };
      return;
    }
    if (!ACTIONS.has(action)) this.problem(pos, 'UCF', `UCF 0083 "${action}" is not 4, 7 or 8: the group is counted as rejected`);
    const errors: AckError[] = [];
    const e = serviceError(seg, 'group', 5);
    if (e) errors.push(e);
    this.group = { controlNumber, action: ACTIONS.has(action) ? action : '4', code: action, errors, txs: [] };
    this.groups.push(this.group);
  }

  private onUcm(seg: SegmentView, pos: number): void {
    this.closeMessage();
    const controlNumber = opt(seg, 1);
    const action = seg.value(3).trim();
    if (controlNumber === undefined) {
      this.problem(pos, 'UCM', 'UCM 0062 (the message reference answered) is missing: not read');
      return;
    }
    if (this.group && this.group.controlNumber === '') return;
    if (!ACTIONS.has(action)) this.problem(pos, 'UCM', `UCM 0083 "${action}" is not 4, 7 or 8: the message is counted as rejected`);
    const t: ReceivedAckTransaction = { controlNumber, status: 'rejected', errors: [] };
    const type = opt(seg, 2, 1);
    if (type !== undefined) t.type = type;
    const e = serviceError(seg, 'transaction', 4);
    if (e) t.errors.push(e);
    this.actions.set(t, ACTIONS.has(action) ? action : '4');
    this.tx = t;
    (this.group ? this.group.txs : this.direct).push(t);
  }

  private onUcs(seg: SegmentView, pos: number): void {
    this.ucs = null;
    if (!this.tx) {
      this.problem(pos, 'UCS', 'UCS without a UCM: ignored');
      return;
    }
    const segmentPosition = position(seg.value(1).trim());
    if (segmentPosition === undefined) {
      this.problem(pos, 'UCS', `UCS 0096 "${seg.value(1)}" is not a segment position: ignored with its UCDs`);
      return;
    }
    this.ucs = { position: segmentPosition };
    const code = opt(seg, 2);
    if (code !== undefined) this.tx.errors.push({ level: 'segment', code, segmentPosition });
  }

  private onUcd(seg: SegmentView, pos: number): void {
    if (!this.tx || !this.ucs) {
      this.problem(pos, 'UCD', 'UCD without a UCS: ignored');
      return;
    }
    const code = opt(seg, 1);
    const element = position(seg.value(2, 1).trim());
    if (code === undefined || element === undefined) {
      this.problem(pos, 'UCD', 'UCD 0085 or S011 element position is missing or invalid: ignored');
      return;
    }
    const e: AckError = { level: 'element', code, segmentPosition: this.ucs.position, elementPosition: element };
    const comp = position(seg.value(2, 2).trim());
    if (comp !== undefined) e.componentPosition = comp;
    this.tx.errors.push(e);
  }

  private base(): Omit<ReceivedAck, 'refers' | 'status' | 'code' | 'errors'> {
    const a: Omit<ReceivedAck, 'refers' | 'status' | 'code' | 'errors'> = { type: 'CONTRL', standard: 'edifact', from: this.env.from, to: this.env.to, ackInterchange: this.env.ackInterchange, test: this.env.test };
    if (this.env.ackGroup !== undefined) a.ackGroup = this.env.ackGroup;
    if (this.env.ackMessage !== undefined) a.ackMessage = this.env.ackMessage;
    return a;
  }

  end(): ReceivedAck[] {
    const uci = this.uci;
    if (!uci) {
      this.problem(1, 'UNH', 'no UCI: this CONTRL names no interchange of ours and is not read');
      return [];
    }
    // UCM actions are settled only now: a UCM's errors may arrive in later UCS/UCD segments.
    for (const t of [...this.direct, ...this.groups.flatMap((g) => g.txs)]) t.status = messageStatus(this.actions.get(t) ?? '4', t.errors);
    const out: ReceivedAck[] = [];
    const groupStatuses = this.groups.map((g) => levelStatus(g.action, g.errors, g.txs.map((t) => t.status)));
    // The interchange answer counts each message once: directly listed ones, and those of each group (a
    // rejected group counts as one rejection, as nothing below it is answered).
    const below: ReceivedAckTransaction['status'][] = this.direct.map((t) => t.status);
    this.groups.forEach((g, i) => {
      if (g.action === '4') below.push('rejected');
      else if (g.txs.length > 0) below.push(...g.txs.map((t) => t.status));
      else if (groupStatuses[i] !== 'accepted') below.push(groupStatuses[i] === 'rejected' ? 'rejected' : 'accepted_with_errors');
    });
    const ic: ReceivedAck = { ...this.base(), refers: {}, status: levelStatus(uci.action, uci.errors, below), code: uci.code, errors: uci.errors };
    if (uci.interchange !== '') ic.refers.interchange = uci.interchange;
    if (uci.sender) ic.refers.sender = uci.sender;
    if (uci.recipient) ic.refers.recipient = uci.recipient;
    if (this.direct.length > 0) ic.refers.transactions = this.direct;
    if (uci.interchange !== '' || this.direct.length > 0) out.push(ic);
    this.groups.forEach((g, i) => {
      const ack: ReceivedAck = { ...this.base(), refers: { group: { controlNumber: g.controlNumber } }, status: groupStatuses[i], code: g.code, errors: g.errors };
      if (uci.interchange !== '') ack.refers.interchange = uci.interchange;
      if (g.txs.length > 0) ack.refers.transactions = g.txs;
      out.push(ack);
    });
    return out;
  }
}

/** A reader for one CONTRL message. */
export function contrlReader(env: AckEnvelope, problem: ProblemSink): AckMessageReader {
  return new ContrlReader(env, problem);
}

// ---------------------------------------------------------------------------------------------------
// APERAK

/** RFF 1153 naming the message answered (its UNH 0062) rather than a business document. */
const MESSAGE_REFERENCE = 'ACW';

/** BGM 4343 response type: the most explicit answer when a guide uses it (EANCOM). */
const RESPONSE_TYPE: Record<string, Status> = { AP: 'accepted', CA: 'accepted_with_errors', RE: 'rejected' };
/** BGM 1225 message function codes that mean "not accepted". */
const NOT_ACCEPTED = new Set(['27']);

/** FTX C108 text: its lines joined by a space (writers break long text at spaces). */
function ftxText(seg: SegmentView): string {
  const lines: string[] = [];
  for (let c = 1; c <= 5; c++) {
    const v = seg.value(4, c);
    if (v !== '') lines.push(v);
  }
  return lines.join(' ');
}

class AperakReader implements AckMessageReader {
  private bgm: { function?: string; response?: string } | null = null;
  private messageRef: string | undefined;
  private document: ReceivedAckDocument | undefined;
  private readonly texts: string[] = [];
  private readonly errors: AckError[] = [];
  /** The ERC being read: FTX and RFF after it (its SG3/SG4 in D96A, SG4/SG5 in D01B) describe it. */
  private error: AckError | null = null;

  constructor(private readonly env: AckEnvelope, private readonly problem: ProblemSink) {}

  segment(seg: SegmentView, pos: number): void {
    const tag = seg.tag;
    if (pos === 1 || tag === 'UNT') return;
    switch (tag) {
      case 'BGM':
        this.bgm = {};
        if (opt(seg, 3) !== undefined) this.bgm.function = opt(seg, 3);
        if (opt(seg, 4) !== undefined) this.bgm.response = opt(seg, 4);
        return;
      case 'ERC': {
        const code = opt(seg, 1, 1);
        if (code === undefined) {
          this.problem(pos, 'ERC', 'ERC 9321 (application error code) is missing: ignored');
          this.error = null;
          return;
        }
        this.error = { level: 'transaction', code };
        this.errors.push(this.error);
        return;
      }
      case 'FTX': {
        const text = ftxText(seg);
        if (text === '') return;
        if (this.error) {
          this.error.description = this.error.description ? `${this.error.description}; ${text}` : text;
        } else this.texts.push(text);
        return;
      }
      case 'RFF':
        return this.onRff(seg, pos);
      case 'DOC':
        if (!this.error && !this.document) {
          const number = opt(seg, 2, 1);
          if (number !== undefined) {
            this.document = { number };
            const code = opt(seg, 1, 1);
            if (code !== undefined) this.document.nameCode = code;
          }
        }
        return;
      default:
        // DTM, CNT, NAD, CTA, COM carry nothing the tracker matches or records.
        return;
    }
  }

  private onRff(seg: SegmentView, pos: number): void {
    const qualifier = opt(seg, 1, 1);
    const number = opt(seg, 1, 2);
    if (qualifier === undefined || number === undefined) {
      this.problem(pos, 'RFF', 'RFF without qualifier (1153) or reference (1154): ignored');
      return;
    }
    const line = opt(seg, 1, 3);
    if (this.error) {
      // The ERC group's reference locates the error (a line of the order ...): AckError has no field for
      // it, so it goes into the description where a person reads it.
      const ref = `reference ${qualifier} ${number}${line !== undefined ? ` line ${line}` : ''}`;
      this.error.description = this.error.description ? `${this.error.description}; ${ref}` : ref;
      return;
    }
    if (qualifier === MESSAGE_REFERENCE) {
      if (this.messageRef === undefined) this.messageRef = number;
      return;
    }
    if (!this.document) {
      this.document = { qualifier, number };
      if (line !== undefined) this.document.line = line;
    }
  }

  /** Status: BGM 4343 when given, then BGM 1225 (27 = not accepted), then the presence of ERC segments. */
  private status(): Status {
    const response = this.bgm?.response !== undefined ? RESPONSE_TYPE[this.bgm.response] : undefined;
    if (response) return response;
    const fn = this.bgm?.function;
    if (fn !== undefined && NOT_ACCEPTED.has(fn)) return 'rejected';
    if (fn !== undefined) return this.errors.length > 0 ? 'accepted_with_errors' : 'accepted';
    return this.errors.length > 0 ? 'rejected' : 'accepted';
  }

  end(): ReceivedAck[] {
    if (!this.bgm) this.problem(1, 'UNH', 'BGM is missing: the answer is read from the ERC segments alone');
    if (this.messageRef === undefined && !this.document) {
      this.problem(1, 'UNH', 'no RFF+ACW, other RFF or DOC names the message answered: this APERAK cannot be matched and is not read');
      return [];
    }
    const status = this.status();
    const ack: ReceivedAck = {
      type: 'APERAK',
      standard: 'edifact',
      from: this.env.from,
      to: this.env.to,
      ackInterchange: this.env.ackInterchange,
      test: this.env.test,
      refers: {},
      status,
      code: this.bgm?.response ?? this.bgm?.function ?? '',
      errors: this.errors,
    };
    if (this.env.ackGroup !== undefined) ack.ackGroup = this.env.ackGroup;
    if (this.env.ackMessage !== undefined) ack.ackMessage = this.env.ackMessage;
    if (this.messageRef !== undefined) {
      // An APERAK answers one message: its errors are that message's, listed on both levels for the tracker.
      ack.refers.transactions = [{ controlNumber: this.messageRef, status: status === 'partially_accepted' ? 'accepted_with_errors' : status, errors: [...this.errors] }];
    }
    if (this.document) ack.refers.document = this.document;
    const text = [...this.texts, ...this.errors.filter((e) => e.description !== undefined).map((e) => `${e.code}: ${e.description}`)];
    if (text.length > 0) ack.text = text.join('\n');
    return [ack];
  }
}

/** A reader for one APERAK message. */
export function aperakReader(env: AckEnvelope, problem: ProblemSink): AckMessageReader {
  return new AperakReader(env, problem);
}
