/**
 * The `dir` channel: a partner's files arrive in a local folder (dropped by a person, by OpenSSH's
 * internal-sftp in a chroot, by another system), and our files for the partner are written to another.
 *
 * Inbound, a file is only picked up once it has stopped changing (same size and modification time for
 * `settleMs`), never while its name ends in `.tmp` or starts with a dot, and it leaves the folder only
 * after the ledger has its bytes (`archive()` is called by the pipeline after the commit). Outbound
 * files are written under a hidden temporary name, fsynced, then renamed, so the partner's side never
 * sees half a file.
 */
import { link, lstat, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { IncomingFile, InboundPoller, OutboundSender } from './types';

export interface DirInboundOptions {
  /** Absolute folder watched. */
  path: string;
  /** Absolute folder processed files move to. */
  archive: string;
  /** Glob on the file name: `*` and `?` only. */
  pattern: string;
  /** A file must be unchanged this long before it is taken (default 1000 ms). */
  settleMs?: number;
  /** Files larger than this are not read; they are moved to `rejected/` beside the archive (default 100 MiB). */
  maxBytes?: number;
  /**
   * Bytes one scan reads into memory at most (default 16 MiB; one file is always taken, however large):
   * a count of files alone would let a full folder of large files hold gigabytes at once.
   */
  scanBytes?: number;
}

const DEFAULT_SCAN_BYTES = 16 * 1024 * 1024;

export interface DirFile extends IncomingFile {
  path: string;
}

export interface RejectedFile {
  name: string;
  reason: string;
}

/** Whether a name matches a glob: `*`, `?` and character classes `[abc]`, `[a-z]`, `[!x]` (names only). */
export function globMatch(pattern: string, name: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      // Inside a class only `\`, `]` and `^` are special to a RegExp; a leading `-` stays literal.
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's').test(name);
}

/** True for names a writer is still working on or that are not meant for us. */
function ignoredName(name: string): boolean {
  return name.startsWith('.') || name.endsWith('.tmp') || name.endsWith('.part') || name.endsWith('.filepart');
}

/** A watched inbound folder; `take()` returns the files ready now. */
export class DirInbound implements InboundPoller {
  private readonly seen = new Map<string, { size: number; mtimeMs: number; since: number }>();
  private readonly settleMs: number;
  private readonly maxBytes: number;
  private readonly scanBytes: number;
  /** See `InboundPoller.truncated`. */
  truncated = false;

  constructor(
    readonly options: DirInboundOptions,
    private readonly onRejected: (file: RejectedFile) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.settleMs = options.settleMs ?? 1000;
    this.maxBytes = options.maxBytes ?? 100 * 1024 * 1024;
    this.scanBytes = options.scanBytes ?? DEFAULT_SCAN_BYTES;
  }

  get label(): string {
    return `dir ${this.options.path}`;
  }

  async close(): Promise<void> {
    this.seen.clear();
  }

  /** Files that have settled (at most `limit`); files over the size limit are moved aside and reported. */
  async take(limit: number): Promise<DirFile[]> {
    const { files, rejected } = await this.scan(limit, this.now());
    for (const r of rejected) this.onRejected(r);
    return files;
  }

  /** The ledger has it: move it to the archive. */
  async commit(file: IncomingFile, messageId: number): Promise<void> {
    await this.archive(file as DirFile, messageId, new Date(this.now()));
  }

  /** Create the folders when missing (a fresh data folder). */
  async prepare(): Promise<void> {
    await mkdir(this.options.path, { recursive: true });
    await mkdir(this.options.archive, { recursive: true });
  }

