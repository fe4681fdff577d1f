/**
 * The independent reference for the differential test: a deliberately small splitter that works on the
 * whole decoded text, written from the standards' rules and not from our scanner.
 *
 * - X12: the delimiters come from each ISA by walking its 16 element separators (not fixed offsets):
 *   ISA16 is the component separator, the character after it the terminator, ISA11 the repetition
 *   separator when it is not alphanumeric. The ISA's own elements are not split.
 * - EDIFACT: UNA where present (at any interchange start), otherwise the defaults of the syntax level
 *   (`:+.? '`, `*` repetition for syntax version 4, information separators for UNB + IS3). The release
 *   character escapes the next character. UNA itself is not a segment.
 * - CR/LF between segments and inside segments (hard-wrapped files) are layout, unless a line break is
 *   the terminator; spaces and tabs before a segment are indentation.
 *
 * Output: one `[tag, element1, element2, ...]` per segment, components joined with ':' and repetitions
 * with '^' (the libraries.md normalisation).
 */
import { isUtf8 } from 'node:buffer';

export type NormSegment = string[];
export type CorpusStandard = 'x12' | 'edifact';

/** The libraries' input: UTF-8 BOM stripped, ISO-8859-1 decoding when the bytes are not valid UTF-8. */
export function normalizedText(bytes: Buffer): { text: string; utf8: boolean } {
  const b = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  const utf8 = isUtf8(b);
  return { text: b.toString(utf8 ? 'utf8' : 'latin1'), utf8 };
}

/** Join one element's repetitions and components the way the comparison expects. */
export function joinElement(repetitions: string[][]): string {
  return repetitions.map((c) => c.join(':')).join('^');
}

const isAlnum = (ch: string): boolean => /^[0-9A-Za-z]$/.test(ch);
const isLayout = (ch: string): boolean => ch === '\r' || ch === '\n' || ch === ' ' || ch === '\t';

interface X12Delims {
  element: string;
  component: string;
  repetition: string | null;
  terminator: string;
}

/** Delimiters of the ISA at p, or null when it is not a well-formed ISA. */
function isaDelimiters(text: string, p: number): X12Delims | null {
  const element = text[p + 3];
  if (element === undefined || isAlnum(element) || isLayout(element)) return null;
  const separators: number[] = [p + 3];
  for (let i = p + 4; i < text.length && separators.length < 16; i++) if (text[i] === element) separators.push(i);
  if (separators.length < 16) return null;
  const isa16At = separators[15] + 1;
  const component = text[isa16At];
  const terminator = text[isa16At + 1];
  if (component === undefined || terminator === undefined) return null;
  const isa11 = text.slice(separators[10] + 1, separators[11]);
  const repetition = isa11.length === 1 && !isAlnum(isa11) && isa11 !== ' ' ? isa11 : null;
  return { element, component, repetition, terminator };
}

function splitX12Segment(raw: string, d: X12Delims): NormSegment {
  const parts = raw.split(d.element);
  if (parts[0] === 'ISA') return parts;
  return [parts[0], ...parts.slice(1).map((e) => joinElement((d.repetition === null ? [e] : e.split(d.repetition)).map((r) => r.split(d.component))))];
}

/** Reference segments of an X12 text; throws when there is no ISA to take delimiters from. */
export function referenceX12(text: string): NormSegment[] {
  const out: NormSegment[] = [];
  let d: X12Delims | null = null;
  let p = 0;
  while (p < text.length) {
    while (p < text.length && isLayout(text[p]) && text[p] !== d?.terminator) p++;
    if (p >= text.length) break;
    if (text.startsWith('ISA', p)) {
      const found = isaDelimiters(text, p);
      if (found) d = found;
    }
    if (!d) throw new Error(`no ISA to take the delimiters from at ${p}`);
    const end = text.indexOf(d.terminator, p);
    const raw = (end < 0 ? text.slice(p) : text.slice(p, end)).replace(/[\r\n]/g, '');
    p = end < 0 ? text.length : end + d.terminator.length;
    const trimmed = end < 0 ? raw.replace(/\s+$/, '') : raw;
    if (trimmed !== '') out.push(splitX12Segment(trimmed, d));
  }
  return out;
}

