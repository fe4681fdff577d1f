/**
 * The schema of `partners/<id>/partner.yaml`: who the partner is on the wire (identities), how we write
 * what we send them, which documents flow in which direction, what Odoo does on receipt, the
 * acknowledgment, duplicate and validation policies, and the channels. Every object is strict (an
 * unknown key is a typo until proven otherwise), every optional setting has a default that suits most
 * partners, and every field is described so the JSON Schema export doubles as editor help.
 *
 * What this file cannot check (the folder name, other partners, the file system) is checked by the
 * loader; rules that span several fields are in `checkPartnerRules` below.
 */
import { z } from 'zod';
import { PartnerIdSchema } from '../canonical/envelope';
import { DURATION_PATTERN, parseDuration } from './duration';

// ---------------------------------------------------------------------------------------------
// Building blocks

/** A duration such as "30s", "24h", "7d" or "1h30m", parsed to milliseconds. */
export const DurationSchema = z
  .string({
    error: (iss) =>
      typeof iss.input === 'number'
        ? `${iss.input} has no unit; write e.g. ${iss.input}s, ${iss.input}m or ${iss.input}h`
        : 'expected a duration; write e.g. 30s, 15m, 24h or 7d',
  })
  .regex(DURATION_PATTERN, {
    error: (iss) =>
      /^\d+$/.test(String(iss.input))
        ? `${String(iss.input)} has no unit; write e.g. ${String(iss.input)}s, ${String(iss.input)}m or ${String(iss.input)}h`
        : `'${String(iss.input)}' is not a duration; write e.g. 24h (units ms, s, m, h, d, w)`,
  })
  .transform((text) => parseDuration(text) as number)
  .meta({ title: 'Duration', examples: ['30s', '15m', '24h', '7d'] });

/** A non-empty code or id without surrounding blanks (ISA ids are compared trimmed, so blanks never belong in config). */
const Code = (what: string) =>
  z.string().regex(/^\S(?:.*\S)?$/, `${what} must be non-empty without leading or trailing spaces`);

/** One character used as an EDI delimiter. */
const Delimiter = z
  .string()
  .refine((s) => [...s].length === 1, 'a delimiter is exactly one character')
  .refine((s) => !/^[A-Za-z0-9]$/.test(s), 'a delimiter cannot be a letter or a digit');

/** Layout written after each segment terminator. */
export const LineBreakSchema = z.enum(['none', 'lf', 'crlf']).describe('what to write after each segment terminator');

/** An environment variable name. */
const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name such as ACME_SFTP_PASSWORD');

/** A relative path written in a partner file: forward slashes, no `..`, no leading `/` unless absolute paths are allowed by the loader. */
export const PathSchema = z
  .string()
  .min(1, 'a path cannot be empty')
  .refine((p) => !p.includes('\0'), 'a path cannot contain a NUL character')
  .refine((p) => !p.includes('\\'), 'write paths with forward slashes (/)')
  .refine((p) => !p.split('/').includes('..'), 'a path cannot contain ".."; write it relative to its root without leaving it');

/** A file name inside one folder (mapping files): no folders, no `..`. */
const FileNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a plain file name such as 850.yaml (letters, digits, ".", "_", "-"; no folders)');

/**
 * A secret is never written in a partner file: it is a reference to an environment variable or to a
 * file (relative paths resolve under the gateway's secrets folder).
 */
export const SecretRefSchema = z
  .union([
    z.strictObject({ env: EnvName.describe('environment variable holding the secret') }),
    z.strictObject({ file: PathSchema.describe('file holding the secret, relative to the secrets folder') }),
  ], {
    error: (iss) =>
      typeof iss.input === 'string' || typeof iss.input === 'number'
        ? 'secrets are never written in partner.yaml; use {env: NAME} (an environment variable) or {file: path} (a file in the secrets folder)'
        : iss.input === undefined
          ? undefined
          : 'expected {env: NAME} or {file: path}',
  })
  .meta({ title: 'SecretRef' });
export type SecretRef = z.infer<typeof SecretRefSchema>;

/** An e-mail address (kept permissive: the mail servers decide the rest). */
const Email = z.string().regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, 'expected an e-mail address such as edi@example.com');

/** `SHA256:<base64>` as printed by `ssh-keygen -lf` or `openssl x509 -fingerprint -sha256` (hex with colons). */
const Fingerprint = z
  .string()
  .regex(
    /^(?:SHA256:[A-Za-z0-9+/]{43}=?|(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2})$/,
    'expected a SHA-256 fingerprint: SHA256:… as printed by ssh-keygen -lf, or 32 hex bytes separated by ":"',
  );

/** A file-name template for files we write; placeholders in braces. */
export const FILE_NAME_PLACEHOLDERS = ['partner', 'standard', 'messageType', 'controlNumber', 'timestamp', 'messageId'] as const;
const FileNameTemplate = z
  .string()
  .regex(/^[A-Za-z0-9{}._-]+$/, 'a file name template may use letters, digits, ".", "_", "-" and {placeholders}')
  .superRefine((template, ctx) => {
    for (const m of template.matchAll(/\{([^}]*)\}/g)) {
      if (!(FILE_NAME_PLACEHOLDERS as readonly string[]).includes(m[1])) {
        ctx.addIssue({ code: 'custom', message: `unknown placeholder {${m[1]}}; use ${FILE_NAME_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}` });
      }
    }
  });

/** A simple file glob for one folder: `*`, `?` and character classes, no folders. */
const Glob = z.string().regex(/^[^/\\]+$/, 'a file pattern matches names in one folder, e.g. *.edi (no "/")');

// ---------------------------------------------------------------------------------------------
// Identities

