/** roundTrip on hand-made layouts the corpus may not cover. */
import { roundTrip } from '../../../src/edi/roundtrip';
import { x12Interchange } from './helpers';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const x = x12Interchange();
const edifact = "UNB+UNOC:3+S+R+240101:1200+A1'UNH+1+ORDERS:D:96A:UN'FTX+AAI+++a?'b?+c?:d??:e'UNT+3+1'UNZ+1+A1'";

const cases: [string, Buffer][] = [
  ['X12 compact', Buffer.from(x)],
  ['X12 leading white space', Buffer.from(' \r\n\t' + x)],
  ['X12 trailing layout', Buffer.from(x + '\r\n\r\n  ')],
  ['X12 indented segments', Buffer.from(x.replace(/~/g, '~\n    '))],
  ['X12 CR terminator, LF layout', Buffer.from(x12Interchange({ terminator: '\r', lineBreak: '\n' }))],
  ['X12 LF terminator, CRLF layout', Buffer.from(x12Interchange({ terminator: '\n' }).replace(/\n/g, '\r\n').replace(/^(.{105})\r\n/, '$1\n'))],
  ['X12 U+2026 terminator', Buffer.from(x12Interchange({ terminator: '\u2026', component: ':', lineBreak: '\n' }), 'utf8')],
  ['X12 trailing empty elements and components', Buffer.from(x.replace('BEG*00*SA*PO1~', 'BEG*00*SA*PO1**~REF*ZZ*A>>^>~'))],
  ['X12 without final terminator', Buffer.from(x.slice(0, -1))],
  ['X12 with BOM, two interchanges', Buffer.concat([BOM, Buffer.from(x + '\n' + x12Interchange({ element: '|', component: ':', control: '000000002' }))])],
  ['EDIFACT release characters', Buffer.from(edifact, 'latin1')],
  ['EDIFACT BOM, white space, UNA', Buffer.concat([BOM, Buffer.from(" \nUNA:+.? '\n" + edifact.replace(/'/g, "'\n").replace(/\?'\n/, "?'"), 'latin1')])],
  ['EDIFACT UNA mid-file', Buffer.from(edifact + "\r\nUNA=*.? ~UNB*UNOC=3*S*R*240101=1200*A2~UNH*1*ORDERS=D=96A=UN~UNT*2*1~UNZ*1*A2~", 'latin1')],
  ['EDIFACT level B information separators', Buffer.from('UNB\x1dUNOB\x1f3\x1dS\x1dR\x1d240101\x1f1200\x1dA1\x1cUNH\x1d1\x1dORDERS\x1fD\x1f96A\x1fUN\x1cRFF\x1dA\x1eB\x1cUNT\x1d3\x1d1\x1cUNZ\x1d1\x1dA1\x1c', 'latin1')],
  ['EDIFACT UNOY UTF-8', Buffer.from("UNB+UNOY:4+S+R+20240101:1200+A1'UNH+1+ORDERS:D:96A:UN'FTX+AAI+++\u00e4\u20ac\u65e5?*'UNT+3+1'UNZ+1+A1'", 'utf8')],
  ['EDIFACT UNOC Latin-1', Buffer.from("UNB+UNOC:3+S+R+240101:1200+A1'UNH+1+ORDERS:D:96A:UN'FTX+AAI+++M\u00e4rz\u00df'UNT+3+1'UNZ+1+A1'", 'latin1')],
];

describe('roundTrip layouts', () => {
  it.each(cases)('%s comes back byte for byte', (_name, input) => {
    const out = roundTrip(input);
    if (!out.equals(input)) expect(out.toString('latin1')).toBe(input.toString('latin1'));
    expect(out.equals(input)).toBe(true);
  });

  it('empty and non-EDI input give an empty result', () => {
    expect(roundTrip(Buffer.alloc(0)).length).toBe(0);
    expect(roundTrip(Buffer.from('hello world')).length).toBe(0);
  });
});
