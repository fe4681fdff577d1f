/**
 * Every ack generated for every fixture parses and validates with zero errors with our own validator (the
 * 997/999/CONTRL definitions are shipped), valid inputs get accepting acks, and random damage to the
 * fixtures never makes the ack builder fail or write an ack that does not validate.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ackBytes, type AckRequest } from '../../../src/edi/ack';
import { validateBuffer } from '../../../src/edi/validate';
import { ack, allFixtures, expectValidAcks, FIXTURES } from './helpers';

const TYPES: AckRequest[] = ['auto', 'TA1', '997', '999', 'CONTRL'];
const files = allFixtures();

describe.each(files)('%s', (file) => {
  const input = readFileSync(join(FIXTURES, file));

  test.each(TYPES)('--type %s: every ack validates with zero errors', async (type) => {
    const r = await ack(input, { type });
    expectValidAcks(r);
    for (const a of r.acks) expect(validateBuffer(ackBytes(a)).valid).toBe(true);
  });

  test('a valid input gets accepting acks only', async () => {
    if (!validateBuffer(input).valid) return;
    const r = await ack(input);
    for (const a of r.acks) {
      expect({ type: a.type, status: a.status }).toEqual({ type: a.type, status: 'accepted' });
      if (a.type === 'TA1') expect(a.text).toMatch(/TA1\*\d{9}\*\d{6}\*\d{4}\*A\*000/);
      if (a.type === '997' || a.type === '999') expect(a.text).toMatch(/AK9[*|]A[*|]/);
      if (a.type === 'CONTRL') expect(a.text).toMatch(/UCI[+*|][^']*[+*|]7['~]/);
    }
  });
});

test('every non-ack fixture gets at least one ack, every invalid EDI fixture a rejecting one', async () => {
  for (const file of files) {
    const input = readFileSync(join(FIXTURES, file));
    const r = await ack(input);
    const isAck = /997|999|CONTRL/.test(file);
    const notEdi = /empty|binary-garbage/.test(file);
    if (notEdi || isAck) {
      expect({ file, acks: r.acks.length }).toEqual({ file, acks: 0 });
      continue;
    }
    expect({ file, some: r.acks.length > 0 }).toEqual({ file, some: true });
    if (file.startsWith('invalid/')) expect({ file, statuses: r.acks.map((a) => a.status).filter((s) => s !== 'accepted').length > 0 }).toEqual({ file, statuses: true });
  }
});

describe('damaged inputs (property)', () => {
  const bases = files.filter((f) => !f.startsWith('invalid/')).map((f) => readFileSync(join(FIXTURES, f)));
  const printable = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.constantFrom(...Buffer.from("*~+':?>^|\\\n\r")), fc.integer({ min: 0x80, max: 0xff }));

  test('a byte replaced, deleted or the input cut: acknowledge never throws and its acks validate', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: bases.length - 1 }),
        fc.nat(),
        printable,
        fc.constantFrom('replace', 'delete', 'cut'),
        async (which, at, byte, how) => {
          const base = bases[which];
          const i = at % base.length;
          let input: Buffer;
          if (how === 'replace') input = Buffer.concat([base.subarray(0, i), Buffer.of(byte), base.subarray(i + 1)]);
          else if (how === 'delete') input = Buffer.concat([base.subarray(0, i), base.subarray(i + 1)]);
          else input = base.subarray(0, i);
          const r = await ack(input);
          expect(r.notes.filter((n) => n.includes('no acknowledgment could be written'))).toEqual([]);
          expectValidAcks(r);
        },
      ),
      { numRuns: 400 },
    );
  });
});