/** An X12 interchange identity: ISA05/06 (or ISA07/08) and optionally the GS02/03 application code. */
export const X12IdentitySchema = z
  .strictObject({
    standard: z.literal('x12'),
    qualifier: z.string().regex(/^[A-Za-z0-9]{2}$/, 'an ISA id qualifier has 2 characters, e.g. ZZ, 01, 12 or 14').describe('ISA05/ISA07 id qualifier (ZZ mutually defined, 01 DUNS, 12 phone, 14 DUNS+suffix)'),
    id: Code('an ISA id').refine((s) => s.length <= 15, 'an ISA id has at most 15 characters').describe('ISA06/ISA08 id, without the padding spaces'),
    gsCode: Code('a GS application code').refine((s) => s.length >= 2 && s.length <= 15, 'a GS application code has 2 to 15 characters').optional().describe('GS02/GS03 application code; when given, it also takes part in routing'),
  })
  .meta({ title: 'X12Identity' });

/** An EDIFACT interchange identity: UNB S002/S003 0004/0010 and the optional code qualifier 0007. */
export const EdifactIdentitySchema = z
  .strictObject({
    standard: z.literal('edifact'),
    id: Code('a UNB id').refine((s) => s.length <= 35, 'a UNB id has at most 35 characters').describe('UNB 0004/0010 interchange id, e.g. a GLN'),
    qualifier: z.string().regex(/^[A-Za-z0-9]{1,4}$/, 'a UNB id code qualifier has 1 to 4 characters, e.g. 14 (GLN) or ZZZ').optional().describe('UNB 0007 code qualifier (14 = GLN, ZZZ = mutually defined); when absent, any qualifier matches'),
  })
  .meta({ title: 'EdifactIdentity' });

export const IdentitySchema = z.discriminatedUnion('standard', [X12IdentitySchema, EdifactIdentitySchema]).meta({ title: 'Identity' });
export type Identity = z.infer<typeof IdentitySchema>;
export type X12Identity = z.infer<typeof X12IdentitySchema>;
export type EdifactIdentity = z.infer<typeof EdifactIdentitySchema>;

// ---------------------------------------------------------------------------------------------
// What we send: envelope settings

export const X12VersionSchema = z.enum(['004010', '005010']);

export const X12SettingsSchema = z
  .strictObject({
    version: X12VersionSchema.describe('GS08 version of what we send (ISA12 follows: 00401 or 00501)'),
    delimiters: z
      .strictObject({
        element: Delimiter.default('*').describe('element separator (ISA position 4)'),
        component: Delimiter.default('>').describe('component separator (ISA16)'),
        segment: Delimiter.default('~').describe('segment terminator'),
        repetition: Delimiter.optional().describe('repetition separator (ISA11), 005010 only; ^ when omitted'),
      })
      .prefault({})
      .describe('delimiters of the interchanges we send'),
    lineBreak: LineBreakSchema.default('none'),
  })
  .meta({ title: 'X12Settings' })
  .describe('how we write X12 for this partner');
export type X12Settings = z.infer<typeof X12SettingsSchema>;

export const EDIFACT_CHARSETS = ['UNOA', 'UNOB', 'UNOC', 'UNOD', 'UNOE', 'UNOF', 'UNOW', 'UNOY'] as const;

export const EdifactSettingsSchema = z
  .strictObject({
    directory: z.enum(['D96A', 'D01B']).describe('UNH message version and release of what we send'),
    charset: z.enum(EDIFACT_CHARSETS).default('UNOC').describe('UNB syntax identifier 0001 (character set)'),
    syntaxVersion: z.union([z.literal(2), z.literal(3), z.literal(4)]).optional().describe('UNB syntax version 0002; 4 for UNOW/UNOY, 3 otherwise when omitted'),
    delimiters: z
      .strictObject({
        component: Delimiter.default(':').describe('component data element separator (UNA1)'),
        element: Delimiter.default('+').describe('data element separator (UNA2)'),
        decimal: z.enum(['.', ',']).default('.').describe('decimal mark (UNA3)'),
        release: Delimiter.default('?').describe('release character (UNA4)'),
        repetition: z.string().refine((s) => s.length === 1, 'a delimiter is exactly one character').optional().describe('repetition separator (UNA5), syntax 4 only; a space means none; * when omitted in syntax 4'),
        segment: Delimiter.default("'").describe('segment terminator (UNA6)'),
      })
      .prefault({})
      .describe('delimiters of the interchanges we send'),
    una: z.enum(['always', 'auto', 'never']).default('always').describe('write the UNA service string advice always, only when the delimiters differ from the defaults, or never'),
    lineBreak: LineBreakSchema.default('none'),
    groups: z.boolean().default(false).describe('wrap messages in UNG/UNE functional groups'),
  })
  .meta({ title: 'EdifactSettings' })
  .describe('how we write EDIFACT for this partner');
export type EdifactSettings = z.infer<typeof EdifactSettingsSchema>;

// ---------------------------------------------------------------------------------------------
// Documents

export const PARTNER_DOCUMENT_TYPES = ['order', 'order_response', 'ship_notice', 'invoice', 'functional_ack'] as const;
export type PartnerDocumentType = (typeof PARTNER_DOCUMENT_TYPES)[number];

/** Message types that carry each canonical document (X12 transaction sets and EDIFACT messages). */
export const MESSAGE_TYPES: Record<PartnerDocumentType, readonly string[]> = {
  order: ['850', '875', 'ORDERS'],
  order_response: ['855', '865', 'ORDRSP'],
  ship_notice: ['856', 'DESADV'],
  invoice: ['810', '880', 'INVOIC'],
  functional_ack: ['997', '999', 'CONTRL', 'APERAK'],
};

/** The standard a message type belongs to: X12 ids are 3 digits, EDIFACT ones 6 letters. */
export function standardOfMessageType(messageType: string): 'x12' | 'edifact' {
  return /^\d{3}$/.test(messageType) ? 'x12' : 'edifact';
}

