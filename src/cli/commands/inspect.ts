/** `edi-gateway inspect FILE`: envelopes and segments as an indented tree, streamed (any file size). */
import { parseArgs } from 'node:util';
import type { EdiHandler, SegmentPlace } from '../../edi/common/events';
import type { ScannedSegment } from '../../edi/common/scanner';
import { EdiReader } from '../../edi/reader';
import { CliUsageError, readChunks, writeOut, type CliIo } from '../io';

const USAGE = 'usage: edi-gateway inspect FILE|- [--max-segments N]';

const INDENT: Record<SegmentPlace['level'], string> = { outside: '', interchange: '  ', group: '    ', transaction: '      ' };

function show(b: number): string {
  if (b < 0) return '(none)';
  if (b === 0x0d) return '\\r';
  if (b === 0x0a) return '\\n';
  return String.fromCharCode(b);
}

/** One segment as `TAG  01=value  02=a:b` (empty elements skipped, positions kept). */
function formatSegment(seg: ScannedSegment): string {
  const parts: string[] = [];
  for (let e = 1; e <= seg.elementCount(); e++) {
    const reps: string[] = [];
    for (let r = 1; r <= seg.repetitionCount(e); r++) {
      const comps: string[] = [];
      for (let c = 1; c <= seg.componentCount(e, r); c++) comps.push(seg.value(e, c, r));
      reps.push(comps.join(':'));
    }
    const v = reps.join(' ^ ');
    if (v.replace(/[:^ ]/g, '') !== '') parts.push(`${String(e).padStart(2, '0')}=${v}`);
  }
  return `${seg.tag.padEnd(3)}  ${parts.join('  ')}`;
}

/** Run the command; returns the exit code (0 read, 1 the input had errors, 2 usage/IO). */
export async function inspectCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'max-segments': { type: 'string' } } });
  if (positionals.length !== 1) throw new CliUsageError(USAGE);
  const max = values['max-segments'] !== undefined ? Number(values['max-segments']) : Infinity;
  if (!(max >= 0)) throw new CliUsageError(USAGE);
  let out: string[] = [];
  let shown = 0;
  let errors = 0;
  const handler: EdiHandler = {
    interchangeStart(h) {
      const d = h.delimiters;
      out.push(`interchange ${h.controlNumber}  ${h.standard.toUpperCase()} ${h.syntaxId ? `${h.syntaxId}:` : ''}${h.version}  from ${h.senderQualifier ? `${h.senderQualifier}:` : ''}${h.senderId}  to ${h.receiverQualifier ? `${h.receiverQualifier}:` : ''}${h.receiverId}  ${h.date} ${h.time}${h.test ? '  TEST' : ''}`);
      out.push(`  delimiters: element ${show(d.element)}  component ${show(d.component)}  repetition ${show(d.repetition)}  release ${show(d.release)}  terminator ${Buffer.from(d.terminator).toString('utf8').replace('\r', '\\r').replace('\n', '\\n')}`);
    },
    groupStart(g) {
      out.push(`  group ${g.controlNumber}  ${g.functionalId}  ${g.version}  ${g.applicationSender} -> ${g.applicationReceiver}`);
    },
    transactionStart(t) {
      out.push(`    transaction ${t.id} ${t.controlNumber}${t.version ? `  (${t.version})` : ''}`);
    },
    transactionEnd(_t, s) {
      out.push(`    end of transaction: ${s.segmentCount} segments${s.trailerFound ? '' : ', NO TRAILER'}${s.errors ? `, ${s.errors} envelope error(s)` : ''}`);
    },
    segment(seg, place) {
      if (shown >= max) return;
      shown++;
      const pos = place.position > 0 ? String(place.position).padStart(4) + '  ' : '      ';
      out.push(`${INDENT[place.level]}${pos}${formatSegment(seg)}`);
    },
    issue(i) {
      if (i.severity === 'error') errors++;
      out.push(`  !! ${i.severity} ${i.code}${i.segmentId ? ` at ${i.segmentId}${i.segmentIndex ? ` #${i.segmentIndex}` : ''}` : ''}: ${i.message}`);
    },
  };
  const reader = new EdiReader(handler);
  const input = readChunks(positionals[0], io);
  const flush = async () => {
    if (out.length === 0) return;
    const text = out.join('\n') + '\n';
    out = [];
    await writeOut(io.stdout, text);
  };
  try {
    for await (const chunk of input) {
      reader.write(chunk);
      await flush();
    }
  } catch (err) {
    throw new CliUsageError(`cannot read ${positionals[0]}: ${(err as Error).message}`);
  }
  reader.end();
  if (shown >= max) out.push(`... (${max} segments shown; --max-segments)`);
  await flush();
  return errors > 0 ? 1 : 0;
}
