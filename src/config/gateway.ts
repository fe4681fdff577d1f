/**
 * gateway.yaml: where the data, partners and mappings live, how to reach Odoo, the HTTP server and the
 * pipeline's limits. Secrets are never written in it: `{ env: NAME }` or `{ file: path }` references,
 * read when the gateway starts. Every problem names the file, the key and the fix.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { DurationSchema } from '../partners/schema';

/** How long payloads and archives are kept: a day at least, so that `90m` written for 90 days cannot empty the ledger within hours. */
export const PayloadRetentionSchema = DurationSchema.refine((ms) => ms >= 24 * 60 * 60 * 1000, 'keep payloads at least 1d (write e.g. 90d)');

const SecretRef = z.union([z.strictObject({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name') }), z.strictObject({ file: z.string().min(1) })]);
export type SecretRef = z.infer<typeof SecretRef>;

/** The name `http.token` acts under in the history, so no user may take it. */
const GATEWAY_USER = 'gateway';

/** Two references that surely hold the same secret (the values are compared when read, at start). */
const sameRef = (a: SecretRef, b: SecretRef): boolean => ('env' in a && 'env' in b ? a.env === b.env : 'file' in a && 'file' in b ? a.file === b.file : false);

const HttpUser = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9._-]{1,64}$/, 'a name of 1 to 64 characters a-z 0-9 . _ -')
    .refine((n) => n !== GATEWAY_USER, `"${GATEWAY_USER}" is the name of http.token: choose another`),
  token: SecretRef.describe('the token this person signs in and calls the API with'),
  role: z.enum(['viewer', 'operator']).default('viewer').describe('viewer: reads everything, changes nothing; operator: replays, discards, re-sends, sends'),
});
export type HttpUser = z.infer<typeof HttpUser>;

/** Each user once, each with a token of their own, none of them the gateway's. */
function checkUsers(http: { token?: SecretRef; users: HttpUser[] }, ctx: z.RefinementCtx): void {
  http.users.forEach((u, i) => {
    const earlier = http.users.slice(0, i);
    if (earlier.some((e) => e.name === u.name)) ctx.addIssue({ code: 'custom', path: ['users', i, 'name'], message: `${u.name} is named twice: give each person one entry` });
    const twin = earlier.find((e) => sameRef(e.token, u.token));
    if (twin) ctx.addIssue({ code: 'custom', path: ['users', i, 'token'], message: `the same token as ${twin.name}'s: each person needs a token of their own` });
    else if (http.token && sameRef(http.token, u.token)) ctx.addIssue({ code: 'custom', path: ['users', i, 'token'], message: 'the same token as http.token: a person needs a token of their own' });
  });
}

