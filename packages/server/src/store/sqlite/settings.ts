/** Settings on SQLite: small key/value facts such as the admin key hash. */
import type { SqliteCore } from './core.js';

export async function getSetting(c: SqliteCore, key: string): Promise<string | null> {
  const row = c.stmt('settings_get').get({ key }) as { value: string } | undefined;
  return row?.value ?? null;
}

export async function putSettingIfAbsent(c: SqliteCore, key: string, value: string): Promise<string> {
  return c.transaction(() => {
    c.stmt('settings_put_if_absent').run({ key, value });
    return (c.stmt('settings_get').get({ key }) as { value: string }).value;
  });
}

export async function probeWrite(c: SqliteCore, now: number): Promise<void> {
  c.stmt('settings_write_probe').run({ value: String(now) });
}
