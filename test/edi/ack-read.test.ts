/** Reading partners' acknowledgments: round trips through acknowledge(), hand-written acks, malformed ones. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AckErrorSchema } from '../../src/canonical/functional-ack';
import { ackBytes, InMemoryControlNumbers, type GeneratedAck } from '../../src/edi/ack';
import { readAcks, type ReceivedAck } from '../../src/edi/ack-read';
import type { InterchangeHeader } from '../../src/edi/common/events';
import type { EdiIssue } from '../../src/edi/common/issues';
import { buildAperak } from '../../src/edi/edifact/ack/aperak';
import { validateBuffer, type GroupReport } from '../../src/edi/validate';
import { EdiReader } from '../../src/edi/reader';
import { ack, allFixtures, FIXTURES, fixture, NOW } from './ack/helpers';

interface Expected {
  errors: { code: string; ackX12?: string; ackEdifact?: string }[];
  knownIssue?: string;
}

function expected(path: string): Expected {
  return JSON.parse(readFileSync(join(FIXTURES, `${path}.expected.json`), 'utf8')) as Expected;
}

/** The codes a read ack reports at each level. */
function codes(a: ReceivedAck): { ack: string[]; tx: string[]; segment: string[]; element: string[] } {
  const all = (a.refers.transactions ?? []).flatMap((t) => t.errors);
  return {
    ack: a.errors.map((e) => e.code),
    tx: all.filter((e) => e.level === 'transaction').map((e) => e.code),
    segment: all.filter((e) => e.level === 'segment').map((e) => e.code),
    element: all.filter((e) => e.level === 'element').map((e) => e.code),
  };
}

/** The code a 997 / 999 carries for a finding, in the ack's version (004010 has no AK403 12 and 13). */
function x12Code(i: EdiIssue, kind: string, version: string): string | undefined {
  if (kind === '999') return i.ack.x12Impl ?? i.ack.x12;
  if (i.level === 'element' && version < '005010' && i.ack.x12 !== undefined && !/^([1-9]|10)$/.test(i.ack.x12)) return '6';
  return i.ack.x12;
}

function readBytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

async function* chunks(buf: Buffer, size: number): AsyncIterable<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

const LEVEL_OF_TX_FINDING: Record<string, keyof ReturnType<typeof codes>> = { transaction: 'tx', segment: 'segment', element: 'element' };