export const DocumentEntrySchema = z
  .strictObject({
    type: z.enum(PARTNER_DOCUMENT_TYPES).describe('canonical document'),
    direction: z.enum(['inbound', 'outbound']).describe('inbound: the partner sends it to us; outbound: we send it'),
    messageType: z.string().regex(/^(?:\d{3}|[A-Z]{6})$/, 'expected an X12 transaction set (3 digits, e.g. 850) or an EDIFACT message (6 capitals, e.g. ORDERS)').describe('X12 ST01 or EDIFACT UNH 0065'),
    mapping: FileNameSchema.optional().describe('mapping file in mappings/<partner id>/; <messageType>.yaml when omitted'),
    orders: z
      .enum(['edi', 'all'])
      .optional()
      .describe('outbound ship notices and invoices: edi (default) only about orders the partner sent us by EDI; all: about every order of the customer, and invoices of no order'),
    changes: z
      .boolean()
      .optional()
      .describe('outbound orders and order responses: also send the document again as a change (850 / 855 BAK01 04, ORDERS BGM 1225 4, a new ORDRSP) when purchasing or sales changes it in Odoo after it was sent'),
  })
  .superRefine((doc, ctx) => {
    const allowed = MESSAGE_TYPES[doc.type];
    if (!allowed.includes(doc.messageType)) {
      ctx.addIssue({ code: 'custom', path: ['messageType'], message: `${doc.messageType} does not carry ${article(doc.type)}; for ${doc.type} use ${allowed.join(', ')}` });
    }
    if (doc.orders !== undefined && !(doc.direction === 'outbound' && (doc.type === 'ship_notice' || doc.type === 'invoice'))) {
      // An order response answers an order the partner sent; what we receive is not ours to filter.
      ctx.addIssue({ code: 'custom', path: ['orders'], message: `orders applies to ship notices and invoices we send, not to ${doc.direction} ${doc.type.replace('_', ' ')}s; remove it` });
    }
    if (doc.changes !== undefined && !(doc.direction === 'outbound' && (doc.type === 'order' || doc.type === 'order_response'))) {
      ctx.addIssue({ code: 'custom', path: ['changes'], message: `changes applies to orders and order responses we send, not to ${doc.direction} ${doc.type.replace('_', ' ')}s; remove it` });
    }
  })
  .meta({ title: 'DocumentEntry' });
export type DocumentEntry = z.infer<typeof DocumentEntrySchema>;

function article(type: string): string {
  const words = type.replace('_', ' ');
  return /^[aeiou]/.test(words) ? `an ${words}` : `a ${words}`;
}

// ---------------------------------------------------------------------------------------------
// Odoo

/** A partner's word on one of our Odoo taxes: its UN/EDIFACT tax type (5153) and category (5305). */
export const TaxCodeSchema = z
  .strictObject({
    tax: z
      .union([z.number().int().positive(), Code('a tax name')])
      .describe('the account.tax id, or the name of the tax or of its tax group (compared without case)'),
    type: z.string().regex(/^[A-Z]{3}$/, 'expected a UN/EDIFACT 5153 tax type such as VAT, GST, STT, LOC or OTH').optional().describe('duty/tax type (TAX 5153; the X12 mapping turns it into TXI01)'),
    category: z.string().regex(/^[A-Z]{1,2}$/, 'expected a UN/EDIFACT 5305 category such as S, Z, E or AE').optional().describe('duty/tax category (TAX 5305): S standard, Z zero rated, E exempt, AE reverse charge …'),
  })
  .refine((t) => t.type !== undefined || t.category !== undefined, { message: 'say the type, the category or both', path: ['type'] })
  .meta({ title: 'TaxCode' });
export type TaxCode = z.infer<typeof TaxCodeSchema>;

export const OdooSettingsSchema = z
  .strictObject({
    partnerRef: Code('an Odoo reference').optional().describe("the partner's Internal Reference (res.partner ref) in Odoo"),
    partnerId: z.number().int().positive().optional().describe('the res.partner id in Odoo, when no reference is set there'),
    company: z.number().int().positive().optional().describe('res.company id the documents belong to (multi-company databases)'),
    confirmOrders: z.boolean().default(false).describe('confirm sale orders created from the partner\'s orders (false: leave quotations)'),
    postInvoices: z.boolean().default(false).describe('post vendor bills created from the partner\'s invoices (false: leave drafts)'),
    validateReceipts: z.boolean().default(false).describe('validate the receipt prepared from a ship notice (false: leave it ready)'),
    orderUpdates: z
      .enum(['hold', 'apply'])
      .default('hold')
      .describe("the partner's changes and cancellations of orders (850 BEG01 04/01, ORDERS BGM 1225 4/1): held for a person, or applied to the sale order when nothing delivered or invoiced stands in the way"),
    priceSource: z.enum(['odoo', 'edi']).default('odoo').describe('unit prices of sale order lines: from Odoo\'s pricelist, or as the partner sent them'),
    quantityTolerancePercent: z.number().min(0).max(100).default(0).describe('how far a shipped or invoiced quantity may exceed the ordered one before it is a business error'),
    productMatch: z
      .array(z.enum(['internalReference', 'barcode', 'partnerCode']))
      .min(1, 'name at least one way to find products')
      .default(['internalReference', 'barcode', 'partnerCode'])
      .describe('how item ids are resolved to Odoo products, in order'),
    taxes: z
      .array(TaxCodeSchema)
      .min(1, 'omit taxes instead of listing none')
      .optional()
      .describe('what the taxes of the invoices we send are, where the rule of D24 guesses wrong: by tax id, tax name or tax group name'),
  })
  .superRefine((odoo, ctx) => {
    if (odoo.partnerRef === undefined && odoo.partnerId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['partnerRef'], message: 'missing: say which Odoo contact this partner is; add odoo.partnerRef (its Internal Reference in Odoo) or odoo.partnerId' });
    } else if (odoo.partnerRef !== undefined && odoo.partnerId !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['partnerId'], message: 'give odoo.partnerRef or odoo.partnerId, not both; remove one' });
    }
    if (new Set(odoo.productMatch).size !== odoo.productMatch.length) {
      ctx.addIssue({ code: 'custom', path: ['productMatch'], message: 'a product lookup is listed twice; list each once' });
    }
  })
  .meta({ title: 'OdooSettings' })
  .describe('the Odoo side of this partner');
