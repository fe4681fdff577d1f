/**
 * Reading X12 acknowledgments a partner sends us: TA1 (one segment at interchange level) and 997 / 999
 * (one transaction set answering one of our functional groups):
 *
 *   AK1 group answered (GS01, GS06, GS08)
 *   AK2 per transaction set (ST01, ST02, ST03) with AK3/IK3 segment notes (+ CTX in 999), AK4/IK4 element
 *       notes (+ CTX), AK5/IK5 the set's answer and codes
 *   AK9 the group's answer, counts and codes
 *
 * Values are copied out of the segment views as they pass (views are reused); nothing else is kept.
 */
import type { AckEnvelope, AckError, AckMessageReader, ProblemSink, ReceivedAck, ReceivedAckTransaction } from '../../ack-read';
import type { SegmentView } from '../../common/segment';

type GroupStatus = ReceivedAck['status'];
type TxStatus = ReceivedAckTransaction['status'];

/** TA104. */
const TA1_STATUS: Record<string, GroupStatus> = { A: 'accepted', E: 'accepted_with_errors', R: 'rejected' };
/** AK501 / IK501: M, W and X are rejections for security reasons. */
const TX_STATUS: Record<string, TxStatus> = { A: 'accepted', E: 'accepted_with_errors', R: 'rejected', M: 'rejected', W: 'rejected', X: 'rejected' };
/** AK901 / IK901. */
const GROUP_STATUS: Record<string, GroupStatus> = { A: 'accepted', E: 'accepted_with_errors', P: 'partially_accepted', R: 'rejected', M: 'rejected', W: 'rejected', X: 'rejected' };

