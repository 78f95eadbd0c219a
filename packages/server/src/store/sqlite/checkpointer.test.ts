/**
 * The WAL checkpointer thread (checkpointer.ts): it copies the WAL into the database file while the
 * main connection only commits, the WAL stays bounded under a long stream of commits, and closing the
 * store ends it so the last connection removes the WAL. Real files in a temp dir, a real worker thread.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKSTOP_PAGES, type CheckpointPass, type WalCheckpointer } from './checkpointer.js';
import { SqliteStore } from './store.js';

const dir = mkdtempSync(join(tmpdir(), 'payhook-checkpointer-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Writes `pages` pages (4 KiB each) of rows, a transaction per 16, on the store's own connection. */
function writePages(store: SqliteStore, pages: number): void {
  store.db.exec('CREATE TABLE IF NOT EXISTS scratch (id INTEGER PRIMARY KEY, blob BLOB)');
  const insert = store.db.prepare('INSERT INTO scratch (blob) VALUES (randomblob(3500))');
  const some = store.db.transaction((k: number) => {
    for (let i = 0; i < k; i++) insert.run();
  });
  for (let done = 0; done < pages; done += 16) some(16);
}

/** Like writePages, one transaction of 16 pages a timer turn (a millisecond at the least). */
async function writePagesPaced(store: SqliteStore, pages: number): Promise<void> {
  store.db.exec('CREATE TABLE IF NOT EXISTS scratch (id INTEGER PRIMARY KEY, blob BLOB)');
  const insert = store.db.prepare('INSERT INTO scratch (blob) VALUES (randomblob(3500))');
  const some = store.db.transaction(() => {
    for (let i = 0; i < 16; i++) insert.run();
  });
  for (let done = 0; done < pages; done += 16) {
    some();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Resolves with the first pass `accept` takes; fails the test after 10 s. */
function passWhere(checkpointer: WalCheckpointer, accept: (p: CheckpointPass) => boolean): Promise<CheckpointPass> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      checkpointer.onPass(null);
      reject(new Error(`no such checkpoint pass in 10 s (last error: ${checkpointer.lastError})`));
    }, 10_000);
    checkpointer.onPass((p) => {
      if (!accept(p)) return;
      clearTimeout(timer);
      checkpointer.onPass(null);
      resolve(p);
    });
  });
}

describe('the WAL checkpointer thread', () => {
  it('copies the WAL into the database file, the main connection keeping only a backstop', async () => {
    const path = join(dir, `db-${n++}.sqlite`);
    const store = new SqliteStore({ path, checkpointThread: true });
    try {
      await store.migrate();
      assert.ok(store.checkpointer, 'a store asked for the thread has one');
      assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), BACKSTOP_PAGES);
      const before = statSync(path).size;
      const copied = passWhere(store.checkpointer, (p) => p.checkpointed >= 1000);
      writePages(store, 1200);
      await copied;
      // 1,200 pages is under the main connection's backstop: only the thread can have copied them.
      assert.ok(
        statSync(path).size - before >= 1000 * 4096,
        `the database file grew by ${statSync(path).size - before}`,
      );
      assert.equal(store.checkpointer.lastError, null);
    } finally {
      await store.close();
    }
  });

  it('keeps the WAL near the backstop under a long stream of commits', async () => {
    const path = join(dir, `db-${n++}.sqlite`);
    const store = new SqliteStore({ path, checkpointThread: true });
    try {
      await store.migrate();
      // Four times the backstop, 16 pages a millisecond or less (64 MiB/s of WAL, far above what
      // payhook's own writes come to), leaving the thread no pause in which the WAL could start over on
      // its own: without the backstop the WAL would hold all of it (64 MiB). The main connection yields
      // between commits as it does in service, and its commits run on while a pass of the thread copies.
      const copied = passWhere(store.checkpointer!, (p) => p.checkpointed > 0);
      await writePagesPaced(store, 4 * BACKSTOP_PAGES);
      await copied;
      const wal = statSync(`${path}-wal`).size;
      // A backstop checkpoint that meets a pass of the thread waits for the next commit after it, so the
      // WAL goes past the backstop by what was committed meanwhile (a pass takes tens of milliseconds on a
      // loaded machine): the backstop again is room for that. (How the thread leaves the backstop its
      // window at full speed is measured, not tested: docs/performance.md, "The backstop's window".)
      assert.ok(wal <= 2 * BACKSTOP_PAGES * 4120, `the WAL is ${wal} bytes`);
      assert.equal(store.checkpointer!.lastError, null);
    } finally {
      await store.close();
    }
  });

  it('closing the store ends the thread first, so the WAL is removed', async () => {
    const path = join(dir, `db-${n++}.sqlite`);
    const store = new SqliteStore({ path, checkpointThread: true });
    await store.migrate();
    const copied = passWhere(store.checkpointer!, (p) => p.checkpointed > 0);
    writePages(store, 32);
    await copied;
    assert.ok(existsSync(`${path}-wal`));
    await store.close();
    // SQLite removes the WAL when the last connection to the file closes: the thread's closed first.
    assert.equal(existsSync(`${path}-wal`), false);
    await store.close(); // a second close is harmless
  });

  it('is not started for a store that did not ask, nor for :memory:', async () => {
    const plain = new SqliteStore({ path: join(dir, `db-${n++}.sqlite`) });
    const memory = new SqliteStore({ path: ':memory:', checkpointThread: true });
    try {
      assert.equal(plain.checkpointer, null);
      assert.equal(memory.checkpointer, null);
      assert.equal(plain.db.pragma('wal_autocheckpoint', { simple: true }), 1000);
    } finally {
      await plain.close();
      await memory.close();
    }
  });
});
