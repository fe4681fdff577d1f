/** `edi-gateway validate FILE [--json] [--lenient-charset]`: verdict, counts and every finding with its position. */
import { parseArgs } from 'node:util';
import type { EdiIssue } from '../../edi/common/issues';
import { EdiValidator, type ValidationReport } from '../../edi/validate';
import { CliUsageError, readChunks, writeOut, type CliIo } from '../io';

const USAGE = 'usage: edi-gateway validate FILE|- [--json] [--lenient-charset] [--max-issues N]';

function where(i: EdiIssue): string {
  const env = [i.interchange && `interchange ${i.interchange}`, i.group && `group ${i.group}`, i.transaction && `${i.transactionType ?? 'transaction'} ${i.transaction}`].filter(Boolean).join(' / ');
  const seg = i.segmentId ? `segment ${i.segmentIndex ?? '?'} ${i.segmentId}` : i.offset !== undefined ? `byte ${i.offset}` : '';
  const el = i.element !== undefined ? `, element ${String(i.element).padStart(2, '0')}${i.component ? `-${i.component}` : ''}${i.repetition && i.repetition > 1 ? ` (repetition ${i.repetition})` : ''}` : '';
  return [env, seg + el].filter(Boolean).join(': ');
}

function acks(i: EdiIssue): string {
  const parts: string[] = [];
  const x12Name: Record<string, string> = { interchange: 'TA1', group: 'AK9', transaction: 'AK5', segment: 'AK3', element: 'AK4' };
  if (i.ack.x12) parts.push(`${x12Name[i.level]} ${i.ack.x12}${i.ack.x12Impl ? ` (999 ${i.ack.x12Impl})` : ''}`);
  if (i.ack.edifact) parts.push(`CONTRL ${i.ack.edifact}`);
  return parts.length ? ` [${parts.join(', ')}]` : '';
}

/** Human-readable report. */
export function formatReport(name: string, r: ValidationReport): string {
  const tx = r.interchanges.reduce((n, ic) => n + ic.transactionCount, 0);
  const ok = r.interchanges.reduce((n, ic) => n + ic.acceptedCount, 0);
  const groups = r.interchanges.reduce((n, ic) => n + ic.groups.length, 0);
  const lines = [`${name}: ${r.valid ? 'VALID' : 'INVALID'} (${r.standard === 'unknown' ? 'not EDI' : r.standard.toUpperCase()}, ${r.interchanges.length} interchange(s), ${groups} group(s), ${tx} transaction(s), ${ok} accepted, ${r.errorCount} error(s), ${r.warningCount} warning(s))`];
  for (const i of [...r.errors, ...r.warnings]) lines.push(`  ${i.severity === 'error' ? 'error  ' : 'warning'} ${i.code}  ${where(i)}: ${i.message}${i.value !== undefined ? ` ("${i.value}")` : ''}${acks(i)}`);
  if (r.truncated) lines.push(`  ... the report is truncated: it keeps at most --max-issues findings and 10 000 transaction results; the counts above are complete`);
  return lines.join('\n') + '\n';
}

/** The JSON form: {valid, standard, interchanges, errors, warnings, ...}. */
export function jsonReport(r: ValidationReport): unknown {
  return {
    valid: r.valid,
    standard: r.standard,
    bytes: r.bytes,
    segments: r.segments,
    interchanges: r.interchanges,
    errors: r.errors,
    warnings: r.warnings,
    errorCount: r.errorCount,
    warningCount: r.warningCount,
    truncated: r.truncated,
  };
}

/** Run the command; returns the exit code (0 valid, 1 invalid, 2 usage/IO). */
export async function validateCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, 'lenient-charset': { type: 'boolean' }, 'max-issues': { type: 'string' } } });
  if (positionals.length !== 1) throw new CliUsageError(USAGE);
  const maxIssues = values['max-issues'] !== undefined ? Number(values['max-issues']) : 1000;
  if (!Number.isInteger(maxIssues) || maxIssues < 0) throw new CliUsageError(`--max-issues must be a whole number\n${USAGE}`);
  const input = readChunks(positionals[0], io);
  const validator = new EdiValidator({ lenientCharset: values['lenient-charset'] === true, maxIssues });
  try {
    for await (const chunk of input) validator.write(chunk);
  } catch (err) {
    throw new CliUsageError(`cannot read ${positionals[0]}: ${(err as Error).message}`);
  }
  const report = validator.end();
  if (values.json) await writeOut(io.stdout, JSON.stringify(jsonReport(report), null, 2) + '\n');
  else await writeOut(io.stdout, formatReport(positionals[0], report));
  return report.valid ? 0 : 1;
}
