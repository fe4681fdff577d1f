/** `edi-gateway odoo-sandbox [--port 8069]`: the Odoo test double on loopback, until SIGINT/SIGTERM. */
import { runOdooSandbox } from '../../odoo/sandbox/cli';
import type { CliIo } from '../io';

/** Run the sandbox in the foreground. */
export async function odooSandboxCommand(args: string[], io: CliIo): Promise<number> {
  return runOdooSandbox(args, { out: (line) => io.stdout.write(line.endsWith('\n') ? line : `${line}\n`) });
}