interface EdifactDelims {
  element: string;
  component: string;
  release: string | null;
  repetition: string | null;
  terminator: string;
}

const DEFAULTS_V3: EdifactDelims = { component: ':', element: '+', release: '?', repetition: null, terminator: "'" };
const LEVEL_B: EdifactDelims = { component: '\x1f', element: '\x1d', release: null, repetition: '\x1e', terminator: '\x1c' };

/** Defaults for an interchange that starts with UNB at p (no UNA). */
function unbDefaults(text: string, p: number): EdifactDelims {
  if (text[p + 3] === '\x1d') return LEVEL_B;
  // UNB+UNOC:4 -> syntax version 4 adds '*' as repetition separator.
  const m = /^UNB\+[A-Z]{4}:(\d)/.exec(text.slice(p, p + 16));
  return m && Number(m[1]) >= 4 ? { ...DEFAULTS_V3, repetition: '*' } : DEFAULTS_V3;
}

/** Reference segments of an EDIFACT text; throws when it does not start with UNA or UNB. */
export function referenceEdifact(text: string): NormSegment[] {
  const out: NormSegment[] = [];
  let d: EdifactDelims = DEFAULTS_V3;
  let fromUna = false;
  let p = 0;
  const n = text.length;
  while (p < n) {
    while (p < n && isLayout(text[p]) && text[p] !== d.terminator) p++;
    if (p >= n) break;
    if (text.startsWith('UNA', p) && p + 9 <= n) {
      const at = (k: number) => text[p + 3 + k];
      d = { component: at(0), element: at(1), release: at(3) === ' ' ? null : at(3), repetition: at(4) === ' ' ? null : at(4), terminator: at(5) };
      fromUna = true;
      p += 9;
      continue;
    }
    if (out.length === 0 && !text.startsWith('UNB', p)) throw new Error(`no UNA/UNB interchange header at ${p}`);
    if (text.startsWith('UNB', p) && !fromUna) d = unbDefaults(text, p);
    // One segment, honouring the release character; unescaped line breaks are layout.
    const elements: string[][][] = [];
    let reps: string[][] = [];
    let comps: string[] = [];
    let cur = '';
    let terminated = false;
    for (; p < n; p++) {
      const ch = text[p];
      if (d.release !== null && ch === d.release) {
        if (p + 1 < n) cur += text[++p];
        continue;
      }
      if (ch === d.terminator) {
        terminated = true;
        p++;
        break;
      }
      if (ch === '\r' || ch === '\n') continue;
      if (ch === d.element) {
        comps.push(cur);
        reps.push(comps);
        elements.push(reps);
        reps = [];
        comps = [];
        cur = '';
      } else if (ch === d.component) {
        comps.push(cur);
        cur = '';
      } else if (d.repetition !== null && ch === d.repetition) {
        comps.push(cur);
        reps.push(comps);
        comps = [];
        cur = '';
      } else cur += ch;
    }
    if (!terminated) cur = cur.replace(/\s+$/, '');
    comps.push(cur);
    reps.push(comps);
    elements.push(reps);
    const tag = elements[0][0][0];
    if (!terminated && elements.length === 1 && tag === '') break;
    out.push([tag, ...elements.slice(1).map(joinElement)]);
    if (tag === 'UNZ') {
      // The next interchange brings its own UNA, or uses the defaults.
      fromUna = false;
      d = DEFAULTS_V3;
    }
  }
  return out;
}

/** The standard a normalised text starts with. */
export function standardOfText(text: string): CorpusStandard | null {
  const head = text.replace(/^[\s]+/, '').slice(0, 3);
  if (head === 'ISA') return 'x12';
  if (head === 'UNA' || head === 'UNB') return 'edifact';
  return null;
}

/** First difference between two segment lists, or null when equal. */
export function firstDifference(a: NormSegment[], b: NormSegment[], aName: string, bName: string): string | null {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined || x.length !== y.length || x.some((v, k) => v !== y[k])) {
      return `segment #${i}: ${aName} ${JSON.stringify(x)} / ${bName} ${JSON.stringify(y)} (${a.length} / ${b.length} segments)`;
    }
  }
  return null;
}
