/**
 * `edi-gateway partners check [ID] [--dir PARTNERS]`: loads every partner folder and reports each problem
 * with file, line, key and fix; then loads each partner's inbound mappings and runs the samples of
 * `fixtures/<id>/` (beside the partners folder) through translate, comparing each with its
 * `<file>.expected.json` where there is one (src/cli/fixtures-check.ts).
 *
 * `edi-gateway partners new ID --from FILE [--name NAME] [--dir PARTNERS]`: a new partner folder, its
 * mapping files and its first fixture from one of the partner's own files (src/cli/partner-scaffold.ts),
 * then the same check of it.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PartnerIdSchema } from '../../canonical/envelope';
import { checkPartners, defaultPartnersRoot, loadPartners } from '../../partners/loader';
import { outboundMappingProblems } from '../../mapping/render';
import { checkFixtures } from '../fixtures-check';
import { CliUsageError, writeOut, type CliIo } from '../io';
import { readSample, scaffoldPartner, ScaffoldError, type Scaffold } from '../partner-scaffold';

const USAGE = 'usage: edi-gateway partners check [ID] [--dir PARTNERS_FOLDER]\n       edi-gateway partners new ID --from FILE [--name NAME] [--dir PARTNERS_FOLDER]';

/** A sample larger than this is not a sample (the envelope is at its start anyway). */
const MAX_SAMPLE_BYTES = 20 * 1024 * 1024;

/** Exit 0 when no error was found (warnings are printed), 1 otherwise, 2 on usage errors. */
export async function partnersCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { dir: { type: 'string' }, from: { type: 'string' }, name: { type: 'string' } } });
  const [sub, id, ...rest] = positionals;
  const root = resolve(values.dir ?? defaultPartnersRoot());
  if (sub === 'new' && id !== undefined && rest.length === 0) return newPartner(root, id, values, io);
  if (sub !== 'check' || rest.length > 0 || values.from !== undefined || values.name !== undefined) throw new CliUsageError(USAGE);
  return check(root, id, io);
}

/** `partners check [ID]`: exit 0 when no error was found. */
async function check(root: string, id: string | undefined, io: CliIo): Promise<number> {
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

/** `partners new ID --from FILE`: write the partner's folder, mappings and fixture, then check them. */
async function newPartner(root: string, id: string, values: { from?: string; name?: string }, io: CliIo): Promise<number> {
  if (!values.from) throw new CliUsageError(`partners new needs --from FILE: one of the partner's own files\n${USAGE}`);
  if (!PartnerIdSchema.safeParse(id).success || id.startsWith('_') || id.startsWith('.')) throw new CliUsageError(`"${id}" is not a partner id: letters, digits, '.', '_' and '-', not starting with '_' or '.'`);
  const project = dirname(root);
  const sample = resolve(values.from);
  let size: number;
  try {
    size = statSync(sample).size;
  } catch (err) {
    throw new CliUsageError(`cannot read ${values.from}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (size > MAX_SAMPLE_BYTES) throw new CliUsageError(`${values.from} is ${size} bytes: give a sample of at most ${MAX_SAMPLE_BYTES} bytes`);
  const taken = [join(root, id), join(project, 'mappings', id)].filter((p) => existsSync(p));
  if (taken.length > 0) throw new CliUsageError(`${taken.join(' and ')} exist${taken.length === 1 ? 's' : ''} already: partners new writes a new partner only`);
  const bytes = readFileSync(sample);
  let plan: Scaffold;
  try {
    const facts = readSample(bytes);
    // Routing must stay unambiguous: the sample's sender may not be a partner already.
    const existing = loadPartners(root).route(facts.interchange, facts.group);
    const sender = `${facts.interchange.senderQualifier.trim() ? `${facts.interchange.senderQualifier.trim()}:` : ''}${facts.interchange.senderId.trim()}`;
    if (existing.kind === 'partner' && existing.direction === 'outbound') throw new ScaffoldError(`its sender ${sender} is one of our own ids (towards partner ${existing.partner.id}): give a file the partner sent`);
    if (existing.kind !== 'unknown') throw new ScaffoldError(`its sender ${sender} is partner ${existing.partner.id} already`);
    plan = scaffoldPartner(facts, { id, name: values.name ?? id, sampleName: basename(sample), hasShared: (folder, file) => existsSync(join(project, 'mappings', folder, file)) });
  } catch (err) {
    if (err instanceof ScaffoldError) {
      await writeOut(io.stderr, `edi-gateway partners new: ${basename(sample)}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const fixture = `fixtures/${id}/${basename(sample)}`;
  for (const f of [...plan.files, { path: fixture, content: bytes }]) {
    const path = f.path.startsWith('partners/') ? join(root, f.path.slice('partners/'.length)) : join(project, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content, { flag: 'wx' });
  }
  const lines = [`partners new: ${id}, a ${plan.role}, from ${basename(sample)}:`, ...plan.files.map((f) => `  wrote ${f.path}`), `  copied the sample to ${fixture}`, 'check:', ...plan.checks.map((c) => `  - ${c}`), ''];
  await writeOut(io.stdout, lines.join('\n'));
  return check(root, id, io);
}