describe('round trip: acknowledge() every fixture, then readAcks() what it wrote', () => {
  const files = allFixtures();

  test.each(files)('%s', async (path) => {
    const input = readFileSync(join(FIXTURES, path));
    const generated = await ack(input);
    const report = validateBuffer(input);
    const exp = expected(path);
    for (const g of generated.acks) {
      const read = await readAcks(ackBytes(g));
      expect(read.problems).toEqual([]);
      expect(read.interchanges).toBe(1);
      for (const a of read.acks) {
        expect(a.type).toBe(g.type);
        expect(a.ackInterchange).toBe(g.controlNumber.padStart(g.type === 'CONTRL' ? 0 : 9, '0'));
        // The ack goes back to whoever sent the fixture.
        const ic = report.interchanges.find((i) => i.controlNumber === g.interchange);
        if (ic) expect(a.to.id).toBe(ic.sender.id.trim());
        for (const e of [...a.errors, ...(a.refers.transactions ?? []).flatMap((t) => t.errors)]) expect(AckErrorSchema.safeParse(e).success).toBe(true);
      }
      if (g.type === 'TA1') checkTa1(g, read.acks, report.errors);
      else if (g.type === '997' || g.type === '999') checkFunctional(g, read.acks, report.interchanges.find((i) => i.controlNumber === g.interchange)?.groups ?? [], report.errors);
      else checkContrl(g, read.acks, report.errors);
    }
    // Every error the fixture documents (and the validator finds) shows up in the acks read back.
    if (exp.knownIssue === undefined && generated.acks.length > 0) {
      const reads = await Promise.all(generated.acks.map((g) => readAcks(ackBytes(g))));
      const allCodes = reads.flatMap((r) => r.acks).flatMap((a) => Object.values(codes(a)).flat());
      for (const e of exp.errors) {
        const code = generated.acks[0].type === 'CONTRL' ? e.ackEdifact : e.ackX12;
        if (code !== undefined) expect({ finding: e.code, codes: allCodes }).toEqual({ finding: e.code, codes: expect.arrayContaining([code]) });
      }
    }
  });

  function checkTa1(g: GeneratedAck, acks: ReceivedAck[], errors: EdiIssue[]): void {
    expect(acks).toHaveLength(1);
    const a = acks[0];
    expect(a.refers.interchange).toBe(g.interchange.padStart(9, '0'));
    expect(a.status).toBe(g.status);
    expect(a.code).toBe({ accepted: 'A', accepted_with_errors: 'E', rejected: 'R' }[a.status as string]);
    if (a.status === 'accepted') expect(a.errors).toEqual([]);
    else {
      const interchangeCodes = errors.filter((e) => e.level === 'interchange' && e.interchange === g.interchange).map((e) => e.ack.x12);
      // A rejection without an interchange finding is the structural one (ST outside GS, bad GS): 024.
      expect(a.errors).toEqual([{ level: 'interchange', code: interchangeCodes[0] ?? '024' }]);
    }
  }

  function checkFunctional(g: GeneratedAck, acks: ReceivedAck[], groups: GroupReport[], errors: EdiIssue[]): void {
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) {
      const grp = groups.find((x) => x.controlNumber === a.refers.group?.controlNumber);
      expect(grp).toBeDefined();
      if (!grp) continue;
      expect(a.refers.group?.functionalId).toBe(grp.functionalId);
      expect(a.counts?.received).toBe(grp.transactions.length);
      const groupErrors = errors.filter((e) => e.level === 'group' && e.group === grp.controlNumber).map((e) => e.ack.x12);
      expect(a.errors.map((e) => e.code)).toEqual([...new Set(groupErrors)].slice(0, 5));
      if (groupErrors.length > 0) {
        expect(a.status).toBe('rejected');
        expect(a.counts?.accepted).toBe(0);
      } else {
        // Every set is listed (detail "all"), in order, with the answer its validation deserves.
        expect(a.refers.transactions?.map((t) => t.controlNumber)).toEqual(grp.transactions.map((t) => t.controlNumber));
        expect(a.refers.transactions?.map((t) => t.status)).toEqual(grp.transactions.map((t) => (t.valid ? 'accepted' : 'rejected')));
        expect(a.counts?.accepted).toBe(grp.transactions.filter((t) => t.valid).length);
        for (const t of a.refers.transactions ?? []) {
          expect(t.type).toBe(grp.transactions.find((x) => x.controlNumber === t.controlNumber)?.id);
          const found = errors.filter((e) => e.group === grp.controlNumber && e.transaction === t.controlNumber && LEVEL_OF_TX_FINDING[e.level]);
          const mine = codes({ ...a, errors: [], refers: { transactions: [t] } });
          for (const f of found) {
            const c = x12Code(f, g.type, grp.version);
            if (c !== undefined) expect(mine[LEVEL_OF_TX_FINDING[f.level]]).toContain(c);
          }
        }
      }
    }
    if (acks.length === 1) expect(acks[0].status).toBe(g.status);
  }

  function checkContrl(g: GeneratedAck, acks: ReceivedAck[], errors: EdiIssue[]): void {
    const top = acks.find((a) => a.refers.group === undefined);
    expect(top).toBeDefined();
    if (!top) return;
    expect(top.refers.interchange).toBe(g.interchange);
    expect(top.status).toBe(g.status);
    const interchangeErrors = errors.filter((e) => e.level === 'interchange' && e.ack.edifact !== undefined);
    if (interchangeErrors.length > 0) {
      expect(top.code).toBe('4');
      expect(top.errors[0].code).toBe(interchangeErrors[0].ack.edifact);
      expect(acks).toHaveLength(1);
      return;
    }
    expect(top.code).toBe('7');
    for (const t of acks.flatMap((a) => a.refers.transactions ?? [])) {
      const found = errors.filter((e) => e.transaction === t.controlNumber && LEVEL_OF_TX_FINDING[e.level] && e.ack.edifact !== undefined);
      expect(t.status).toBe(found.length > 0 ? 'rejected' : 'accepted');
      const mine = codes({ ...top, errors: [], refers: { transactions: [t] } });
      for (const f of found) expect(mine[LEVEL_OF_TX_FINDING[f.level]]).toContain(f.ack.edifact);
    }
  }

  test('the fixtures exercise every ack type and both verdicts', async () => {
    const seen = new Set<string>();
    for (const path of files) {
      const r = await ack(readFileSync(join(FIXTURES, path)));
      for (const g of r.acks) seen.add(`${g.type} ${g.status}`);
    }
    expect([...seen].sort()).toEqual(expect.arrayContaining(['997 accepted', '997 rejected', '999 accepted', 'CONTRL accepted', 'CONTRL rejected', 'TA1 rejected']));
  });

  test('TA1 requested by ISA14 and accepted, next to its 997: two acks read, both naming the interchange', async () => {
    const text = fixture('x12/004010/850-purchase-order.edi').replace(/\*0\*P\*>~/, '*1*P*>~');
    const g = await ack(text);
    expect(g.acks.map((a) => a.type)).toEqual(['TA1', '997']);
    const read = await readAcks(Buffer.concat(g.acks.map(ackBytes)));
    expect(read.problems).toEqual([]);
    expect(read.interchanges).toBe(2);
    expect(read.acks.map((a) => [a.type, a.status, a.refers.interchange ?? a.refers.group?.controlNumber])).toEqual([
      ['TA1', 'accepted', '000000101'],
      ['997', 'accepted', '101'],
    ]);
  });

  test('999 for a 005010 group with errors: IK3/IK4 positions, bad data and the CTX business unit come back', async () => {
    const text = fixture('x12/005010/810-invoice.edi').replace('BIG*20240517*', 'BIG*20241332*');
    const g = await ack(text);
    if (g.acks[0].type !== '999') throw new Error(`expected a 999, got ${g.acks.map((a) => a.type).join(',')}: ${g.notes.join('; ')}`);
    const read = await readAcks(ackBytes(g.acks[0]));
    expect(read.problems).toEqual([]);
    const tx = read.acks[0].refers.transactions?.[0];
    expect(tx?.status).toBe('rejected');
    const el = tx?.errors.find((e) => e.level === 'element');
    expect(el).toMatchObject({ code: '8', badValue: '20241332', elementPosition: expect.any(Number), segmentTag: expect.any(String), segmentPosition: expect.any(Number) });
    expect(tx?.errors.find((e) => e.level === 'segment')?.description ?? '').toMatch(/^context BIG02=/);
    expect(tx?.errors.filter((e) => e.level === 'transaction').map((e) => e.code)).toEqual(['5']);
  });
});

