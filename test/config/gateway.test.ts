/** gateway.yaml: defaults, paths relative to the file, errors that name file and key, secrets by reference. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayConfigError, loadGatewayConfig, partnerLoadOptions, readHttpUsers, readSecret } from '../../src/config/gateway';

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gwcfg-'));
  const f = join(dir, 'gateway.yaml');
  writeFileSync(f, text);
  return f;
}

describe('gateway.yaml', () => {
  it('defaults without a file: ./data, ./partners, loopback HTTP on 8080, no Odoo (the demo)', () => {
    const c = loadGatewayConfig(undefined, {});
    expect(c.dataDir).toBe(join(process.cwd(), 'data'));
    expect(c.http).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(c.odoo).toBeUndefined();
    expect(c.pipeline).toMatchObject({ concurrency: 8, maxAttempts: 8, retryBase: 2000, settle: 1000 });
  });

  it('paths resolve from the file\'s folder; GATEWAY_DATA_DIR wins; allowedRoots reach the partner loader', () => {
    const f = file('dataDir: ./var\npartners: ../p\nallowedRoots: [./sftp]\nodoo: { url: "https://odoo.example", db: prod, login: edi, apiKey: { env: ODOO_API_KEY }, exportInterval: 5m }\n');
    const dir = join(f, '..');
    const c = loadGatewayConfig(f, {});
    expect(c.dataDir).toBe(join(dir, 'var'));
    expect(c.partners).toBe(join(dir, '..', 'p'));
    expect(partnerLoadOptions(c)).toEqual({ dataRoot: join(dir, 'var'), allowedRoots: [join(dir, 'sftp')] });
    expect(c.odoo?.exportInterval).toBe(300_000);
    expect(loadGatewayConfig(f, { GATEWAY_DATA_DIR: '/srv/edi' }).dataDir).toBe('/srv/edi');
  });

  it('secret files and the Odoo CA are named from the file\'s folder too, whatever the working directory', () => {
    const f = file(
      'http: { token: { file: secrets/api-token }, tls: { key: { file: tls/key.pem }, cert: tls/cert.pem } }\n' +
        'odoo: { url: "https://odoo.example", db: prod, login: edi, apiKey: { file: secrets/odoo }, webhookToken: { env: HOOK }, ca: company-ca.pem }\n',
    );
    const dir = join(f, '..');
    writeFileSync(join(dir, 'odoo-key'), 'k3y\n');
    const c = loadGatewayConfig(f, {});
    expect(c.http.token).toEqual({ file: join(dir, 'secrets', 'api-token') });
    expect(c.http.tls?.key).toEqual({ file: join(dir, 'tls', 'key.pem') });
    expect(c.odoo?.apiKey).toEqual({ file: join(dir, 'secrets', 'odoo') });
    expect(c.odoo?.webhookToken).toEqual({ env: 'HOOK' });
    expect(c.odoo?.ca).toBe(join(dir, 'company-ca.pem'));
    // read as the service reads it: the working directory is not the file's folder
    expect(process.cwd()).not.toBe(dir);
    const beside = join(dir, 'gateway2.yaml');
    writeFileSync(beside, 'odoo: { url: "https://odoo.example", db: prod, login: edi, apiKey: { file: odoo-key } }\n');
    expect(readSecret(loadGatewayConfig(beside, {}).odoo!.apiKey!, 'odoo.apiKey', {})).toBe('k3y');
  });

  it('problems name the file and the key', () => {
    const f = file('http: { port: 99999 }\nodoo: { url: "https://odoo.example", db: prod, login: edi }\npipeline: { retryBase: 5 }\n');
    let message = '';
    try {
      loadGatewayConfig(f, {});
    } catch (err) {
      expect(err).toBeInstanceOf(GatewayConfigError);
      message = (err as Error).message;
    }
    expect(message.split('\n')).toEqual([
      `${f}: http.port: Too big: expected number to be <=65535`,
      `${f}: odoo: give odoo.apiKey (preferred) or odoo.password, as {env: NAME} or {file: path}`,
      `${f}: pipeline.retryBase: 5 has no unit; write e.g. 5s, 5m or 5h`,
    ]);
  });

  it('secrets come from the environment or a file, and an error names the reference, never a value', () => {
    expect(readSecret({ env: 'X_TOKEN' }, 'http.token', { X_TOKEN: 's3cret' })).toBe('s3cret');
    const f = file('from-file\n');
    expect(readSecret({ file: f }, 'http.token', {})).toBe('from-file');
    expect(() => readSecret({ env: 'MISSING' }, 'odoo.apiKey', {})).toThrow('odoo.apiKey: environment variable MISSING is not set');
  });
});

describe('gateway.yaml notify', () => {
  it('the digest mail: defaults, the SMTP password by reference from the file\'s folder, user and password together', () => {
    const f = file('notify: { to: [purchasing@example.com], from: edi@example.com, smtp: { host: mail.example.com, user: edi, password: { file: secrets/smtp } } }\n');
    const c = loadGatewayConfig(f, {});
    expect(c.notify).toMatchObject({ every: 3_600_000, rows: 20, smtp: { port: 587, security: 'starttls', password: { file: join(f, '..', 'secrets', 'smtp') } } });
    expect(loadGatewayConfig(undefined, {}).notify).toBeUndefined();
    expect(() => loadGatewayConfig(file('notify: { to: [purchasing@example.com], from: edi@example.com, smtp: { host: mail, user: edi } }\n'), {})).toThrow(/notify\.smtp\.password: give both/);
    expect(() => loadGatewayConfig(file('notify: { to: [purchasing@example.com], from: edi@example.com, smtp: { host: mail, password: hunter2 } }\n'), {})).toThrow(/notify\.smtp\.password/);
    expect(() => loadGatewayConfig(file('notify: { to: [a@example.com], from: edi@example.com, every: 5s, smtp: { host: mail } }\n'), {})).toThrow(/notify\.every: at least 1m/);
    expect(() => loadGatewayConfig(file('notify: { to: [], from: edi@example.com, smtp: { host: mail } }\n'), {})).toThrow(/notify\.to/);
  });
});

describe('gateway.yaml http.users', () => {
  /** The lines of the error loading `yaml` gives, without the file name. */
  const problems = (yaml: string): string[] => {
    const f = file(yaml);
    try {
      loadGatewayConfig(f, {});
    } catch (err) {
      expect(err).toBeInstanceOf(GatewayConfigError);
      return (err as Error).message.split('\n').map((l) => l.slice(f.length + 2));
    }
    throw new Error('the configuration was accepted');
  };

  it('named people with a token by reference and a role (viewer unless said), token files from the file\'s folder', () => {
    const f = file('http: { token: { env: API_TOKEN }, users: [{ name: anna, token: { env: ANNA_TOKEN }, role: operator }, { name: v.ic-2, token: { file: secrets/vic } }] }\n');
    const c = loadGatewayConfig(f, {});
    expect(c.http.users).toEqual([
      { name: 'anna', token: { env: 'ANNA_TOKEN' }, role: 'operator' },
      { name: 'v.ic-2', token: { file: join(f, '..', 'secrets', 'vic') }, role: 'viewer' },
    ]);
    expect(loadGatewayConfig(undefined, {}).http.users).toEqual([]);
  });

  it('refuses a name twice, a bad or reserved name, a token named twice or the same as http.token, and unknown keys', () => {
    expect(problems('http: { users: [{ name: anna, token: { env: A } }, { name: anna, token: { env: B } }] }\n')).toEqual(['http.users.1.name: anna is named twice: give each person one entry']);
    expect(problems('http: { users: [{ name: anna, token: { env: A } }, { name: bob, token: { env: A } }] }\n')).toEqual(["http.users.1.token: the same token as anna's: each person needs a token of their own"]);
    expect(problems('http: { token: { file: t }, users: [{ name: anna, token: { file: t } }] }\n')).toEqual(['http.users.0.token: the same token as http.token: a person needs a token of their own']);
    expect(problems('http: { users: [{ name: Anna, token: { env: A } }] }\n')).toEqual(['http.users.0.name: a name of 1 to 64 characters a-z 0-9 . _ -']);
    expect(problems('http: { users: [{ name: gateway, token: { env: A } }] }\n')).toEqual(['http.users.0.name: "gateway" is the name of http.token: choose another']);
    expect(problems(`http: { users: [{ name: ${'a'.repeat(65)}, token: { env: A } }] }\n`)).toHaveLength(1);
    expect(problems('http: { users: [{ name: anna, token: { env: A }, role: admin }] }\n')[0]).toMatch(/^http\.users\.0\.role: /);
    expect(problems('http: { users: [{ name: anna, token: s3cret }] }\n')[0]).toMatch(/^http\.users\.0\.token: /);
    expect(problems('http: { users: [{ name: anna, token: { env: A }, password: x }] }\n')[0]).toMatch(/^http\.users\.0: .*password/);
  });

  it('reads the tokens at start, and refuses two the same by value, naming the users and never the value', () => {
    const c = loadGatewayConfig(file('http: { token: { env: API }, users: [{ name: anna, token: { env: A }, role: operator }, { name: vic, token: { env: V } }] }\n'), {});
    expect(readHttpUsers(c, 'gw', { A: 'a-t0ken', V: 'v-t0ken' })).toEqual([
      { name: 'anna', role: 'operator', token: 'a-t0ken' },
      { name: 'vic', role: 'viewer', token: 'v-t0ken' },
    ]);
    const refused = (env: NodeJS.ProcessEnv, gateway = 'gw'): string => {
      try {
        readHttpUsers(c, gateway, env);
      } catch (err) {
        expect(err).toBeInstanceOf(GatewayConfigError);
        return (err as Error).message;
      }
      throw new Error('the tokens were accepted');
    };
    expect(refused({ A: 'same-t0ken', V: 'same-t0ken' })).toBe('http.users: anna and vic have the same token: each person needs a token of their own');
    expect(refused({ A: 'a-t0ken', V: 'gw' })).toBe("http.users: vic has the gateway's own token (http.token or the data folder's api-token): a person needs a token of their own");
    expect(refused({ A: 'a-t0ken' })).toBe('http.users.vic.token: environment variable V is not set');
    expect(refused({ A: 'same-t0ken', V: 'same-t0ken' })).not.toContain('same-t0ken');
  });
});
