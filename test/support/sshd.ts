/**
 * A real OpenSSH sshd for tests: its own config, host key, pid file and log in a fresh folder, one test
 * user chrooted with `internal-sftp` (the setup we recommend to partners who push files to us), an
 * ed25519 client key and optionally a password. Runs as root (CI and the dev container do): creating the
 * user, the chroot ownership sshd insists on and starting sshd all need it.
 *
 * The chroot lives under /srv, not /tmp: sshd refuses a chroot whose parents are group/world-writable,
 * and /tmp is 1777.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { alive, children, descendants, listening } from './procs';
import { until } from './wait';

export interface SshdOptions {
  /** Login of the test user (created if missing, removed by `close()`). */
  user: string;
  /** Also allow this password for the user. */
  password?: string;
}

export interface Sshd {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  /** Folder holding config, keys, log. */
  readonly base: string;
  /** The user's chroot on the server's disk ("/" as the SFTP client sees it). */
  readonly chroot: string;
  /** User-writable folder inside the chroot ("/upload" for the client). */
  readonly upload: string;
  /** The client's private key (OpenSSH format). */
  readonly clientKey: string;
  /** Another key the server does not know. */
  readonly strangerKey: string;
  /** `SHA256:…` of the host key, as `ssh-keygen -lf` prints it. */
  readonly fingerprint: string;
  /** The same fingerprint as 32 hex bytes separated by ':'. */
  readonly fingerprintHex: string;
  /** Start sshd (again, on the same port and host key). */
  start(): Promise<void>;
  /** Stop the listener and every session. */
  stop(): Promise<void>;
  /** Kill the session processes (connections drop) while the listener stays up. */
  dropSessions(): number;
  /** Number of live session processes. */
  sessions(): number;
  /** Whether the listener runs. */
  running(): boolean;
  /** sshd's log so far. */
  log(): string;
  /** Stop, remove the folder and the user. */
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bind to 0, read it, release it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function userExists(user: string): boolean {
  try {
    run('id', ['-u', user]);
    return true;
  } catch {
    return false;
  }
}

/** Start a throw-away sshd with one chrooted SFTP user. */
export async function startSshd(o: SshdOptions): Promise<Sshd> {
  const port = await freePort();
  mkdirSync('/srv', { recursive: true });
  const base = mkdtempSync('/srv/edi-sshd-');
  chmodSync(base, 0o755);
  const etc = join(base, 'etc');
  const keys = join(etc, 'keys');
  mkdirSync(keys, { recursive: true, mode: 0o755 });

  if (!userExists(o.user)) run('useradd', ['-M', '-d', '/', '-s', '/usr/sbin/nologin', o.user]);
  // With UsePAM no, sshd refuses an account whose password field is the locked "!"; '*' means "no password".
  const hash = o.password === undefined ? '*' : run('openssl', ['passwd', '-6', o.password]).trim();
  run('usermod', ['-p', hash, o.user]);
  const uid = Number(run('id', ['-u', o.user]).trim());
  const gid = Number(run('id', ['-g', o.user]).trim());

  // The chroot itself must be root-owned and not writable by the user; the user writes below it.
  const chrootBase = join(base, 'chroot');
  const chroot = join(chrootBase, o.user);
  const upload = join(chroot, 'upload');
  mkdirSync(upload, { recursive: true });
  for (const d of [chrootBase, chroot]) chmodSync(d, 0o755);
  chownSync(upload, uid, gid);
  chmodSync(upload, 0o755);

  const hostKey = join(etc, 'ssh_host_ed25519_key');
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const clientKeyFile = join(etc, 'client_ed25519');
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'gateway-test', '-f', clientKeyFile]);
  const strangerFile = join(etc, 'stranger_ed25519');
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', strangerFile]);
  writeFileSync(join(keys, o.user), readFileSync(`${clientKeyFile}.pub`), { mode: 0o644 });

  const fingerprint = run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`]).split(' ')[1];
  const fingerprintHex = Buffer.from(fingerprint.slice('SHA256:'.length), 'base64').toString('hex').match(/../g)!.join(':');

  const pidFile = join(base, 'sshd.pid');
  const logFile = join(base, 'sshd.log');
  const config = join(etc, 'sshd_config');
  writeFileSync(
    config,
    [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${pidFile}`,
      `AuthorizedKeysFile ${keys}/%u`,
      'PubkeyAuthentication yes',
      `PasswordAuthentication ${o.password === undefined ? 'no' : 'yes'}`,
      'KbdInteractiveAuthentication no',
      'PermitRootLogin no',
      'UsePAM no',
      'LogLevel VERBOSE',
      `AllowUsers ${o.user}`,
      'Subsystem sftp internal-sftp',
      `Match User ${o.user}`,
      `  ChrootDirectory ${chrootBase}/%u`,
      // -l INFO: every open/rename/remove is logged, which lets tests see what the client did.
      '  ForceCommand internal-sftp -l INFO',
      '  AllowTcpForwarding no',
      '  X11Forwarding no',
      '  PermitTTY no',
      '',
    ].join('\n'),
  );
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  run('/usr/sbin/sshd', ['-t', '-f', config]);

  let pid = 0;
  const handle: Sshd = {
    host: '127.0.0.1',
    port,
    user: o.user,
    base,
    chroot,
    upload,
    clientKey: readFileSync(clientKeyFile, 'utf8'),
    strangerKey: readFileSync(strangerFile, 'utf8'),
    fingerprint,
    fingerprintHex,
    async start() {
      mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
      rmSync(pidFile, { force: true });
      run('/usr/sbin/sshd', ['-f', config, '-E', logFile]);
      await until(() => existsSync(pidFile), 5000, 'the sshd pid file');
      pid = Number(readFileSync(pidFile, 'utf8').trim());
      await until(() => listening(port), 5000, `sshd on port ${port}`);
    },
    async stop() {
      if (!pid) return;
      const all = [pid, ...descendants(pid)];
      for (const p of all) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await until(() => all.every((p) => !alive(p)), 5000, 'sshd to exit');
      pid = 0;
    },
    dropSessions() {
      const sessions = pid ? descendants(pid) : [];
      for (const p of sessions) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      return sessions.length;
    },
    sessions() {
      return pid ? children(pid).length : 0;
    },
    running() {
      return pid !== 0 && alive(pid);
    },
    log() {
      return existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    },
    async close() {
      await handle.stop();
      rmSync(base, { recursive: true, force: true });
      if (userExists(o.user)) run('userdel', [o.user]);
    },
  };
  await handle.start();
  return handle;
}