describe('the ack fixtures as partners send them', () => {
  test('997 after a BOM: accepted, names group 101 and set 0001', async () => {
    const r = await readAcks(readFileSync(join(FIXTURES, 'x12/004010/997-functional-ack-bom.edi')));
    expect(r.problems).toEqual([]);
    expect(r.acks).toEqual([
      {
        type: '997',
        standard: 'x12',
        from: { qualifier: 'ZZ', id: 'BRIGHTWATERVF' },
        to: { qualifier: 'ZZ', id: 'NORTHGATEIND' },
        ackInterchange: '000000208',
        ackGroup: '208',
        ackMessage: '0001',
        test: false,
        refers: { group: { functionalId: 'PO', controlNumber: '101' }, transactions: [{ controlNumber: '0001', type: '850', status: 'accepted', errors: [] }] },
        status: 'accepted',
        code: 'A',
        counts: { included: 1, received: 1, accepted: 1 },
        errors: [],
      },
    ]);
  });

  test('999 with AK9 P: one set accepted, one rejected with IK3 + CTX + IK4', async () => {
    const r = await readAcks(readFileSync(join(FIXTURES, 'x12/005010/999-implementation-ack.edi')));
    expect(r.problems).toEqual([]);
    const a = r.acks[0];
    expect(a).toMatchObject({ type: '999', status: 'partially_accepted', code: 'P', counts: { included: 2, received: 2, accepted: 1 } });
    expect(a.refers.group).toEqual({ functionalId: 'IN', controlNumber: '921', version: '005010' });
    expect(a.refers.transactions).toEqual([
      { controlNumber: '9210001', type: '810', status: 'accepted', errors: [] },
      {
        controlNumber: '9210002',
        type: '810',
        status: 'rejected',
        errors: [
          { level: 'segment', code: '8', segmentTag: 'IT1', segmentPosition: 14, loopId: 'IT1', description: 'context INVOICE LINE=3' },
          { level: 'element', code: '6', segmentTag: 'IT1', segmentPosition: 14, loopId: 'IT1', elementPosition: 4, elementReference: '212', badValue: '12,40' },
          { level: 'transaction', code: '5' },
        ],
      },
    ]);
  });

  test('CONTRL accepting an ORDERS interchange (UNH version 2:2)', async () => {
    const r = await readAcks(readFileSync(join(FIXTURES, 'edifact/D96A/CONTRL-accepting-orders.edi')));
    expect(r.problems).toEqual([]);
    expect(r.acks).toEqual([
      {
        type: 'CONTRL',
        standard: 'edifact',
        from: { qualifier: '14', id: '8034567000012' },
        to: { qualifier: '14', id: '8712345000014' },
        ackInterchange: 'CTL0000521',
        ackMessage: 'CTL521',
        test: false,
        refers: {
          interchange: 'ORD0000521',
          sender: { qualifier: '14', id: '8712345000014' },
          recipient: { qualifier: '14', id: '8034567000012' },
          transactions: [{ controlNumber: 'ORD521', type: 'ORDERS', status: 'accepted', errors: [] }],
        },
        status: 'accepted',
        code: '7',
        errors: [],
      },
    ]);
  });

  test('files without acks: other transactions are counted, nothing is read', async () => {
    const r = await readAcks(readFileSync(join(FIXTURES, 'x12/004010/810-invoice-two-interchanges.edi')));
    expect(r).toEqual({ acks: [], problems: [], interchanges: 2, otherTransactions: 2 });
  });
});

