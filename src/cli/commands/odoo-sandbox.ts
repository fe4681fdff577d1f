/** `edi-gateway odoo-sandbox [--port 8069]`: the Odoo test double on loopback, until SIGINT/SIGTERM. */
import { runOdooSandbox } from '../../odoo/sandbox/cli';
import type { CliIo } from '../io';

/** Run the sandbox in the foreground. */
export async function odooSandboxCommand(args: string[], io: CliIo): Promise<number> {
  const line = (l: string): string => (l.endsWith('\n') ? l : `${l}\n`);
  return runOdooSandbox(args, { out: (l) => io.stdout.write(line(l)), err: (l) => io.stderr.write(line(l)) });
}
