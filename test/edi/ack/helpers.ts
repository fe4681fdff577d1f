/** Shared helpers of the acknowledgment tests. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ackBytes, acknowledge, InMemoryControlNumbers, type AcknowledgeOptions, type AcknowledgeResult } from '../../../src/edi/ack';
import { validateBuffer } from '../../../src/edi/validate';

export const NOW = new Date('2026-11-26T15:30:00Z');
export const FIXTURES = join(__dirname, '../../../fixtures/edi');

export function fixture(path: string): string {
  return readFileSync(join(FIXTURES, path), 'latin1');
}

/** Every fixture file (valid and invalid). */
export function allFixtures(): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((f) => {
      const p = join(d, f);
      return statSync(p).isDirectory() ? walk(p) : /\.(edi|bin)$/.test(f) ? [p] : [];
    });
  return walk(FIXTURES).map((p) => p.slice(FIXTURES.length + 1)).sort();
}

/** acknowledge() with a fixed clock and fresh in-memory control numbers. */
export function ack(input: string | Buffer, options: AcknowledgeOptions = {}): Promise<AcknowledgeResult> {
  const buf = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  return acknowledge(buf, { now: NOW, controlNumbers: new InMemoryControlNumbers(), ...options });
}

/** The segments of an ack text as lines without terminators (X12 `~` or EDIFACT `'`). */
export function segments(text: string, terminator = /[~']\n?|\n/): string[] {
  return text.split(terminator).filter((s) => s !== '');
}

/** The body of the first transaction set / message: from after ST/UNH to before SE/UNT. */
export function body(text: string): string[] {
  const segs = segments(text);
  const start = segs.findIndex((s) => /^(ST|UNH)[*+|]/.test(s));
  const end = segs.findIndex((s) => /^(SE|UNT)[*+|]/.test(s));
  return segs.slice(start + 1, end);
}

/** Every ack parses and validates with zero errors with our own validator. */
export function expectValidAcks(result: AcknowledgeResult): void {
  for (const a of result.acks) {
    const report = validateBuffer(ackBytes(a));
    expect({ type: a.type, errors: report.errors.map((e) => `${e.code} ${e.segmentId ?? ''}${e.element ?? ''}: ${e.message}`) }).toEqual({ type: a.type, errors: [] });
    expect(report.interchanges.length).toBe(1);
  }
}

/** Replace exactly one occurrence of `from` (fails loudly when the fixture changed). */
export function replaceOnce(text: string, from: string, to: string): string {
  const i = text.indexOf(from);
  if (i < 0 || text.indexOf(from, i + 1) >= 0) throw new Error(`"${from}" must occur exactly once`);
  return text.slice(0, i) + to + text.slice(i + from.length);
}
