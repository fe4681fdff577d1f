/** `edi-gateway schema <type>`: the JSON Schema of a canonical document. */
import { CANONICAL_SCHEMA_NAMES, canonicalJsonSchema } from '../../canonical';
import { CliUsageError, writeOut, type CliIo } from '../io';

/** Print the JSON Schema; exit 2 for an unknown type. */
export async function schemaCommand(args: string[], io: CliIo): Promise<number> {
  const [type] = args;
  if (args.length !== 1 || !(CANONICAL_SCHEMA_NAMES as readonly string[]).includes(type)) {
    throw new CliUsageError(`usage: edi-gateway schema <${CANONICAL_SCHEMA_NAMES.join('|')}>`);
  }
  await writeOut(io.stdout, JSON.stringify(canonicalJsonSchema(type as (typeof CANONICAL_SCHEMA_NAMES)[number]), null, 2) + '\n');
  return 0;
}
