/**
 * WAL checkpoints off the main thread (`PAYHOOK_SQLITE_CHECKPOINT_THREAD`, on by default).
 *
 * In WAL mode every commit appends pages to `<db>-wal`, and by default the connection that commits past
 * 1,000 pages copies them into the database file and syncs both files (an automatic checkpoint), inside
 * that commit. On the embedded store that connection is the main thread's. Measured on this project's
 * 2-core VM (docs/performance.md, "Checkpoints in a thread of their own"), one event a transaction: a
 * commit cost 175–230 µs on average and 6.5–8.9 ms at p99, because one commit in ~125 stopped the event
 * loop for the whole copy and its syncs; with the checkpoints in a thread, 110–150 µs and 0.4–0.7 ms.
 *
 * So a worker thread opens a second connection to the same file and checkpoints from there every
 * `intervalMs` (20 ms): PASSIVE checkpoints, which copy what they can and never make a writer wait, so
 * nothing in them stops the event loop. SQLite starts the WAL over only when a writer finds every page
 * already copied, which a steady stream of commits never leaves time for; so the main connection keeps
 * its automatic checkpoint, at `BACKSTOP_PAGES` (16 MiB of WAL) rather than 1,000: by then the thread
 * has copied nearly all of it, the main connection copies the last pages and syncs, and its next
 * commit starts the WAL from the beginning. That bounds the file at about 16 MiB, and a checkpointer
 * that stopped (an error, a thread that could not start) leaves that bound in place.
 *
 * Giving way to the backstop. The backstop is a PASSIVE checkpoint too, and one checkpoint runs at a
 * time: one that meets a pass of the thread gives up, and the main connection tries again at its next
 * commit. So passes run one after the other with `intervalMs` between them, never at a fixed rate: under
 * load a pass can outlast the interval, and passes back to back left the backstop no window (with two
 * busy cores and a syncing writer beside, a stream of 8 backstops' worth at full speed left the WAL at
 * 3.1 times the backstop at the median of 20 runs and 9.3 at most, growing as long as the stream went
 * on; with the gap and the pause below, 1.5 and 2.7). And a pass that finds the WAL near the backstop
 * (it, plus twice what came since the pass before, reaches it) waits `YIELD_MS` before the next, so the
 * crossing most often finds the thread idle. What is left is a pass already running when the WAL
 * crosses: the WAL goes past the backstop by what is committed while that pass ends (milliseconds, tens
 * on a loaded machine), then starts over.
 *
 * Why not have the thread restart the WAL itself (a RESTART checkpoint): that takes the writer's lock
 * and then waits for every reader to leave the WAL, so a main-thread commit waits in SQLite's busy
 * handler, which blocks the event loop, behind a reader that may be the main thread's own. Tried: the
 * backlog scenario's accept p99 rose from 24 to 596 ms.
 *
 * Crash safety is SQLite's, unchanged: the worker's connection syncs as the store's does
 * (`synchronous`), and a checkpoint is the same operation whichever connection runs it.
 *
 * The worker is a few lines of CommonJS evaluated in the thread (`WORKER_SOURCE`), given the path of the
 * better-sqlite3 this package resolved: nothing in it needs TypeScript, so the same code runs from
 * the sources (tsx) and from `dist/` with no second entry file (compare delivery/http-thread.ts).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The main connection's automatic checkpoint while a checkpointer runs (4 KiB pages: 16 MiB of WAL). */
export const BACKSTOP_PAGES = 4096;

/** How long the thread stays out of the main connection's way when the WAL nears the backstop. */
export const YIELD_MS = 100;

export interface CheckpointerOptions {
  /** The database file (not `:memory:`). */
  path: string;
  synchronous: 'NORMAL' | 'FULL';
  /** How often the worker checkpoints; 20 ms by default. */
  intervalMs?: number;
}

/** What the worker reports after a pass that copied pages. */
export interface CheckpointPass {
  /** Pages in the WAL at the pass. */
  log: number;
  /** Of them, pages copied into the database file (by this pass or earlier ones). */
  checkpointed: number;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('synchronous = ' + workerData.synchronous);
let copied = 0;
let lastLog = 0;
let timer = null;
function pass() {
  let wait = workerData.intervalMs;
  try {
    const p = db.pragma('wal_checkpoint(PASSIVE)')[0];
    // Near the backstop, leave the main connection a window ("Giving way to the backstop", above).
    const growth = p.log >= lastLog ? p.log - lastLog : p.log;
    lastLog = p.log;
    if (p.log + 2 * growth >= workerData.backstopPages) wait = workerData.yieldMs;
    // Reported when it copied something (the count falls back when the WAL starts over).
    if (p.checkpointed !== copied) {
      copied = p.checkpointed;
      if (copied > 0) parentPort.postMessage({ log: p.log, checkpointed: p.checkpointed });
    }
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
  // After the pass, never at a fixed rate: a pass longer than the interval still leaves a gap.
  timer = setTimeout(pass, wait);
}
timer = setTimeout(pass, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

export class WalCheckpointer {
  private readonly worker: Worker;
  private exited: Promise<void>;
  private passListener: ((pass: CheckpointPass) => void) | null = null;
  /** The worker's last error (a message); null while it checkpoints as it should. */
  lastError: string | null = null;

  constructor(options: CheckpointerOptions) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        module: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: options.path,
        synchronous: options.synchronous,
        intervalMs: options.intervalMs ?? 20,
        backstopPages: BACKSTOP_PAGES,
        yieldMs: YIELD_MS,
      },
    });
    // A checkpointer never keeps a process alive: closing the store ends it, and so does exiting.
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    // A worker that failed (it could not open the file, say) leaves the backstop to checkpoint.
    this.worker.on('error', (err) => {
      this.lastError = err.message;
    });
    this.worker.on('message', (m: CheckpointPass | { error: string }) => {
      if ('error' in m) {
        this.lastError = m.error;
        return;
      }
      this.passListener?.(m);
    });
  }

  /** Calls `listener` after each pass that did something (tests); one listener at a time. */
  onPass(listener: ((pass: CheckpointPass) => void) | null): void {
    this.passListener = listener;
  }

  /** Ends the worker and closes its connection; resolves once the thread has exited. */
  async close(): Promise<void> {
    // Held while it ends: an unreferenced worker's exit would not keep this process waiting for it.
    this.worker.ref();
    this.worker.postMessage('close');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, 5_000, 'timeout').unref());
    if ((await Promise.race([this.exited, timeout])) === 'timeout') await this.worker.terminate();
  }
}
