/**
 * Malformed partner folders, written to a temporary directory, give messages that name the file, the
 * key and the fix.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPartners, loadPartners, PartnerConfigError, PartnerConfigErrors, type LoadPartnersOptions } from '../../src/partners';

const BASE = `id: acme-retail
name: Acme Retail
mode: production
identities:
  - standard: x12
    qualifier: ZZ
    id: ACMERETAIL
x12:
  version: 004010
documents:
  - { type: order, direction: inbound, messageType: 850 }
  - { type: invoice, direction: outbound, messageType: 810 }
odoo:
  partnerRef: ACME
acknowledgments:
  send: [997]
  expect:
    - type: 997
      within: 24h
channels:
  inbound:
    - type: dir
      path: exchange/acme-retail/inbound
  outbound:
    type: dir
    path: exchange/acme-retail/outbound
`;

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'partners-test-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes partners/<folder>/partner.yaml files under the temp dir; returns the partners root. */
function write(files: Record<string, string>): string {
  const root = join(tmp, 'partners');
  mkdirSync(root, { recursive: true });
  for (const [folder, text] of Object.entries(files)) {
    mkdirSync(join(root, folder), { recursive: true });
    writeFileSync(join(root, folder, 'partner.yaml'), text);
  }
  return root;
}

function options(extra: LoadPartnersOptions = {}): LoadPartnersOptions {
  return { dataRoot: join(tmp, 'data'), secretsRoot: join(tmp, 'secrets'), ...extra };
}

/** Messages of loading `text` as partners/acme-retail/partner.yaml. */
function problems(text: string, extra: LoadPartnersOptions = {}): string[] {
  return messages(write({ 'acme-retail': text }), extra);
}

function messages(root: string, extra: LoadPartnersOptions = {}): string[] {
  try {
    loadPartners(root, options(extra));
  } catch (err) {
    expect(err).toBeInstanceOf(PartnerConfigErrors);
    const errors = (err as PartnerConfigErrors).errors;
    for (const e of errors) expect(e).toBeInstanceOf(PartnerConfigError);
    return errors.map((e) => e.message);
  }
  return [];
}

const replace = (from: string | RegExp, to: string) => BASE.replace(from, to);

describe('a valid partner file', () => {
  test('loads, with relative folders under the data root', () => {
    const registry = loadPartners(write({ 'acme-retail': BASE }), options());
    const acme = registry.get('acme-retail')!;
    expect(acme.x12?.version).toBe('004010');
    expect(acme.channels.inbound[0]).toEqual({
      type: 'dir',
      path: join(tmp, 'data', 'exchange', 'acme-retail', 'inbound'),
      archive: join(tmp, 'data', 'exchange', 'acme-retail', 'archive'),
      pattern: '*',
      pollInterval: 5000,
    });
    expect(acme.mappingsDir).toBe(join(tmp, 'mappings', 'acme-retail'));
  });

  test('without channels gets dir folders under exchange/<id>', () => {
    const registry = loadPartners(write({ 'acme-retail': BASE.slice(0, BASE.indexOf('channels:')) }), options());
    const acme = registry.get('acme-retail')!;
    expect(acme.channels.inbound[0]).toMatchObject({ type: 'dir', path: join(tmp, 'data', 'exchange', 'acme-retail', 'inbound') });
    expect(acme.channels.outbound).toMatchObject({ type: 'dir', path: join(tmp, 'data', 'exchange', 'acme-retail', 'outbound') });
  });

  test('codes keep their leading zeros without quotes; numbers stay numbers', () => {
    const text = BASE.replace('qualifier: ZZ\n    id: ACMERETAIL', 'qualifier: 01\n    id: 047712960').replace('  partnerRef: ACME', '  partnerRef: 0042\n  quantityTolerancePercent: 05');
    const acme = loadPartners(write({ 'acme-retail': text }), options()).get('acme-retail')!;
    expect(acme.identities[0]).toEqual({ standard: 'x12', qualifier: '01', id: '047712960' });
    expect(acme.odoo).toMatchObject({ partnerRef: '0042', quantityTolerancePercent: 5 });
    expect(acme.acknowledgments.send).toEqual(['997']);
  });

  test('odoo.taxes names a tax by id or by name, with its type and category', () => {
    const text = BASE.replace('  partnerRef: ACME', "  partnerRef: ACME\n  taxes:\n    - { tax: 12, category: E }\n    - { tax: 'GST 10%', type: GST }");
    const acme = loadPartners(write({ 'acme-retail': text }), options()).get('acme-retail')!;
    expect(acme.odoo.taxes).toEqual([
      { tax: 12, category: 'E' },
      { tax: 'GST 10%', type: 'GST' },
    ]);
  });

  test('folders starting with _ or . are not partners', () => {
    const root = write({ 'acme-retail': BASE, _shared: 'not: a partner', '.git': 'x' });
    expect(loadPartners(root, options()).partners.map((p) => p.id)).toEqual(['acme-retail']);
  });
});