export const GatewayConfigSchema = z.strictObject({
  dataDir: z.string().default('./data').describe('ledger, exchange folders and archives (GATEWAY_DATA_DIR overrides)'),
  partners: z.string().default('./partners').describe('the partner folders'),
  mappings: z.string().optional().describe('the mapping folders (default: beside partners)'),
  allowedRoots: z.array(z.string().min(1)).default([]).describe('absolute folders partner files may name outside the data folder (e.g. /srv/sftp, the chroots of partners who push to us)'),
  http: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      token: SecretRef.optional().describe('bearer token for /metrics and the API, acting as the operator "gateway"'),
      users: z.array(HttpUser).default([]).describe('named people with a token of their own and a role; their actions are recorded under their name'),
      tls: z
        .strictObject({
          key: SecretRef.describe('PEM private key of the server certificate'),
          cert: z.string().min(1).describe('PEM certificate file'),
          ca: z.string().min(1).optional().describe('PEM CA bundle for client certificates'),
          requestClientCertificates: z.boolean().default(false).describe('ask clients for certificates (partners on https channels with clientCertificate)'),
        })
        .optional()
        .describe('serve HTTPS (AS2, the https channel, the API) instead of HTTP'),
    })
    .superRefine(checkUsers)
    .prefault({}),
  odoo: z
    .strictObject({
      url: z.string().url(),
      db: z.string().min(1),
      login: z.string().min(1),
      apiKey: SecretRef.optional(),
      password: SecretRef.optional(),
      protocol: z.enum(['json2', 'jsonrpc', 'xmlrpc']).default('jsonrpc'),
      ca: z.string().min(1).optional().describe('PEM file of a CA to trust for an https Odoo URL, besides the system\'s (a company CA)'),
      webhookToken: SecretRef.optional().describe('secret path part of POST /odoo/webhook/<token> for Odoo automation rules'),
      exportInterval: DurationSchema.prefault('1m').describe('how often confirmed purchase orders are looked for'),
    })
    .refine((o) => o.apiKey !== undefined || o.password !== undefined, { message: 'give odoo.apiKey (preferred) or odoo.password, as {env: NAME} or {file: path}' })
    .optional()
    .describe('the Odoo server; omitted = the Odoo sandbox on loopback (demo only)'),
  smtp: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(2525),
      maxSize: z.number().int().positive().optional().describe('largest message in bytes (SIZE); default: the largest partner maxSize'),
      requireTls: z.boolean().default(false).describe('refuse MAIL FROM before STARTTLS'),
      tls: z.strictObject({ key: SecretRef.describe('PEM private key'), cert: z.string().min(1).describe('PEM certificate file') }).optional(),
    })
    .refine((s) => !s.requireTls || s.tls !== undefined, { message: 'smtp.requireTls needs smtp.tls: {key: {file: …}, cert: path}', path: ['requireTls'] })
    .optional()
    .describe('the SMTP listener for partners with {type: email, via: smtp}; omitted = not started'),
  pipeline: z
    .strictObject({
      concurrency: z.number().int().min(1).max(256).default(8).describe('posting runs at once (a run is one document, or a batch of orders of one partner)'),
      perPartner: z.number().int().min(1).max(256).optional().describe('posting runs of one partner at once (default: half of concurrency)'),
      postBatch: z.number().int().min(1).max(100).default(16).describe('most orders of one partner sent to Odoo together (one create, one confirmation; 1: each alone)'),
      maxAttempts: z.number().int().min(1).max(100).default(8),
      retryBase: DurationSchema.prefault('2s'),
      retryMax: DurationSchema.prefault('10m'),
      pollInterval: DurationSchema.prefault('500ms'),
      maxFileBytes: z.number().int().positive().default(100 * 1024 * 1024),
      settle: DurationSchema.prefault('1s').describe('an inbound file must be unchanged this long before it is taken'),
      scanInterval: DurationSchema.optional().describe('scan every inbound folder this often (default: each channel\'s pollInterval)'),
      translateWorkers: z.number().int().min(0).max(16).default(1).describe('worker threads that scan, check and translate received files beside the main thread (0: all in the main thread)'),
      translateNice: z.number().int().min(0).max(19).optional().describe('nice value of those threads on Linux (default 10): they yield the CPU to the main thread, which posts and acknowledges'),
    })
    .prefault({}),
  retention: z
    .strictObject({
      payloads: PayloadRetentionSchema.optional().describe(
        'remove the raw bytes and canonical JSON of finished messages and documents older than this (e.g. 90d; at least 1d); the rows and their history stay. Omitted: kept for ever',
      ),
      archives: PayloadRetentionSchema.optional().describe('remove the day folders of the dir channels\' archives (copies of received files, as they arrived) older than this (at least 1d). Omitted: kept for ever'),
    })
    .prefault({}),
  notify: z
    .strictObject({
      to: z.array(z.email()).min(1).describe('who gets the digest (purchasing, sales)'),
      from: z.email().describe('the sender address of the digest'),
      every: DurationSchema.prefault('1h').refine((ms) => ms >= 60_000, 'at least 1m (write e.g. 1h)').describe('how often the digest is put together; nothing new = no mail'),
      rows: z.number().int().min(1).max(500).default(20).describe('most items listed per kind and partner (the counts are complete)'),
      dashboardUrl: z.url().optional().describe('base URL of the dashboard for the links (default: the HTTP server\'s own address)'),
      smtp: z
        .strictObject({
          host: z.string().min(1),
          port: z.number().int().min(1).max(65535).default(587),
          security: z.enum(['starttls', 'tls', 'none']).default('starttls').describe('tls: TLS from the first byte (465); starttls: upgrade required; none: plain (loopback relays only)'),
          user: z.string().min(1).optional(),
          password: SecretRef.optional(),
        })
        .refine((s) => (s.user === undefined) === (s.password === undefined), { message: 'give both notify.smtp.user and notify.smtp.password ({env: NAME} or {file: path}), or neither', path: ['password'] })
        .describe('the SMTP server the digest is sent through'),
    })
    .optional()
    .describe('a periodic mail to people about overdue acks, documents that need a person and records not sent; omitted = no mail'),
});
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;

