/** `edi-gateway render FILE.json|- --partner ID [--test]`: canonical documents in, the EDI we would send out. */
import { text as readText } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { InMemoryControlNumbers } from '../../edi/ack';
import { renderDocuments } from '../../mapping';
import { loadPartners } from '../../partners/loader';
import { CliUsageError, openInput, partnersOrUsage, type CliIo } from '../io';

const USAGE = 'usage: edi-gateway render FILE.json|- --partner ID [--test]';

/** The documents of `{documents: [...]}` (what translate prints), a list, or a single document. */
function documentsOf(input: unknown): unknown[] {
  if (Array.isArray(input)) return input;
  if (typeof input === 'object' && input !== null && Array.isArray((input as { documents?: unknown }).documents)) return (input as { documents: unknown[] }).documents;
  if (typeof input === 'object' && input !== null && 'type' in input) return [input];
  throw new CliUsageError('expected {"documents": [...]} as translate prints it, a list of documents or one document');
}

/** Exit 0 when every document rendered, 1 when any had errors (listed on stderr), 2 on usage/IO/configuration errors. */
export async function renderCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { partner: { type: 'string' }, test: { type: 'boolean' } } });
  if (positionals.length !== 1 || values.partner === undefined) throw new CliUsageError(USAGE);
  const input = openInput(positionals[0], io);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readText(input));
  } catch (err) {
    if (err instanceof SyntaxError) throw new CliUsageError(`${positionals[0]} is not JSON: ${err.message}`);
    throw new CliUsageError(`cannot read ${positionals[0]}: ${(err as Error).message}`);
  }
  const docs = documentsOf(parsed);
  const registry = partnersOrUsage(() => loadPartners());
  const partner = registry.get(values.partner);
  if (!partner) throw new CliUsageError(`no partner '${values.partner}'; known partners: ${registry.partners.map((p) => p.id).join(', ') || 'none'}`);
  // Without the ledger the numbers come from the clock, so two runs do not repeat each other's ISA13/ST02;
  // the running gateway takes them from the ledger instead.
  const start = Math.floor(Date.now() / 1000) % 900_000_000;
  const result = await renderDocuments(docs, partner, { controlNumbers: new InMemoryControlNumbers(start), ...(values.test ? { test: true } : {}) });
  for (const e of result.errors) {
    const where = e.document >= 0 ? `document ${e.document}` : 'interchange';
    io.stderr.write(`${e.severity}: ${where}${e.path ? ` ${e.path}` : ''}: ${e.message}\n`);
  }
  if (result.text !== '') {
    // Bytes, not text: a Latin-1 (UNOC) interchange must not be re-encoded as UTF-8 on the way out.
    if (!io.stdout.write(Buffer.from(result.text, result.encoding))) await new Promise<void>((resolve) => io.stdout.once('drain', resolve));
  }
  return result.errors.some((e) => e.severity === 'error') ? 1 : 0;
}
