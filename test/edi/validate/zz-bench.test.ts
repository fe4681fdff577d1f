import { SegmentScanner, type Delimiters } from '../../../src/edi/common/scanner';
import { compileTransaction, createTransactionValidator, type TransactionValidator } from '../../../src/edi/common/validate';
import type { EdiIssue } from '../../../src/edi/common/issues';
import { x12Dict, x12_850 } from './fixtures';

function build(lines: number, txs: number): Buffer {
  const parts: string[] = ['ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*U*00401*000000001*0*P*>~', 'GS*PO*S*R*20260101*1200*1*X*004010~'];
  for (let t = 1; t <= txs; t++) {
    const cn = String(t).padStart(4, '0');
    const body: string[] = [`ST*850*${cn}`, 'BEG*00*SA*PO-12345**20260101', 'DTM*002*20260201', 'REF*PO*ABC123', 'N1*BT*Buyer Incorporated', 'N3*Main Street 1', 'N1*ST*Warehouse*92*WH1'];
    for (let i = 1; i <= lines; i++) {
      body.push(`PO1*${i}*${(i % 50) + 1}*EA*${(i * 1.37).toFixed(2)}*VP*SKU-${i}-ABCDEFG`);
      body.push(`PID*F*Product description for item number ${i}`);
    }
    body.push(`CTT*${lines}`);
    body.push(`SE*${body.length + 1}*${cn}`);
    parts.push(body.join('~') + '~');
  }
  parts.push(`GE*${txs}*1~`, 'IEA*1*000000001~');
  return Buffer.from(parts.join(''));
}

import { ScannedSegment } from '../../../src/edi/common/scanner';
if (process.env.FASTDECODE) {
  const proto = ScannedSegment.prototype as unknown as { decodeRaw(s: number, t: number): string; buf: Buffer; encoding: unknown };
  const orig = proto.decodeRaw;
  proto.decodeRaw = function (this: { buf: Buffer; encoding: unknown }, s: number, t: number): string {
    const n = t - s;
    if (n <= 24) {
      const b = this.buf;
      let ascii = true;
      for (let i = s; i < t; i++) if (b[i] > 127) { ascii = false; break; }
      if (ascii) {
        switch (n) {
          case 0: return '';
          case 1: return String.fromCharCode(b[s]);
          case 2: return String.fromCharCode(b[s], b[s + 1]);
          case 3: return String.fromCharCode(b[s], b[s + 1], b[s + 2]);
          default: return b.toString('latin1', s, t);
        }
      }
    }
    return orig.call(this, s, t);
  };
}
const MODE = process.env.MODE ?? '';
let sink = 0;
it('bench', () => {
  const [L, T] = (process.env.BENCH ?? "100,10").split(",").map(Number); const data = build(L, T);
  const compiled = compileTransaction(x12_850, x12Dict);
  const run = (validate: boolean) => {
    let v: TransactionValidator | null = null;
    let segs = 0;
    let issues = 0;
    const report = (_i: EdiIssue) => { issues++; };
    const delims: Delimiters = { element: 42, component: 62, repetition: -1, release: -1, terminator: Buffer.from('~') };
    let inTx = false;
    const reader = new SegmentScanner((_b, _p, _e, _eof) => ({ kind: 'found', delimiters: delims, skip: 0 }), {
      delimiters: () => undefined,
      notice: () => { issues++; },
      segment: (seg) => {
        const tag = seg.tag;
        if (tag === 'ST') { inTx = true; if (validate) v = createTransactionValidator(compiled, { standard: 'x12' }, report); }
        if (inTx) { segs++; if (v) { if (MODE === 'calls') { const n = seg.elementCount(); for (let e = 1; e <= n; e++) { sink += seg.repetitionCount(e) + seg.componentCount(e, 1); sink += (e & 1) ? seg.length(e) : seg.value(e).length; } } else if (MODE === 'counts') { const n = seg.elementCount(); for (let e = 1; e <= n; e++) { sink += seg.repetitionCount(e) + seg.componentCount(e, 1); } } else v.segment(seg); } }
        if (tag === 'SE') { inTx = false; if (v) { v.end(); v = null; } }
      },
    });
    const t0 = process.hrtime.bigint();
    for (let off = 0; off < data.length; off += 65536) reader.write(data.subarray(off, off + 65536));
    reader.end();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    return { ms, segs, issues };
  };
  for (let k = 0; k < 10; k++) {
    const a = run(false);
    const b = run(true);
    if (sink < 0) console.log(sink);
    console.log(`${(data.length / 1e6).toFixed(1)} MB; read only ${a.ms.toFixed(0)} ms = ${(data.length / 1e3 / a.ms).toFixed(0)} MB/s; read+validate ${b.ms.toFixed(0)} ms = ${(data.length / 1e3 / b.ms).toFixed(0)} MB/s; ${b.segs} segs, validator ${((b.segs / (b.ms - a.ms)) / 1e6).toFixed(2)} M seg/s; issues ${a.issues}/${b.issues}`);
  }
});