/** A 1-based position, or undefined when the value is not one. */
function position(v: string): number | undefined {
  if (!/^\d{1,9}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 ? n : undefined;
}

/** A count (AK902-904), or undefined. */
function count(v: string): number | undefined {
  return /^\d{1,9}$/.test(v) ? Number(v) : undefined;
}

/** The non-empty trimmed value of element e (component c), or undefined. */
function opt(seg: SegmentView, e: number, c = 1): string | undefined {
  const v = seg.value(e, c).trim();
  return v === '' ? undefined : v;
}

/** Overall answer from the set answers, when the AK9 that should say it is missing. */
export function statusFromTransactions(txs: ReceivedAckTransaction[]): GroupStatus | undefined {
  if (txs.length === 0) return undefined;
  if (txs.every((t) => t.status === 'accepted')) return 'accepted';
  if (txs.every((t) => t.status !== 'rejected')) return 'accepted_with_errors';
  if (txs.every((t) => t.status === 'rejected')) return 'rejected';
  return 'partially_accepted';
}

/** Read one TA1 segment; undefined (and a problem) when it cannot name an interchange or an answer. */
export function readTa1(seg: SegmentView, env: AckEnvelope, problem: ProblemSink): ReceivedAck | undefined {
  const control = seg.value(1).trim();
  const code = seg.value(4).trim();
  const status = TA1_STATUS[code];
  if (control === '') {
    problem(0, 'TA1', 'TA101 (the interchange control number answered) is missing: not read');
    return undefined;
  }
  if (status === undefined) {
    problem(0, 'TA1', `TA104 "${code}" is not A, E or R: not read`);
    return undefined;
  }
  const note = seg.value(5).trim();
  const errors: AckError[] = [];
  // 000 is "no error"; any other note code is the interchange-level finding, also with A (some send A 000 only).
  if (note !== '' && note !== '000') errors.push({ level: 'interchange', code: note });
  if (note === '') problem(0, 'TA1', 'TA105 (interchange note code) is missing');
  if (!/^\d{9}$/.test(control)) problem(0, 'TA1', `TA101 "${control}" is not 9 digits`);
  return { type: 'TA1', standard: 'x12', from: env.from, to: env.to, ackInterchange: env.ackInterchange, test: env.test, refers: { interchange: control }, status, code, errors };
}

interface OpenSegment {
  tag: string;
  position: number;
  loopId?: string;
  /** The segment-level error (AK304 / IK304), when the note has a code. */
  error?: AckError;
}

/** Appends a CTX context to an error's description (AckError has no context field). */
function withContext(e: AckError, ctx: string): void {
  e.description = e.description ? `${e.description}; ${ctx}` : ctx;
}

/** Reader of one 997 or 999 transaction set. */
class FunctionalAckReader implements AckMessageReader {
  private group: { functionalId?: string; controlNumber: string; version?: string } | undefined;
  private ak1Seen = false;
  private readonly txs: ReceivedAckTransaction[] = [];
  private tx: { t: ReceivedAckTransaction; position: number; closed: boolean } | null = null;
  private seg: OpenSegment | null = null;
  /** The last error a CTX may describe (IK3 or IK4). */
  private lastError: AckError | null = null;
  private ak9: { code: string; status: GroupStatus; counts?: ReceivedAck['counts']; errors: AckError[] } | null = null;
  private unexpected = 0;

  constructor(private readonly kind: '997' | '999', private readonly env: AckEnvelope, private readonly problem: ProblemSink) {}

  segment(seg: SegmentView, pos: number): void {
    const tag = seg.tag;
    const p = this.problem;
    if (pos === 1 || tag === 'SE') return;
    if (this.ak9) {
      p(pos, tag, 'segment after AK9: ignored');
      return;
    }
    switch (tag) {
      case 'AK1':
        return this.onAk1(seg, pos);
      case 'AK2':
        return this.onAk2(seg, pos);
      case 'AK3':
      case 'IK3':
        return this.onAk3(seg, pos);
      case 'AK4':
      case 'IK4':
        return this.onAk4(seg, pos);
      case 'CTX':
        return this.onCtx(seg, pos);
      case 'AK5':
      case 'IK5':
        return this.onAk5(seg, pos);
      case 'AK9':
        return this.onAk9(seg, pos);
      default:
        if (this.unexpected++ < 20) p(pos, tag, `not a ${this.kind} segment: ignored`);
    }
  }

  private onAk1(seg: SegmentView, pos: number): void {
    if (this.ak1Seen) {
      this.problem(pos, 'AK1', `a second AK1 in one ${this.kind}: ignored`);
      return;
    }
    this.ak1Seen = true;
    const controlNumber = opt(seg, 2);
    if (controlNumber === undefined) {
      this.problem(pos, 'AK1', 'AK102 (the group control number answered) is missing');
      return;
    }
    this.group = { controlNumber };
    const fid = opt(seg, 1);
    if (fid !== undefined) this.group.functionalId = fid;
    const version = opt(seg, 3);
    if (version !== undefined) this.group.version = version;
  }

  private closeTransaction(): void {
    const open = this.tx;
    this.tx = null;
    this.seg = null;
    this.lastError = null;
    if (open && !open.closed) this.problem(open.position, 'AK2', `no ${this.kind === '999' ? 'IK5' : 'AK5'} for transaction set ${open.t.controlNumber}: its answer is unknown, not listed`);
  }

  private onAk2(seg: SegmentView, pos: number): void {
    this.closeTransaction();
    if (!this.ak1Seen) this.problem(pos, 'AK2', 'AK2 before AK1');
    const controlNumber = opt(seg, 2);
    if (controlNumber === undefined) {
      this.problem(pos, 'AK2', 'AK202 (the transaction set control number answered) is missing: this set is not read');
      return;
    }
    // Status is set by AK5; until then the set is "not closed" and left out if AK5 never comes.
    const t: ReceivedAckTransaction = { controlNumber, status: 'rejected', errors: [] };
    const type = opt(seg, 1);
    if (type !== undefined) t.type = type;
    const impl = opt(seg, 3);
    if (impl !== undefined) t.implementationReference = impl;
    this.tx = { t, position: pos, closed: false };
  }

  private onAk3(seg: SegmentView, pos: number): void {
    const tag = seg.tag;
    this.seg = null;
    this.lastError = null;
    if (!this.tx || this.tx.closed) {
      this.problem(pos, tag, `${tag} outside an AK2 loop: ignored`);
      return;
    }
    const segmentTag = opt(seg, 1);
    const segmentPosition = position(seg.value(2).trim());
    if (segmentTag === undefined && segmentPosition === undefined) {
      this.problem(pos, tag, `${tag}01 and ${tag}02 are missing: the segment in error cannot be located`);
      return;
    }
    const open: OpenSegment = { tag: segmentTag ?? '', position: segmentPosition ?? 0 };
    const loopId = opt(seg, 3);
    if (loopId !== undefined) open.loopId = loopId;
    const code = opt(seg, 4);
    if (code !== undefined) {
      const e: AckError = { level: 'segment', code };
      if (segmentTag !== undefined) e.segmentTag = segmentTag;
      if (segmentPosition !== undefined) e.segmentPosition = segmentPosition;
      if (loopId !== undefined) e.loopId = loopId;
      open.error = e;
      this.tx.t.errors.push(e);
      this.lastError = e;
    } else if (this.kind === '999') this.problem(pos, tag, 'IK304 (segment syntax error code) is missing');
    this.seg = open;
  }

  private onAk4(seg: SegmentView, pos: number): void {
    const tag = seg.tag;
    this.lastError = null;
    if (!this.tx || this.tx.closed || !this.seg) {
      this.problem(pos, tag, `${tag} without a preceding ${this.kind === '999' ? 'IK3' : 'AK3'}: ignored`);
      return;
    }
    const element = position(seg.value(1, 1).trim());
    const code = opt(seg, 3);
    if (element === undefined || code === undefined) {
      this.problem(pos, tag, `${tag}01-1 (element position) or ${tag}03 (error code) is missing or invalid: ignored`);
      return;
    }
    const e: AckError = { level: 'element', code, elementPosition: element };
    if (this.seg.tag !== '') e.segmentTag = this.seg.tag;
    if (this.seg.position > 0) e.segmentPosition = this.seg.position;
    if (this.seg.loopId !== undefined) e.loopId = this.seg.loopId;
    const component = position(seg.value(1, 2).trim());
    if (component !== undefined) e.componentPosition = component;
    const repetition = position(seg.value(1, 3).trim());
    if (repetition !== undefined) e.repetitionPosition = repetition;
    const ref = opt(seg, 2);
    if (ref !== undefined) e.elementReference = ref;
    // AK404 is a copy of the bad data: kept as sent (spaces included), only an empty one is absent.
    const bad = seg.value(4);
    if (bad !== '') e.badValue = bad;
    this.tx.t.errors.push(e);
    this.lastError = e;
  }

  private onCtx(seg: SegmentView, pos: number): void {
    if (this.kind !== '999') {
      this.problem(pos, 'CTX', 'CTX is a 999 segment: ignored');
      return;
    }
    // CTX01 is C998: context name, then reference; business unit CTX (BEG03, BIG02) has both.
    const name = seg.value(1, 1).trim();
    const ref = seg.value(1, 2).trim();
    const text = `context ${name}${ref !== '' ? `=${ref}` : ''}`;
    if (this.lastError) withContext(this.lastError, text);
    else if (!this.seg) this.problem(pos, 'CTX', 'CTX outside an IK3 loop: ignored');
  }

  private onAk5(seg: SegmentView, pos: number): void {
    const tag = seg.tag;
    this.seg = null;
    this.lastError = null;
    const open = this.tx;
    if (!open || open.closed) {
      this.problem(pos, tag, `${tag} without AK2: ignored`);
      return;
    }
    const code = seg.value(1).trim();
    const status = TX_STATUS[code];
    if (status === undefined) {
      this.problem(pos, tag, `${tag}01 "${code}" is not A, E, M, R, W or X: set ${open.t.controlNumber} counted as rejected`);
    }
    open.t.status = status ?? 'rejected';
    for (let e = 2; e <= 6; e++) {
      const c = opt(seg, e);
      if (c !== undefined) open.t.errors.push({ level: 'transaction', code: c });
    }
    open.closed = true;
    this.txs.push(open.t);
  }

  private onAk9(seg: SegmentView, pos: number): void {
    this.closeTransaction();
    const code = seg.value(1).trim();
    const status = GROUP_STATUS[code];
    if (status === undefined) {
      this.problem(pos, 'AK9', `AK901 "${code}" is not A, E, P, R, M, W or X: the group answer is read from the AK5s`);
    }
    const errors: AckError[] = [];
    for (let e = 5; e <= 9; e++) {
      const c = opt(seg, e);
      if (c !== undefined) errors.push({ level: 'group', code: c });
    }
    const included = count(seg.value(2).trim());
    const received = count(seg.value(3).trim());
    const accepted = count(seg.value(4).trim());
    const ak9: NonNullable<FunctionalAckReader['ak9']> = { code, status: status ?? statusFromTransactions(this.txs) ?? 'rejected', errors };
    if (included !== undefined && received !== undefined && accepted !== undefined) {
      if (accepted > received) this.problem(pos, 'AK9', `AK904 (${accepted} accepted) exceeds AK903 (${received} received): counts not kept`);
      else ak9.counts = { included, received, accepted };
    } else this.problem(pos, 'AK9', 'AK902, AK903 or AK904 is missing or not a number: counts not kept');
    this.ak9 = ak9;
  }

  end(): ReceivedAck[] {
    this.closeTransaction();
    if (!this.group) {
      this.problem(1, 'ST', `no usable AK1: this ${this.kind} names no group of ours and is not read`);
      return [];
    }
    let status: GroupStatus;
    let code: string;
    let counts: ReceivedAck['counts'];
    let errors: AckError[] = [];
    if (this.ak9) {
      ({ status, code, counts, errors } = this.ak9);
    } else {
      const derived = statusFromTransactions(this.txs);
      if (derived === undefined) {
        this.problem(1, 'ST', `no AK9 and no answered transaction set: this ${this.kind} says nothing readable and is not read`);
        return [];
      }
      this.problem(1, 'ST', `AK9 is missing: the group answer (${derived}) is derived from the ${this.kind === '999' ? 'IK5' : 'AK5'}s`);
      status = derived;
      code = '';
    }
    const ack: ReceivedAck = {
      type: this.kind,
      standard: 'x12',
      from: this.env.from,
      to: this.env.to,
      ackInterchange: this.env.ackInterchange,
      test: this.env.test,
      refers: { group: this.group },
      status,
      code,
      errors,
    };
    if (this.env.ackGroup !== undefined) ack.ackGroup = this.env.ackGroup;
    if (this.env.ackMessage !== undefined) ack.ackMessage = this.env.ackMessage;
    if (this.txs.length > 0) ack.refers.transactions = this.txs;
    if (counts) ack.counts = counts;
    return [ack];
  }
}

/** A reader for one 997 or 999 transaction set. */
export function functionalAckReader(kind: '997' | '999', env: AckEnvelope, problem: ProblemSink): AckMessageReader {
  return new FunctionalAckReader(kind, env, problem);
}
