/**
 * Benchmark data: a ~100 MB X12 file of 850 purchase orders and a ~100 MB EDIFACT ORDERS D96A file,
 * built from realistic document templates with varied values, correct envelopes (counts, control
 * numbers) and several interchanges; plus a ~1 GB X12 file made by repeating the 100 MB file with
 * renumbered interchange control numbers. Deterministic: the same size gives the same bytes.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

const MB = 1024 * 1024;

/** Small deterministic PRNG (mulberry32) so the data varies but every run writes the same bytes. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');
const padRight = (s: string, w: number): string => s.padEnd(w, ' ').slice(0, w);

/** Buffered writer: string pieces are flushed to the file in ~4 MiB writes. */
class Out {
  private parts: string[] = [];
  private pending = 0;
  bytes = 0;
  constructor(private readonly fd: number, private readonly encoding: BufferEncoding) {}
  put(s: string): void {
    this.parts.push(s);
    this.pending += s.length;
    if (this.pending >= 4 * MB) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join(''), this.encoding);
    writeSync(this.fd, buf);
    this.bytes += buf.length;
    this.parts = [];
    this.pending = 0;
  }
}

const STREETS = ['100 MAIN STREET', '2500 INDUSTRIAL PKWY', '17 HARBOR ROAD SUITE 4', '8800 COMMERCE BLVD', '42 OLD MILL LANE'];
const CITIES: [string, string, string][] = [['SPRINGFIELD', 'IL', '62701'], ['COLUMBUS', 'OH', '43215'], ['RENO', 'NV', '89501'], ['AUSTIN', 'TX', '78701'], ['TACOMA', 'WA', '98402']];
const PRODUCTS = ['WIDGET BLUE 10MM', 'HEX BOLT M8 ZINC', 'CABLE TIE 200MM BLACK', 'SAFETY GLOVES L', 'PAPER A4 80G WHITE', 'LED BULB 9W E27', 'DUCT TAPE 50M SILVER'];
const UNITS = ['EA', 'CA', 'BX', 'PK', 'DZ'];

/** X12 generation parameters. */
export interface X12Options {
  /** Stop after the interchange that reaches this many bytes. */
  targetBytes: number;
  linesPerOrder?: number;
  ordersPerGroup?: number;
  groupsPerInterchange?: number;
}

/** One 850 purchase order (ST..SE), as the segments' text without terminators. */
function x12Order(r: () => number, st: string, po: number, lines: number): string[] {
  const segs: string[] = [];
  const day = 1 + Math.floor(r() * 28);
  segs.push(`ST*850*${st}`);
  segs.push(`BEG*00*SA*PO${pad(po, 8)}**202611${pad(day, 2)}`);
  segs.push(`REF*DP*${pad(1 + Math.floor(r() * 999), 3)}`);
  segs.push(`REF*IA*${pad(Math.floor(r() * 9999999), 7)}`);
  segs.push(`PER*BD*JANE BUYER*TE*555555${pad(Math.floor(r() * 9999), 4)}*EM*buyer${po % 97}@example.com`);
  segs.push(`DTM*002*202612${pad(day, 2)}`);
  segs.push(`DTM*010*202612${pad(Math.min(28, day + 2), 2)}`);
  for (const [code, name] of [['ST', 'ACME STORE'], ['BT', 'ACME CORPORATION']]) {
    const [city, state, zip] = CITIES[Math.floor(r() * CITIES.length)];
    segs.push(`N1*${code}*${name} ${po % 500}*92*${pad(po % 10000, 4)}`);
    segs.push(`N3*${STREETS[Math.floor(r() * STREETS.length)]}`);
    segs.push(`N4*${city}*${state}*${zip}*US`);
  }
  let qtyTotal = 0;
  for (let l = 1; l <= lines; l++) {
    const qty = 1 + Math.floor(r() * 200);
    qtyTotal += qty;
    const price = (0.5 + r() * 300).toFixed(2);
    const upc = pad(Math.floor(r() * 1e11), 11) + String(l % 10);
    segs.push(`PO1*${l}*${qty}*${UNITS[l % UNITS.length]}*${price}*PE*UP*${upc}*VN*V${pad(po % 100000, 5)}-${pad(l, 3)}*BP*B${pad(Math.floor(r() * 1e6), 6)}`);
    segs.push(`PID*F****${PRODUCTS[(po + l) % PRODUCTS.length]}`);
    if (l % 10 === 3) segs.push(`SAC*A*C310***${Math.floor(r() * 5000)}**********DISCOUNT`);
  }
  segs.push(`CTT*${lines}*${qtyTotal}`);
  segs.push(`SE*${segs.length + 1}*${st}`);
  return segs;
}

