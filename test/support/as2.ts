/**
 * AS2 test support: certificates made with `openssl req` at test time, `openssl` as a child process
 * (the independent peer), partners built through the real channel schemas, and the gateway's HTTP
 * server with the AS2 routes registered.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { createRequire } from 'node:module';
import type * as Asn1js from 'asn1js';
import pino from 'pino';
import type { ChannelDeps, InboundSink } from '../../src/channels/types';
import { GatewayMetrics } from '../../src/pipeline/metrics';
import { PartnerRegistry, type Partner } from '../../src/partners/registry';
import { InboundChannelSchema, OutboundChannelSchema, type SecretRef } from '../../src/partners/schema';
import { registerAs2, type ReceivedMdn } from '../../src/server/as2';
import { startHttpServer, type HttpServerHandle } from '../../src/server/http';

/** Key pairs for the partner, us, and a stranger (for wrong-certificate cases). */
export interface Pki {
  dir: string;
  partner: { key: string; cert: string };
  us: { key: string; cert: string };
  other: { key: string; cert: string };
  cleanup(): void;
}

/** Runs openssl; resolves with stdout, rejects with stderr in the message. */
export function openssl(args: readonly string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', [...args], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`openssl ${args.join(' ')}: ${stderr.toString('utf8')}`));
      else resolve(stdout);
    });
    if (input) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/** Three self-signed RSA-2048 key pairs in a temp folder. */
export async function makePki(): Promise<Pki> {
  const dir = mkdtempSync(join(tmpdir(), 'as2-pki-'));
  const make = async (name: string) => {
    const key = join(dir, `${name}.key`);
    const cert = join(dir, `${name}.crt`);
    await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name} AS2 test`]);
    return { key, cert };
  };
  const [partner, us, other] = await Promise.all([make('partner'), make('us'), make('other')]);
  return { dir, partner, us, other, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A self-signed RSA-2048 key pair whose certificate is valid exactly from `notBefore` to `notAfter`
 * (past or future): `openssl ca -selfsign` with explicit -startdate/-enddate, since OpenSSL 3.0's
 * `req -x509` only counts days from now. A fresh random serial and a subjectKeyIdentifier each time.
 */
export async function makeDatedCertificate(dir: string, name: string, o: { cn: string; notBefore: Date; notAfter: Date }): Promise<{ key: string; cert: string }> {
  const ca = join(dir, `ca-${name}`);
  mkdirSync(ca, { recursive: true });
  writeFileSync(join(ca, 'index.txt'), '');
  const config = join(ca, 'ca.cnf');
  writeFileSync(
    config,
    `[ca]\ndefault_ca = d\n[d]\ndatabase = ${ca}/index.txt\nserial = ${ca}/serial\nnew_certs_dir = ${ca}\ndefault_md = sha256\npolicy = p\nunique_subject = no\nx509_extensions = ext\n[p]\ncommonName = supplied\n[ext]\nsubjectKeyIdentifier = hash\n`,
  );
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  const csr = join(ca, 'req.csr');
  const asn1Time = (d: Date): string => d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
  await openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${o.cn}`]);
  await openssl(['ca', '-batch', '-config', config, '-selfsign', '-keyfile', key, '-in', csr, '-rand_serial', '-startdate', asn1Time(o.notBefore), '-enddate', asn1Time(o.notAfter), '-notext', '-out', cert]);
  return { key, cert };
}

/** Writes `bytes` to a fresh file in `dir` and returns its path. */
let fileCounter = 0;
export function tempFile(dir: string, bytes: Buffer, name = 'f'): string {
  const p = join(dir, `${name}-${process.pid}-${++fileCounter}`);
  writeFileSync(p, bytes);
  return p;
}

/** Channel dependencies for tests: secrets are files (absolute paths) or env variables. */
export function testDeps(): ChannelDeps {
  return {
    logger: pino({ enabled: false }),
    secret: (ref: SecretRef) => ('file' in ref ? readFileSync(ref.file, 'utf8') : (process.env[ref.env] ?? '')),
    now: () => Date.now(),
    settleMs: 0,
    maxFileBytes: 100 * 1024 * 1024,
  };
}

/** A partner with the given AS2 channels, parsed by the real schemas (defaults filled). */
export function as2Partner(id: string, inbound: Record<string, unknown> | undefined, outbound?: Record<string, unknown>): Partner {
  const p = {
    id,
    name: id,
    channels: {
      inbound: inbound ? [InboundChannelSchema.parse({ type: 'as2', ...inbound })] : [],
      ...(outbound ? { outbound: OutboundChannelSchema.parse({ type: 'as2', ...outbound }) } : {}),
    },
  };
  // Only the channel part of a Partner is used by the AS2 code; the rest of the file is not needed here.
  return p as unknown as Partner;
}

