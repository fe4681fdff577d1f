/**
 * Byte-exact round trip over the public sample corpus (../shared/corpus). Every file must come back
 * unchanged, except the documented exceptions listed below, each asserted to differ only in its way.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { roundTrip } from '../../../src/edi/roundtrip';
import { validateBuffer } from '../../../src/edi/validate';

const CORPUS = path.resolve(__dirname, '../../../../shared/corpus');

function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(dir, r)).isDirectory()) out.push(...listFiles(dir, r));
    else if (rel !== '') out.push(r); // SOURCES.md / SOURCES.tsv at the top are not samples
  }
  return out;
}

const CR = 0x0d;
const LF = 0x0a;

/** Drop CR/LF that sit inside a segment (not directly after a terminator or other layout). */
function unwrap(buf: Buffer, terminator: number): Buffer {
  const out: number[] = [];
  let layoutAllowed = true;
  for (const b of buf) {
    if (b === CR || b === LF) {
      if (layoutAllowed) out.push(b);
      continue;
    }
    out.push(b);
    layoutAllowed = b === terminator;
  }
  return Buffer.from(out);
}

/** Drop release characters that escape an ordinary character (not a separator, terminator or itself); the UNA is left alone. */
function dropUselessReleases(buf: Buffer, release: string, specials: string): Buffer {
  const start = buf.toString('latin1', 0, 3) === 'UNA' ? 9 : 0;
  const out: number[] = [...buf.subarray(0, start)];
  const rel = release.charCodeAt(0);
  const sp = new Set([...specials].map((c) => c.charCodeAt(0)));
  for (let i = start; i < buf.length; i++) {
    if (buf[i] === rel && i + 1 < buf.length && !sp.has(buf[i + 1]) && buf[i + 1] !== rel) continue;
    out.push(buf[i]);
    if (buf[i] === rel && i + 1 < buf.length) out.push(buf[++i]);
  }
  return Buffer.from(out);
}

const codesOf = (buf: Buffer) => {
  const r = validateBuffer(buf, { content: false });
  return [...r.errors, ...r.warnings].map((i) => i.code);
};

interface Exception {
  reason: string;
  check(original: Buffer, out: Buffer): void;
}

const notEdi: Exception = {
  reason: 'not EDI at all (no ISA / UNA / UNB at the start): nothing to write back',
  check(original, out) {
    expect(out.length).toBe(0);
    expect(codesOf(original)).toContain('file.not_edi');
  },
};

const EXCEPTIONS: Record<string, Exception> = {
  'x12/INVALID_edifabric_810_InvalidHeader.txt': notEdi, // starts "FSA*"
  'edifact/INVALID_edifabric_CorruptUnb.txt': notEdi, // BOM then "NB+"
  'edifact/INVALID_edifabric_INVOIC_D00A_InvalidHeader.txt': notEdi, // starts "FNB+"
  'x12/staedi_ts210_80char.edi': {
    reason: 'hard-wrapped at 80 columns: line breaks inside segments are not kept',
    check(original, out) {
      expect(out.toString('latin1')).toBe(unwrap(original, 0x7e).toString('latin1'));
      expect(codesOf(original)).toContain('file.line_break_in_segment');
    },
  },
  'edifact/phpedifact_example_multiline.edi': {
    reason: 'a line break inside an FTX segment is not kept',
    check(original, out) {
      expect(out.toString('latin1')).toBe(unwrap(original, 0x27).toString('latin1'));
      expect(codesOf(original)).toContain('file.line_break_in_segment');
    },
  },
  'edifact/staedi_wrapped_invoic_d97b_una.edi': {
    reason: 'hard-wrapped at 15 columns, and "?4" in UNB escapes an ordinary character',
    check(original, out) {
      expect(out.toString('latin1')).toBe(dropUselessReleases(unwrap(original, 0x7e), '?', '=*~').toString('latin1'));
      expect(codesOf(original)).toEqual(expect.arrayContaining(['file.line_break_in_segment', 'element.release_misuse']));
    },
  },
  'edifact/staedi_invoic_d97b_una.edi': {
    reason: '"?4" in UNB escapes an ordinary character: the useless release character is not kept',
    check(original, out) {
      expect(out.toString('latin1')).toBe(dropUselessReleases(original, '?', '=*~').toString('latin1'));
      expect(codesOf(original)).toContain('element.release_misuse');
    },
  },
  'edifact/edifabric_INVOIC_D00A_EscapedRepetition.txt': {
    reason: 'syntax 1 has no repetition separator, so "?*" escapes an ordinary character',
    check(original, out) {
      expect(out.toString('latin1')).toBe(dropUselessReleases(original, '?', ":+'").toString('latin1'));
    },
  },
  'edifact/phpedifact_example_order_error.edi': {
    reason: 'UNA without repetition separator, so "?*" escapes an ordinary character',
    check(original, out) {
      expect(out.toString('latin1')).toBe(dropUselessReleases(original, '?', ":+'").toString('latin1'));
    },
  },
};

if (!existsSync(CORPUS)) {
  describe('corpus round trip', () => {
    it('is skipped: the corpus folder is absent', () => {
      console.log(`corpus round trip skipped: ${CORPUS} does not exist`);
      expect(existsSync(CORPUS)).toBe(false);
    });
  });
} else {
  const files = listFiles(CORPUS);

  describe('corpus round trip', () => {
    it('finds the samples and every listed exception exists', () => {
      expect(files.length).toBeGreaterThan(50);
      for (const f of Object.keys(EXCEPTIONS)) expect(files).toContain(f);
    });

    it.each(files.filter((f) => !(f in EXCEPTIONS)))('%s comes back byte for byte', (f) => {
      const original = readFileSync(path.join(CORPUS, f));
      const out = roundTrip(original);
      if (!out.equals(original)) expect(out.toString('latin1')).toBe(original.toString('latin1'));
      expect(out.equals(original)).toBe(true);
    });

    it.each(Object.entries(EXCEPTIONS).map(([f, e]) => [f, e.reason, e] as const))('%s differs only because: %s', (f, _reason, e) => {
      const original = readFileSync(path.join(CORPUS, f));
      const out = roundTrip(original);
      expect(out.equals(original)).toBe(false);
      e.check(original, out);
    });
  });
}
