/**
 * `payhook rotate-master-key`: re-seals every signing secret and header value under a new master key.
 *
 * With PAYHOOK_MASTER_KEY (the new key) and PAYHOOK_MASTER_KEY_PREVIOUS (the old ones): every row not
 * sealed under the new key is opened and sealed again, and the counts are printed. On PostgreSQL the
 * running processes keep working meanwhile when they already run with the same two settings.
 *
 * The embedded default (SQLite with the key file `<db>.key`), with `--write-key-file`: the old key is the
 * key file, the new one PAYHOOK_MASTER_KEY or a fresh one. The new key goes to `<db>.key.next` (0600,
 * synced) before any row changes, and replaces the key file (an atomic rename) only after every row is
 * sealed under it, so a crash in between leaves both keys on disk. Stop payhook first: a running
 * process holds the old key only.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { type Env, loadConfig } from '../config.js';
import { processEnv } from '../env.js';
import { decodeMasterKey, Keyring, KeyringError, newMasterKey } from '../secrets/keyring.js';
import { keyFilePath, keyringFromSettings, MAKE_ONE, readKeyFile, writeKeyFile } from '../secrets/master-key.js';

interface Flags {
  db?: string;
  databaseUrl?: string;
  writeKeyFile?: boolean;
}

export async function rotateMasterKey(
  env: Env,
  flags: Flags,
  out: (line: string) => void,
): Promise<{ secrets: number; headers: number }> {
  const config = loadConfig(env, {
    store: {
      ...(flags.db ? { dbPath: flags.db } : {}),
      ...(flags.databaseUrl ? { databaseUrl: flags.databaseUrl } : {}),
    },
  });
  const postgres = config.store.databaseUrl !== null && /^postgres(ql)?:\/\//.test(config.store.databaseUrl);
  let keyring: Keyring;
  let nextFile: { path: string; next: string } | null = null;
  if (flags.writeKeyFile) {
    if (postgres)
      throw new KeyringError(
        '--write-key-file is for the embedded default (SQLite); PostgreSQL takes its key from PAYHOOK_MASTER_KEY',
      );
    const path = keyFilePath(config.store.dbPath);
    if (!existsSync(path)) throw new KeyringError(`no key file at ${path}`);
    const next = `${path}.next`;
    // A `.next` file from a rotation that stopped half-way is the key some rows are sealed under: reuse it.
    const newKey = existsSync(next) ? readFileSync(next, 'utf8').trim() : (config.store.masterKey ?? newMasterKey());
    const previous = [
      readKeyFile(path),
      ...config.store.masterKeyPrevious.map((k) => decodeMasterKey(k, 'PAYHOOK_MASTER_KEY_PREVIOUS')),
    ];
    keyring = new Keyring(decodeMasterKey(newKey, 'the new master key'), previous);
    if (!existsSync(next)) writeKeyFile(next, newKey);
    nextFile = { path, next };
  } else {
    const fromEnv = keyringFromSettings(config.store);
    if (!fromEnv || config.store.masterKeyPrevious.length === 0) {
      throw new KeyringError(
        `set PAYHOOK_MASTER_KEY to the new key and PAYHOOK_MASTER_KEY_PREVIOUS to the old one (${MAKE_ONE})${postgres ? '' : ', or use --write-key-file to rotate the key file'}`,
      );
    }
    keyring = fromEnv;
  }
  const { SqliteStore } = await import('../store/sqlite/store.js');
  const store = postgres
    ? new (await import('../store/postgres/store.js')).PostgresStore({
        connectionString: config.store.databaseUrl as string,
        schema: config.postgres.schema,
        poolSize: 2,
        keyring,
      })
    : new SqliteStore({ path: config.store.dbPath, synchronous: config.store.sqliteSynchronous, keyring });
  try {
    await store.migrate();
    const counts = await store.resealSecrets({ all: true });
    out(
      `re-sealed ${counts.secrets} signing secrets and ${counts.headers} endpoint header sets under master key ${keyring.currentId}`,
    );
    if (nextFile) {
      renameSync(nextFile.next, nextFile.path);
      out(`wrote the new master key to ${nextFile.path} (back it up with the database)`);
    }
    return counts;
  } finally {
    await store.close();
  }
}

export function registerRotateMasterKey(program: Command, fail: (err: unknown) => never): void {
  program
    .command('rotate-master-key')
    .description(
      're-seal signing secrets and header values under a new master key (PAYHOOK_MASTER_KEY, old key in PAYHOOK_MASTER_KEY_PREVIOUS)',
    )
    .option('--db <path>', 'SQLite file (PAYHOOK_DB)')
    .option('--database-url <url>', 'postgres://… (PAYHOOK_DATABASE_URL)')
    .option(
      '--write-key-file',
      'embedded default: rotate the key file <db>.key (new key: PAYHOOK_MASTER_KEY, or a fresh one)',
    )
    .action(async (flags: Flags) => {
      try {
        await rotateMasterKey(processEnv(), flags, (line) => process.stdout.write(`${line}\n`));
      } catch (err) {
        fail(err);
      }
    });
}
