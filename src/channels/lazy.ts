/**
 * Channel libraries (SSH, IMAP, SMTP, MIME parsing) are loaded on first use: together they cost about half
 * a second of CPU and tens of MB at start, which a gateway whose partners use folders only should not pay.
 */

/** A loader that imports once, on its first call, and hands every caller the same module. */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let module: Promise<T> | undefined;
  return () => {
    module ??= load().catch((err: unknown) => {
      // A failed load (a missing package) is tried again next time rather than remembered.
      module = undefined;
      throw err;
    });
    return module;
  };
}
