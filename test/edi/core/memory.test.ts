/** Bounded memory: a 50 MB stream in 64 KiB chunks, and a stream without segment terminators. */
import v8 from 'node:v8';
import vm from 'node:vm';
import type { EdiHandler } from '../../../src/edi/common/events';
import { EdiReader } from '../../../src/edi/reader';
import { isa } from './helpers';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const CHUNK = 64 * 1024;
const TOTAL = 50 * 1024 * 1024;

/** Yields `total` bytes of X12 in CHUNK-sized buffers, built a few transactions at a time. */
function* x12Stream(total: number, txPerGroup: number): Generator<Buffer> {
  let pending = isa() + '\n';
  let produced = 0;
  let tx = 0;
  let group = 0;
  let inGroup = 0;
  let closing = false;
  while (produced < total) {
    while (pending.length < CHUNK && !closing) {
      if (inGroup === 0) pending += `GS*PO*SENDER*RECEIVER*20240101*1200*${++group}*X*005010~\n`;
      const n = String(++tx).padStart(9, '0');
      pending +=
        `ST*850*${n}~\nBEG*00*SA*PO${n}**20240101~\nREF*DP*038~\nDTM*002*20240115~\nN1*ST*WAREHOUSE ${n}*92*0001~\n` +
        `PO1*1*120*EA*9.25**BP*ITEM${n}*VP*V-${n}~\nPID*F****BLUE WIDGET, LARGE~\nPO1*2*12*CA*19.99**BP*ITEM2${n}~\nCTT*2~\nSE*10*${n}~\n`;
      if (++inGroup === txPerGroup) {
        pending += `GE*${inGroup}*${group}~\n`;
        inGroup = 0;
      }
      if (produced + pending.length >= total - 2 * CHUNK) {
        if (inGroup > 0) pending += `GE*${inGroup}*${group}~\n`;
        pending += `IEA*${group}*000000001~\n`;
        closing = true;
      }
    }
    const out = Buffer.from(pending.slice(0, CHUNK), 'latin1');
    pending = pending.slice(CHUNK);
    produced += out.length;
    yield out;
    if (closing && pending.length === 0) return;
  }
}

describe('bounded memory', () => {
  it('reads a generated 50 MB X12 stream in 64 KiB chunks with heap growth under 30 MB', () => {
    let segments = 0;
    let transactions = 0;
    let errors = 0;
    const firstIssues: string[] = [];
    const handler: EdiHandler = {
      segment: () => {
        segments++;
      },
      transactionEnd: () => {
        transactions++;
      },
      issue: (i) => {
        if (i.severity === 'error') errors++;
        if (firstIssues.length < 5) firstIssues.push(i.code);
      },
    };
    const reader = new EdiReader(handler);
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    let bytes = 0;
    let chunks = 0;
    for (const chunk of x12Stream(TOTAL, 500)) {
      reader.write(chunk);
      bytes += chunk.length;
      if (++chunks % 100 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      }
    }
    reader.end();
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed - before);
    expect(bytes).toBeGreaterThanOrEqual(TOTAL - 2 * CHUNK);
    expect(firstIssues).toEqual([]);
    expect(errors).toBe(0);
    expect(transactions).toBeGreaterThan(100000);
    expect(segments).toBeGreaterThan(transactions * 10);
    expect(peak).toBeLessThan(30 * 1024 * 1024);
  });

  it('a stream without segment terminators stops with interchange.segment_terminator_invalid (maxSegmentBytes)', () => {
    const issues: { code: string; offset?: number }[] = [];
    let segments = 0;
    const reader = new EdiReader({ issue: (i) => issues.push({ code: i.code, offset: i.offset }), segment: () => segments++ }, { maxSegmentBytes: 256 * 1024 });
    const head = isa() + '\n';
    reader.write(Buffer.from(head, 'latin1'));
    const body = Buffer.from('GS*PO*SENDER*RECEIVER*20240101*1200*1*X*005010 '.repeat(1400), 'latin1'); // ~64 KiB, never a "~"
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 160; i++) reader.write(body); // ~10 MB
    gc();
    const growth = process.memoryUsage().heapUsed - before;
    reader.end();
    expect(segments).toBe(1); // the ISA
    expect(issues[0]).toEqual({ code: 'interchange.segment_terminator_invalid', offset: head.length });
    expect(issues.filter((i) => i.code === 'interchange.segment_terminator_invalid')).toHaveLength(1);
    expect(growth).toBeLessThan(4 * 1024 * 1024);
  });

  it('the default limit (1 MiB) applies without options', () => {
    const codes: string[] = [];
    const reader = new EdiReader({ issue: (i) => codes.push(i.code) });
    reader.write(Buffer.from(isa(), 'latin1'));
    const body = Buffer.alloc(CHUNK, 'A');
    for (let i = 0; i < 40; i++) reader.write(body); // 2.5 MB without a terminator
    reader.end();
    expect(codes[0]).toBe('interchange.segment_terminator_invalid');
  });
});
