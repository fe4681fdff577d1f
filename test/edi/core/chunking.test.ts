/** Chunk-boundary fuzzing: any split of the input gives exactly what the whole buffer gives. */
import fc from 'fast-check';
import { EdiReader } from '../../../src/edi/reader';
import { EdiValidator } from '../../../src/edi/validate';
import { collect, collectingHandler, splitAtPoints, x12Interchange, type Collected } from './helpers';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const ed = (s: string) => Buffer.from(s, 'utf8');

const fixtures: Record<string, Buffer> = {
  'X12 with BOM and CRLF layout': Buffer.concat([BOM, ed(x12Interchange({ lineBreak: '\r\n', groups: [[['PO1*1*10*EA*A>B^C>D', 'REF*ZZ*X']], [['N1*ST*NAME']]] }))]),
  'X12 with U+2026 terminator and leading white space': ed('\n  ' + x12Interchange({ terminator: '\u2026', component: ':', lineBreak: '\n', groups: [[['PO1*1*10*EA*A:B^C', 'MSG*caf\u00e9 \u65e5\u672c']]] })),
  'X12 two interchanges, missing IEA, different delimiters, garbage after': ed(
    x12Interchange({ lineBreak: '\n' }).replace(/IEA[^~]*~\n/, '') + x12Interchange({ control: '000000002', element: '|', component: ':', repetition: '!', lineBreak: '\r\n' }) + 'GARBAGE HERE\r\n',
  ),
  'X12 with LF terminator and CRLF layout, unterminated last segment': ed(x12Interchange({ terminator: '\n' }).replace(/\n/g, '\r\n').replace(/\r\n$/, '')),
  'X12 with errors (counts, control numbers, TA1 in group)': ed(
    x12Interchange({ lineBreak: '\n', groups: [[['BEG*00*SA*1'], ['BEG*00*SA*2']]] }).replace('SE*3*0001', 'SE*9*0001').replace('GE*2*1', 'GE*2*7').replace('ST*850*0002', 'TA1*000000001*240101*1200*A*000~\nST*850*0002'),
  ),
  'X12 hard-wrapped segments': ed(x12Interchange({ lineBreak: '\n', groups: [[['PO1*1*1\n0*EA*AB\r\nCD']]] })),
  'EDIFACT UNA with release characters everywhere': ed(
    "UNA:+.? '\r\nUNB+UNOC:4+SEN?+DER:ZZ+REC?:EIVER+20240101:1200+R?'1'\r\nUNH+1+ORDERS:D:96A:UN'\r\nFTX+AAI+++A?'B?+C?:D??E?*F:G*H??'\r\nNAD+BY+1?'2:9++N?+AME'\r\nUNT+4+1'\r\nUNZ+1+R?'1'\r\n",
  ),
  'EDIFACT non-default UNA, BOM, groups': Buffer.concat([
    BOM,
    ed("UNA=*,! ~UNB*UNOB=3*SENDER*RECEIVER*240101=1200*REF9~UNG*ORDERS*S*R*240101=1200*G1*UN*D=96A~UNH*1*ORDERS=D=96A=UN~QTY*21=12,5!~x!*y~UNT*3*1~UNE*1*G1~UNZ*1*REF9~"),
  ]),
  'EDIFACT UNOY multi-byte text and invalid UTF-8, then a second interchange with UNA': Buffer.concat([
    ed("UNB+UNOY:4+S+R+20240101:1200+A1'UNH+1+ORDERS:D:96A:UN'FTX+AAI+++\u00e4\u20ac\u65e5?''"),
    Buffer.from([0x46, 0x54, 0x58, 0x2b, 0x41, 0x2b, 0xe2, 0x82, 0x27]),
    ed("UNT+4+1'UNZ+1+A1'\nUNA:|.? '\nUNB|UNOA:3|S|R|240101:1200|A2'UNH|1|ORDERS:D:96A:UN'FTX|AAI|||lower?|x??'UNT|3|1'UNZ|1|A2'"),
  ]),
  'EDIFACT missing UNZ then UNA mid-file, hard-wrapped': ed(
    "UNB+UNOC:3+S+R+240101:1200+A1'UNH+1+ORDERS:D:96A:UN'BGM+220+P\nO1'UNT+3+1'\nUNA:+.? '\nUNB+UNOC:3+S+R+240101:1200+A2'UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNZ+1+A2'\n",
  ),
};

type Snapshot = { segments: unknown[]; issues: unknown[]; events: string[]; layout: string[] };
function snapshot(r: Collected): Snapshot {
  return {
    segments: r.segments.map((s) => [s.tag, s.elements, s.level, s.position, s.index, s.offset]),
    issues: r.issues.map((i) => [i.code, i.segmentIndex, i.offset, i.element, i.component, i.segmentId]),
    events: r.events,
    layout: r.layout,
  };
}

describe.each(Object.entries(fixtures))('chunk boundaries: %s', (_name, input) => {
  const whole = snapshot(collect(input));

  it('the fixture produces segments (sanity)', () => {
    expect(whole.segments.length).toBeGreaterThan(5);
  });

  it('every single split point gives the same segments, places and issues', () => {
    for (let i = 0; i <= input.length; i++) {
      const got = snapshot(collect([input.subarray(0, i), input.subarray(i)]));
      if (JSON.stringify(got) !== JSON.stringify(whole)) expect({ split: i, ...got }).toEqual({ split: i, ...whole });
    }
  });

  it('one-byte chunks give the same result (multi-byte terminators split too)', () => {
    const chunks: Buffer[] = [];
    for (let i = 0; i < input.length; i++) chunks.push(input.subarray(i, i + 1));
    expect(snapshot(collect(chunks))).toEqual(whole);
  });

  it('random multi-splits (fast-check) give the same result', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: input.length }), { maxLength: 24 }), (points) => {
        const allowed = points.map((p) => p % (input.length + 1));
        expect(snapshot(collect(splitAtPoints(input, allowed)))).toEqual(whole);
      }),
      { numRuns: 150 },
    );
  });
});

