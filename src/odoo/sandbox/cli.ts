/**
 * `edi-gateway odoo-sandbox [--port 8069] [--host 127.0.0.1] [--seed FILE] [--db edi] [--login admin]
 * [--json2 | --no-json2]`, for src/cli to wire in. Credentials come from ODOO_PASSWORD / ODOO_API_KEY
 * (defaults: password "admin", no API key); they are never printed.
 */
import { startSandbox, type SandboxHandle } from './index';

export interface SandboxCliIo {
  out: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Stops the server when aborted (default: SIGINT / SIGTERM). */
  signal?: AbortSignal;
}

export function parseSandboxArgs(argv: string[]): { port: number; host: string; seed?: string; db: string; login: string; json2: boolean } {
  const out = { port: 8069, host: '127.0.0.1', db: 'edi', login: 'admin', json2: true } as {
    port: number;
    host: string;
    seed?: string;
    db: string;
    login: string;
    json2: boolean;
  };
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
    io.out(`odoo-sandbox: ${(err as Error).message}`);
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
      json2: args.json2,
    });
  } catch (err) {
    io.out(`odoo-sandbox: cannot start: ${(err as Error).message}`);
    return 1;
  }
  io.out(`Odoo sandbox listening on ${sb.url} (db "${sb.db}", login "${args.login}", protocols: jsonrpc, xmlrpc${args.json2 ? ', json2' : ''})`);
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
