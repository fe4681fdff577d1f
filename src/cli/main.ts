/** The `edi-gateway` command: dispatches to one module per command. */
import { CliUsageError, type CliIo } from './io';

type Command = (args: string[], io: CliIo) => Promise<number>;

/**
 * A command whose module is loaded when it runs: `validate` of a 1 GB file should not carry the
 * service, the Odoo client and the channels in memory (~22 MB RSS of modules it never calls).
 */
function load<M>(module: () => Promise<M>, command: (m: M) => Command): Command {
  return async (args, io) => command(await module())(args, io);
}

/** `ownHelp`: the command prints a longer usage of its own for --help. */
const COMMANDS: Record<string, { run: Command; help: string; ownHelp?: true }> = {
  demo: { run: load(() => import('./commands/demo'), (m) => m.demoCommand), help: 'demo [--once] [--port N]     the gateway on embedded defaults with the Odoo sandbox and a sample order (what `npm start` runs)' },
  start: { run: load(() => import('./commands/start'), (m) => m.startCommand), help: 'start [--config gateway.yaml] [--sandbox]  run channels, pipelines and the HTTP server until SIGTERM/SIGINT' },
  acks: { run: load(() => import('./commands/acks'), (m) => m.acksCommand), help: 'acks [--state S] [--partner ID] [--json] [--config F]  what partners acknowledged of what we sent; overdue ones' },
  send: { run: load(() => import('./commands/acks'), (m) => m.sendCommand), help: 'send FILE --partner ID [--config F]  queue one of our interchanges for a partner (its acks are expected)' },
  resend: { run: load(() => import('./commands/acks'), (m) => m.resendCommand), help: 'resend MESSAGE-ID [--json] [--config F]  queue an outbound message again, byte for byte (same control numbers), e.g. when its ack is overdue' },
  'not-sent': { run: load(() => import('./commands/not-sent'), (m) => m.notSentCommand), help: 'not-sent [--partner ID] [--json] [--config F] | not-sent dismiss ID --reason TEXT  records of Odoo that could not be sent to a partner, and why' },
  notify: { run: load(() => import('./commands/notify'), (m) => m.notifyCommand), help: 'notify --config F [--dry-run]  the digest mail of gateway.yaml\'s notify section now: overdue acks, documents that need a person, records not sent, since the last digest' },
  replay: { run: load(() => import('./commands/dead-letter'), (m) => m.replayCommand), help: 'replay ID [--config F]       run a document (42) or message (m7) again from its stored bytes with the current mappings' },
  'dead-letter': { run: load(() => import('./commands/dead-letter'), (m) => m.deadLetterCommand), help: 'dead-letter list|show ID|replay ID|discard ID [--config F] [--json]  documents that need a person' },
  prune: { run: load(() => import('./commands/prune'), (m) => m.pruneCommand), help: 'prune [--older-than 90d] [--dry-run] [--vacuum] [--json] [--config F]  remove the payloads of finished messages and documents older than that (default: retention.payloads); --vacuum: then shrink the file' },
  validate: { run: load(() => import('./commands/validate'), (m) => m.validateCommand), help: 'validate FILE|- [--json] [--lenient-charset] [--max-issues N]  check syntax, envelopes and transaction content; exit 0 valid, 1 invalid' },
  ack: { run: load(() => import('./commands/ack'), (m) => m.ackCommand), help: 'ack FILE|- [--type TA1|997|999|CONTRL|auto] [--partner ID]  the acknowledgment(s) the gateway would send (--partner: under that partner\'s ack policy)', ownHelp: true },
  inspect: { run: load(() => import('./commands/inspect'), (m) => m.inspectCommand), help: 'inspect FILE|- [--max-segments N]  envelopes and segments as a tree' },
  partners: { run: load(() => import('./commands/partners'), (m) => m.partnersCommand), help: "partners check [ID] [--dir D] | partners new ID --from FILE [--name NAME]  check the partner folders (file, line, key, fix); or start a partner's folder, mappings and fixture from one of their files" },
  ingest: { run: load(() => import('./commands/ingest'), (m) => m.ingestCommand), help: 'ingest FILE|- [--partner ID] [--sandbox] [--seed FILE]  parse, map and post to Odoo (ODOO_URL ...); print what was created' },
  translate: { run: load(() => import('./commands/translate'), (m) => m.translateCommand), help: 'translate FILE|- [--partner ID] [--pretty]  canonical documents as JSON {documents, errors}; exit 1 if any transaction failed' },
  render: { run: load(() => import('./commands/render'), (m) => m.renderCommand), help: 'render FILE.json|- --partner ID [--test]  the EDI we would send for canonical documents (envelopes, fresh control numbers); exit 1 on render errors' },
  schema: { run: load(() => import('./commands/schema'), (m) => m.schemaCommand), help: 'schema <type>               JSON Schema of a canonical document (order, invoice, ...)' },
  'odoo-sandbox': { run: load(() => import('./commands/odoo-sandbox'), (m) => m.odooSandboxCommand), help: 'odoo-sandbox [--port 8069] [--server-version 18.0]  the Odoo test double on 127.0.0.1 (JSON-RPC, XML-RPC; JSON-2 as 19)' },
};

function usage(): string {
  return ['usage: edi-gateway <command> [options]', '', 'commands:', ...Object.values(COMMANDS).map((c) => `  ${c.help}`), ''].join('\n');
}

/** Run the CLI with arguments (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.stderr.write(`edi-gateway: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  // Every command answers --help with its own line (before its parser, which would call it unknown).
  if (!cmd.ownHelp && (rest.includes('--help') || rest.includes('-h'))) {
    io.stdout.write(`usage: edi-gateway ${cmd.help}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    if (err instanceof CliUsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`edi-gateway ${name}: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
}