  /** Files that have settled, read into memory (at most `limit`), plus files refused for their size. */
  async scan(limit: number, now = Date.now()): Promise<{ files: DirFile[]; rejected: RejectedFile[] }> {
    const files: DirFile[] = [];
    const rejected: RejectedFile[] = [];
    let names: string[];
    try {
      names = (await readdir(this.options.path)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { files, rejected };
      throw err;
    }
    const present = new Set<string>();
    let read = 0;
    this.truncated = false;
    for (const name of names) {
      if (files.length >= limit) {
        this.truncated = true;
        break;
      }
      if (ignoredName(name) || !globMatch(this.options.pattern, name)) continue;
      const path = join(this.options.path, name);
      // lstat: a symlink planted in the folder must not make us read (and archive) a file elsewhere.
      const st = await lstat(path).catch(() => undefined);
      if (!st || !st.isFile()) continue;
      present.add(name);
      const prev = this.seen.get(name);
      if (!prev || prev.size !== st.size || prev.mtimeMs !== st.mtimeMs) {
        // First sight or still changing: settled only when already old enough (left there before we started).
        this.seen.set(name, { size: st.size, mtimeMs: st.mtimeMs, since: now });
        if (now - st.mtimeMs < this.settleMs) continue;
      } else if (now - prev.since < this.settleMs && now - st.mtimeMs < this.settleMs) continue;
      if (st.size > this.maxBytes) {
        await this.moveAside(name, 'rejected');
        rejected.push({ name, reason: `${st.size} bytes is over the ${this.maxBytes}-byte limit for one file` });
        continue;
      }
      // The rest is taken by the next scan, which the gateway starts as soon as these are in the ledger.
      if (files.length > 0 && read + st.size > this.scanBytes) {
        this.truncated = true;
        break;
      }
      const bytes = await readFile(path);
      // Changed while we read it: try again on the next scan.
      const after = await stat(path).catch(() => undefined);
      if (!after || after.size !== bytes.length || after.mtimeMs !== st.mtimeMs) continue;
      read += bytes.length;
      files.push({ name, path, bytes });
    }
    for (const name of this.seen.keys()) if (!present.has(name) && !files.some((f) => f.name === name)) this.seen.delete(name);
    return { files, rejected };
  }

  /** Move a file that the ledger now holds to the archive, named after its ledger message id. */
  async archive(file: DirFile, messageId: number, now = new Date()): Promise<string> {
    const day = now.toISOString().slice(0, 10);
    const dir = join(this.options.archive, day);
    await mkdir(dir, { recursive: true });
    const target = join(dir, `${messageId}-${basename(file.name)}`);
    await rename(file.path, target);
    this.seen.delete(file.name);
    return target;
  }

  private async moveAside(name: string, folder: string): Promise<void> {
    const dir = join(this.options.archive, '..', folder);
    await mkdir(dir, { recursive: true });
    await rename(join(this.options.path, name), join(dir, `${Date.now()}-${name}`));
    this.seen.delete(name);
  }
}

/** Characters allowed in a file name we write; anything else (from a template value) becomes `_`. */
export function safeFileName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return cleaned === '' ? '_' : cleaned.slice(0, 200);
}

/** Temporary files written by this process so far (part of each one's name). */
let writes = 0;

/**
 * Write a file for the partner atomically: hidden temp name, fsync, rename. An existing file of the same
 * name is never overwritten: a numeric suffix is added. Returns the final path. Asynchronous: its two
 * fsyncs wait on libuv's pool, not on the thread that runs the pipeline.
 */
export async function writeOutbound(folder: string, name: string, bytes: Buffer): Promise<string> {
  await mkdir(folder, { recursive: true });
  const safe = safeFileName(name);
  // Unique per write in this process: two sends of one name may now be under way at once. A stale one
  // left by a dead process of the same pid is overwritten.
  const tmp = join(folder, `.${safe}.${process.pid}.${++writes}.tmp`);
  const file = await open(tmp, 'w', 0o640);
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  for (let n = 0; ; n++) {
    const dot = safe.lastIndexOf('.');
    const candidate = n === 0 ? safe : dot > 0 ? `${safe.slice(0, dot)}-${n}${safe.slice(dot)}` : `${safe}-${n}`;
    const target = join(folder, candidate);
    try {
      // link + unlink instead of rename: link fails when the target exists, rename would overwrite it.
      await linkNoClobber(tmp, target);
      return target;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

async function linkNoClobber(from: string, to: string): Promise<void> {
  await link(from, to);
  await unlink(from);
  // The new name must survive a power cut too: sync the folder entry.
  const dir = await open(join(to, '..'), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** The dir channel's sender: one file per outbound message into the partner's outbound folder. */
export function dirSender(): OutboundSender {
  return {
    send: async (partner, file) => {
      const channel = partner.channels.outbound;
      if (!channel || channel.type !== 'dir') throw new Error(`partner ${partner.id} has no dir outbound channel`);
      return { channel: 'dir', path: await writeOutbound(channel.path, file.name, file.bytes) };
    },
    close: async () => undefined,
  };
}
