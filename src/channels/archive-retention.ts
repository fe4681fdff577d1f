/**
 * `retention.archives`: the day folders (`YYYY-MM-DD`, as `DirInbound.archive` names them) of a `dir`
 * channel's archive that are older than the policy go, with the copies of received files in them. Only
 * folders the gateway names that way are touched; anything else in the archive (and the `rejected/`
 * folder beside it, which waits for a person) stays.
 */
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

const DAY_FOLDER = /^\d{4}-\d{2}-\d{2}$/;

/** What a pass removed. */
export interface ArchivePruneResult {
  folders: number;
  files: number;
  bytes: number;
}

/** Remove the day folders of `archive` from days before `before`'s (UTC) day; a missing archive is empty. */
export async function pruneArchive(archive: string, before: number, dry = false): Promise<ArchivePruneResult> {
  const out: ArchivePruneResult = { folders: 0, files: 0, bytes: 0 };
  const cutoff = new Date(before).toISOString().slice(0, 10);
  let entries;
  try {
    entries = await readdir(archive, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw err;
  }
  // Dirent types come from lstat: a symlink named like a day is not a folder of ours and is left alone.
  for (const day of entries.filter((e) => e.isDirectory() && DAY_FOLDER.test(e.name) && e.name < cutoff)) {
    const folder = join(archive, day.name);
    for (const f of await readdir(folder, { withFileTypes: true })) {
      if (!f.isFile()) continue;
      out.files++;
      out.bytes += (await lstat(join(folder, f.name))).size;
    }
    if (!dry) await rm(folder, { recursive: true, force: true });
    out.folders++;
  }
  return out;
}

/** `pruneArchive` over several archives (every `dir` channel of every partner), summed. */
export async function pruneArchives(archives: readonly string[], before: number): Promise<ArchivePruneResult> {
  const total: ArchivePruneResult = { folders: 0, files: 0, bytes: 0 };
  for (const archive of new Set(archives)) {
    const r = await pruneArchive(archive, before);
    total.folders += r.folders;
    total.files += r.files;
    total.bytes += r.bytes;
  }
  return total;
}
