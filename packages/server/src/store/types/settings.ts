/** The Store's settings: small key/value facts such as the admin key hash. */

export interface SettingsStore {
  getSetting(key: string): Promise<string | null>;
  /** Sets the value only if the key has none yet; returns the value now stored. */
  putSettingIfAbsent(key: string, value: string): Promise<string>;
  /** Commits one small write; throws when the database cannot take writes (start-up and `/readyz`). */
  probeWrite(now: number): Promise<void>;
}