export type OdooSettings = z.infer<typeof OdooSettingsSchema>;

// ---------------------------------------------------------------------------------------------
// Policies

export const ACK_TYPES = ['TA1', '997', '999', 'CONTRL', 'APERAK'] as const;
export const AckTypeSchema = z.enum(ACK_TYPES);
export type AckType = z.infer<typeof AckTypeSchema>;
export const X12_ACKS: readonly AckType[] = ['TA1', '997', '999'];
/** The business answer a partner may owe besides acknowledgments: an order response to each order we send. */
export const ORDER_RESPONSE_EXPECTED = 'order_response';

export const AcknowledgmentsSchema = z
  .strictObject({
    send: z.array(AckTypeSchema).default([]).describe('acknowledgments we send for what the partner sends us'),
    expect: z
      .array(
        z
          .strictObject({
            type: z
              .union([AckTypeSchema, z.literal(ORDER_RESPONSE_EXPECTED)])
              .describe('acknowledgment the partner sends for what we send; order_response: a supplier answers each order we send (855 / ORDRSP) naming its number'),
            within: DurationSchema.prefault('24h').describe('deadline after sending; later the document is overdue'),
          })
          .meta({ title: 'ExpectedAck' }),
      )
      .default([])
      .describe('acknowledgments we expect from the partner, each with a deadline'),
    acceptWithErrors: z
      .boolean()
      .default(false)
      .describe('accept and process inbound transactions whose errors the standard lets through (997/999 AK5/IK5 E, CONTRL with errors) instead of rejecting them'),
  })
  .meta({ title: 'Acknowledgments' })
  .describe('functional acknowledgment policy');
export type Acknowledgments = z.infer<typeof AcknowledgmentsSchema>;

export const DuplicatesSchema = z
  .strictObject({
    window: DurationSchema.prefault('30d').describe('how long interchanges are remembered to recognise re-deliveries'),
    businessDocument: z.enum(['ignore', 'update', 'hold']).default('hold').describe('a known order/invoice number in a new interchange: ignore it, update the Odoo record, or hold it for a person'),
  })
  .meta({ title: 'Duplicates' })
  .describe('duplicate policy');
export type Duplicates = z.infer<typeof DuplicatesSchema>;

export const ValidationSettingsSchema = z
  .strictObject({
    lenientCharset: z.boolean().default(false).describe('report characters outside the declared EDIFACT character set as warnings, not errors'),
    overlays: PathSchema.optional().describe('folder in the partner folder with definition overlays, one file per <standard>/<version>/<message>.yaml'),
  })
  .meta({ title: 'ValidationSettings' })
  .describe('validation policy');
export type ValidationSettings = z.infer<typeof ValidationSettingsSchema>;

// ---------------------------------------------------------------------------------------------
// Channels

const DirInboundSchema = z
  .strictObject({
    type: z.literal('dir'),
    path: PathSchema.describe('folder watched for files from the partner, relative to the data folder'),
    archive: PathSchema.optional().describe('folder processed files are moved to; "archive" beside path when omitted'),
    pattern: Glob.default('*').describe('names picked up (names ending in .tmp or starting with "." never are)'),
    pollInterval: DurationSchema.prefault('5s').describe('how often the folder is scanned'),
  })
  .meta({ title: 'DirInbound' });

const DirOutboundSchema = z
  .strictObject({
    type: z.literal('dir'),
    path: PathSchema.describe('folder files for the partner are written to (temp name + rename), relative to the data folder'),
    fileName: FileNameTemplate.default('{messageType}-{controlNumber}.edi').describe('name of each file written'),
  })
  .meta({ title: 'DirOutbound' });

const sftpCommon = {
  type: z.literal('sftp'),
  host: Code('a host name').describe('SFTP server of the partner'),
  port: z.number().int().min(1).max(65535).default(22),
  username: Code('a user name'),
  password: SecretRefSchema.optional().describe('password reference ({env} or {file})'),
  privateKey: SecretRefSchema.optional().describe('private key reference ({env} or {file}); preferred over a password'),
  passphrase: SecretRefSchema.optional().describe('passphrase of the private key'),
  hostKey: Fingerprint.describe('pinned SHA-256 fingerprint of the server host key (ssh-keyscan host | ssh-keygen -lf -)'),
  remoteDir: Code('a remote folder').describe('folder on the server'),
};

function sftpAuth(channel: { password?: unknown; privateKey?: unknown; passphrase?: unknown }, ctx: z.RefinementCtx): void {
  if (channel.password === undefined && channel.privateKey === undefined) {
    ctx.addIssue({ code: 'custom', path: ['privateKey'], message: 'missing: an SFTP login needs privateKey: {file: …} or password: {env: …}' });
  }
  if (channel.passphrase !== undefined && channel.privateKey === undefined) {
    ctx.addIssue({ code: 'custom', path: ['passphrase'], message: 'a passphrase needs a privateKey; add privateKey or remove passphrase' });
  }
}

