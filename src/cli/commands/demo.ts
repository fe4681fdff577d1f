/**
 * `edi-gateway demo` (what `npm start` runs today): validates every shipped fixture and prints the
 * verdicts, so a newcomer sees the EDI core at work on X12 and EDIFACT. The full road (folder channels,
 * ledger, Odoo sandbox) joins this command as the pipeline lands.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packageRoot } from '../../edi/common/package-root';
import { validateBuffer } from '../../edi/validate';
import { writeOut, type CliIo } from '../io';

function walk(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (!name.endsWith('.json') && !name.endsWith('.md')) out.push(p);
  }
  return out;
}

/** Validate the fixtures and print one line per file. */
export async function demoCommand(_args: string[], io: CliIo): Promise<number> {
  const root = packageRoot();
  const dir = join(root, 'fixtures', 'edi');
  const files = walk(dir);
  const lines = ['edi-gateway demo: validating the shipped fixtures (X12 004010/005010, EDIFACT D96A/D01B)', ''];
  for (const f of files) {
    const r = validateBuffer(readFileSync(f));
    const first = r.errors[0];
    const detail = first ? `${first.code} at ${first.segmentId ?? 'byte ' + first.offset}${first.segmentIndex ? ' #' + first.segmentIndex : ''}${first.element ? ' element ' + first.element : ''}` : '';
    lines.push(`${r.valid ? 'valid  ' : 'INVALID'}  ${relative(root, f).padEnd(58)} ${detail}`);
  }
  lines.push('', 'Try: npx edi-gateway validate <file> [--json]   npx edi-gateway inspect <file>', '');
  await writeOut(io.stdout, lines.join('\n'));
  return 0;
}