describe('malformed partner files', () => {
  test('a tax entry without a 5153 type or 5305 category, or with a code of another list', () => {
    const taxes = (entries: string) => problems(replace('  partnerRef: ACME', `  partnerRef: ACME\n  taxes:\n${entries}`));
    expect(taxes('    - { tax: 12 }\n')).toEqual(['partners/acme-retail/partner.yaml:16 at odoo.taxes[0].type: say the type, the category or both']);
    expect(taxes('    - { tax: 12, type: VA, category: standard }\n')).toEqual([
      'partners/acme-retail/partner.yaml:16 at odoo.taxes[0].type: expected a UN/EDIFACT 5153 tax type such as VAT, GST, STT, LOC or OTH',
      "partners/acme-retail/partner.yaml:16 at odoo.taxes[0].category: 'standard': expected a UN/EDIFACT 5305 category such as S, Z, E or AE",
    ]);
  });

  test('wrong id', () => {
    expect(problems(replace('id: acme-retail', 'id: acme'))).toEqual([
      "partners/acme-retail/partner.yaml:1 at id: 'acme' differs from the folder name 'acme-retail'; write id: acme-retail or rename the folder",
    ]);
  });

  test('unsafe id', () => {
    expect(problems(replace('id: acme-retail', 'id: ../acme'))).toEqual([
      expect.stringMatching(/^partners\/acme-retail\/partner\.yaml:1 at id: '\.\.\/acme': expected a partner folder name/),
    ]);
  });

  test('unknown key, with a suggestion', () => {
    expect(problems(replace('mode: production', 'mdoe: production'))).toEqual([
      "partners/acme-retail/partner.yaml:3 at mdoe: unknown key 'mdoe'; did you mean 'mode'?",
    ]);
  });

  test('unknown key, without a close match', () => {
    expect(problems(`${BASE}colour: blue\n`)).toEqual([
      expect.stringMatching(/^partners\/acme-retail\/partner\.yaml:\d+ at colour: unknown key 'colour'; remove it \(allowed here: id, name, mode, identities, us, /),
    ]);
  });

  test('unknown key inside a channel of one type', () => {
    expect(problems(replace('      path: exchange/acme-retail/inbound', '      path: exchange/acme-retail/inbound\n      polInterval: 5s'))).toEqual([
      "partners/acme-retail/partner.yaml:24 at channels.inbound[0].polInterval: unknown key 'polInterval'; did you mean 'pollInterval'?",
    ]);
  });

  test('bad duration', () => {
    expect(problems(replace('within: 24h', 'within: 24 hours'))).toEqual([
      "partners/acme-retail/partner.yaml:19 at acknowledgments.expect[0].within: '24 hours' is not a duration; write e.g. 24h (units ms, s, m, h, d, w)",
    ]);
  });

  test('a duration without unit', () => {
    expect(problems(replace('within: 24h', 'within: 24'))).toEqual([
      'partners/acme-retail/partner.yaml:19 at acknowledgments.expect[0].within: 24 has no unit; write e.g. 24s, 24m or 24h',
    ]);
  });

  test('literal secret', () => {
    const sftp = `  outbound:
    type: sftp
    host: sftp.acme.example
    username: brightwater
    password: hunter2
    hostKey: SHA256:${'A'.repeat(43)}
    remoteDir: /in
`;
    const text = BASE.replace(/ {2}outbound:\n[\s\S]*$/, sftp);
    expect(problems(text)).toEqual([
      'partners/acme-retail/partner.yaml:28 at channels.outbound.password: secrets are never written in partner.yaml; use {env: NAME} (an environment variable) or {file: path} (a file in the secrets folder)',
    ]);
    expect(problems(text.replace('password: hunter2', 'password: { env: ACME_SFTP_PASSWORD }'))).toEqual([]);
  });

  test('duplicate identity across partners', () => {
    const root = write({ 'acme-retail': BASE, 'acme-west': BASE.replace(/acme-retail/g, 'acme-west').replace('name: Acme Retail', 'name: Acme West') });
    expect(messages(root)).toEqual([
      "partners/acme-west/partner.yaml:5 at identities[0]: x12 ZZ/ACMERETAIL is already identities[0] of partner 'acme-retail' (partners/acme-retail/partner.yaml); an identity routes to one partner: remove it from one of them, or give both distinct gsCode values",
    ]);
  });

  test('the same ISA id with distinct GS codes is two partners, not a duplicate', () => {
    const withGs = (gs: string, id: string) => BASE.replace(/acme-retail/g, id).replace('id: ACMERETAIL', `id: ACMERETAIL\n    gsCode: ${gs}`);
    const registry = loadPartners(write({ 'acme-east': withGs('ACMEEAST', 'acme-east'), 'acme-west': withGs('ACMEWEST', 'acme-west') }), options());
    const isa = { standard: 'x12' as const, senderQualifier: 'ZZ', senderId: 'ACMERETAIL     ', receiverQualifier: 'ZZ', receiverId: 'US' };
    expect(registry.route(isa, { applicationSender: 'ACMEWEST' })).toMatchObject({ kind: 'partner', partner: { id: 'acme-west' }, direction: 'inbound' });
    expect(registry.route(isa)).toMatchObject({ kind: 'unknown', reason: 'ambiguous', candidates: ['acme-east', 'acme-west'] });
  });

  test('".." in a path', () => {
    expect(problems(replace('path: exchange/acme-retail/inbound', 'path: ../../etc'))).toEqual([
      'partners/acme-retail/partner.yaml:23 at channels.inbound[0].path: a path cannot contain ".."; write it relative to its root without leaving it',
    ]);
  });

  test('an absolute path needs an allowed root', () => {
    const outside = join(tmp, 'elsewhere', 'in');
    const text = replace('path: exchange/acme-retail/inbound', `path: ${outside}`);
    expect(problems(text)).toEqual([
      `partners/acme-retail/partner.yaml:23 at channels.inbound[0].path: '${outside}' is an absolute path; write it relative to the data folder (${join(tmp, 'data')}), or allow its folder in the gateway configuration (allowedRoots)`,
    ]);
    expect(problems(text, { allowedRoots: [join(tmp, 'elsewhere')] })).toEqual([]);
  });

  test('a symbolic link out of the data folder', () => {
    mkdirSync(join(tmp, 'data', 'exchange'), { recursive: true });
    mkdirSync(join(tmp, 'outside'));
    symlinkSync(join(tmp, 'outside'), join(tmp, 'data', 'exchange', 'escape'));
    expect(problems(replace('path: exchange/acme-retail/inbound', 'path: exchange/escape/in'))).toEqual([
      "partners/acme-retail/partner.yaml:23 at channels.inbound[0].path: 'exchange/escape/in' leads outside the data folder through a symbolic link; point it at a real folder inside",
    ]);
  });

  test('two partners on one folder', () => {
    const other = BASE.replace(/id: acme-retail/, 'id: bolt').replace('id: ACMERETAIL', 'id: BOLT').replace('path: exchange/acme-retail/outbound', 'path: exchange/bolt/outbound');
    expect(messages(write({ 'acme-retail': BASE, bolt: other }))).toEqual([
      `partners/bolt/partner.yaml at channels.inbound[0].path: ${join(tmp, 'data', 'exchange', 'acme-retail', 'inbound')} is already used by partner 'acme-retail' at channels.inbound[0].path; give every channel folder its own path`,
      `partners/bolt/partner.yaml at channels.inbound[0].archive: ${join(tmp, 'data', 'exchange', 'acme-retail', 'archive')} is already used by partner 'acme-retail' at channels.inbound[0].archive; give every channel folder its own path`,
    ]);
  });

  test('missing required field', () => {
    expect(problems(replace('name: Acme Retail\n', ''))).toEqual([
      "partners/acme-retail/partner.yaml at name: missing required key 'name' (display name in logs and messages); add it",
    ]);
  });

  test('missing Odoo reference', () => {
    expect(problems(replace('  partnerRef: ACME', '  confirmOrders: true'))).toEqual([
      'partners/acme-retail/partner.yaml:13 at odoo.partnerRef: missing: say which Odoo contact this partner is; add odoo.partnerRef (its Internal Reference in Odoo) or odoo.partnerId',
    ]);
  });

  test('wrong enum', () => {
    expect(problems(replace('mode: production', 'mode: prod'))).toEqual([
      "partners/acme-retail/partner.yaml:3 at mode: 'prod' is not allowed; use one of production, test (did you mean production?)",
    ]);
  });

  test('unknown channel type', () => {
    expect(problems(replace('    type: dir\n    path: exchange/acme-retail/outbound', '    type: ftp\n    path: exchange/acme-retail/outbound'))).toEqual([
      "partners/acme-retail/partner.yaml:25 at channels.outbound.type: 'ftp' is not a known type; use one of dir, sftp, as2, email, https (did you mean sftp?)",
    ]);
  });

  test('a message type that does not carry the document', () => {
    expect(problems(replace('{ type: invoice, direction: outbound, messageType: 810 }', '{ type: invoice, direction: outbound, messageType: 856 }'))).toEqual([
      'partners/acme-retail/partner.yaml:12 at documents[1].messageType: 856 does not carry an invoice; for invoice use 810, 880, INVOIC',
    ]);
  });

  test('orders: only on ship notices and invoices we send', () => {
    expect(problems(replace('{ type: invoice, direction: outbound, messageType: 810 }', '{ type: invoice, direction: outbound, messageType: 810, orders: all }'))).toEqual([]);
    expect(problems(replace('{ type: order, direction: inbound, messageType: 850 }', '{ type: order, direction: inbound, messageType: 850, orders: all }'))).toEqual([
      'partners/acme-retail/partner.yaml:11 at documents[0].orders: orders applies to ship notices and invoices we send, not to inbound orders; remove it',
    ]);
  });

  test('changes: only on orders and order responses we send', () => {
    expect(problems(replace('{ type: invoice, direction: outbound, messageType: 810 }', '{ type: invoice, direction: outbound, messageType: 810, changes: true }'))).toEqual([
      'partners/acme-retail/partner.yaml:12 at documents[1].changes: changes applies to orders and order responses we send, not to outbound invoices; remove it',
    ]);
  });

  test('999 to a 004010 partner', () => {
    expect(problems(replace('send: [997]', 'send: [999]'))).toEqual([
      'partners/acme-retail/partner.yaml:16 at acknowledgments.send[0]: 999 exists from 005010 on; send 997 to a 004010 partner, or set x12.version: 005010',
    ]);
  });

  test('EDIFACT documents need an EDIFACT identity and settings', () => {
    expect(problems(replace('  - { type: invoice, direction: outbound, messageType: 810 }', '  - { type: invoice, direction: outbound, messageType: INVOIC }'))).toEqual([
      "partners/acme-retail/partner.yaml at edifact: missing: we send INVOIC (documents[1]), so say how: add edifact: {directory: D96A}",
      'partners/acme-retail/partner.yaml:12 at documents[1].messageType: INVOIC is EDIFACT but the partner has no edifact identity; add one to identities',
      'partners/acme-retail/partner.yaml:18 at acknowledgments.expect[0].type: no outbound X12 document is listed for 997 to acknowledge; add the document or remove 997',
    ]);
  });

  test('a UNOY partner on syntax version 3', () => {
    const text = BASE.replace('x12:\n  version: 004010\n', 'x12:\n  version: 004010\nedifact:\n  directory: D01B\n  charset: UNOY\n  syntaxVersion: 3\n').replace(
      '    id: ACMERETAIL',
      "    id: ACMERETAIL\n  - standard: edifact\n    id: '4012345000009'",
    );
    expect(problems(text)).toEqual(['partners/acme-retail/partner.yaml:15 at edifact.syntaxVersion: UNOY needs syntax version 4; set syntaxVersion: 4 or remove it']);
  });

  test('a delimiter used twice', () => {
    expect(problems(replace('  version: 004010', "  version: 004010\n  delimiters: { element: '*', component: '*' }"))).toEqual([
      "partners/acme-retail/partner.yaml:10 at x12.delimiters.component: '*' is already the element delimiter; each delimiter must differ",
    ]);
  });

  test('YAML syntax errors give the line', () => {
    expect(problems(replace('mode: production', 'mode: [production'))).toEqual([expect.stringMatching(/^partners\/acme-retail\/partner\.yaml:\d+: invalid YAML: .*; fix the syntax$/)]);
  });

  test('a folder without partner.yaml', () => {
    const root = write({ 'acme-retail': BASE });
    mkdirSync(join(root, 'empty-one'));
    expect(messages(root)).toEqual(['partners/empty-one/partner.yaml: missing; add partner.yaml or remove the folder']);
  });

  test('all problems of all files are reported at once', () => {
    const root = write({ 'acme-retail': replace('mode: production', 'mode: prod'), bolt: BASE.replace('id: acme-retail', 'id: bolt').replace('name: Acme Retail\n', '') });
    expect(messages(root)).toHaveLength(2);
  });
});

describe('checkPartners', () => {
  test('reports missing mapping files and unset secrets', () => {
    const text = BASE.replace('messageType: 850 }', 'messageType: 850, mapping: 850.yaml }').replace(
      /type: dir\n {4}path: exchange\/acme-retail\/outbound\n$/,
      `type: sftp\n    host: sftp.acme.example\n    username: bw\n    privateKey: { env: ACME_TEST_UNSET_KEY }\n    hostKey: SHA256:${'B'.repeat(43)}\n    remoteDir: in\n`,
    );
    const root = write({ 'acme-retail': text });
    const found = checkPartners(root, options());
    expect(found.map((p) => [p.severity, p.message])).toEqual([
      ['error', 'partners/acme-retail/partner.yaml at documents[0].mapping: mappings/acme-retail/850.yaml does not exist; add the mapping file or correct the name'],
      ['warning', 'partners/acme-retail/partner.yaml at channels.outbound.privateKey: environment variable ACME_TEST_UNSET_KEY is not set here; set it before the gateway starts'],
    ]);
    // Warnings alone do not stop the gateway from loading the partner.
    expect(() => loadPartners(root, options())).not.toThrow();
    mkdirSync(join(tmp, 'mappings', 'acme-retail'), { recursive: true });
    writeFileSync(join(tmp, 'mappings', 'acme-retail', '850.yaml'), 'x: 1\n');
    expect(checkPartners(root, options()).filter((p) => p.severity === 'error')).toEqual([]);
  });

  test('one partner by id', () => {
    const root = write({ 'acme-retail': BASE, bolt: replace('mode: production', 'mode: prod').replace(/acme-retail/g, 'bolt').replace('ACMERETAIL', 'BOLT') });
    expect(checkPartners(root, options({ only: 'acme-retail' }))).toEqual([]);
    expect(checkPartners(root, options({ only: 'bolt' })).map((p) => p.keyPath)).toEqual(['mode']);
    expect(checkPartners(root, options({ only: 'nobody' })).map((p) => p.message)).toEqual([
      'partners/nobody/partner.yaml: no partner \'nobody\'; known partners: acme-retail',
    ]);
  });

  test('warns that invoices and ship notices of a partner that sends no EDI orders would never go, unless orders: all', () => {
    // No inbound documents: nothing of theirs to acknowledge either.
    const noOrders = BASE.replace('  - { type: order, direction: inbound, messageType: 850 }\n', '').replace('  send: [997]\n', '  send: []\n');
    const root = write({ 'acme-retail': noOrders });
    expect(checkPartners(root, options()).map((p) => [p.severity, p.message])).toEqual([
      ['warning', 'partners/acme-retail/partner.yaml at documents[0]: 810 goes only for orders the partner sent by EDI, and it sends none (no inbound order is listed); add orders: all to send it for every order of theirs'],
    ]);
    const all = write({ 'acme-retail': noOrders.replace('messageType: 810 }', 'messageType: 810, orders: all }') });
    expect(checkPartners(all, options())).toEqual([]);
  });

  test('a missing partners folder', () => {
    expect(checkPartners(join(tmp, 'nowhere'), options()).map((p) => p.message)).toEqual([
      'nowhere: the partners folder does not exist; create it or point the gateway at the right folder',
    ]);
  });
});
