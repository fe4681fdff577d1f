/**
 * `edi-gateway partners check [ID] [--dir PARTNERS]`: loads every partner folder and reports each problem
 * with file, line, key and fix. Running the partner's fixtures through translate joins this command with
 * the mapping engine.
 */
import { parseArgs } from 'node:util';
import { checkPartners } from '../../partners/loader';
import { CliUsageError, writeOut, type CliIo } from '../io';

const USAGE = 'usage: edi-gateway partners check [ID] [--dir PARTNERS_FOLDER]';

/** Exit 0 when no error was found (warnings are printed), 1 otherwise, 2 on usage errors. */
export async function partnersCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { dir: { type: 'string' } } });
  const [sub, id, ...rest] = positionals;
  if (sub !== 'check' || rest.length > 0) throw new CliUsageError(USAGE);
  const problems = checkPartners(values.dir, id ? { only: id } : {});
  const lines = problems.map((p) => `${p.severity === 'warning' ? 'warning' : 'error  '} ${p.message}`);
  const errors = problems.filter((p) => p.severity !== 'warning').length;
  lines.push(errors === 0 ? `partners check: ${id ?? 'all partners'} OK${problems.length ? ` (${problems.length} warning(s))` : ''}` : `partners check: ${errors} error(s)`);
  await writeOut(io.stdout, lines.join('\n') + '\n');
  return errors === 0 ? 0 : 1;
}