/** Write the X12 850 file; returns its size. */
export function generateX12(file: string, opts: X12Options): number {
  const lines = opts.linesPerOrder ?? 50;
  const perGroup = opts.ordersPerGroup ?? 200;
  const groupsPer = opts.groupsPerInterchange ?? 8;
  const r = rng(850);
  const fd = openSync(file, 'w');
  const out = new Out(fd, 'latin1');
  let po = 1;
  let gcn = 1;
  let written = 0;
  for (let icn = 1; written < opts.targetBytes; icn++) {
    const isa13 = pad(icn, 9);
    let ic = `ISA*00*${padRight('', 10)}*00*${padRight('', 10)}*ZZ*${padRight('ACMEBUYER', 15)}*ZZ*${padRight('SUPPLIERCO', 15)}*261126*1200*U*00401*${isa13}*0*P*>~\n`;
    out.put(ic);
    written += ic.length;
    for (let g = 0; g < groupsPer; g++, gcn++) {
      const gs = `GS*PO*ACMEBUYER*SUPPLIERCO*20261126*1200*${gcn}*X*004010~\n`;
      out.put(gs);
      written += gs.length;
      for (let t = 1; t <= perGroup; t++, po++) {
        const text = x12Order(r, pad(t, 4), po, lines).join('~\n') + '~\n';
        out.put(text);
        written += text.length;
      }
      const ge = `GE*${perGroup}*${gcn}~\n`;
      out.put(ge);
      written += ge.length;
    }
    ic = `IEA*${groupsPer}*${isa13}~\n`;
    out.put(ic);
    written += ic.length;
  }
  out.flush();
  closeSync(fd);
  return out.bytes;
}

/**
 * Repeat an X12 file `times` times into `target`, giving every copy's interchanges new ISA13/IEA02
 * control numbers (fixed width, patched in place). Streams: one copy of the source in memory.
 */
export function repeatX12(source: string, target: string, times: number): number {
  const src = readFileSync(source);
  // Positions of ISA13 (fixed at offset 90 of the ISA) and of IEA02 (the 9 digits before the terminator).
  const isaAt: number[] = [];
  const ieaAt: number[] = [];
  let i = 0;
  while ((i = src.indexOf('ISA*', i, 'latin1')) >= 0) {
    isaAt.push(i + 90);
    i += 4;
  }
  i = 0;
  while ((i = src.indexOf('IEA*', i, 'latin1')) >= 0) {
    const end = src.indexOf('~', i);
    ieaAt.push(end - 9);
    i = end;
  }
  if (isaAt.length !== ieaAt.length) throw new Error(`${source}: ${isaAt.length} ISA but ${ieaAt.length} IEA`);
  const fd = openSync(target, 'w');
  let bytes = 0;
  let icn = 0;
  for (let k = 0; k < times; k++) {
    for (let n = 0; n < isaAt.length; n++) {
      icn++;
      const digits = Buffer.from(pad(icn, 9), 'latin1');
      digits.copy(src, isaAt[n]);
      digits.copy(src, ieaAt[n]);
    }
    writeSync(fd, src);
    bytes += src.length;
  }
  closeSync(fd);
  return bytes;
}

/** EDIFACT generation parameters. */
export interface EdifactOptions {
  targetBytes: number;
  linesPerMessage?: number;
  messagesPerInterchange?: number;
}

