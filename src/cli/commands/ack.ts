/**
 * `edi-gateway ack FILE|- [--type TA1|997|999|CONTRL|auto] [--partner ID]`: prints the acknowledgment(s) the
 * gateway would send for FILE; notes (why no ack, what was rejected) go to stderr.
 */
import { parseArgs } from 'node:util';
import { ackBytes, acknowledge, type AckPolicy, type AckRequest } from '../../edi/ack';
import { loadPartners } from '../../partners';
import { ackRequest, partnerAckPolicy } from '../../pipeline/analyse';
import { CliUsageError, openInput, partnersOrUsage, writeOut, type CliIo } from '../io';

const TYPES: AckRequest[] = ['auto', 'TA1', '997', '999', 'CONTRL'];

export const ACK_USAGE = [
  'usage: edi-gateway ack FILE|- [--type TA1|997|999|CONTRL|auto] [--partner ID]',
  '  prints the acknowledgment(s) the gateway would send for FILE (exit 0, also when the ack is a rejection;',
  '  1 when no acknowledgment is possible, e.g. the input is not EDI; 2 on usage or read errors).',
  '  --type auto (default): X12 999 for 005010 groups, 997 otherwise, TA1 when ISA14 asks for one or when the',
  '         interchange is rejected at envelope level (then only the TA1); EDIFACT CONTRL.',
  '  --partner ID applies that partner\'s policy (partners/<id>/partner.yaml: which acks it gets, its test/production',
  '         mode, whether errors are accepted); without --type the partner\'s ack type is used.',
  '  Control numbers here start at 1 (a preview): the running gateway takes them from its ledger.',
].join('\n');

async function writeBytes(io: CliIo, bytes: Buffer): Promise<void> {
  if (!io.stdout.write(bytes)) await new Promise<void>((resolve) => io.stdout.once('drain', resolve));
}

/** Run the command; returns the exit code. */
export async function ackCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { type: { type: 'string' }, partner: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    await writeOut(io.stdout, ACK_USAGE + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new CliUsageError(ACK_USAGE);
  let type = (values.type ?? 'auto') as AckRequest;
  if (!TYPES.includes(type)) throw new CliUsageError(`--type must be one of ${TYPES.join(', ')}\n${ACK_USAGE}`);
  let policy: AckPolicy = {};
  let lenientCharset = false;
  if (values.partner !== undefined) {
    const id = values.partner;
    const partner = partnersOrUsage(() => loadPartners()).get(id);
    if (!partner) throw new CliUsageError(`no partner ${id} in the partner folders`);
    policy = partnerAckPolicy(partner);
    lenientCharset = partner.validation.lenientCharset;
    if (values.type === undefined) {
      const wanted = ackRequest(partner, partner.identities.some((i) => i.standard === 'x12') ? 'x12' : 'edifact');
      if (!wanted) {
        io.stderr.write(`note: partner ${id} gets no acknowledgments (acknowledgments.send is empty)\n`);
        return 0;
      }
      type = wanted;
    }
  }
  const input = openInput(positionals[0], io);
  let result;
  try {
    result = await acknowledge(input as AsyncIterable<Buffer>, { type, policy, lenientCharset });
  } catch (err) {
    throw new CliUsageError(`cannot read ${positionals[0]}: ${(err as Error).message}`);
  }
  for (const ack of result.acks) await writeBytes(io, ackBytes(ack));
  for (const note of result.notes) io.stderr.write(`note: ${note}\n`);
  return result.acks.length > 0 || !result.notes.some((n) => n.startsWith('file.')) ? 0 : 1;
}
