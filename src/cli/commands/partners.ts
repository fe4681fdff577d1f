/**
 * `edi-gateway partners check [ID] [--dir PARTNERS]`: loads every partner folder and reports each problem
 * with file, line, key and fix; then loads each partner's inbound mappings and runs the samples of
 * `fixtures/<id>/` (beside the partners folder) through translate, comparing each with its
 * `<file>.expected.json` where there is one (src/cli/fixtures-check.ts).
 */
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkPartners, defaultPartnersRoot, loadPartners } from '../../partners/loader';
import { outboundMappingProblems } from '../../mapping/render';
import { checkFixtures } from '../fixtures-check';
import { CliUsageError, writeOut, type CliIo } from '../io';

const USAGE = 'usage: edi-gateway partners check [ID] [--dir PARTNERS_FOLDER]';

/** Exit 0 when no error was found (warnings are printed), 1 otherwise, 2 on usage errors. */
export async function partnersCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { dir: { type: 'string' } } });
  const [sub, id, ...rest] = positionals;
  if (sub !== 'check' || rest.length > 0) throw new CliUsageError(USAGE);
  const root = resolve(values.dir ?? defaultPartnersRoot());
  const problems = checkPartners(root, id ? { only: id } : {});
  const lines = problems.map((p) => `${p.severity === 'warning' ? 'warning' : 'error  '} ${p.message}`);
  let errors = problems.filter((p) => p.severity !== 'warning').length;
  let summary = '';
  // Mappings and fixtures need partners that load; with load errors there is nothing sound to run them with.
  if (errors === 0) {
    const registry = loadPartners(root);
    const outbound = registry.partners.filter((p) => !id || p.id === id).flatMap(outboundMappingProblems);
    lines.push(...outbound.map((m) => `error   ${m}`));
    errors += outbound.length;
    const fixtures = await checkFixtures(registry, { projectDir: dirname(root), ...(id ? { only: id } : {}) });
    lines.push(...fixtures.problems.map((p) => `error   ${p.file}: ${p.message}`));
    errors += fixtures.problems.length;
    summary = ` (${fixtures.filesChecked} fixture file(s) translated, ${fixtures.filesCompared} compared with their expected result)`;
  }
  lines.push(errors === 0 ? `partners check: ${id ?? 'all partners'} OK${problems.length ? ` (${problems.length} warning(s))` : ''}${summary}` : `partners check: ${errors} error(s)`);
  await writeOut(io.stdout, lines.join('\n') + '\n');
  return errors === 0 ? 0 : 1;
}
