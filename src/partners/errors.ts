/**
 * Problems in partner folders, each naming the file, the key path and the fix:
 * `partners/acme/partner.yaml:12 at acknowledgments.expect[0].within: '24 hours' is not a duration; write e.g. 24h`.
 */

/** One problem in one partner file (or folder). */
export class PartnerConfigError extends Error {
  override readonly name = 'PartnerConfigError';

  constructor(
    /** The file as shown to people, e.g. `partners/acme/partner.yaml`. */
    readonly file: string,
    /** Key path inside the file (`acknowledgments.expect[0].within`), '' for the whole file. */
    readonly keyPath: string,
    /** What is wrong and how to fix it. */
    readonly problem: string,
    /** 1-based line of the key in the file, when known. */
    readonly line?: number,
    /** Partner folder name, when the problem belongs to one partner. */
    readonly partnerId?: string,
    /** 'warning' problems do not stop loading (reported by checkPartners only). */
    readonly severity: 'error' | 'warning' = 'error',
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}${keyPath ? ` at ${keyPath}` : ''}: ${problem}`);
  }
}

/** Everything wrong with a partners folder, thrown by `loadPartners` so all problems are seen at once. */
export class PartnerConfigErrors extends AggregateError {
  override readonly name = 'PartnerConfigErrors';
  declare readonly errors: PartnerConfigError[];

  constructor(errors: PartnerConfigError[]) {
    super(errors, `${errors.length} problem${errors.length === 1 ? '' : 's'} in partner configuration:\n${errors.map((e) => `  ${e.message}`).join('\n')}`);
  }
}

/** `a.b[0].c` from a path array. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
