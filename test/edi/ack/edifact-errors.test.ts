/** One EDIFACT error of each kind, and the exact CONTRL it gets. */
import { ack, body, expectValidAcks, fixture, replaceOnce } from './helpers';

const ORDERS = 'edifact/D96A/ORDERS-unoa-una-release.edi';
const INVOIC = 'edifact/D96A/INVOIC-unoa-ung-group.edi';

/** A whole syntax 3 CONTRL answering the ORDERS fixture's interchange. */
function fullContrl(lines: string[]): string {
  const all = [
    "UNA:+.? '",
    "UNB+UNOA:3+8034567000012:14+8712345000014:14+261126:1530+1'",
    "UNH+1+CONTRL:D:3:UN'",
    ...lines.map((l) => l + "'"),
    `UNT+${lines.length + 2}+1'`,
    "UNZ+1+1'",
  ];
  return all.join('\n') + '\n';
}

describe('CONTRL for each kind of EDIFACT error', () => {
  test('accepted ORDERS: UCI and UCM with action 7, UCI echoes sender and recipient as received', async () => {
    const r = await ack(fixture(ORDERS));
    expect(r.acks.map((a) => [a.type, a.status])).toEqual([['CONTRL', 'accepted']]);
    expect(r.acks[0].text).toBe(fullContrl(['UCI+ORD0000521+8712345000014:14+8034567000012:14+7', 'UCM+ORD521+ORDERS:D:96A:UN+7']));
    expectValidAcks(r);
  });

  test('bad segment count (UNT 0074): UCM 4 with 29, the service segment UNT and element 1', async () => {
    const r = await ack(fixture('invalid/edifact-unt-count-wrong.edi'));
    expect(r.acks[0].text).toBe(fullContrl(['UCI+ORD0000521+8712345000014:14+8034567000012:14+7', 'UCM+ORD521+ORDERS:D:96A:UN+4+29+UNT+1']));
    expectValidAcks(r);
  });

  test('control number mismatch (UNZ 0020): rejected on UCI level, 28, UNZ element 2; nothing below', async () => {
    const r = await ack(fixture('invalid/edifact-unz-reference-mismatch.edi'));
    expect(r.acks[0].text).toBe(fullContrl(['UCI+ORD0000521+8712345000014:14+8034567000012:14+4+28+UNZ+2']));
    expect(r.acks[0].status).toBe('rejected');
    expectValidAcks(r);
  });

  test('control number mismatch UNH/UNT: UCM 4 28 UNT 2', async () => {
    const r = await ack(replaceOnce(fixture(ORDERS), "UNT+31+ORD521'", "UNT+31+ORD522'"));
    expect(body(r.acks[0].text)).toEqual(['UCI+ORD0000521+8712345000014:14+8034567000012:14+7', 'UCM+ORD521+ORDERS:D:96A:UN+4+28+UNT+2']);
    expectValidAcks(r);
  });

  test('release character misuse: UCS at the segment position, UCD 22 at element 4 component 2', async () => {
    const r = await ack(fixture('invalid/edifact-release-character-misuse.edi'));
    expect(r.acks[0].text).toBe(fullContrl(['UCI+ORD0000521+8712345000014:14+8034567000012:14+7', 'UCM+ORD521+ORDERS:D:96A:UN+4', 'UCS+5', 'UCD+22+4:2']));
    expectValidAcks(r);
  });

  test('wrong character set (lower case under UNOA): UCD 21', async () => {
    const r = await ack(fixture('invalid/edifact-lowercase-under-unoa.edi'));
    expect(body(r.acks[0].text)).toEqual(['UCI+ORD0000521+8712345000014:14+8034567000012:14+7', 'UCM+ORD521+ORDERS:D:96A:UN+4', 'UCS+7', 'UCD+21+6']);
    expectValidAcks(r);
  });

  test('invalid UTF-8 under UNOY (syntax 4, UNA =*,? ~): CONTRL:4:1 in the partner delimiters', async () => {
    const r = await ack(fixture('invalid/edifact-invalid-utf8-under-unoy.edi'));
    expect(r.acks[0].text).toBe(
      [
        'UNA=*,? ~',
        'UNB*UNOY=4*4012345000009=14*8034567000012=14*20261126=1530*1~',
        'UNH*1*CONTRL=4=1=UN~',
        'UCI*VV24000388*8034567000012=14*4012345000009=14*7~',
        'UCM*F388*INVOIC=D=01B=UN*4~',
        'UCS*6~',
        'UCD*21*6~',
        'UNT*6*1~',
        'UNZ*1*1~',
        '',
      ].join('\n'),
    );
    expectValidAcks(r);
  });

  test('missing mandatory segment (BGM): UCS 13', async () => {
    let text = replaceOnce(fixture(ORDERS), "BGM+220+PO-2024-0521+9'\n", '');
    text = replaceOnce(text, "UNT+31+ORD521'", "UNT+30+ORD521'");
    const r = await ack(text);
    expect(body(r.acks[0].text)).toEqual(['UCI+ORD0000521+8712345000014:14+8034567000012:14+7', 'UCM+ORD521+ORDERS:D:96A:UN+4', 'UCS+2+13']);
    expectValidAcks(r);
  });

  test('unknown segment: UCS 15', async () => {
    let text = replaceOnce(fixture(ORDERS), "BGM+220+PO-2024-0521+9'\n", "BGM+220+PO-2024-0521+9'\nQQX+1'\n");
    text = replaceOnce(text, "UNT+31+ORD521'", "UNT+32+ORD521'");
    const r = await ack(text);
    expect(body(r.acks[0].text)).toEqual(['UCI+ORD0000521+8712345000014:14+8034567000012:14+7', 'UCM+ORD521+ORDERS:D:96A:UN+4', 'UCS+3+15']);
    expectValidAcks(r);
  });

  test('two elements too long in one segment: one UCS, UCD 39 for each (D96A ships no code lists: no 12 here)', async () => {
    const r = await ack(replaceOnce(fixture(ORDERS), "BGM+220+PO-2024-0521+9'", "BGM+220+PO-2024-0521-AND-A-VERY-LONG-SUFFIX-BEYOND-35+9999'"));
    expect(body(r.acks[0].text)).toEqual(['UCI+ORD0000521+8712345000014:14+8034567000012:14+7', 'UCM+ORD521+ORDERS:D:96A:UN+4', 'UCS+2', 'UCD+39+2', 'UCD+39+3']);
    expectValidAcks(r);
  });

  test('group: UCF per group, UCM per message; a bad UNE count rejects the group on UCF level', async () => {
    const ok = await ack(fixture(INVOIC));
    expect(body(ok.acks[0].text)).toEqual([
      'UCI+INV0000044+8034567000012:14+8712345000014:14+7',
      'UCF+44+8034567000012:14+8712345000014:14+7',
      'UCM+INV1+INVOIC:D:96A:UN+7',
      'UCM+INV2+INVOIC:D:96A:UN+7',
    ]);
    const bad = await ack(replaceOnce(fixture(INVOIC), "UNE+2+44'", "UNE+3+44'"));
    expect(body(bad.acks[0].text)).toEqual(['UCI+INV0000044+8034567000012:14+8712345000014:14+7', 'UCF+44+8034567000012:14+8712345000014:14+4+29+UNE+1']);
    expect(bad.acks[0].status).toBe('rejected');
    expectValidAcks(ok);
    expectValidAcks(bad);
  });

  test('one message rejected in a group of two: partially accepted, only that message detailed with detail=errors', async () => {
    const text = replaceOnce(fixture(INVOIC), "BGM+381+VV-C-24-00093+9'", "BGM+381+VV-C-24-00093+9999'");
    const all = await ack(text);
    expect(all.acks[0].status).toBe('partially_accepted');
    expect(body(all.acks[0].text)).toEqual([
      'UCI+INV0000044+8034567000012:14+8712345000014:14+7',
      'UCF+44+8034567000012:14+8712345000014:14+7',
      'UCM+INV1+INVOIC:D:96A:UN+7',
      'UCM+INV2+INVOIC:D:96A:UN+4',
      'UCS+2',
      'UCD+39+3',
    ]);
    const errorsOnly = await ack(text, { policy: { detail: 'errors' } });
    expect(body(errorsOnly.acks[0].text)).toEqual(['UCI+INV0000044+8034567000012:14+8712345000014:14+7', 'UCF+44+8034567000012:14+8712345000014:14+7', 'UCM+INV2+INVOIC:D:96A:UN+4', 'UCS+2', 'UCD+39+3']);
    expectValidAcks(all);
    expectValidAcks(errorsOnly);
  });
});
