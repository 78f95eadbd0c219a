/** Settings on PostgreSQL: small key/value facts such as the admin key hash. */
import type { PostgresCore } from './core.js';

export async function getSetting(c: PostgresCore, key: string): Promise<string | null> {
  const [row] = await c.db.run<{ value: string }>('settings_get', { key }, { idempotent: true });
  return row?.value ?? null;
}

export async function putSettingIfAbsent(c: PostgresCore, key: string, value: string): Promise<string> {
  for (let pass = 0; pass < 3; pass++) {
    const [row] = await c.db.run<{ value: string }>('settings_put_if_absent', { key, value }, { idempotent: true });
    if (row) return row.value;
    // Another transaction inserted the key after this statement's snapshot: read it on the next pass.
  }
  throw new Error(`setting ${key} is neither stored nor insertable`);
}

export async function probeWrite(c: PostgresCore, now: number): Promise<void> {
  await c.db.run('settings_write_probe', { value: String(now) }, { idempotent: true });
}
