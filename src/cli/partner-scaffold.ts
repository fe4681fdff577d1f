/**
 * A new partner folder from one of the partner's own files (`edi-gateway partners new ID --from FILE`):
 * the file's envelope says who they are and who we are to them, how they write (delimiters, character
 * set, version) and which messages they send, so partner.yaml and the partner's mapping files (each
 * extending the shared mapping of its version) can be written for a person to check, not to type.
 * Reading the sample and planning the files is here; writing them and checking the result is the CLI's.
 */
import type { Delimiters } from '../edi/common/scanner';
import type { GroupHeader, InterchangeHeader, Standard, TransactionHeader } from '../edi/common/events';
import { EdiReader } from '../edi/reader';
import { definitionVersion } from '../edi/validate';

/** A sample that cannot start a partner folder, with the reason a person can act on. */
export class ScaffoldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScaffoldError';
  }
}

/** What a partner's file says about them. */
export interface SampleFacts {
  interchange: InterchangeHeader;
  /** The first functional group (X12 always has one; EDIFACT seldom). */
  group?: GroupHeader;
  standard: Standard;
  /** The definition version of its messages: 004010, 005010, D96A, D01B. */
  version: string;
  /** Message types in the order first met (850, ORDERS …). */
  messageTypes: string[];
}

/** Read the envelope of a partner's sample file (its first interchange; every message type of the file). */
export function readSample(bytes: Buffer): SampleFacts {
  let interchange: InterchangeHeader | undefined;
  let group: GroupHeader | undefined;
  const versions = new Set<string>();
  const types: string[] = [];
  const reader = new EdiReader({
    interchangeStart: (h) => {
      interchange ??= h;
    },
    groupStart: (g) => {
      group ??= g;
    },
    transactionStart: (t: TransactionHeader) => {
      if (!interchange) return;
      versions.add(definitionVersion(interchange.standard, t));
      if (!types.includes(t.id)) types.push(t.id);
    },
  });
  reader.write(bytes);
  reader.end();
  if (!interchange) throw new ScaffoldError('the file holds no X12 or EDIFACT interchange whose envelope could be read');
  if (types.length === 0) throw new ScaffoldError('the file holds no transaction set or message: a sample of what the partner sends is needed (an order, an invoice …)');
  if (versions.size > 1) throw new ScaffoldError(`the file mixes versions (${[...versions].join(', ')}): give a file of one version`);
  return { interchange, ...(group ? { group } : {}), standard: interchange.standard, version: [...versions][0], messageTypes: types };
}

type DocType = 'order' | 'order_response' | 'ship_notice' | 'invoice';

/** The messages of a trade in each standard: the order goes one way, its answers the other. */
const MESSAGES: Record<Standard, Record<DocType, string>> = {
  x12: { order: '850', order_response: '855', ship_notice: '856', invoice: '810' },
  edifact: { order: 'ORDERS', order_response: 'ORDRSP', ship_notice: 'DESADV', invoice: 'INVOIC' },
};

/** The shared mapping folder of a version (mappings/_…), whose files a partner's mapping extends. */
function sharedFolder(standard: Standard, version: string): string | undefined {
  if (standard === 'x12') return version === '004010' || version === '005010' ? `_x12-${version}` : undefined;
  // The D96A mapping names segments and element ids, not group numbers: it holds for D01B (see mueller-armaturen).
  return version === 'D96A' || version === 'D01B' ? '_edifact-d96a' : undefined;
}

/** One file to write, relative to the project folder (the one holding partners/ and mappings/). */
export interface PlannedFile {
  path: string;
  content: string;
}

export interface Scaffold {
  role: 'customer' | 'supplier';
  files: PlannedFile[];
  /** What the sample could not say and a person must check. */
  checks: string[];
}

export interface ScaffoldOptions {
  id: string;
  name: string;
  /** The sample's file name, copied to fixtures/<id>/. */
  sampleName: string;
  /** Whether mappings/<folder>/<file> exists in the project (the shared mappings it has). */
  hasShared(folder: string, file: string): boolean;
}

/** A YAML scalar for any text: JSON's double-quoted strings are YAML too, escapes and all. */
const q = (s: string): string => JSON.stringify(s);

const char = (code: number): string => String.fromCharCode(code);

function x12Delimiters(d: Delimiters, version: string): string {
  const parts = [`element: ${q(char(d.element))}`, `component: ${q(char(d.component))}`, `segment: ${q(Buffer.from(d.terminator).toString('utf8'))}`];
  // 004010 has no repetition separator (ISA11 is the standards identifier U there).
  if (version >= '005010' && d.repetition > 0) parts.push(`repetition: ${q(char(d.repetition))}`);
  return `{ ${parts.join(', ')} }`;
}

/** EDIFACT's delimiters when they differ from the syntax's defaults (UNA:+.? '), else undefined. */
function edifactDelimiters(h: InterchangeHeader): string | undefined {
  const d = h.delimiters;
  const decimal = h.serviceStringAdvice && h.serviceStringAdvice.length >= 6 ? h.serviceStringAdvice[5] : '.';
  const given = { component: char(d.component), element: char(d.element), decimal, release: d.release > 0 ? char(d.release) : '?', segment: Buffer.from(d.terminator).toString('utf8') };
  const defaults = { component: ':', element: '+', decimal: '.', release: '?', segment: "'" };
  if (Object.entries(given).every(([k, v]) => defaults[k as keyof typeof defaults] === v)) return undefined;
  const repetition = d.repetition > 0 && d.repetition !== 0x2a ? `, repetition: ${q(char(d.repetition))}` : '';
  return `{ ${Object.entries(given).map(([k, v]) => `${k}: ${q(v)}`).join(', ')}${repetition} }`;
}

