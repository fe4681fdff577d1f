/** AckCollector bounds, streaming, control numbers and the builders' bounds. */
import { Readable } from 'node:stream';
import { AckCollector, acknowledge, CONTROL_NUMBER_MAX, InMemoryControlNumbers, type ControlNumbers } from '../../../src/edi/ack';
import { ack, body, expectValidAcks, fixture, NOW, replaceOnce } from './helpers';

const PO = 'x12/004010/850-purchase-order.edi';

/** The 850 fixture with `n` extra bad PID segments (PID01 Q) after the last PO1 line. */
function manyBadSegments(n: number): string {
  const text = fixture(PO);
  const i = text.indexOf('CTT*');
  const extra = 'PID*Q****EXTRA~\n'.repeat(n);
  const se = text.match(/SE\*(\d+)\*0001~/) as RegExpMatchArray;
  return (text.slice(0, i) + extra + text.slice(i)).replace(se[0], `SE*${Number(se[1]) + n}*0001~`);
}

describe('AckCollector', () => {
  test('keeps per transaction only its findings, bounded', () => {
    const c = new AckCollector({ maxSegmentFindings: 50 });
    c.write(Buffer.from(manyBadSegments(400), 'latin1'));
    c.end();
    const tx = c.interchanges[0].groups[0].transactions[0];
    expect(tx.segmentFindings.length).toBe(50);
    expect(tx.droppedFindings).toBeGreaterThan(300);
    expect(tx).not.toHaveProperty('segments');
  });

  test('a huge set: at most 100 AK3 loops, still a valid 997 that rejects it', async () => {
    const r = await ack(manyBadSegments(400));
    const lines = body(r.acks[0].text);
    expect(lines.filter((l) => l.startsWith('AK3')).length).toBe(100);
    expect(lines.slice(-2)).toEqual(['AK5*R*5', 'AK9*R*1*1*0']);
    expectValidAcks(r);
  });

  test('hands each interchange over when it ends and keeps nothing itself', () => {
    const seen: string[] = [];
    const c = new AckCollector({ onInterchange: (ic) => seen.push(ic.header.controlNumber) });
    c.write(Buffer.from(fixture('x12/004010/810-invoice-two-interchanges.edi'), 'latin1'));
    c.end();
    expect(seen).toEqual(['000000412', '000000431']);
    expect(c.interchanges).toEqual([]);
  });

  test('one byte at a time gives the same acks as the whole buffer', async () => {
    for (const f of ['invalid/x12-invalid-code.edi', 'edifact/D96A/INVOIC-unoa-ung-group.edi', 'invalid/edifact-release-character-misuse.edi']) {
      const buf = Buffer.from(fixture(f), 'latin1');
      const whole = await ack(buf);
      const bytes = Readable.from((function* () {
        for (let i = 0; i < buf.length; i++) yield buf.subarray(i, i + 1);
      })());
      const streamed = await acknowledge(bytes, { now: NOW, controlNumbers: new InMemoryControlNumbers() });
      expect(streamed).toEqual(whole);
    }
  });
});

describe('control numbers', () => {
  test('in memory: strictly increasing per partner and level, from 1', () => {
    const c = new InMemoryControlNumbers();
    expect([c.next('interchange', 'a'), c.next('interchange', 'a'), c.next('group', 'a'), c.next('interchange', 'b')]).toEqual([1, 2, 1, 1]);
  });

  test('wraps to 1 after the largest number the standard allows', () => {
    const c = new InMemoryControlNumbers(CONTROL_NUMBER_MAX.interchange);
    expect([c.next('interchange', 'p'), c.next('interchange', 'p')]).toEqual([999_999_999, 1]);
  });

  test('the acks use the numbers of the source given, per partner (sender of the received interchange)', async () => {
    const asked: string[] = [];
    const source: ControlNumbers = {
      next(level, partnerKey) {
        asked.push(`${level} ${partnerKey}`);
        return level === 'interchange' ? 4711 : level === 'group' ? 815 : 42;
      },
    };
    const r = await acknowledge(Buffer.from(fixture(PO), 'latin1'), { now: NOW, controlNumbers: source });
    expect(asked).toEqual(['interchange x12:ZZ:NORTHGATEIND', 'group x12:ZZ:NORTHGATEIND', 'transaction x12:ZZ:NORTHGATEIND']);
    expect(r.acks[0].controlNumber).toBe('000004711');
    expect(r.acks[0].text).toMatch(/\*000004711\*0\*P\*>~\nGS\*FA\*BRIGHTWATERVF\*NORTHGATEIND\*20261126\*1530\*815\*X\*004010~\nST\*997\*0042~/);
    const e = await acknowledge(Buffer.from(fixture('edifact/D96A/ORDERS-unoa-una-release.edi'), 'latin1'), { now: NOW, controlNumbers: source, partnerKey: 'nordhaven' });
    expect(e.acks[0].text).toMatch(/\+261126:1530\+4711'\nUNH\+42\+CONTRL:D:3:UN'/);
    expect(asked.slice(3)).toEqual(['interchange nordhaven', 'transaction nordhaven']);
  });

  test('a bad GS06 cannot be named in AK1: the interchange is answered by a TA1 R 024', async () => {
    let text = replaceOnce(fixture(PO), '*0915*101*X*004010~', '*0915*1O1*X*004010~');
    text = replaceOnce(text, 'GE*1*101~', 'GE*1*1O1~');
    const r = await ack(text);
    expect(r.acks.map((a) => a.type)).toEqual(['TA1']);
    expect(r.acks[0].text).toMatch(/TA1\*000000101\*240312\*0915\*R\*024~/);
    expectValidAcks(r);
  });
});