const SftpInboundSchema = z
  .strictObject({
    ...sftpCommon,
    pattern: Glob.default('*'),
    pollInterval: DurationSchema.prefault('1m'),
    afterDownload: z.enum(['delete', 'move']).default('delete').describe('what happens to the remote file once the ledger has it'),
    moveTo: Code('a remote folder').optional().describe('remote folder for afterDownload: move'),
  })
  .superRefine((c, ctx) => {
    sftpAuth(c, ctx);
    if (c.afterDownload === 'move' && c.moveTo === undefined) ctx.addIssue({ code: 'custom', path: ['moveTo'], message: 'missing: afterDownload: move needs moveTo (a remote folder)' });
  })
  .meta({ title: 'SftpInbound' });

const SftpOutboundSchema = z
  .strictObject({
    ...sftpCommon,
    fileName: FileNameTemplate.default('{messageType}-{controlNumber}.edi'),
    tempSuffix: z.string().regex(/^\.[A-Za-z0-9._-]+$/, 'expected a suffix such as .tmp').default('.tmp').describe('uploads are written under this suffix and renamed when complete'),
    fileMode: z.string().regex(/^0?[0-7]{3}$/, "expected an octal mode such as '0640' (in quotes)").default('0640').describe('mode set on uploaded files'),
  })
  .superRefine((c, ctx) => sftpAuth(c, ctx))
  .meta({ title: 'SftpOutbound' });

const As2Id = z.string().regex(/^[\x21-\x7e](?:[\x20-\x7e]{0,126}[\x21-\x7e])?$/, 'an AS2 name has 1 to 128 printable ASCII characters');
const Certificate = PathSchema.describe('PEM certificate file, relative to the partner folder');
/**
 * One certificate, or several during a rollover (the old and the new, both listed until the old one has
 * expired). Read as a list either way, so code never has two shapes to handle.
 */
const Certificates = z
  .union([Certificate, z.array(Certificate).min(1, 'list at least one certificate')])
  .transform((v) => (typeof v === 'string' ? [v] : v));
/** Our key pairs during a rollover: every pair decrypts, the newest valid one signs. */
const OurKeys = z
  .array(
    z.strictObject({
      key: SecretRefSchema.describe('our private key'),
      certificate: Certificate.describe('its certificate (the one the partner has), relative to the partner folder'),
    }),
  )
  .min(1, 'list at least one key pair');

/** The single-key settings that `ourKeys` replaces; both at once would leave it unclear which key signs. */
function ourKeysExclusive(c: Record<string, unknown>, singles: readonly string[], ctx: z.RefinementCtx): void {
  if (c.ourKeys === undefined) return;
  for (const key of singles) {
    if (c[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `ourKeys replaces ${singles.join(', ')}; list the pair in ourKeys and remove ${key}` });
  }
}
const SignAlg = z.enum(['sha256', 'sha384', 'sha512', 'sha1']);
const EncAlg = z.enum(['aes128-cbc', 'aes256-cbc', 'aes128-gcm', 'aes256-gcm', '3des']);

const As2InboundSchema = z
  .strictObject({
    type: z.literal('as2'),
    as2From: As2Id.describe("the partner's AS2 name (AS2-From of their messages)"),
    as2To: As2Id.describe('our AS2 name (AS2-To of their messages)'),
    partnerCertificate: Certificates.describe("partner's certificate(s) that verify their signatures, relative to the partner folder; a signature counts when one of them that is valid at receipt made it"),
    decryptionKey: SecretRefSchema.optional().describe('our private key that decrypts their messages'),
    ourKeys: OurKeys.optional().describe('our key pairs (instead of decryptionKey, mdnKey and mdnCertificate): each decrypts, the newest valid one signs MDNs'),
    requireSigned: z.boolean().default(true),
    requireEncrypted: z.boolean().default(true),
    mdnSignature: SignAlg.default('sha256').describe('digest used when the partner asks for a signed MDN'),
    mdnKey: SecretRefSchema.optional().describe('our private key that signs MDNs'),
    mdnCertificate: PathSchema.optional().describe('our certificate sent with signed MDNs, relative to the partner folder'),
    allowLegacyAlgorithms: z.boolean().default(false).describe('accept SHA-1 and 3DES from this partner'),
    maxSize: z.number().int().positive().default(50 * 1024 * 1024).describe('largest message accepted, in bytes'),
    asyncMdnUrls: z
      .array(z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }))
      .default([])
      .describe("where this partner may have its asynchronous MDNs sent (Receipt-Delivery-Option): a URL, or a URL ending in / for every path under it; besides these, only its outbound AS2 server's origin"),
  })
  .superRefine((c, ctx) => {
    ourKeysExclusive(c, ['decryptionKey', 'mdnKey', 'mdnCertificate'], ctx);
    if (c.requireEncrypted && c.decryptionKey === undefined && c.ourKeys === undefined) {
      ctx.addIssue({ code: 'custom', path: ['decryptionKey'], message: 'missing: requireEncrypted needs decryptionKey: {file: …} (or ourKeys); or set requireEncrypted: false' });
    }
  })
  .meta({ title: 'As2Inbound' });