const EDI_NAMES = ['M?+M HANDEL GMBH', 'MÜLLER UND SÖHNE KG', 'BÄCKEREI GRÜN', 'NORD?:SÜD LOGISTIK', "SMITH?'S TRADING"];
const EDI_TEXTS = [
  'DELIVER TO GATE 4?: RAMP B',
  'CALL BEFORE DELIVERY?+49 30 1234567',
  "DON?'T STACK PALLETS",
  'PRICES IN EUR?? SEE CONTRACT 2026?:17',
];
const EDI_ITEMS = ['SCHRAUBE M8X40 VERZINKT', 'KABELBINDER 200MM?+UV', 'PAPIER A4 80G WEISS', 'LED-LAMPE 9W E27', 'HANDSCHUH GR. L?: NITRIL', 'KLEBEBAND 50M SILBER'];

/** One ORDERS D96A message (UNH..UNT), segment texts without terminators. */
function edifactOrder(r: () => number, ref: string, po: number, lines: number): string[] {
  const segs: string[] = [];
  const day = 1 + Math.floor(r() * 28);
  segs.push(`UNH+${ref}+ORDERS:D:96A:UN:EAN008`);
  segs.push(`BGM+220+PO${pad(po, 8)}+9`);
  segs.push(`DTM+137:202611${pad(day, 2)}:102`);
  segs.push(`DTM+2:202612${pad(day, 2)}:102`);
  if (po % 3 === 0) segs.push(`FTX+AAI+++${EDI_TEXTS[po % EDI_TEXTS.length]}`);
  segs.push(`RFF+CT:C${pad(po % 1000, 4)}`);
  segs.push(`DTM+171:20260101:102`);
  segs.push(`NAD+BY+${pad(4000000000000 + (po % 1000), 13)}::9++${EDI_NAMES[po % EDI_NAMES.length]}+HAUPTSTRASSE ${1 + (po % 200)}+BERLIN++10115+DE`);
  segs.push(`RFF+VA:DE${pad(Math.floor(r() * 1e9), 9)}`);
  segs.push(`NAD+SU+${pad(4100000000000 + (po % 777), 13)}::9`);
  segs.push(`NAD+DP+${pad(4200000000000 + (po % 333), 13)}::9`);
  segs.push('CUX+2:EUR:9');
  for (let l = 1; l <= lines; l++) {
    const gtin = pad(4000000000000 + Math.floor(r() * 1e9), 13);
    segs.push(`LIN+${l}++${gtin}:EN`);
    segs.push(`PIA+1+A${pad(Math.floor(r() * 1e6), 6)}:SA`);
    segs.push(`IMD+F++:::${EDI_ITEMS[(po + l) % EDI_ITEMS.length]}`);
    segs.push(`QTY+21:${1 + Math.floor(r() * 500)}`);
    if (l % 17 === 5) segs.push(`FTX+LIN+++${EDI_TEXTS[l % EDI_TEXTS.length]}`);
    segs.push(`PRI+AAA:${(0.5 + r() * 300).toFixed(2)}`);
  }
  segs.push('UNS+S');
  segs.push(`CNT+2:${lines}`);
  segs.push(`UNT+${segs.length + 1}+${ref}`);
  return segs;
}

/** Write the EDIFACT ORDERS file (UNOC, ISO-8859-1); returns its size. */
export function generateEdifact(file: string, opts: EdifactOptions): number {
  const lines = opts.linesPerMessage ?? 50;
  const perIc = opts.messagesPerInterchange ?? 2000;
  const r = rng(96);
  const fd = openSync(file, 'w');
  const out = new Out(fd, 'latin1');
  let po = 1;
  let written = 0;
  // The service string advice opens the file; later interchanges use the same (default) delimiters.
  out.put("UNA:+.? '\n");
  for (let icn = 1; written < opts.targetBytes; icn++) {
    const ref = `IC${pad(icn, 8)}`;
    const unb = `UNB+UNOC:3+4000000000001:14+4100000000001:14+261126:1200+${ref}++ORDERS'\n`;
    out.put(unb);
    written += unb.length;
    for (let m = 1; m <= perIc; m++, po++) {
      const text = edifactOrder(r, `M${pad(m, 6)}`, po, lines).join("'\n") + "'\n";
      out.put(text);
      written += text.length;
    }
    const unz = `UNZ+${perIc}+${ref}'\n`;
    out.put(unz);
    written += unz.length;
  }
  out.flush();
  closeSync(fd);
  return out.bytes;
}