describe('hand-written acks from partners', () => {
  /** ISA with the given element separator, repetition, component separator and terminator. */
  function isa(control: string, e = '*', rep = 'U', comp = '>', term = '~', test = 'P'): string {
    return ['ISA', '00', '          ', '00', '          ', 'ZZ', 'ACMERETAIL     ', 'ZZ', 'NORTHGATEIND   ', '241002', '1130', rep, '00401', control, '0', test, comp].join(e) + term;
  }

  test('997 with | ^ and a newline terminator, AK9 P and mixed AK5 A / E / R', async () => {
    const t = '\n';
    const text = [
      isa('000004711', '|', 'U', '^', t).replace(/\n$/, ''),
      'GS|FA|ACMERETAIL|NORTHGATEIND|20241002|1130|4711|X|004010',
      'ST|997|0001',
      'AK1|PO|1205',
      'AK2|850|120501',
      'AK5|A',
      'AK2|850|120502',
      'AK3|PO1|7|PO1|8',
      'AK4|2^1|330|4|0',
      'AK5|E|5',
      'AK2|850|120503',
      'AK3|N1|9||3',
      'AK5|R|5',
      'AK9|P|3|3|2',
      'SE|13|0001',
      'GE|1|4711',
      'IEA|1|000004711',
      '',
    ].join(t);
    const r = await readAcks(Buffer.from(text));
    expect(r.problems).toEqual([]);
    expect(r.acks).toHaveLength(1);
    const a = r.acks[0];
    expect(a).toMatchObject({ type: '997', status: 'partially_accepted', code: 'P', ackInterchange: '000004711', from: { qualifier: 'ZZ', id: 'ACMERETAIL' }, counts: { included: 3, received: 3, accepted: 2 } });
    expect(a.refers.transactions?.map((x) => [x.controlNumber, x.status])).toEqual([
      ['120501', 'accepted'],
      ['120502', 'accepted_with_errors'],
      ['120503', 'rejected'],
    ]);
    expect(a.refers.transactions?.[1].errors).toEqual([
      { level: 'segment', code: '8', segmentTag: 'PO1', segmentPosition: 7, loopId: 'PO1' },
      { level: 'element', code: '4', segmentTag: 'PO1', segmentPosition: 7, loopId: 'PO1', elementPosition: 2, componentPosition: 1, elementReference: '330', badValue: '0' },
      { level: 'transaction', code: '5' },
    ]);
    expect(a.refers.transactions?.[2].errors).toEqual([
      { level: 'segment', code: '3', segmentTag: 'N1', segmentPosition: 9 },
      { level: 'transaction', code: '5' },
    ]);
  });

  test('several interchanges in one file, different delimiters: TA1 R, a 997 R with AK905, a test TA1 E', async () => {
    const text =
      isa('000000801') +
      'TA1*000000555*241001*0900*R*021~IEA*0*000000801~\n' +
      isa('000000802', '^', 'U', ':', "'") +
      "GS^FA^ACMERETAIL^NORTHGATEIND^20241002^1130^802^X^004010'ST^997^0001'AK1^IN^77'AK9^R^2^1^0^5'SE^4^0001'GE^1^802'IEA^1^000000802'\r\n" +
      isa('000000803', '*', 'U', '>', '~', 'T') +
      'TA1*000000556*241001*0905*E*010~IEA*0*000000803~';
    const r = await readAcks(Buffer.from(text));
    expect(r.problems).toEqual([]);
    expect(r.interchanges).toBe(3);
    expect(r.acks.map((a) => [a.type, a.ackInterchange, a.test, a.status, a.refers.interchange ?? a.refers.group?.controlNumber, a.errors.map((e) => `${e.level} ${e.code}`)])).toEqual([
      ['TA1', '000000801', false, 'rejected', '000000555', ['interchange 021']],
      ['997', '000000802', false, 'rejected', '77', ['group 5']],
      ['TA1', '000000803', true, 'accepted_with_errors', '000000556', ['interchange 010']],
    ]);
    expect(r.acks[1].counts).toEqual({ included: 2, received: 1, accepted: 0 });
    expect(r.acks[1].refers.transactions).toBeUndefined();
  });

  test('CONTRL with UNA =*,? ~ syntax 4: UCI 7, a UCF with a rejected UCM (UCS/UCD), a rejected UCF', async () => {
    const text =
      'UNA=*,? ~UNB*UNOY=4*4012345000009=14*8034567000012=14*20241012=1000*C77**CONTRL~' +
      'UNH*1*CONTRL=4=1=UN~' +
      'UCI*IC1001*8034567000012=14*4012345000009=14*7~' +
      'UCF*55*8034567000012*4012345000009*7~' +
      'UCM*M1*INVOIC=D=01B=UN*7~' +
      'UCM*M2*INVOIC=D=01B=UN*4~UCS*6*13~UCS*9~UCD*12*2=1~' +
      'UCF*56*8034567000012*4012345000009*4*29*UNE*1~' +
      'UNT*10*1~UNZ*1*C77~';
    const r = await readAcks(Buffer.from(text));
    expect(r.problems).toEqual([]);
    expect(r.acks.map((a) => [a.refers.interchange, a.refers.group?.controlNumber, a.status, a.code])).toEqual([
      ['IC1001', undefined, 'partially_accepted', '7'],
      ['IC1001', '55', 'partially_accepted', '7'],
      ['IC1001', '56', 'rejected', '4'],
    ]);
    expect(r.acks[1].refers.transactions).toEqual([
      { controlNumber: 'M1', type: 'INVOIC', status: 'accepted', errors: [] },
      {
        controlNumber: 'M2',
        type: 'INVOIC',
        status: 'rejected',
        errors: [
          { level: 'segment', code: '13', segmentPosition: 6 },
          { level: 'element', code: '12', segmentPosition: 9, elementPosition: 2, componentPosition: 1 },
        ],
      },
    ]);
    expect(r.acks[2].errors).toEqual([{ level: 'group', code: '29', segmentTag: 'UNE', elementPosition: 1 }]);
    expect(r.acks[0].test).toBe(false);
  });

  test('a CONTRL rejecting the interchange: UCI 4 with its UNB element', async () => {
    const text = "UNB+UNOC:3+SUPPLIER:ZZZ+US:ZZZ+241012:1000+9'UNH+1+CONTRL:D:3:UN'UCI+I55+US:ZZZ+SUPPLIER:ZZZ+4+12+UNB+3:1'UNT+3+1'UNZ+1+9'";
    const r = await readAcks(Buffer.from(text));
    expect(r.problems).toEqual([]);
    expect(r.acks[0]).toMatchObject({ status: 'rejected', code: '4', refers: { interchange: 'I55' }, errors: [{ level: 'interchange', code: '12', segmentTag: 'UNB', elementPosition: 3, componentPosition: 1 }] });
  });

  test('an input delivered one byte at a time reads the same', async () => {
    const buf = readFileSync(join(FIXTURES, 'x12/005010/999-implementation-ack.edi'));
    expect(await readAcks(chunks(buf, 1))).toEqual(await readAcks(buf));
  });
});

