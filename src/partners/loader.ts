/**
 * Loads `partners/<id>/partner.yaml` for every partner folder, checks each against the schema and
 * all of them against each other (identities, folders), resolves every path the files name and
 * refuses any that would leave its root. Problems are collected, not thrown one by one, so a person
 * fixing a partner folder sees everything at once, each problem naming file, key and fix.
 *
 * Folders whose names start with "_" or "." are not partners (shared material, editor files).
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PartnerIdSchema } from '../canonical/envelope';
import { configuredCertificates, describeExpiry, expiringCertificates } from './certificates';
import { PartnerConfigError, PartnerConfigErrors, formatKeyPath } from './errors';
import { PartnerRegistry, type Partner } from './registry';
import { describeIdentity, PartnerFileSchema, type Identity, type InboundChannel, type OutboundChannel, type PartnerFile, type SecretRef } from './schema';
import { issuesToErrors, readYaml } from './source';

export interface LoadPartnersOptions {
  /** Folder relative channel paths resolve under: GATEWAY_DATA_DIR, else ./data. */
  dataRoot?: string;
  /** Folder relative secret {file} references resolve under: GATEWAY_SECRETS_DIR, else <dataRoot>/secrets. */
  secretsRoot?: string;
  /** Absolute folders that partner files may name explicitly (channel folders, secret files). Default none. */
  allowedRoots?: string[];
  /** Folder holding mappings/<id>: <root>/../mappings by default. */
  mappingsRoot?: string;
  /** The gateway's own identities, for partners that do not list `us`. */
  us?: Identity[];
  /** Only this partner (checkPartners ID); cross-partner checks still see all. */
  only?: string;
  /** The time certificate expiry is judged at (checkPartners), default now. */
  now?: number;
}

/** The folder holding the gateway's package.json (src/ in tests, dist/ when built). */
function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

/** The shipped sample partners: <package>/partners. */
export function defaultPartnersRoot(): string {
  return join(packageRoot(), 'partners');
}

interface Collected {
  partners: Partner[];
  problems: PartnerConfigError[];
  display: (file: string) => string;
}

/**
 * Loads every partner under `root`. Throws PartnerConfigErrors (each entry a PartnerConfigError)
 * when anything is wrong; warnings (see checkPartners) do not stop loading.
 */
export function loadPartners(root: string = defaultPartnersRoot(), options: LoadPartnersOptions = {}): PartnerRegistry {
  const { partners, problems } = collect(root, options);
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new PartnerConfigErrors(errors);
  return new PartnerRegistry(partners, options.us ?? []);
}

/**
 * Everything `edi-gateway partners check [ID]` reports that does not need the mapping engine: load
 * errors, mapping files and overlay folders that do not exist, secrets that are not available here and
 * certificates that are expired or expire within 30 days (warnings). An empty list means the partners
 * load cleanly.
 */
