/** `retention.archives`: which folders of a dir channel's archive go, and which stay. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pruneArchive, pruneArchives } from '../../src/channels/archive-retention';

/** An archive with day folders, a folder and a file of other names, and a symlink named like a day. */
function archive(): { root: string; outside: string } {
  const base = mkdtempSync(join(tmpdir(), 'archive-retention-'));
  const root = join(base, 'archive');
  const put = (day: string, name: string, size: number): void => {
    mkdirSync(join(root, day), { recursive: true });
    writeFileSync(join(root, day, name), Buffer.alloc(size, 65));
  };
  put('2026-08-01', '1-a.edi', 100);
  put('2026-08-01', '2-b.edi', 50);
  put('2026-11-20', '3-c.edi', 7);
  put('2026-11-21', '4-d.edi', 9);
  put('notes', 'keep.txt', 3);
  writeFileSync(join(root, '2026-01-01'), 'a file, not a folder');
  const outside = join(base, 'elsewhere');
  mkdirSync(outside);
  writeFileSync(join(outside, 'precious.edi'), 'x');
  symlinkSync(outside, join(root, '2026-02-02'));
  return { root, outside };
}

describe('archive retention', () => {
  it('removes the day folders of days before the cutoff, with their files, and nothing else', async () => {
    const { root, outside } = archive();
    const before = Date.UTC(2026, 10, 21, 12, 0);
    const dry = await pruneArchive(root, before, true);
    expect(dry).toEqual({ folders: 2, files: 3, bytes: 157 });
    expect(readdirSync(root).sort()).toEqual(['2026-01-01', '2026-02-02', '2026-08-01', '2026-11-20', '2026-11-21', 'notes']);
    expect(await pruneArchive(root, before)).toEqual(dry);
    expect(readdirSync(root).sort()).toEqual(['2026-01-01', '2026-02-02', '2026-11-21', 'notes']);
    expect(existsSync(join(outside, 'precious.edi'))).toBe(true);
    expect(await pruneArchive(root, before)).toEqual({ folders: 0, files: 0, bytes: 0 });
  });

  it('an archive not made yet is empty, and one named twice is pruned once', async () => {
    const { root } = archive();
    expect(await pruneArchive(join(root, 'missing'), Date.now())).toEqual({ folders: 0, files: 0, bytes: 0 });
    expect(await pruneArchives([root, root], Date.UTC(2026, 10, 21))).toEqual({ folders: 2, files: 3, bytes: 157 });
  });
});