function identity(standard: Standard, qualifier: string, id: string, gsCode: string | undefined): string {
  const fields = [`standard: ${standard}`, ...(qualifier.trim() ? [`qualifier: ${q(qualifier.trim())}`] : []), `id: ${q(id.trim())}`, ...(gsCode?.trim() ? [`gsCode: ${q(gsCode.trim())}`] : [])];
  return `  - { ${fields.join(', ')} }`;
}

/** The partner folder's files for a partner whose sample is `facts`; throws ScaffoldError when no shared mapping fits. */
export function scaffoldPartner(facts: SampleFacts, o: ScaffoldOptions): Scaffold {
  const { standard, version, interchange: h, group } = facts;
  const shared = sharedFolder(standard, version);
  if (!shared) throw new ScaffoldError(`no shared mapping for ${standard.toUpperCase()} ${version}: the gateway ships mappings for X12 004010 and 005010 and EDIFACT D96A and D01B; write the partner's mappings yourself (mappings/README.md)`);
  const names = MESSAGES[standard];
  const typeOf = (mt: string): DocType | undefined => (Object.keys(names) as DocType[]).find((t) => names[t] === mt);
  const sent = facts.messageTypes.map(typeOf).filter((t): t is DocType => t !== undefined);
  if (sent.length === 0) throw new ScaffoldError(`the file holds ${facts.messageTypes.join(', ')}: a partner is started from an order, order response, ship notice or invoice it sends (${Object.values(names).join(', ')})`);
  const role = sent.includes('order') ? 'customer' : 'supplier';
  if (role === 'customer' && sent.length > 1) throw new ScaffoldError(`the file holds both orders and answers to orders (${facts.messageTypes.join(', ')}): give a file the partner sends as a customer or as a supplier`);
  const inbound: DocType[] = role === 'customer' ? ['order'] : ['order_response', 'ship_notice', 'invoice'];
  const outbound: DocType[] = role === 'customer' ? ['order_response', 'ship_notice', 'invoice'] : ['order'];
  const fileOf = (t: DocType): string => `${names[t]}.yaml`;
  // A document travels only where the shared mappings can read or write it (005010 has no 855).
  const documents = [...inbound.map((t) => ({ t, direction: 'inbound' })), ...outbound.map((t) => ({ t, direction: 'outbound' }))].filter((d) => o.hasShared(shared, fileOf(d.t)));
  const ack = standard === 'edifact' ? 'CONTRL' : version >= '005010' ? '999' : '997';
  const checks = [
    `odoo.partnerRef: the Internal Reference of this ${role} in Odoo (written as ${o.id.toUpperCase()})`,
    'acknowledgments: which acks they want and send (written: both ways, ' + ack + ', within 24h)',
    'channels: a folder under data/exchange/' + o.id + '/ until you add their SFTP, AS2 or email channel (docs/channels/)',
  ];
  const skipped = [...inbound, ...outbound].filter((t) => !documents.some((d) => d.t === t));
  if (skipped.length > 0) checks.push(`no shared ${version} mapping for ${skipped.map((t) => names[t]).join(', ')}: not in documents`);
  const kind = standard === 'x12' ? `an X12 ${version}` : `an EDIFACT ${version}`;
  const yaml = [
    `# ${o.name}: ${kind} ${role}, started by \`edi-gateway partners new\` from ${o.sampleName}.`,
    '# Check the lines marked CHECK, then run `edi-gateway partners check ' + o.id + '`.',
    `id: ${o.id}`,
    `name: ${q(o.name)}`,
    `mode: ${h.test ? 'test' : 'production'}${h.test ? '   # CHECK: the sample is marked as test traffic' : ''}`,
    '',
    'identities:',
    identity(standard, h.senderQualifier, h.senderId, standard === 'x12' ? group?.applicationSender : undefined),
    '',
    '# How we appear to them (the sample\'s receiver).',
    'us:',
    identity(standard, h.receiverQualifier, h.receiverId, standard === 'x12' ? group?.applicationReceiver : undefined),
    '',
    ...(standard === 'x12'
      ? ['x12:', `  version: ${version}`, `  delimiters: ${x12Delimiters(h.delimiters, version)}`]
      : ['edifact:', `  directory: ${version}`, `  charset: ${h.syntaxId ?? 'UNOC'}`, ...(h.version === '3' || h.version === '4' ? [`  syntaxVersion: ${h.version}`] : []), ...(edifactDelimiters(h) ? [`  delimiters: ${edifactDelimiters(h)}`] : [])]),
    '',
    'documents:',
    ...documents.map((d) => `  - { type: ${d.t}, direction: ${d.direction}, messageType: ${names[d.t]} }`),
    '',
    'odoo:',
    `  partnerRef: ${q(o.id.toUpperCase())}   # CHECK: the Internal Reference of this ${role} in Odoo`,
    ...(role === 'customer' ? ['  confirmOrders: false   # true: their orders are confirmed in Odoo as they arrive'] : []),
    '',
    'acknowledgments:   # CHECK: what they send and want',
    `  send: [${ack}]`,
    '  expect:',
    `    - { type: ${ack}, within: 24h }`,
    '',
  ].join('\n');
  const files: PlannedFile[] = [{ path: `partners/${o.id}/partner.yaml`, content: yaml }];
  for (const d of documents) {
    files.push({
      path: `mappings/${o.id}/${fileOf(d.t)}`,
      content: [
        `# ${o.name} ${names[d.t]} (${version}): the shared mapping. Override here, key by key, what they do`,
        '# differently: their unit codes, their item numbers (xref), their qualifiers (mappings/README.md).',
        `extends: ../${shared}/${fileOf(d.t)}`,
        '',
      ].join('\n'),
    });
  }
  return { role, files, checks };
}