export function checkPartners(root: string = defaultPartnersRoot(), options: LoadPartnersOptions = {}): PartnerConfigError[] {
  const { partners, problems, display } = collect(root, options);
  const now = options.now ?? Date.now();
  const out = [...problems];
  for (const partner of partners) {
    const file = display(partner.file);
    partner.documents.forEach((doc, index) => {
      if (doc.mapping === undefined) return;
      const mapping = join(partner.mappingsDir, doc.mapping);
      if (!existsSync(mapping)) {
        out.push(new PartnerConfigError(file, `documents[${index}].mapping`, `${display(mapping)} does not exist; add the mapping file or correct the name`, undefined, partner.id));
      }
    });
    // Ship notices and invoices go by default only for orders the partner sent by EDI (D21): one that sends none would get nothing.
    const sendsOrders = partner.documents.some((d) => d.type === 'order' && d.direction === 'inbound');
    partner.documents.forEach((doc, index) => {
      if (sendsOrders || doc.direction !== 'outbound' || (doc.type !== 'ship_notice' && doc.type !== 'invoice') || doc.orders === 'all') return;
      out.push(
        new PartnerConfigError(file, `documents[${index}]`, `${doc.messageType} goes only for orders the partner sent by EDI, and it sends none (no inbound order is listed); add orders: all to send it for every order of theirs`, undefined, partner.id, 'warning'),
      );
    });
    if (partner.overlaysDir !== undefined && !isDirectory(partner.overlaysDir)) {
      out.push(new PartnerConfigError(file, 'validation.overlays', `${display(partner.overlaysDir)} is not a folder; create it or remove validation.overlays`, undefined, partner.id));
    }
    forEachSecret(partner, (ref, keyPath) => {
      if ('env' in ref && process.env[ref.env] === undefined) {
        out.push(new PartnerConfigError(file, keyPath, `environment variable ${ref.env} is not set here; set it before the gateway starts`, undefined, partner.id, 'warning'));
      } else if ('file' in ref && !existsSync(ref.file)) {
        out.push(new PartnerConfigError(file, keyPath, `secret file ${ref.file} does not exist here; create it before the gateway starts`, undefined, partner.id, 'warning'));
      }
    });
    for (const { path, keyPath } of configuredCertificates(partner)) {
      if (isAbsolute(path) && !existsSync(path)) out.push(new PartnerConfigError(file, keyPath, `${display(path)} does not exist; add the certificate (PEM) to the partner folder`, undefined, partner.id));
    }
    for (const f of expiringCertificates([partner], now)) {
      const fix = f.expired ? 'replace it (or, once a newer one is listed beside it, remove it)' : 'get the new one and list it beside this one for the overlap';
      out.push(new PartnerConfigError(file, f.keyPath, `certificate ${display(f.path)} ${describeExpiry(f, now)}; ${fix}`, undefined, partner.id, 'warning'));
    }
  }
  return out;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function collect(rootArg: string, options: LoadPartnersOptions): Collected {
  const root = resolve(rootArg);
  const base = dirname(root);
  const display = (file: string) => {
    const rel = relative(base, file);
    return (rel.startsWith('..') || isAbsolute(rel) ? file : rel).split(sep).join('/');
  };
  const dataRoot = resolve(options.dataRoot ?? process.env.GATEWAY_DATA_DIR ?? 'data');
  const secretsRoot = resolve(options.secretsRoot ?? process.env.GATEWAY_SECRETS_DIR ?? join(dataRoot, 'secrets'));
  const mappingsRoot = resolve(options.mappingsRoot ?? join(base, 'mappings'));
  const allowedRoots = (options.allowedRoots ?? []).map((r) => resolve(r));
  const problems: PartnerConfigError[] = [];
  const partners: Partner[] = [];

  if (!isDirectory(root)) {
    problems.push(new PartnerConfigError(display(root), '', 'the partners folder does not exist; create it or point the gateway at the right folder'));
    return { partners, problems, display };
  }

  for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory() || entry.name.startsWith('_') || entry.name.startsWith('.')) continue;
    const folder = join(root, entry.name);
    const file = join(folder, 'partner.yaml');
    const shown = display(file);
    if (!PartnerIdSchema.safeParse(entry.name).success) {
      problems.push(new PartnerConfigError(display(folder), '', 'a partner folder name may use letters, digits, ".", "_" and "-" and must start with a letter or digit; rename the folder'));
      continue;
    }
    if (!existsSync(file)) {
      const hint = existsSync(join(folder, 'partner.yml')) ? 'rename partner.yml to partner.yaml' : 'add partner.yaml or remove the folder';
      problems.push(new PartnerConfigError(shown, '', `missing; ${hint}`, undefined, entry.name));
      continue;
    }
    const partner = loadOne(entry.name, folder, file, shown, { dataRoot, secretsRoot, mappingsRoot, allowedRoots, display }, problems);
    if (partner) partners.push(partner);
  }

  crossCheck(partners, display, problems);
  const only = options.only;
  if (only !== undefined) {
    if (!partners.some((p) => p.id === only) && !problems.some((p) => p.partnerId === only)) {
      problems.push(new PartnerConfigError(display(join(root, only, 'partner.yaml')), '', `no partner '${only}'; known partners: ${partners.map((p) => p.id).join(', ') || 'none'}`));
    }
    return { partners: partners.filter((p) => p.id === only), problems: problems.filter((p) => p.partnerId === only || p.partnerId === undefined), display };
  }
  return { partners, problems, display };
}

interface Roots {
  dataRoot: string;
  secretsRoot: string;
  mappingsRoot: string;
  allowedRoots: string[];
  display: (file: string) => string;
}

