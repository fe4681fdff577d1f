import { OdooClient, type OdooClientConfig, type OdooProtocol } from '../../src/odoo';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../src/odoo/sandbox';

export const API_KEY = 'sbx-apikey-7f3c9e1d2b4a';
export const PASSWORD = 'sbx-password-5d8e2a1c';
export const DB = 'edi';
export const LOGIN = 'admin';

export const PROTOCOLS: OdooProtocol[] = ['jsonrpc', 'xmlrpc', 'json2'];

/**
 * A sandbox for the protocol tests: 18.0 with JSON-2 switched on, so that the three protocols run
 * against the same data (a real 18 has no JSON-2; versions.test.ts runs each version as it is).
 */
export function sandbox(opts: SandboxOptions = {}): Promise<SandboxHandle> {
  return startSandbox({ apiKey: API_KEY, password: PASSWORD, login: LOGIN, db: DB, host: '127.0.0.1', port: 0, json2: true, ...opts });
}

export function client(sb: SandboxHandle, protocol: OdooProtocol, extra: Partial<OdooClientConfig> = {}): OdooClient {
  return new OdooClient({ url: sb.url, db: DB, login: LOGIN, apiKey: API_KEY, protocol, timeoutMs: 3000, maxConcurrency: 4, ...extra } as OdooClientConfig);
}

/** Resolves with the rejection of a promise (fails when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}
