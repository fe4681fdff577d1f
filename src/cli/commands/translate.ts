/** `edi-gateway translate FILE|- [--partner ID] [--pretty]`: EDI in, canonical documents out as JSON. */
import { parseArgs } from 'node:util';
import { translate } from '../../mapping';
import { PartnerConfigErrors } from '../../partners/errors';
import { CliUsageError, openInput, writeOut, type CliIo } from '../io';

const USAGE = 'usage: edi-gateway translate FILE|- [--partner ID] [--pretty]';

/** Exit 0 when every transaction mapped, 1 when any failed, 2 on usage/IO/configuration errors. */
export async function translateCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { partner: { type: 'string' }, pretty: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new CliUsageError(USAGE);
  const input = openInput(positionals[0], io);
  let result;
  try {
    result = await translate(input as AsyncIterable<Buffer>, values.partner ? { partner: values.partner } : {});
  } catch (err) {
    if (err instanceof PartnerConfigErrors) throw new CliUsageError(err.message);
    if ((err as NodeJS.ErrnoException).code !== undefined) throw new CliUsageError(`cannot read ${positionals[0]}: ${(err as Error).message}`);
    throw err;
  }
  await writeOut(io.stdout, JSON.stringify({ documents: result.documents, errors: result.errors, ...(result.warnings ? { warnings: result.warnings } : {}) }, null, values.pretty ? 2 : undefined) + '\n');
  return result.errors.length === 0 ? 0 : 1;
}