function loadOne(folderName: string, folder: string, file: string, shown: string, roots: Roots, problems: PartnerConfigError[]): Partner | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(new PartnerConfigError(shown, '', `cannot be read (${(err as Error).message}); check its permissions`, undefined, folderName));
    return undefined;
  }
  const source = readYaml(text, shown, PartnerFileSchema, folderName);
  if (source.errors.length > 0) {
    problems.push(...source.errors);
    return undefined;
  }
  const raw = source.data;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(new PartnerConfigError(shown, '', 'expected a mapping of keys (id: …, name: …, identities: …); see partners/README.md', 1, folderName));
    return undefined;
  }
  const parsed = PartnerFileSchema.safeParse(raw);
  if (!parsed.success) {
    problems.push(...issuesToErrors(parsed.error.issues, raw, PartnerFileSchema, source, shown, folderName));
    return undefined;
  }
  const data = parsed.data;
  const before = problems.length;
  const problem = (path: (string | number)[], text: string) => problems.push(new PartnerConfigError(shown, formatKeyPath(path), text, source.lineOf(path), folderName));
  if (data.id !== folderName) {
    problem(['id'], `'${data.id}' differs from the folder name '${folderName}'; write id: ${folderName} or rename the folder`);
  }
  const partner = resolvePaths(data, folderName, folder, file, roots, problem);
  return problems.length === before ? partner : undefined;
}

type Problem = (path: (string | number)[], text: string) => void;

/** A path from a partner file, resolved under `root`; undefined (and a problem) when it would leave it. */
function safePath(value: string, root: string, rootName: string, allowedRoots: string[], path: (string | number)[], problem: Problem): string | undefined {
  let resolved: string;
  if (isAbsolute(value)) {
    resolved = resolve(value);
    if (!allowedRoots.some((allowed) => within(allowed, resolved))) {
      problem(path, `'${value}' is an absolute path; write it relative to the ${rootName} (${root}), or allow its folder in the gateway configuration (allowedRoots)`);
      return undefined;
    }
  } else {
    resolved = resolve(root, value);
    if (!within(root, resolved)) {
      problem(path, `'${value}' leaves the ${rootName}; write a path inside it`);
      return undefined;
    }
  }
  // Follow symbolic links of what exists, so a link cannot lead outside either.
  const real = realExisting(resolved);
  const realRoots = [isAbsolute(value) ? undefined : realExisting(root), ...allowedRoots.map(realExisting)].filter((r): r is string => r !== undefined);
  if (real !== undefined && !realRoots.some((r) => within(r, real))) {
    problem(path, `'${value}' leads outside the ${rootName} through a symbolic link; point it at a real folder inside`);
    return undefined;
  }
  return resolved;
}

