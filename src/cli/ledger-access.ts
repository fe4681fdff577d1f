/**
 * How a CLI command reaches the ledger: directly when no gateway runs, through the running gateway's
 * API when it owns the ledger (token from gateway.yaml, or the generated data/api-token).
 */
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { loadGatewayConfig, readSecret, type GatewayConfig } from '../config/gateway';
import { LedgerError, ledgerFile, SqliteLedger } from '../store';
import { CliUsageError } from './io';
import { localTokenFile } from './service';

/** gateway.yaml from --config, plus the positional arguments and --json/--partner. */
export function commandConfig(args: string[]): { config: GatewayConfig; rest: string[]; json: boolean; partner?: string; state?: string } {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { config: { type: 'string' }, json: { type: 'boolean' }, partner: { type: 'string' }, state: { type: 'string' } } });
  return { config: loadGatewayConfig(values.config), rest: positionals, json: values.json === true, partner: values.partner, state: values.state };
}

/**
 * Who a command acting on the ledger itself is recorded as: `cli:` and the OS user (through the API, the
 * token's owner is). A user with no name in the password database (a container's numeric uid) is named
 * by that uid.
 */
export function cliOperator(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return `cli:${process.getuid?.() ?? 'unknown'}`;
  }
}

/** The running gateway's API, when the ledger is locked by it. */
function api(c: GatewayConfig): { url: string; token: string } {
  const token = c.http.token ? readSecret(c.http.token, 'http.token') : existsSync(localTokenFile(c.dataDir)) ? readFileSync(localTokenFile(c.dataDir), 'utf8').trim() : '';
  return { url: `http://${c.http.host}:${c.http.port}`, token };
}

export async function viaApi<T>(c: GatewayConfig, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const { url, token } = api(c);
  const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const json = (await res.json()) as T & { message?: string };
  if (!res.ok) throw new CliUsageError(json.message ?? `the gateway answered ${res.status}`);
  return json;
}

/** Run `local` on the ledger, or `remote` through the API when a running gateway holds the ledger. */
export async function withLedger<T>(c: GatewayConfig, local: (ledger: SqliteLedger) => Promise<T> | T, remote: () => Promise<T>): Promise<T> {
  let ledger: SqliteLedger;
  try {
    ledger = new SqliteLedger({ file: ledgerFile(c.dataDir) });
  } catch (err) {
    if (err instanceof LedgerError && /in use by process/.test(err.message)) return remote();
    throw err;
  }
  try {
    return await local(ledger);
  } finally {
    ledger.close();
  }
}

