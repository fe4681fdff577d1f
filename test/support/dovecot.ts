/**
 * A real Dovecot IMAP server for tests (Debian's `dovecot-imapd`): its own config, passwd file, Maildir,
 * runtime folder and log in a fresh temp folder, listening on 127.0.0.1 only, started with
 * `dovecot -F -c <conf>` as a child of the test (no system service). Plain-text login is allowed
 * because it never leaves loopback; with `tls`, a throw-away self-signed certificate is served on
 * the same port (STARTTLS) and on an implicit-TLS port.
 *
 * Mail processes run as `nobody`: Dovecot refuses to access mail as root, and the Maildir is owned
 * accordingly. The test user's password is stored in clear in the passwd file (scheme PLAIN): it is a
 * throw-away account on a throw-away server.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, selfSignedCert } from './smtp';
import { children, listening } from './procs';
import { until } from './wait';

export interface DovecotOptions {
  /** Login of the test user (default `edi`). */
  user?: string;
  /** Its password (default `secret-pw`). */
  password?: string;
  /** Serve TLS too: STARTTLS on `port`, implicit TLS on `tlsPort`. */
  tls?: boolean;
  /** Do not advertise the MOVE extension (RFC 6851), like servers older than it. */
  noMove?: boolean;
}

export interface Dovecot {
  readonly host: '127.0.0.1';
  /** IMAP (plain, STARTTLS when `tls`). */
  readonly port: number;
  /** IMAPS (implicit TLS) when `tls`, else 0. */
  readonly tlsPort: number;
  readonly user: string;
  readonly password: string;
  /** The certificate served when `tls` (for the client's `ca`). */
  readonly cert: string | undefined;
  /** Folder holding config, passwd, Maildir, log. */
  readonly base: string;
  /** Start the server (again, on the same ports and data). */
  start(): Promise<void>;
  /** Stop the server and drop every connection. */
  stop(): Promise<void>;
  running(): boolean;
  /** Dovecot's log so far. */
  log(): string;
  /** Stop and remove the folder. */
  close(): Promise<void>;
}

/** Debian installs it in /usr/sbin, which a non-login shell's PATH may lack. */
const DOVECOT = existsSync('/usr/sbin/dovecot') ? '/usr/sbin/dovecot' : 'dovecot';

/** Start a Dovecot with one user and an empty INBOX on free loopback ports. */
export async function startDovecot(options: DovecotOptions = {}): Promise<Dovecot> {
  const user = options.user ?? 'edi';
  const password = options.password ?? 'secret-pw';
  const base = mkdtempSync(join(tmpdir(), 'dovecot-'));
  // The mail process (as nobody) must traverse the folder to reach the Maildir; mkdtemp makes it 0700.
  chmodSync(base, 0o755);
  const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
  const home = join(base, 'home', user);
  mkdirSync(home, { recursive: true });
  chownSync(join(base, 'home'), uid, gid);
  chownSync(home, uid, gid);
  const port = await freePort();
  const tlsPort = options.tls ? await freePort() : 0;
  const cert = options.tls ? selfSignedCert() : undefined;
  if (cert) {
    writeFileSync(join(base, 'cert.pem'), cert.cert);
    writeFileSync(join(base, 'key.pem'), cert.key, { mode: 0o600 });
  }
  writeFileSync(join(base, 'passwd'), `${user}:{PLAIN}${password}::::::\n`, { mode: 0o644 });
  const conf = join(base, 'dovecot.conf');
  writeFileSync(
    conf,
    [
      `base_dir = ${join(base, 'run')}`,
      `state_dir = ${join(base, 'state')}`,
      `log_path = ${join(base, 'dovecot.log')}`,
      'protocols = imap',
      'listen = 127.0.0.1',
      // Loopback only: clear-text login is what the non-TLS tests use.
      'disable_plaintext_auth = no',
      'auth_mechanisms = plain login',
      // A refused login is answered at once. (Later logins from the same IP are still slowed down by the
      // auth penalty until a restart: tests with a wrong password come last on a server.)
      'auth_failure_delay = 0',
      'default_internal_user = dovecot',
      'default_login_user = dovenull',
      'mail_location = maildir:~/Maildir',
      // Dovecot's own list minus MOVE (it would still accept the command; clients go by the list).
      options.noMove ? 'imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ UIDPLUS NAMESPACE CHILDREN UNSELECT' : '',
      'namespace inbox {',
      '  inbox = yes',
      '  separator = /',
      '}',
      cert ? `ssl = yes\nssl_cert = <${join(base, 'cert.pem')}\nssl_key = <${join(base, 'key.pem')}` : 'ssl = no',
      'passdb {',
      '  driver = passwd-file',
      `  args = scheme=PLAIN username_format=%u ${join(base, 'passwd')}`,
      '}',
      'userdb {',
      '  driver = static',
      `  args = uid=${uid} gid=${gid} home=${join(base, 'home', '%u')}`,
      '}',
      'service imap-login {',
      '  inet_listener imap {',
      '    address = 127.0.0.1',
      `    port = ${port}`,
      '  }',
      '  inet_listener imaps {',
      '    address = 127.0.0.1',
      `    port = ${tlsPort}`,
      cert ? '    ssl = yes' : '',
      '  }',
      '}',
      '',
    ].join('\n'),
  );

  let child: ChildProcess | undefined;
  const running = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;
  const log = (): string => {
    try {
      return readFileSync(join(base, 'dovecot.log'), 'utf8');
    } catch {
      return '';
    }
  };

  const start = async (): Promise<void> => {
    if (running()) return;
    // -F: stay in the foreground, a child of the test, so a crashed test run leaves no daemon behind.
    // Its stderr goes to a file, not a pipe: the login processes inherit it and would keep a pipe
    // (and with it the test run) open after the master is gone.
    const errFile = join(base, 'stderr.log');
    const fd = openSync(errFile, 'a');
    const c = spawn(DOVECOT, ['-F', '-c', conf], { stdio: ['ignore', 'ignore', fd] });
    closeSync(fd);
    let spawnError: Error | undefined;
    c.once('error', (err) => (spawnError = err));
    const stderr = (): string => readFileSync(errFile, 'utf8');
    child = c;
    try {
      await until(async () => {
        if (spawnError) throw new Error(`cannot run ${DOVECOT} (apt-get install dovecot-imapd): ${spawnError.message}`);
        if (c.exitCode !== null) throw new Error(`dovecot exited (${c.exitCode}): ${stderr()}${log()}`);
        return (await listening(port)) && (tlsPort === 0 || (await listening(tlsPort)));
      }, 10_000, 'dovecot to listen');
    } catch (err) {
      c.kill('SIGKILL');
      throw err;
    }
  };

  const stop = async (): Promise<void> => {
    const c = child;
    if (!c || !running()) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    // The master's children (log, auth, login and the imap process of each session) outlive a master
    // that exits first, keeping sessions open: note them now and kill whatever is left afterwards.
    const workers = c.pid === undefined ? [] : children(c.pid);
    c.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    if (running()) c.kill('SIGKILL');
    for (const pid of workers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await until(async () => !(await listening(port)), 5000, 'dovecot to stop listening');
  };

  await start();
  return {
    host: '127.0.0.1',
    port,
    tlsPort,
    user,
    password,
    cert: cert?.cert,
    base,
    start,
    stop,
    running,
    log,
    close: async () => {
      await stop();
      rmSync(base, { recursive: true, force: true });
      if (cert) rmSync(cert.dir, { recursive: true, force: true });
    },
  };
}