function within(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** realpath of the longest existing prefix of `path`, with the rest appended. */
function realExisting(path: string): string | undefined {
  let current = path;
  const rest: string[] = [];
  while (!existsSync(current)) {
    const parent = dirname(current);
    if (parent === current) return undefined;
    rest.unshift(relative(parent, current));
    current = parent;
  }
  try {
    return join(realpathSync(current), ...rest);
  } catch {
    return undefined;
  }
}

function resolvePaths(data: PartnerFile, id: string, folder: string, file: string, roots: Roots, problem: Problem): Partner {
  const channels: Partner['channels'] = data.channels
    ? { inbound: data.channels.inbound.map((c) => ({ ...c })), outbound: data.channels.outbound ? { ...data.channels.outbound } : undefined }
    : {
        inbound: [{ type: 'dir', path: `exchange/${id}/inbound`, pattern: '*', pollInterval: 5000 }],
        outbound: { type: 'dir', path: `exchange/${id}/outbound`, fileName: '{messageType}-{controlNumber}.edi' },
      };
  const dataPath = (value: string, path: (string | number)[]) => safePath(value, roots.dataRoot, 'data folder', roots.allowedRoots, path, problem);
  const partnerPath = (value: string, path: (string | number)[]) => safePath(value, folder, 'partner folder', [], path, problem);
  const secretPath = (ref: SecretRef | undefined, path: (string | number)[]): SecretRef | undefined => {
    if (ref === undefined || !('file' in ref)) return ref;
    return { file: safePath(ref.file, roots.secretsRoot, 'secrets folder', roots.allowedRoots, path, problem) ?? ref.file };
  };

  channels.inbound.forEach((channel, index) => resolveChannel(channel, ['channels', 'inbound', index], { dataPath, partnerPath, secretPath }, data.channels === undefined));
  if (channels.outbound) resolveChannel(channels.outbound, ['channels', 'outbound'], { dataPath, partnerPath, secretPath }, data.channels === undefined);

  const sends = data.documents.some((d) => d.direction === 'outbound') || data.acknowledgments.send.length > 0;
  if (sends && !channels.outbound) problem(['channels', 'outbound'], 'missing: the partner receives documents or acknowledgments from us; add channels.outbound (e.g. {type: dir, path: exchange/<id>/outbound})');
  const receives = data.documents.some((d) => d.direction === 'inbound');
  if (receives && channels.inbound.length === 0) problem(['channels', 'inbound'], 'missing: the partner sends us documents; add at least one inbound channel');

  const overlaysDir = data.validation.overlays === undefined ? undefined : partnerPath(data.validation.overlays, ['validation', 'overlays']);
  return { ...data, channels, folder, file, mappingsDir: join(roots.mappingsRoot, id), overlaysDir };
}

interface Resolvers {
  dataPath: (value: string, path: (string | number)[]) => string | undefined;
  partnerPath: (value: string, path: (string | number)[]) => string | undefined;
  secretPath: (ref: SecretRef | undefined, path: (string | number)[]) => SecretRef | undefined;
}

/** Rewrites a channel's paths to absolute checked ones, in place. */
function resolveChannel(channel: InboundChannel | OutboundChannel, path: (string | number)[], r: Resolvers, defaulted: boolean): void {
  const at = (key: string) => (defaulted ? ['channels'] : [...path, key]);
  switch (channel.type) {
    case 'dir': {
      const given = channel.path;
      const resolved = r.dataPath(given, at('path'));
      channel.path = resolved ?? given;
      if ('pattern' in channel && (resolved !== undefined || channel.archive !== undefined)) {
        const archive = channel.archive ?? join(dirname(given), 'archive').split(sep).join('/');
        channel.archive = r.dataPath(archive, at(channel.archive === undefined ? 'path' : 'archive')) ?? archive;
      }
      break;
    }
    case 'sftp':
      channel.password = r.secretPath(channel.password, at('password'));
      channel.privateKey = r.secretPath(channel.privateKey, at('privateKey'));
      channel.passphrase = r.secretPath(channel.passphrase, at('passphrase'));
      break;
    case 'as2':
      channel.partnerCertificate = channel.partnerCertificate.map((p, i, all) => r.partnerPath(p, all.length > 1 ? [...at('partnerCertificate'), i] : at('partnerCertificate')) ?? p);
      if (channel.ourKeys) {
        const keys = at('ourKeys');
        channel.ourKeys = channel.ourKeys.map((k, i) => ({ key: r.secretPath(k.key, [...keys, i, 'key']) ?? k.key, certificate: r.partnerPath(k.certificate, [...keys, i, 'certificate']) ?? k.certificate }));
      }
      if (!('url' in channel)) {
        channel.decryptionKey = r.secretPath(channel.decryptionKey, at('decryptionKey'));
        channel.mdnKey = r.secretPath(channel.mdnKey, at('mdnKey'));
        if (channel.mdnCertificate !== undefined) channel.mdnCertificate = r.partnerPath(channel.mdnCertificate, at('mdnCertificate')) ?? channel.mdnCertificate;
      } else {
        channel.signingKey = r.secretPath(channel.signingKey, at('signingKey'));
        if (channel.signingCertificate !== undefined) channel.signingCertificate = r.partnerPath(channel.signingCertificate, at('signingCertificate')) ?? channel.signingCertificate;
      }
      break;
    case 'email':
      if ('password' in channel && channel.password !== undefined) channel.password = r.secretPath(channel.password, at('password'));
      break;
    case 'https':
      channel.token = r.secretPath(channel.token, at('token'));
      if ('url' in channel) {
        channel.clientKey = r.secretPath(channel.clientKey, at('clientKey'));
        if (channel.clientCertificate !== undefined) channel.clientCertificate = r.partnerPath(channel.clientCertificate, at('clientCertificate')) ?? channel.clientCertificate;
        if (channel.ca !== undefined) channel.ca = r.partnerPath(channel.ca, at('ca')) ?? channel.ca;
      }
      break;
  }
}

function channelList(partner: Partner): { channel: InboundChannel | OutboundChannel; keyPath: string }[] {
  const list: { channel: InboundChannel | OutboundChannel; keyPath: string }[] = partner.channels.inbound.map((channel, i) => ({ channel, keyPath: `channels.inbound[${i}]` }));
  if (partner.channels.outbound) list.push({ channel: partner.channels.outbound, keyPath: 'channels.outbound' });
  return list;
}

function forEachSecret(partner: Partner, visit: (ref: SecretRef, keyPath: string) => void): void {
  for (const { channel, keyPath } of channelList(partner)) {
    for (const key of ['password', 'privateKey', 'passphrase', 'decryptionKey', 'mdnKey', 'signingKey', 'token', 'clientKey']) {
      const ref = (channel as unknown as Record<string, unknown>)[key];
      if (typeof ref === 'object' && ref !== null) visit(ref as SecretRef, `${keyPath}.${key}`);
    }
    if (channel.type === 'as2') channel.ourKeys?.forEach((k, i) => visit(k.key, `${keyPath}.ourKeys[${i}].key`));
  }
}

/** Identities that would route the same interchange to two partners. */
function conflicts(a: Identity, b: Identity): boolean {
  if (a.standard === 'x12' && b.standard === 'x12') {
    return a.qualifier.toUpperCase() === b.qualifier.toUpperCase() && a.id === b.id && (a.gsCode === undefined || b.gsCode === undefined || a.gsCode === b.gsCode);
  }
  if (a.standard === 'edifact' && b.standard === 'edifact') {
    return a.id === b.id && (a.qualifier === undefined || b.qualifier === undefined || a.qualifier === b.qualifier);
  }
  return false;
}

function crossCheck(partners: Partner[], display: (file: string) => string, problems: PartnerConfigError[]): void {
  const lineOf = new Map<string, (path: (string | number)[]) => number | undefined>();
  const lines = (partner: Partner) => {
    let fn = lineOf.get(partner.id);
    if (!fn) {
      const source = readYaml(readFileSync(partner.file, 'utf8'), display(partner.file), PartnerFileSchema, partner.id);
      fn = source.lineOf;
      lineOf.set(partner.id, fn);
    }
    return fn;
  };
  const bad = new Set<string>();
  partners.forEach((partner, pi) => {
    partner.identities.forEach((identity, ii) => {
      for (const other of partners.slice(0, pi)) {
        const clash = other.identities.findIndex((o) => conflicts(o, identity));
        if (clash < 0) continue;
        const path = ['identities', ii];
        problems.push(
          new PartnerConfigError(
            display(partner.file),
            formatKeyPath(path),
            `${describeIdentity(identity)} is already identities[${clash}] of partner '${other.id}' (${display(other.file)}); an identity routes to one partner: remove it from one of them, or give both distinct gsCode values`,
            lines(partner)(path),
            partner.id,
          ),
        );
        bad.add(partner.id);
      }
    });
  });

  // Folders: two channels polling or writing the same folder would steal each other's files.
  const folders = new Map<string, { partner: Partner; keyPath: string }>();
  for (const partner of partners) {
    for (const { channel, keyPath } of channelList(partner)) {
      if (channel.type !== 'dir') continue;
      const paths: [string, string][] = [[channel.path, `${keyPath}.path`]];
      if ('archive' in channel && channel.archive !== undefined) paths.push([channel.archive, `${keyPath}.archive`]);
      for (const [folder, key] of paths) {
        const first = folders.get(folder);
        if (first) {
          problems.push(
            new PartnerConfigError(
              display(partner.file),
              key,
              `${folder} is already used by partner '${first.partner.id}' at ${first.keyPath}; give every channel folder its own path`,
              undefined,
              partner.id,
            ),
          );
          bad.add(partner.id);
        } else folders.set(folder, { partner, keyPath: key });
      }
    }
  }
  for (let i = partners.length - 1; i >= 0; i--) if (bad.has(partners[i].id)) partners.splice(i, 1);
}