const As2OutboundSchema = z
  .strictObject({
    type: z.literal('as2'),
    url: z.url({ protocol: /^https?$/, error: 'expected the http(s) URL of the partner\'s AS2 server' }).describe("the partner's AS2 endpoint"),
    as2From: As2Id.describe('our AS2 name'),
    as2To: As2Id.describe("the partner's AS2 name"),
    partnerCertificate: Certificates.describe("partner's certificate(s), relative to the partner folder: we encrypt to the newest valid one and accept MDNs signed by any valid one"),
    signingKey: SecretRefSchema.optional().describe('our private key; required unless sign: none'),
    ourKeys: OurKeys.optional().describe('our key pairs (instead of signingKey and signingCertificate): the newest valid one signs'),
    signingCertificate: PathSchema.optional().describe('our certificate, relative to the partner folder'),
    sign: z.union([SignAlg, z.literal('none')]).default('sha256'),
    encrypt: z.union([EncAlg, z.literal('none')]).default('aes256-cbc'),
    keyTransport: z.enum(['rsa-pkcs1', 'rsa-oaep']).default('rsa-pkcs1').describe('RSA key transport; rsa-pkcs1 is what most AS2 software expects'),
    compress: z.boolean().default(false),
    mdn: z.enum(['sync', 'async', 'none']).default('sync'),
    mdnSigned: z.boolean().default(true).describe('ask for a signed MDN'),
    asyncMdnUrl: z.url({ error: 'expected the URL our asynchronous MDNs arrive at' }).optional(),
    timeout: DurationSchema.prefault('60s'),
    allowLegacyAlgorithms: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    ourKeysExclusive(c, ['signingKey', 'signingCertificate'], ctx);
    if (c.sign !== 'none' && c.signingKey === undefined && c.ourKeys === undefined) {
      ctx.addIssue({ code: 'custom', path: ['signingKey'], message: 'missing: signing needs signingKey: {file: …} (or ourKeys); or set sign: none' });
    }
    if (c.mdn === 'async' && c.asyncMdnUrl === undefined) {
      ctx.addIssue({ code: 'custom', path: ['asyncMdnUrl'], message: 'missing: mdn: async needs asyncMdnUrl' });
    }
    if (!c.allowLegacyAlgorithms && (c.sign === 'sha1' || c.encrypt === '3des')) {
      ctx.addIssue({ code: 'custom', path: [c.sign === 'sha1' ? 'sign' : 'encrypt'], message: 'SHA-1 and 3DES are legacy; use sha256 / aes256-cbc, or set allowLegacyAlgorithms: true for this partner' });
    }
  })
  .meta({ title: 'As2Outbound' });

const EmailSmtpInboundSchema = z
  .strictObject({
    type: z.literal('email'),
    via: z.literal('smtp').describe("the gateway's own SMTP listener"),
    from: z.array(Email).min(1, 'name at least one sender address').describe('sender addresses accepted from this partner'),
    to: z.array(Email).min(1, 'name at least one mailbox').describe('our mailboxes this partner writes to'),
    maxSize: z.number().int().positive().default(25 * 1024 * 1024).describe('largest message accepted, in bytes'),
  })
  .meta({ title: 'EmailSmtpInbound' });

const EmailImapInboundSchema = z
  .strictObject({
    type: z.literal('email'),
    via: z.literal('imap').describe('poll a mailbox'),
    host: Code('a host name'),
    port: z.number().int().min(1).max(65535).default(993),
    tls: z.boolean().default(true),
    username: Code('a user name'),
    password: SecretRefSchema.describe('password reference ({env} or {file})'),
    mailbox: Code('a mailbox').default('INBOX'),
    moveTo: Code('a mailbox').default('Processed').describe('mailbox processed messages are moved to'),
    from: z.array(Email).min(1, 'name at least one sender address').describe('sender addresses accepted from this partner'),
    pollInterval: DurationSchema.prefault('1m'),
  })
  .meta({ title: 'EmailImapInbound' });

const EmailInboundSchema = z.discriminatedUnion('via', [EmailSmtpInboundSchema, EmailImapInboundSchema]);

const EmailOutboundSchema = z
  .strictObject({
    type: z.literal('email'),
    host: Code('a host name').describe('SMTP server we send through'),
    port: z.number().int().min(1).max(65535).default(587),
    security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
    username: Code('a user name').optional(),
    password: SecretRefSchema.optional(),
    from: Email.describe('our sender address'),
    to: z.array(Email).min(1, 'name at least one recipient').describe("the partner's EDI mailbox(es)"),
    subject: z.string().default('{messageType} {controlNumber}'),
  })
  .superRefine((c, ctx) => {
    if (c.username !== undefined && c.password === undefined) ctx.addIssue({ code: 'custom', path: ['password'], message: 'missing: username needs password: {env: …}' });
  })
  .meta({ title: 'EmailOutbound' });

const HttpsInboundSchema = z
  .strictObject({
    type: z.literal('https'),
    token: SecretRefSchema.optional().describe('bearer token the partner sends'),
    clientCertificate: Fingerprint.optional().describe('SHA-256 fingerprint of the client certificate the partner presents (mutual TLS)'),
    maxSize: z.number().int().positive().default(50 * 1024 * 1024),
  })
  .superRefine((c, ctx) => {
    if (c.token === undefined && c.clientCertificate === undefined) {
      ctx.addIssue({ code: 'custom', path: ['token'], message: 'missing: an https channel needs token: {env: …} or clientCertificate (fingerprint) to authenticate the partner' });
    }
  })
  .meta({ title: 'HttpsInbound' });

const HttpsOutboundSchema = z
  .strictObject({
    type: z.literal('https'),
    url: z.url({ protocol: /^https$/, error: 'expected an https:// URL' }),
    token: SecretRefSchema.optional().describe('bearer token we send'),
    clientCertificate: PathSchema.optional().describe('our client certificate (mutual TLS), relative to the partner folder'),
    clientKey: SecretRefSchema.optional().describe('private key of the client certificate'),
    ca: PathSchema.optional().describe('CA bundle to trust for the partner server, relative to the partner folder'),
    timeout: DurationSchema.prefault('30s'),
  })
  .superRefine((c, ctx) => {
    if ((c.clientCertificate === undefined) !== (c.clientKey === undefined)) {
      ctx.addIssue({ code: 'custom', path: [c.clientKey === undefined ? 'clientKey' : 'clientCertificate'], message: 'clientCertificate and clientKey go together; give both or neither' });
    }
  })
  .meta({ title: 'HttpsOutbound' });

export const InboundChannelSchema = z
  .discriminatedUnion('type', [DirInboundSchema, SftpInboundSchema, As2InboundSchema, EmailInboundSchema, HttpsInboundSchema])
  .meta({ title: 'InboundChannel' });