export class GatewayConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GatewayConfigError';
  }
}

/** How the partner folders are loaded under this configuration. */
export function partnerLoadOptions(c: GatewayConfig): { dataRoot: string; mappingsRoot?: string; allowedRoots: string[] } {
  return { dataRoot: c.dataDir, allowedRoots: c.allowedRoots, ...(c.mappings ? { mappingsRoot: c.mappings } : {}) };
}

/** Read and check gateway.yaml (or the defaults when no file is given); relative paths resolve from its folder. */
export function loadGatewayConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  let raw: unknown = {};
  const base = file ? dirname(resolve(file)) : process.cwd();
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new GatewayConfigError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    const doc = parseDocument(text);
    if (doc.errors.length > 0) throw new GatewayConfigError(`${file}: not valid YAML: ${doc.errors[0].message}`);
    raw = doc.toJS() ?? {};
  }
  const parsed = GatewayConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${file ?? 'gateway config'}: ${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new GatewayConfigError(lines.join('\n'));
  }
  const c = parsed.data;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  c.dataDir = abs(env.GATEWAY_DATA_DIR ?? c.dataDir);
  c.partners = abs(c.partners);
  if (c.mappings) c.mappings = abs(c.mappings);
  c.allowedRoots = c.allowedRoots.map(abs);
  // A secret file is named in gateway.yaml like any other path: from its folder, not the working directory.
  const secretAt = (ref: SecretRef | undefined): void => {
    if (ref && 'file' in ref) ref.file = abs(ref.file);
  };
  if (c.smtp?.tls) {
    c.smtp.tls.cert = abs(c.smtp.tls.cert);
    secretAt(c.smtp.tls.key);
  }
  if (c.http.tls) {
    c.http.tls.cert = abs(c.http.tls.cert);
    if (c.http.tls.ca) c.http.tls.ca = abs(c.http.tls.ca);
    secretAt(c.http.tls.key);
  }
  secretAt(c.http.token);
  for (const u of c.http.users) secretAt(u.token);
  if (c.odoo) {
    if (c.odoo.ca) c.odoo.ca = abs(c.odoo.ca);
    secretAt(c.odoo.apiKey);
    secretAt(c.odoo.password);
    secretAt(c.odoo.webhookToken);
  }
  secretAt(c.notify?.smtp.password);
  return c;
}

/** The value of a secret reference; the error names the reference, never a value. */
export function readSecret(ref: SecretRef, what: string, env: NodeJS.ProcessEnv = process.env, base = process.cwd()): string {
  if ('env' in ref) {
    const v = env[ref.env];
    if (v === undefined || v === '') throw new GatewayConfigError(`${what}: environment variable ${ref.env} is not set`);
    return v;
  }
  const path = isAbsolute(ref.file) ? ref.file : resolve(base, ref.file);
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    throw new GatewayConfigError(`${what}: cannot read the secret file ${path}`);
  }
}

/**
 * The tokens of `http.users`, read: the error names the users whose tokens are the same (or the same as
 * `gatewayToken`, the value of http.token or the generated one), never a value.
 */
export function readHttpUsers(c: GatewayConfig, gatewayToken: string, env: NodeJS.ProcessEnv = process.env): { name: string; role: HttpUser['role']; token: string }[] {
  const users = c.http.users.map((u) => ({ name: u.name, role: u.role, token: readSecret(u.token, `http.users.${u.name}.token`, env) }));
  // Plain comparison on purpose: a start-up check of our own configuration, with no caller to time it.
  users.forEach((u, i) => {
    const twin = users.slice(0, i).find((e) => e.token === u.token);
    if (twin) throw new GatewayConfigError(`http.users: ${twin.name} and ${u.name} have the same token: each person needs a token of their own`);
    if (u.token === gatewayToken) throw new GatewayConfigError(`http.users: ${u.name} has the gateway's own token (http.token or the data folder's api-token): a person needs a token of their own`);
  });
  return users;
}
