/**
 * `edi-gateway ingest FILE|- [--partner ID] [--sandbox [--seed FILE]]`: parse, map and post one inbound
 * file to Odoo, printing what was created or found (model, id, name). The target is the Odoo named by
 * ODOO_URL / ODOO_DB / ODOO_USER / ODOO_API_KEY or ODOO_PASSWORD / ODOO_PROTOCOL, or, with --sandbox,
 * the Odoo sandbox started on 127.0.0.1 for this run. Without either it refuses and says what to set.
 */
import { parseArgs } from 'node:util';
import { translate } from '../../mapping';
import { OdooClient } from '../../odoo/client';
import { OdooError } from '../../odoo/errors';
import { BusinessError, createPostContext, postDocument } from '../../odoo/post';
import { startSandbox, type SandboxHandle } from '../../odoo/sandbox';
import { loadPartners } from '../../partners';
import { CliUsageError, openInput, partnersOrUsage, writeOut, type CliIo } from '../io';

const USAGE = 'usage: edi-gateway ingest FILE|- [--partner ID] [--sandbox [--seed FILE]]';
const NEEDS = 'set ODOO_URL, ODOO_DB, ODOO_USER and ODOO_API_KEY (or ODOO_PASSWORD), optionally ODOO_PROTOCOL=json2|jsonrpc|xmlrpc; or run against the Odoo sandbox with --sandbox';

/** The Odoo client from the environment; credentials never printed. */
function clientFromEnv(env: NodeJS.ProcessEnv): OdooClient {
  const { ODOO_URL, ODOO_DB, ODOO_USER, ODOO_API_KEY, ODOO_PASSWORD, ODOO_PROTOCOL } = env;
  if (!ODOO_URL || !ODOO_DB || !ODOO_USER || (!ODOO_API_KEY && !ODOO_PASSWORD)) throw new CliUsageError(`no Odoo to post to: ${NEEDS}`);
  const protocol = ODOO_PROTOCOL ?? 'jsonrpc';
  if (protocol !== 'json2' && protocol !== 'jsonrpc' && protocol !== 'xmlrpc') throw new CliUsageError(`ODOO_PROTOCOL must be json2, jsonrpc or xmlrpc`);
  return new OdooClient({ url: ODOO_URL, db: ODOO_DB, login: ODOO_USER, protocol, ...(ODOO_API_KEY ? { apiKey: ODOO_API_KEY } : { password: ODOO_PASSWORD }) });
}

/** Exit 0 when every transaction was posted, 1 when any failed (mapping, business or Odoo error), 2 usage. */
export async function ingestCommand(args: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { partner: { type: 'string' }, sandbox: { type: 'boolean' }, seed: { type: 'string' } } });
  if (positionals.length !== 1) throw new CliUsageError(USAGE);
  if (values.seed && !values.sandbox) throw new CliUsageError(`--seed goes with --sandbox\n${USAGE}`);
  const registry = partnersOrUsage(() => loadPartners());
  let sandbox: SandboxHandle | undefined;
  let client: OdooClient;
  if (values.sandbox) {
    // A throw-away password for this run only: the sandbox listens on 127.0.0.1 and stops with the command.
    const password = `run-${process.pid}-${Date.now()}`;
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1', password, ...(values.seed ? { seed: values.seed } : {}) });
    client = new OdooClient({ url: sandbox.url, db: 'edi', login: 'admin', password, protocol: 'jsonrpc' });
  } else client = clientFromEnv(env);
  const out: string[] = [];
  let failed = 0;
  try {
    const input = openInput(positionals[0], io);
    const result = await translate(input as AsyncIterable<Buffer>, { registry, ...(values.partner ? { partner: values.partner } : {}) });
    for (const e of result.errors) {
      failed++;
      out.push(`not mapped: ${e.message}`);
    }
    for (const doc of result.documents) {
      const partner = registry.get(doc.partnerId);
      const label = `${doc.type} ${'controlNumber' in doc.envelope ? doc.envelope.controlNumber : ''} from ${doc.partnerId}`;
      if (!partner) {
        failed++;
        out.push(`not posted: ${label}: partner ${doc.partnerId} has no folder`);
        continue;
      }
      try {
        const posted = await postDocument(doc, createPostContext({ client, settings: partner.odoo }));
        for (const r of posted) out.push(`${r.action.padEnd(9)} ${r.model} ${r.id} ${r.name}${r.notes.length ? `  (${r.notes.join('; ')})` : ''}`);
      } catch (err) {
        failed++;
        if (err instanceof BusinessError) out.push(`not posted: ${label}: ${err.message}`);
        else if (err instanceof OdooError) out.push(`not posted: ${label}: ${err.message}${err.retryable ? ' (temporary: try again)' : ''}`);
        else throw err;
      }
    }
  } finally {
    await sandbox?.close();
  }
  out.push(failed === 0 ? 'ingest: done' : `ingest: ${failed} problem(s)`);
  await writeOut(io.stdout, out.join('\n') + '\n');
  return failed === 0 ? 0 : 1;
}