describe('malformed acks give problems, never throw', () => {
  const head = 'ISA*00*          *00*          *ZZ*ACMERETAIL     *ZZ*NORTHGATEIND   *241002*1130*U*00401*000000901*0*P*>~GS*FA*ACMERETAIL*NORTHGATEIND*20241002*1130*901*X*004010~';
  const tail = (n: number) => `SE*${n}*0001~GE*1*901~IEA*1*000000901~`;

  test('997 without AK9: a problem naming the message, the answer derived from the AK5s', async () => {
    const r = await readAcks(readBytes(head + 'ST*997*0001~AK1*PO*1205~AK2*850*120501~AK5*A~AK2*850*120502~AK5*R*4~' + tail(7)));
    expect(r.acks).toHaveLength(1);
    expect(r.acks[0]).toMatchObject({ status: 'partially_accepted', code: '', refers: { group: { controlNumber: '1205' } } });
    expect(r.acks[0].counts).toBeUndefined();
    expect(r.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^interchange 000000901 group 901 997 0001: segment 1 \(ST\): AK9 is missing/)]));
    expect(r.acks[0].problems).toEqual(r.problems);
  });

  test('997 without AK1: not read, one problem per fault', async () => {
    const r = await readAcks(readBytes(head + 'ST*997*0001~AK2*850*120501~AK5*A~AK9*A*1*1*1~' + tail(5)));
    expect(r.acks).toEqual([]);
    expect(r.problems.some((p) => /segment 2 \(AK2\): AK2 before AK1/.test(p))).toBe(true);
    expect(r.problems.some((p) => /no usable AK1/.test(p))).toBe(true);
  });

  test('AK2 without AK5, AK4 without AK3, bad AK501 and AK9 counts: every fault named by its position', async () => {
    const body = 'ST*997*0001~AK1*PO*1205~AK2*850*0001~AK4*1**7~AK2*850*0002~AK5*Q~AK9*A*x*1*1~';
    const r = await readAcks(readBytes(head + body + tail(8)), { validate: false });
    expect(r.acks).toHaveLength(1);
    expect(r.acks[0].refers.transactions).toEqual([{ controlNumber: '0002', type: '850', status: 'rejected', errors: [] }]);
    expect(r.problems.map((p) => p.replace(/^interchange 000000901 group 901 997 0001: segment /, '').replace(/:.*$/, ''))).toEqual(['4 (AK4)', '3 (AK2)', '6 (AK5)', '7 (AK9)']);
    // With validation on, the definition's findings come on top of the reader's.
    const checked = await readAcks(readBytes(head + body + tail(8)));
    expect(checked.problems.length).toBeGreaterThan(r.problems.length);
  });

  test('TA1 with an unknown TA104 and an empty TA101: problems, not acks', async () => {
    const r = await readAcks(readBytes(head.replace(/GS.*$/, '') + 'TA1*000000555*241001*0900*Z*000~TA1**241001*0900*A*000~IEA*0*000000901~'));
    expect(r.acks).toEqual([]);
    expect(r.problems).toHaveLength(2);
    expect(r.problems[0]).toMatch(/^interchange 000000901 TA1 \(file segment 2\): TA1: TA104 "Z"/);
  });

  test('a truncated ack: the envelope problems are listed and whatever could be read is returned', async () => {
    const r = await readAcks(readBytes(head + 'ST*997*0001~AK1*PO*1205~AK2*850*120501~AK5*A~AK9*A*1*1*1~'));
    expect(r.acks.map((a) => a.status)).toEqual(['accepted']);
    expect(r.problems.some((p) => /trailer_missing/.test(p))).toBe(true);
  });

  test('CONTRL without UCI and an APERAK naming nothing: not read, with problems', async () => {
    const text = "UNB+UNOC:3+P:ZZZ+US:ZZZ+241012:1000+1'UNH+1+CONTRL:D:3:UN'UCM+M1+ORDERS:D:96A:UN+7'UNT+3+1'UNH+2+APERAK:D:96A:UN'BGM+313+A1+27'ERC+X1'UNT+4+2'UNZ+2+1'";
    const r = await readAcks(Buffer.from(text));
    expect(r.acks).toEqual([]);
    expect(r.problems.some((p) => /CONTRL 1: segment 2 \(UCM\): before UCI/.test(p))).toBe(true);
    expect(r.problems.some((p) => /APERAK 2: .*cannot be matched/.test(p))).toBe(true);
  });

  test('not EDI at all: a problem, no throw', async () => {
    const r = await readAcks(Buffer.from('hello, this is not an acknowledgment'));
    expect(r.acks).toEqual([]);
    expect(r.problems).toEqual([expect.stringMatching(/file.not_edi/)]);
  });
});