/** A sink that keeps what it received, or fails when told to. */
export function memorySink(): { sink: InboundSink; received: { partnerId: string; source: string; bytes: Buffer }[]; fail: { on: boolean } } {
  const received: { partnerId: string; source: string; bytes: Buffer }[] = [];
  const fail = { on: false };
  const sink: InboundSink = async (m) => {
    if (fail.on) throw new Error('ledger unavailable');
    received.push({ partnerId: m.partnerId, source: m.source, bytes: m.bytes });
    return { messageId: received.length, correlationId: `c${received.length}` };
  };
  return { sink, received, fail };
}

/** The gateway's HTTP server with the AS2 routes. */
export async function as2Server(partners: Partner[], sink: InboundSink, onMdn?: (m: ReceivedMdn) => void, maxBodyBytes?: number): Promise<HttpServerHandle> {
  const http = await startHttpServer({ metrics: new GatewayMetrics({ processMetrics: false }), checks: { ledger: () => undefined, odoo: () => undefined }, ...(maxBodyBytes ? { maxBodyBytes } : {}) });
  registerAs2(http, { registry: new PartnerRegistry(partners), receive: sink, deps: testDeps(), ...(onMdn ? { onMdn } : {}) });
  return http;
}

/** Splits a MIME entity (openssl's S/MIME output) into its header block and body. */
export function splitEntity(raw: Buffer): { headers: Map<string, string>; body: Buffer } {
  const at = raw.indexOf('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of raw.subarray(0, at).toString('latin1').replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const c = line.indexOf(':');
    headers.set(line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim());
  }
  return { headers, body: raw.subarray(at + 4) };
}

/** The parts of a multipart body, each exactly as sent (the CRLF before a delimiter excluded). */
export function multipartParts(body: Buffer, boundary: string): Buffer[] {
  const d = Buffer.from(`\r\n--${boundary}`);
  const first = body.indexOf(`--${boundary}\r\n`);
  const parts: Buffer[] = [];
  let start = first + boundary.length + 4;
  for (;;) {
    const end = body.indexOf(d, start);
    if (end < 0) break;
    parts.push(body.subarray(start, end));
    if (body.subarray(end + d.length, end + d.length + 2).toString() === '--') break;
    start = end + d.length + 2;
  }
  return parts;
}

/** The boundary parameter of a Content-Type. */
export function boundaryOf(contentType: string): string {
  const m = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!m) throw new Error(`no boundary in ${contentType}`);
  return m[1];
}

/**
 * A CMS CompressedData (RFC 3274) built independently of the gateway's code: Node's zlib plus asn1js
 * objects; tests check its structure with `openssl asn1parse`, since Debian's openssl has no zlib.
 */
export function zlibCompressedData(content: Buffer): Buffer {
  // asn1js is ESM-only; Node's own require loads it (jest's cannot), as src/channels/as2/cms.ts does.
  const asn1js = createRequire(__filename)('asn1js') as typeof Asn1js;
  const z = deflateSync(content);
  const inner = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.9.16.3.8' })] }),
      new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.7.1' }),
          new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.OctetString({ valueHex: z.buffer.slice(z.byteOffset, z.byteOffset + z.byteLength) })] }),
        ],
      }),
    ],
  });
  const ci = new asn1js.Sequence({
    value: [new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.9.16.1.9' }), new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [inner] })],
  });
  return Buffer.from(ci.toBER());
}

/** An X12 payload with CRLF, a bare LF, a NUL and non-ASCII bytes: anything that alters bytes shows. */
export const PAYLOAD = Buffer.concat([
  Buffer.from('ISA*00*          *00*          *ZZ*PARTNER        *ZZ*US             *240101*1200*U*00401*000000001*0*P*>~\r\n', 'latin1'),
  Buffer.from('GS*PO*PARTNER*US*20240101*1200*1*X*004010~\nST*850*0001~\r\n', 'latin1'),
  Buffer.from([0x00, 0xe9, 0xff, 0x0d, 0x0a, 0x0d]),
  Buffer.from('BEG*00*SA*PO-1**20240101~SE*3*0001~GE*1*1~IEA*1*000000001~', 'latin1'),
]);