// Chunks larger than the scanner's head window (4 KiB joined to a carried segment, see
// SegmentScanner.write): the carried segment is finished from the chunk's head and the rest of the
// chunk is scanned where it is; a segment longer than the window takes the fallback.
const long = 'X'.repeat(9000);
const bigFixtures: Record<string, Buffer> = {
  'X12 fixtures repeated, one very long segment': Buffer.concat([
    ...Object.values(fixtures).slice(0, 2).flatMap((b) => Array<Buffer>(30).fill(b)),
    ed(x12Interchange({ control: '000000009', lineBreak: '\n', groups: [[[`MSG*${long}`, 'REF*ZZ*X']]] })),
    ...Array<Buffer>(6).fill(fixtures['X12 with BOM and CRLF layout'].subarray(3)),
  ]),
  'EDIFACT fixtures repeated, one very long segment with release characters': Buffer.concat([
    ...Array<Buffer>(60).fill(fixtures['EDIFACT UNA with release characters everywhere']),
    ed(`UNB+UNOC:3+S+R+240101:1200+L1'UNH+1+ORDERS:D:96A:UN'FTX+AAI+++${long}?'${long}'UNT+3+1'UNZ+1+L1'`),
    ...Array<Buffer>(60).fill(fixtures['EDIFACT non-default UNA, BOM, groups'].subarray(3)),
  ]),
};

describe.each(Object.entries(bigFixtures))('large chunks: %s', (_name, input) => {
  const whole = snapshot(collect(input));

  it('is large enough for the head window to matter', () => {
    expect(input.length).toBeGreaterThan(25_000);
    expect(whole.segments.length).toBeGreaterThan(50);
  });

  it('random splits into large chunks give the same result', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: input.length }), { minLength: 1, maxLength: 6 }), (points) => {
        expect(snapshot(collect(splitAtPoints(input, points)))).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });

  it('every split point around the long segment gives the same result', () => {
    const at = input.indexOf(long.slice(0, 64));
    for (let i = at - 4200; i <= at + 2 * long.length + 4200; i += 97) {
      const got = snapshot(collect([input.subarray(0, i), input.subarray(i)]));
      if (JSON.stringify(got) !== JSON.stringify(whole)) expect({ split: i, ...got }).toEqual({ split: i, ...whole });
    }
  });
});

describe('scanners one after another (an ended scanner hands its tables to the next)', () => {
  const all = { ...fixtures, ...bigFixtures };
  const alone = new Map(Object.entries(all).map(([name, input]) => [name, JSON.stringify(snapshot(collect(input)))]));

  it('any order of reads, ended or abandoned midway, gives each input what a fresh scanner gives it', () => {
    const names = [...alone.keys()];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...names), fc.boolean()), { minLength: 2, maxLength: 12 }), (reads) => {
        for (const [name, whole] of reads) {
          const input = all[name];
          // An abandoned read (never ended) keeps its tables: the reads after it must not mind either.
          if (!whole) new EdiReader({}).write(input.subarray(0, input.length >> 1));
          else expect(JSON.stringify(snapshot(collect(input)))).toBe(alone.get(name));
        }
      }),
      { numRuns: 40 },
    );
  });
});

// The CLI reads a file into one buffer over and over (readChunks): nothing may keep a chunk's memory
// past write(), so each chunk is scribbled over as soon as it has been written.
describe('a chunk reused once write() returns (the CLI reads files into one buffer)', () => {
  const all = { ...fixtures, ...bigFixtures };

  function reused(input: Buffer, size: number, write: (chunk: Buffer) => void): void {
    const buf = Buffer.alloc(size);
    for (let at = 0; at < input.length; at += size) {
      const n = input.copy(buf, 0, at, at + size);
      write(n === size ? buf : buf.subarray(0, n));
      buf.fill(0x7e); // '~': a terminator in most of the fixtures, the worst byte to find in kept memory
    }
  }

  it.each(Object.keys(all))('%s: the reader gives what the whole buffer gives, for chunks of 1 B to 256 KiB', (name) => {
    const input = all[name];
    const whole = JSON.stringify(snapshot(collect(input)));
    for (const size of [1, 2, 7, 64, 4096, 256 * 1024]) {
      const out: Collected = { segments: [], issues: [], delimiters: [], events: [], layout: [] };
      const reader = new EdiReader(collectingHandler(out));
      reused(input, size, (c) => reader.write(c));
      reader.end();
      expect(JSON.stringify(snapshot(out))).toBe(whole);
    }
  });

  it.each(Object.keys(all))('%s: the validator reports what it reports for the whole buffer', (name) => {
    const input = all[name];
    const once = new EdiValidator();
    once.write(input);
    const whole = JSON.stringify(once.end());
    for (const size of [1, 7, 4096, 256 * 1024]) {
      const v = new EdiValidator();
      reused(input, size, (c) => v.write(c));
      expect(JSON.stringify(v.end())).toBe(whole);
    }
  });
});
