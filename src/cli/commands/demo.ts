/**
 * `edi-gateway demo` (what `npm start` runs): the gateway on embedded defaults. SQLite ledger under
 * ./data (or GATEWAY_DATA_DIR), the shipped sample partners on folder channels under
 * ./data/exchange/<partner>/, the Odoo sandbox on loopback seeded with matching customers, suppliers,
 * products and purchase orders. It drops one sample purchase order from Northgate into its inbound
 * folder, so the first screen already shows a document go through: a sale order in the sandbox and a 997
 * in Northgate's outbound folder. `--once` stops after that (exit 0 when it went through).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { loadGatewayConfig, type GatewayConfig } from '../../config/gateway';
import { packageRoot } from '../../edi/common/package-root';
import type { PostedRecord } from '../../odoo/post';
import pino from 'pino';
import { writeOut, type CliIo } from '../io';
import { humanLogStream } from '../log-format';
import type { ServiceHandle } from '../service';
import { describeService, runUntilSignal } from './start';

const SAMPLE = ['fixtures', 'edi', 'x12', '004010', '850-purchase-order.edi'];

/** The shipped Northgate 850 with fresh control numbers and order number, so every run is a new order. */
export function freshSample(root: string, now = new Date()): { name: string; bytes: Buffer; orderNumber: string } {
  const stamp = now.toISOString().replace(/\D/g, '').slice(2, 14);
  const icn = stamp.slice(-9);
  const orderNumber = `NG-DEMO-${stamp}`;
  const text = readFileSync(join(root, ...SAMPLE), 'latin1')
    .replace(/\*000000101\*/, `*${icn}*`)
    .replace(/IEA\*1\*000000101/, `IEA*1*${icn}`)
    .replace(/BEG\*00\*SA\*NG-45871\*/, `BEG*00*SA*${orderNumber}*`);
  return { name: `850-${orderNumber}.edi`, bytes: Buffer.from(text, 'latin1'), orderNumber };
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Drop the sample, wait for it, and describe what happened. */
async function runSample(s: ServiceHandle, config: GatewayConfig): Promise<{ ok: boolean; text: string }> {
  const root = packageRoot();
  const sample = freshSample(root);
  const channel = s.registry.get('northgate')?.channels.inbound.find((c) => c.type === 'dir');
  if (!channel) return { ok: false, text: 'the northgate partner has no inbound folder: no sample dropped\n' };
  const target = join(channel.path, sample.name);
  // Temp name first: the gateway never takes a .tmp file, so it cannot see half of it.
  writeFileSync(`${target}.tmp`, sample.bytes);
  renameSync(`${target}.tmp`, target);
  await s.gateway.scanAll();
  const done = () => {
    const docs = s.ledger.documentsIn(['posted', 'dead', 'parked', 'held'], 20).filter((d) => d.businessKey === sample.orderNumber);
    return docs.length > 0 && s.ledger.messages('outbound', ['sent'], 50).some((m) => m.partnerId === 'northgate' && m.createdAt >= docs[0].createdAt);
  };
  const finished = await until(done, 20_000);
  const doc = s.ledger.documentsIn(['posted', 'dead', 'parked', 'held', 'retry', 'mapped'], 20).find((d) => d.businessKey === sample.orderNumber);
  const lines = ['', `sample: dropped ${relative(process.cwd(), target)} (Northgate purchase order ${sample.orderNumber})`];
  if (doc?.state === 'posted' && doc.result) {
    for (const r of JSON.parse(doc.result) as PostedRecord[]) lines.push(`  odoo     ${r.action} ${r.model} ${r.id} ${r.name}`);
  } else lines.push(`  document ${doc ? `${doc.state}: ${doc.reason ?? ''}` : 'not processed yet'}`);
  const ack = s.ledger.messages('outbound', ['sent'], 50).find((m) => m.partnerId === 'northgate');
  if (ack) {
    const sentTo = s.ledger.eventsOfMessage(ack.id).find((e) => e.kind === 'outbound.sent');
    const path = sentTo?.detail ? (JSON.parse(sentTo.detail) as { path?: string }).path : undefined;
    lines.push(`  ack      ${ack.messageType} written to ${path ? relative(process.cwd(), path) : 'the outbound folder'}`);
  }
  lines.push('', `Drop X12 or EDIFACT files into a partner's inbound folder above; acks appear in ${relative(process.cwd(), join(config.dataDir, 'exchange'))}/<partner>/outbound.`);
  return { ok: finished && doc?.state === 'posted' && ack !== undefined, text: lines.join('\n') + '\n' };
}

export async function demoCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { once: { type: 'boolean' }, port: { type: 'string' } } });
  const root = packageRoot();
  const config = loadGatewayConfig(undefined);
  config.partners = join(root, 'partners');
  config.mappings = join(root, 'mappings');
  config.http.port = values.port !== undefined ? Number(values.port) : 8080;
  let result: { ok: boolean } = { ok: false };
  const code = await runUntilSignal({ config, sandbox: {}, settleMs: 200, dirPollMs: 500, anyPort: values.port === undefined, logger: pino({ level: process.env.LOG_LEVEL ?? 'info' }, humanLogStream(io.stderr)) }, io, async (s) => {
    const head = describeService(s) + '  (demo: the Odoo sandbox stands in for Odoo; `edi-gateway start --config gateway.yaml` with a real ODOO url is the production path)\n';
    const sample = await runSample(s, config);
    result = sample;
    if (values.once) process.nextTick(() => process.emit('SIGTERM'));
    else sample.text += 'Ctrl-C stops the gateway.\n';
    return head + sample.text;
  });
  if (values.once) return result.ok ? 0 : 1;
  await writeOut(io.stdout, '');
  return code;
}
