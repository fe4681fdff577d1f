/**
 * `edi-gateway odoo-sandbox [--port 8069] [--host 127.0.0.1] [--seed FILE] [--db edi] [--login admin]
 * [--server-version 18.0] [--json2 | --no-json2]`, run by `edi-gateway odoo-sandbox`. JSON-2 is served as the
 * version does (19 yes, 17/18 no) unless --json2 / --no-json2 says otherwise. Credentials come from
 * ODOO_PASSWORD / ODOO_API_KEY (defaults: password "admin", no API key); they are never printed.
 */
import { startSandbox, type SandboxHandle } from './index';
import { servesJson2 } from './versions';

export interface SandboxCliIo {
  out: (line: string) => void;
  /** Where problems go (usage, start-up errors); `out` when not given. */
  err?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Stops the server when aborted (default: SIGINT / SIGTERM). */
  signal?: AbortSignal;
}

export interface SandboxArgs {
  port: number;
  host: string;
  seed?: string;
  db: string;
  login: string;
  serverVersion?: string;
  json2?: boolean;
}

/** The command's options; throws on an unknown or incomplete one. */
export function parseSandboxArgs(argv: string[]): SandboxArgs {
  const out: SandboxArgs = { port: 8069, host: '127.0.0.1', db: 'edi', login: 'admin' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--port') {
      out.port = Number(next());
      if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) throw new Error('--port must be 0..65535');
    } else if (a === '--host') out.host = next();
    else if (a === '--seed') out.seed = next();
    else if (a === '--db') out.db = next();
    else if (a === '--login') out.login = next();
    else if (a === '--server-version') {
      out.serverVersion = next();
      if (!/^(saas~)?\d+\.\d+/.test(out.serverVersion)) throw new Error('--server-version must look like 18.0 or 19.0');
    }
    else if (a === '--json2') out.json2 = true;
    else if (a === '--no-json2') out.json2 = false;
    else throw new Error(`unknown option ${a}`);
  }
  return out;
}

/** Runs the sandbox until the signal aborts; resolves with an exit code. */
export async function runOdooSandbox(argv: string[], io: SandboxCliIo): Promise<number> {
  let args;
  try {
    args = parseSandboxArgs(argv);
  } catch (err) {
    (io.err ?? io.out)(`odoo-sandbox: ${(err as Error).message}`);
    return 2;
  }
  const env = io.env ?? process.env;
  let sb: SandboxHandle;
  try {
    sb = await startSandbox({
      port: args.port,
      host: args.host,
      db: args.db,
      login: args.login,
      password: env.ODOO_PASSWORD || 'admin',
      ...(env.ODOO_API_KEY ? { apiKey: env.ODOO_API_KEY } : {}),
      ...(args.seed ? { seed: args.seed } : {}),
      ...(args.serverVersion !== undefined ? { serverVersion: args.serverVersion } : {}),
      ...(args.json2 !== undefined ? { json2: args.json2 } : {}),
    });
  } catch (err) {
    (io.err ?? io.out)(`odoo-sandbox: cannot start: ${(err as Error).message}`);
    return 1;
  }
  const json2 = args.json2 ?? servesJson2(sb.major);
  io.out(`Odoo sandbox listening on ${sb.url} (Odoo ${sb.major}, db "${sb.db}", login "${args.login}", protocols: jsonrpc, xmlrpc${json2 ? ', json2' : ''})`);
  await new Promise<void>((resolve) => {
    if (io.signal) {
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
      return;
    }
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sb.close();
  io.out('Odoo sandbox stopped');
  return 0;
}