export const OutboundChannelSchema = z
  .discriminatedUnion('type', [DirOutboundSchema, SftpOutboundSchema, As2OutboundSchema, EmailOutboundSchema, HttpsOutboundSchema])
  .meta({ title: 'OutboundChannel' });
export type InboundChannel = z.infer<typeof InboundChannelSchema>;
export type OutboundChannel = z.infer<typeof OutboundChannelSchema>;

export const ChannelsSchema = z
  .strictObject({
    inbound: z.array(InboundChannelSchema).default([]).describe('where the partner\'s files arrive (several allowed)'),
    outbound: OutboundChannelSchema.optional().describe('how our files reach the partner'),
  })
  .meta({ title: 'Channels' })
  .describe('transport; dir folders under data/exchange/<id>/ when omitted');
export type Channels = z.infer<typeof ChannelsSchema>;

// ---------------------------------------------------------------------------------------------
// The partner file

const PartnerObjectSchema = z
  .strictObject({
    id: PartnerIdSchema.describe('the partner folder name (partners/<id>/partner.yaml)'),
    name: z.string().regex(/\S/, 'a name cannot be blank').describe('display name in logs and messages'),
    mode: z.enum(['production', 'test']).default('production').describe('test-indicator policy: interchanges whose ISA15 / UNB 0035 disagree are parked, and what we send carries this mode'),
    identities: z.array(IdentitySchema).min(1, 'add at least one identity (standard, qualifier, id) so files can be routed to this partner').describe('how the partner appears in envelopes; used for routing'),
    us: z.array(IdentitySchema).min(1, 'omit us instead of leaving it empty').optional().describe("our own identities towards this partner, when they differ from the gateway's"),
    x12: X12SettingsSchema.optional(),
    edifact: EdifactSettingsSchema.optional(),
    documents: z.array(DocumentEntrySchema).min(1, 'list at least one document the partner exchanges with us').describe('documents exchanged, with direction and message type'),
    odoo: OdooSettingsSchema,
    acknowledgments: AcknowledgmentsSchema.prefault({}),
    duplicates: DuplicatesSchema.prefault({}),
    validation: ValidationSettingsSchema.prefault({}),
    channels: ChannelsSchema.optional(),
  });

export const PartnerFileSchema = PartnerObjectSchema.superRefine(checkPartnerRules).meta({
  title: 'PartnerFile',
  description: 'partners/<id>/partner.yaml of the EDI gateway',
});

/** partner.yaml after parsing (durations in ms, defaults filled). */
export type PartnerFile = z.output<typeof PartnerFileSchema>;
/** partner.yaml as written. */
export type PartnerFileInput = z.input<typeof PartnerFileSchema>;

type ParsedPartner = z.output<typeof PartnerObjectSchema>;

