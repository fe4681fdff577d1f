/**
 * A gateway exporting from the Odoo sandbox over JSON-RPC, with a copy of the shipped partners (their
 * partner.yaml editable), a real ledger file and dir channels: what the tests of documents we send from
 * Odoo (order responses, invoices…) drive.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { OdooClient } from '../../src/odoo/client';
import { startSandbox, type SandboxHandle } from '../../src/odoo/sandbox';
import { loadPartners } from '../../src/partners';
import { ledgerRenderer, type ExportDeps } from '../../src/pipeline/export';
import { Gateway } from '../../src/pipeline/gateway';
import { ledgerStatedOrders, odooSink } from '../../src/pipeline/sink';
import { SqliteLedger } from '../../src/store';
import { until } from './wait';

const ROOT = join(__dirname, '..', '..');

export interface ExportRigOptions {
  /** What one export run does, in turn (the service's exportFromOdoo). */
  exports: Array<(d: ExportDeps) => Promise<number>>;
  /** Ledger settings the first run writes (a kind's "since"): the rig is ready once they are there. */
  ready: string[];
  /** partner id → its partner.yaml text → the text the test runs with. */
  partnerYaml?: Record<string, (text: string) => string>;
}

export interface ExportRig {
  sandbox: SandboxHandle;
  client: OdooClient;
  ledger: SqliteLedger;
  gateway: Gateway;
  /** How many export runs have finished. */
  runs(): number;
  /** A file in a partner's inbound folder, appearing at once (written under another name, then renamed). */
  drop(partner: string, name: string, bytes: Buffer): void;
  /** The files in a partner's outbound folder whose text holds `marker`, in file-name order, as latin1 text. */
  sent(partner: string, marker: string): string[];
  /** Kick an export and wait until a run begun after the kick is done. */
  exportOnce(): Promise<void>;
  stop(): Promise<void>;
}

/** Our Odoo company as a test needs it: its name, and a contact of its own holding its address and VAT number. */
export async function setCompany(client: OdooClient, name: string, address: Record<string, unknown>): Promise<void> {
  const partnerId = await client.create('res.partner', { name, is_company: true, ...address });
  await client.write('res.company', [1], { name, partner_id: partnerId });
  // A tax keeps the country it was made in (account.tax country_id): the seeded company's taxes become this one's.
  if (typeof address.country_id === 'number') {
    const taxes = await client.search('account.tax', [['company_id', '=', 1]]);
    if (taxes.length) await client.write('account.tax', taxes, { country_id: address.country_id });
  }
}

/** A second warehouse of our company (`code`) with an address of its own, as a person makes one in Odoo: its contact first, under the company's. */
export async function warehouse(client: OdooClient, name: string, code: string, address: Record<string, unknown>): Promise<number> {
  const [company] = await client.read('res.company', [1], ['partner_id']);
  const partnerId = await client.create('res.partner', { ...address, parent_id: (company!.partner_id as [number, string])[0], type: 'other' });
  return client.create('stock.warehouse', { name, code, partner_id: partnerId });
}

/** The company's main warehouse at the company's contact, as Odoo has it (the seed's company has no contact of its own to default to). */
export async function mainWarehouseAtCompany(client: OdooClient): Promise<void> {
  const [company] = await client.read('res.company', [1], ['partner_id']);
  await client.write('stock.warehouse', [1], { partner_id: (company!.partner_id as [number, string])[0] });
}

/** The N1 loops of an 810, 850 or 856, each as its N1, N3, N4 and REF segments joined with '~'. */
export function n1Loops(text: string): string[] {
  const loops: string[][] = [];
  let open: string[] | undefined;
  for (const segment of text.split('~').map((x) => x.trim())) {
    if (segment.startsWith('N1*')) loops.push((open = [segment]));
    else if (open && /^(?:N3|N4|REF)\*/.test(segment)) open.push(segment);
    else open = undefined;
  }
  return loops.map((l) => l.join('~'));
}

/** Starts the sandbox and a gateway whose export runs `exports`; ready once the first run wrote `ready`. */
export async function exportRig(o: ExportRigOptions): Promise<ExportRig> {
  const sandbox = await startSandbox({ password: 'pw' });
  const data = mkdtempSync(join(tmpdir(), 'gw-export-'));
  const partners = join(data, 'partners');
  cpSync(join(ROOT, 'partners'), partners, { recursive: true });
  for (const [id, edit] of Object.entries(o.partnerYaml ?? {})) {
    const yaml = join(partners, id, 'partner.yaml');
    writeFileSync(yaml, edit(readFileSync(yaml, 'utf8')));
  }
  const registry = loadPartners(partners, { dataRoot: data, mappingsRoot: join(ROOT, 'mappings') });
  const ledger = new SqliteLedger({ file: join(data, 'ledger.sqlite') });
  const client = new OdooClient({ url: sandbox.url, db: sandbox.db, login: 'admin', password: 'pw', protocol: 'jsonrpc' });
  const deps: ExportDeps = { ledger, registry, client, logger: pino({ level: 'silent' }), render: ledgerRenderer(ledger) };
  // Runs never overlap: the run numbered `started` is the latest begun, `runs` the latest done.
  let started = 0;
  let runs = 0;
  const exportOrders = async () => {
    const run = ++started;
    let queued = 0;
    for (const kind of o.exports) queued += await kind(deps);
    runs = run;
    return queued;
  };
  const gateway = new Gateway({ ledger, registry, sink: odooSink(client, undefined, undefined, ledgerStatedOrders(ledger)), logger: deps.logger, settleMs: 0, dirPollMs: 30, pollMs: 30, exportOrders, exportEveryMs: 3_600_000 });
  await gateway.start();
  await until(() => runs >= 1 && o.ready.every((key) => ledger.meta(key) !== undefined));
  // The sandbox's clock and ours tick in seconds: what follows is strictly later than "since".
  await new Promise((r) => setTimeout(r, 1100));
  const folder = (partner: string, dir: string) => join(data, 'exchange', partner, dir);
  return {
    sandbox,
    client,
    ledger,
    gateway,
    runs: () => runs,
    drop: (partner, name, bytes) => {
      writeFileSync(join(folder(partner, 'inbound'), `${name}.tmp`), bytes);
      renameSync(join(folder(partner, 'inbound'), `${name}.tmp`), join(folder(partner, 'inbound'), name));
    },
    sent: (partner, marker) => {
      const out = folder(partner, 'outbound');
      return (existsSync(out) ? readdirSync(out) : [])
        // Not the dir channel's hidden temp file of a send under way: it would count one document twice.
        .filter((f) => !f.startsWith('.'))
        .sort()
        .map((f) => readFileSync(join(out, f), 'latin1'))
        .filter((t) => t.includes(marker));
    },
    exportOnce: async () => {
      // Done when a run begun after the kick is done, not one that was already under way.
      const before = started;
      gateway.kickExport();
      await until(() => runs > before, 15_000, 'an export run');
    },
    stop: async () => {
      await gateway.stop();
      ledger.close();
      await sandbox.close();
    },
  };
}
