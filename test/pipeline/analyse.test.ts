import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { acknowledge, acknowledgeCollected, collectForAcks, InMemoryControlNumbers, type AckPolicy } from '../../src/edi/ack';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'edi');

function ediFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return ediFiles(path);
    return /\.(edi|x12|edifact|txt|bin)$/i.test(name) ? [path] : [];
  });
}

const files = ediFiles(FIXTURES);
const policies: [string, AckPolicy][] = [
  ['no policy', {}],
  ['a re-delivered interchange', { isDuplicate: () => true }],
  ['a partner in test mode', { usage: 'test' }],
  ['a re-delivered interchange of a partner in test mode', { usage: 'test', isDuplicate: () => true }],
  ['errors accepted', { transactionErrors: 'accept-with-errors', usage: 'production' }],
];

describe('acks in two halves (the checks on a worker, the numbering on the main thread)', () => {
  it('has fixtures to compare', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  describe.each(policies)('%s', (_name, policy) => {
    it.each(files.map((f) => [f.slice(FIXTURES.length + 1), f]))('%s: the same acks, notes and verdicts as acknowledge()', async (_rel, file) => {
      const bytes = readFileSync(file);
      const options = { policy, now: new Date('2026-11-26T10:00:00Z') };
      const whole = await acknowledge(bytes, { ...options, controlNumbers: new InMemoryControlNumbers(40) });
      const collected = await collectForAcks(bytes, { usage: policy.usage });
      // The records cross a thread boundary in the pipeline: what arrives is a structured clone.
      const halves = acknowledgeCollected(structuredClone(collected), { ...options, controlNumbers: new InMemoryControlNumbers(40) });
      expect(halves).toEqual(whole);
    });
  });
});
