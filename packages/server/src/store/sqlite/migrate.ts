/** Applies pending migrations on SQLite: one write transaction, so two processes never apply one twice. */
import type { Migration } from '../types.js';
import type { SqliteCore } from './core.js';

export function migrate(c: SqliteCore, migrations: readonly Migration[]): void {
  c.db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  c.transaction(() => {
    const done = new Set(
      (c.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      c.db.exec(m.sql);
      c.db
        .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
        .run(m.version, m.name, Date.now());
    }
  });
}
