/**
 * WAL checkpoints on a thread of their own.
 *
 * SQLite copies the write-ahead log into the database file when the log passes 1 000 pages, inside the
 * commit that crossed the mark, and fsyncs the log and the file while doing so. On the gateway's main
 * thread that held the event loop 5–15 ms about every twelfth received file: 102 fsyncs and 0.68 s of
 * a 13 s bench run (`strace -f -T -e trace=fsync`), while posting and acknowledging waited. Here a
 * second connection, on a worker thread, checkpoints every `intervalMs` in PASSIVE mode (it never
 * waits for the main connection, and copies only what no reader still needs), so the main
 * connection's automatic checkpoints can be switched off. Durability is SQLite's as before: the
 * checkpoint syncs the log before copying and the file before the log may be reused.
 */
import { Worker } from 'node:worker_threads';

/** How often the service's checkpoint thread looks at the log: at 2 000 documents/s about 600 pages a time. */
export const CHECKPOINT_INTERVAL_MS = 100;

/** The worker's whole program: small enough to run from a string, so it needs no compiled entry file. */
const PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    // A busy or locked database is tried again at the next tick; anything else ends the worker, and the
    // ledger takes its checkpoints back.
    if (!/busy|locked/i.test(String(err && err.message))) throw err;
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** A running background checkpointer: `stop()` ends it (the main connection then checkpoints itself). */
export class BackgroundCheckpointer {
  private readonly worker: Worker;
  private stopped = false;

  /** `onFailure` runs when the worker dies: the ledger must checkpoint by itself again. */
  constructor(file: string, intervalMs: number, onFailure: (err: Error) => void) {
    this.worker = new Worker(PROGRAM, { eval: true, workerData: { file, intervalMs, driver: require.resolve('better-sqlite3') } });
    // The ledger's owner decides when the process ends, not this thread.
    this.worker.unref();
    this.worker.on('error', (err) => {
      if (!this.stopped) onFailure(err);
    });
    this.worker.on('exit', (code) => {
      if (!this.stopped) onFailure(new Error(`the checkpoint thread exited with code ${code}`));
    });
  }

  /** Stop checkpointing; the thread closes its connection and ends on its own. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.worker.postMessage('stop');
  }
}
