/** Where the shared public corpus is (beside the clone in CI), or undefined when it is not there. */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const CORPUS_DIR = resolve(__dirname, '../../../shared/corpus');

/** Every corpus file as "x12/name" / "edifact/name" with its absolute path, or [] without corpus. */
export function corpusFiles(): { id: string; path: string }[] {
  if (!existsSync(CORPUS_DIR)) return [];
  const out: { id: string; path: string }[] = [];
  for (const std of ['x12', 'edifact']) {
    const dir = join(CORPUS_DIR, std);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) out.push({ id: `${std}/${name}`, path: join(dir, name) });
  }
  return out;
}