describe('APERAK from partners', () => {
  test('a CONTRL and an APERAK for the same ORDERS in one file: syntax accepted, application rejected, both matched', async () => {
    const orders = fixture('edifact/D96A/ORDERS-unoa-una-release.edi');
    const g = await ack(orders);
    const headers: InterchangeHeader[] = [];
    const reader = new EdiReader({ interchangeStart: (h) => headers.push(h) });
    reader.write(Buffer.from(orders, 'latin1'));
    reader.end();
    const aperak = buildAperak(headers[0], { reference: 'ORD521', type: 'ORDERS', version: 'D96A', documentNumber: 'PO-2024-0521' }, [{ code: 'PRD01', text: 'unknown product' }], {
      controlNumbers: new InMemoryControlNumbers(100),
      now: NOW,
    });
    const r = await readAcks(Buffer.concat([ackBytes(g.acks[0]), Buffer.from(aperak.text, aperak.encoding)]));
    expect(r.problems).toEqual([]);
    expect(r.interchanges).toBe(2);
    expect(r.acks.map((a) => [a.type, a.status, a.refers.interchange, a.refers.transactions?.map((t) => `${t.controlNumber} ${t.status}`)])).toEqual([
      ['CONTRL', 'accepted', 'ORD0000521', ['ORD521 accepted']],
      ['APERAK', 'rejected', undefined, ['ORD521 rejected']],
    ]);
    expect(r.acks[1].errors).toEqual([{ level: 'transaction', code: 'PRD01', description: 'UNKNOWN PRODUCT' }]);
  });

  test('EANCOM style: RFF+ON names the order, BGM 1225 27, ERC with FTX and a line reference', async () => {
    const text =
      "UNA:+.? 'UNB+UNOC:3+4012345000009:14+8034567000012:14+241012:1000+AP1'UNH+1+APERAK:D:96A:UN'BGM+313+AP-77+27'DTM+137:202410121000:203'" +
      "FTX+AAI+++Order could not be processed'RFF+ON:PO-2024-0521'DTM+171:20241010:102'NAD+MS+4012345000009::9'" +
      "ERC+PRD01'FTX+AAO+++Unknown article 4012345123456'RFF+ON:PO-2024-0521:3'ERC+PRC02'UNT+12+1'UNZ+1+AP1'";
    const r = await readAcks(Buffer.from(text));
    expect(r.problems).toEqual([]);
    expect(r.acks).toEqual([
      {
        type: 'APERAK',
        standard: 'edifact',
        from: { qualifier: '14', id: '4012345000009' },
        to: { qualifier: '14', id: '8034567000012' },
        ackInterchange: 'AP1',
        ackMessage: '1',
        test: false,
        refers: { document: { qualifier: 'ON', number: 'PO-2024-0521' } },
        status: 'rejected',
        code: '27',
        errors: [
          { level: 'transaction', code: 'PRD01', description: 'Unknown article 4012345123456; reference ON PO-2024-0521 line 3' },
          { level: 'transaction', code: 'PRC02' },
        ],
        text: 'Order could not be processed\nPRD01: Unknown article 4012345123456; reference ON PO-2024-0521 line 3',
      },
    ]);
  });

  test('BGM 4343 AP: an acknowledgement without errors is accepted', async () => {
    const text = "UNB+UNOC:3+P:ZZZ+US:ZZZ+241012:1000+1'UNH+1+APERAK:D:96A:UN'BGM+313+A1+9+AP'RFF+ACW:ORD521'UNT+4+1'UNZ+1+1'";
    const r = await readAcks(Buffer.from(text));
    expect(r.problems).toEqual([]);
    expect(r.acks[0]).toMatchObject({ status: 'accepted', code: 'AP', refers: { transactions: [{ controlNumber: 'ORD521', status: 'accepted', errors: [] }] } });
  });
});
