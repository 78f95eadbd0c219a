/**
 * payhook's configuration: `loadConfig(env, overrides)` reads every setting of the table in
 * config/schema.ts from `PAYHOOK_*`, lays the overrides (CLI flags, embedding code, tests) on top and
 * checks every value after that, so invalid values fail at start with a message naming the variable,
 * never later at request time. The environment itself is read in one place only: env.ts.
 */
import { CONFIG_SCHEMA, type Config, type ConfigOverrides, RETIRED } from './config/schema.js';
import { type Env, loadSections } from './config/settings.js';

export {
  CONFIG_SCHEMA,
  type Config,
  type ConfigOverrides,
  DEFAULT_RETRY_SCHEDULE,
  LEASE_MARGIN_MS,
  MAX_ATTEMPT_MS,
  type Role,
} from './config/schema.js';
export {
  ConfigError,
  type ConfigOf,
  define,
  type Env,
  loadSections,
  mergeOverrides,
  type OverridesOf,
  parseDuration,
  type Setting,
  type Table,
} from './config/settings.js';

/** Reads the configuration from `env` (see env.ts), with `overrides` on top, all of it checked. */
export function loadConfig(env: Env = {}, overrides: ConfigOverrides = {}): Config {
  return loadSections(CONFIG_SCHEMA, env, overrides, RETIRED);
}
