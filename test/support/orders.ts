/**
 * Test input: Northgate 850 interchanges built from the shipped sample, N transactions each, with
 * chosen control numbers and order numbers, and optionally a transaction whose unit code the mapping
 * does not know (a business error that a mapping fix cures); and our own 850 to a supplier.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const SAMPLE = readFileSync(join(__dirname, '..', '..', 'fixtures', 'edi', 'x12', '004010', '850-purchase-order.edi'), 'latin1');
const SEGMENTS = SAMPLE.split('~').map((s) => s.replace(/^\s+/, '')).filter((s) => s !== '');
const BODY = SEGMENTS.slice(SEGMENTS.findIndex((s) => s.startsWith('ST*')), SEGMENTS.findIndex((s) => s.startsWith('SE*')));

export interface OrdersOptions {
  /** ISA13 (9 digits max). */
  icn: number;
  count: number;
  /** Order numbers are `${prefix}-${index}`. */
  prefix?: string;
  /** 0-based indexes of transactions whose first line uses the unknown unit code ZZ. */
  badUnitAt?: number[];
  /** ISA15 (default P). */
  usage?: 'P' | 'T';
}

/** One interchange with `count` 850s. */
export function northgateOrders(o: OrdersOptions): Buffer {
  const icn = String(o.icn).padStart(9, '0');
  const out: string[] = [];
  out.push(SEGMENTS[0].replace(/\*\d{9}\*(\d)\*[PT]\*/, `*${icn}*$1*${o.usage ?? 'P'}*`));
  out.push(`GS*PO*NORTHGATEIND*BRIGHTWATERVF*20240312*0915*${o.icn}*X*004010`);
  for (let i = 0; i < o.count; i++) {
    const st = String(i + 1).padStart(4, '0');
    let firstLine = true;
    const body = BODY.map((s) => {
      if (s.startsWith('ST*')) return `ST*850*${st}`;
      if (s.startsWith('BEG*')) return s.replace(/^BEG\*00\*SA\*[^*]*\*/, `BEG*00*SA*${o.prefix ?? 'PO'}-${o.icn}-${i}*`);
      if (s.startsWith('PO1*') && firstLine) {
        firstLine = false;
        if (o.badUnitAt?.includes(i)) return s.replace('*120*EA*', '*120*ZZ*');
      }
      return s;
    });
    out.push(...body, `SE*${body.length + 1}*${st}`);
  }
  out.push(`GE*${o.count}*${o.icn}`, `IEA*1*${icn}`);
  return Buffer.from(out.join('~\n') + '~\n', 'latin1');
}

/** Our purchase order to Bolt Industrial Supply (who owe a 997 within 4h): interchange and group `icn`, one line. */
export function orderToBolt(icn: number, orderNumber: string): Buffer {
  const isa = String(icn).padStart(9, '0');
  return Buffer.from(
    `ISA*00*          *00*          *ZZ*BRIGHTWATERVF  *01*047712960      *261127*0800*U*00401*${isa}*0*P*:~GS*PO*BRIGHTWATERVF*BOLTSUPPLY*20261127*0800*${icn}*X*004010~` +
      `ST*850*0001~BEG*00*SA*${orderNumber}**20261127~PO1*1*10*EA*1.25**VP*BOLT-M8~CTT*1~SE*5*0001~GE*1*${icn}~IEA*1*${isa}~`,
    'latin1',
  );
}