/** Rules that span several fields of one partner file. */
function checkPartnerRules(p: ParsedPartner, ctx: z.RefinementCtx): void {
  const standards = new Set(p.identities.map((i) => i.standard));
  const add = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

  // Identities listed twice within the file.
  const seen = new Map<string, number>();
  p.identities.forEach((identity, index) => {
    const key = identityKey(identity);
    const first = seen.get(key);
    if (first !== undefined) add(['identities', index], `the same identity as identities[${first}]; remove one`);
    else seen.set(key, index);
  });
  p.us?.forEach((identity, index) => {
    if (p.identities.some((own) => identityKey(own) === identityKey(identity))) {
      add(['us', index], 'our identity cannot also be the partner\'s; correct the id or remove it from us');
    }
  });

  // Documents: no duplicates, the partner speaks that standard, and we know how to write it.
  const docKeys = new Map<string, number>();
  p.documents.forEach((doc, index) => {
    const key = `${doc.direction}/${doc.messageType}`;
    const first = docKeys.get(key);
    if (first !== undefined) add(['documents', index], `${doc.direction} ${doc.messageType} is already listed at documents[${first}]; remove one`);
    else docKeys.set(key, index);
    const standard = standardOfMessageType(doc.messageType);
    if (!standards.has(standard)) add(['documents', index, 'messageType'], `${doc.messageType} is ${standard.toUpperCase()} but the partner has no ${standard} identity; add one to identities`);
    if (doc.direction === 'outbound' && standard === 'x12' && p.x12 === undefined) add(['x12'], `missing: we send ${doc.messageType} (documents[${index}]), so say how: add x12: {version: '004010'}`);
    if (doc.direction === 'outbound' && standard === 'edifact' && p.edifact === undefined) add(['edifact'], `missing: we send ${doc.messageType} (documents[${index}]), so say how: add edifact: {directory: D96A}`);
    if (doc.type === 'functional_ack') {
      const list = doc.direction === 'outbound' ? p.acknowledgments.send : p.acknowledgments.expect.map((e) => e.type);
      const key2 = doc.direction === 'outbound' ? 'send' : 'expect';
      if (!list.includes(doc.messageType as AckType)) add(['documents', index], `a ${doc.direction} ${doc.messageType} must also be in acknowledgments.${key2}; add it there`);
    }
  });

  // Acknowledgments: standard, version and direction must fit.
  const checkAck = (type: AckType, path: (string | number)[], sending: boolean) => {
    const standard = X12_ACKS.includes(type) ? 'x12' : 'edifact';
    if (!standards.has(standard)) {
      add(path, `${type} is ${standard.toUpperCase()} but the partner has no ${standard} identity; remove it or add an identity`);
      return;
    }
    if (sending && standard === 'x12' && p.x12 === undefined) add(['x12'], `missing: we send ${type}, so say how: add x12: {version: '004010'}`);
    if (sending && standard === 'edifact' && p.edifact === undefined) add(['edifact'], `missing: we send ${type}, so say how: add edifact: {directory: D96A}`);
    if (sending && type === '999' && p.x12?.version === '004010') add(path, '999 exists from 005010 on; send 997 to a 004010 partner, or set x12.version: 005010');
    const flow = sending ? 'inbound' : 'outbound';
    const ackable = p.documents.some((d) => d.direction === flow && standardOfMessageType(d.messageType) === standard && d.type !== 'functional_ack');
    if (!ackable && type !== 'TA1') {
      add(path, `no ${flow} ${standard.toUpperCase()} document is listed for ${type} to acknowledge; add the document or remove ${type}`);
    }
  };
  p.acknowledgments.send.forEach((type, index) => {
    if (p.acknowledgments.send.indexOf(type) !== index) add(['acknowledgments', 'send', index], `${type} is listed twice; list it once`);
    else checkAck(type, ['acknowledgments', 'send', index], true);
  });
  p.acknowledgments.expect.forEach((expected, index) => {
    const path = ['acknowledgments', 'expect', index, 'type'];
    if (p.acknowledgments.expect.findIndex((e) => e.type === expected.type) !== index) add(path, `${expected.type} is listed twice; list it once`);
    else if (expected.type !== ORDER_RESPONSE_EXPECTED) checkAck(expected.type, path, false);
    else {
      if (!p.documents.some((d) => d.type === 'order' && d.direction === 'outbound')) add(path, 'order_response is owed for the orders we send, and the partner has no outbound order; add one or remove order_response');
      if (!p.documents.some((d) => d.type === 'order_response' && d.direction === 'inbound')) add(path, 'the partner has no inbound order_response document to answer with; add one (855 or ORDRSP) or remove order_response');
    }
  });

  // Envelope settings: delimiters distinct, versions that fit.
  if (p.x12) {
    const d = p.x12.delimiters;
    if (d.repetition !== undefined && p.x12.version === '004010') add(['x12', 'delimiters', 'repetition'], 'a repetition separator exists from 005010 on (ISA11 is U in 004010); remove it or set x12.version: 005010');
    distinct(add, ['x12', 'delimiters'], { element: d.element, component: d.component, segment: d.segment, repetition: d.repetition ?? (p.x12.version === '005010' ? '^' : undefined) });
    if (/^[\r\n]$/.test(d.segment) && p.x12.lineBreak !== 'none') add(['x12', 'lineBreak'], 'the segment terminator is already a line break; set lineBreak: none');
    const all = [...p.identities, ...(p.us ?? [])].filter((i): i is X12Identity => i.standard === 'x12');
    for (const identity of all) {
      for (const value of [identity.id, identity.gsCode ?? '']) {
        const clash = [d.element, d.component, d.segment, d.repetition].find((c) => c !== undefined && value.includes(c));
        if (clash !== undefined) add(['x12', 'delimiters'], `the identity ${value} contains the delimiter '${clash}'; choose other delimiters`);
      }
    }
  }
  if (p.edifact) {
    const e = p.edifact;
    const syntax = e.syntaxVersion ?? (e.charset === 'UNOW' || e.charset === 'UNOY' ? 4 : 3);
    if ((e.charset === 'UNOW' || e.charset === 'UNOY') && syntax < 4) add(['edifact', 'syntaxVersion'], `${e.charset} needs syntax version 4; set syntaxVersion: 4 or remove it`);
    const rep = e.delimiters.repetition;
    if (rep !== undefined && rep !== ' ' && syntax < 4) add(['edifact', 'delimiters', 'repetition'], 'a repetition separator exists in syntax version 4 only; remove it or write " "');
    distinct(add, ['edifact', 'delimiters'], {
      component: e.delimiters.component,
      element: e.delimiters.element,
      release: e.delimiters.release,
      segment: e.delimiters.segment,
      repetition: rep === ' ' ? undefined : (rep ?? (syntax >= 4 ? '*' : undefined)),
    });
    const defaults = e.delimiters.component === ':' && e.delimiters.element === '+' && e.delimiters.decimal === '.' && e.delimiters.release === '?' && e.delimiters.segment === "'";
    if (e.una === 'never' && !defaults) add(['edifact', 'una'], 'the delimiters differ from the defaults, so the partner needs a UNA to read them; set una: always or auto');
  }
  if (p.x12 && !standards.has('x12')) add(['x12'], 'x12 settings but no x12 identity; add one to identities or remove x12');
  if (p.edifact && !standards.has('edifact')) add(['edifact'], 'edifact settings but no edifact identity; add one to identities or remove edifact');
}

function distinct(add: (path: (string | number)[], message: string) => void, path: string[], delimiters: Record<string, string | undefined>): void {
  const entries = Object.entries(delimiters).filter((e): e is [string, string] => e[1] !== undefined);
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      if (entries[i][1] === entries[j][1]) add([...path, entries[j][0]], `'${entries[j][1]}' is already the ${entries[i][0]} delimiter; each delimiter must differ`);
    }
  }
}

/**
 * Identity key for duplicate detection and routing: standard, qualifier, trimmed id, GS code.
 * EDIFACT qualifiers are optional, so they are not part of the key (the loader compares them apart).
 */
export function identityKey(identity: Identity): string {
  return identity.standard === 'x12'
    ? `x12|${identity.qualifier.toUpperCase()}|${identity.id}|${identity.gsCode ?? ''}`
    : `edifact|${identity.qualifier ?? ''}|${identity.id}`;
}

/** Human form of an identity for messages: `x12 ZZ/ACME (GS ACME)`, `edifact 8712345000014:14`. */
export function describeIdentity(identity: Identity): string {
  return identity.standard === 'x12'
    ? `x12 ${identity.qualifier}/${identity.id}${identity.gsCode ? ` (GS ${identity.gsCode})` : ''}`
    : `edifact ${identity.id}${identity.qualifier ? `:${identity.qualifier}` : ''}`;
}

/** JSON Schema (draft 2020-12) of partner.yaml as written, for editors (yaml-language-server). */
export function partnerJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(PartnerFileSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
}
