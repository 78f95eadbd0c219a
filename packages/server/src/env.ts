/**
 * The one place payhook reads the process environment. Everything else is handed an `Env` (or a
 * loaded `Config`), so tests and embedding code pass values instead of mutating `process.env`.
 * (Third-party SDKs, OpenTelemetry's for one, read their own documented variables.)
 */
import type { Env } from './config/settings.js';

export function processEnv(): Env {
  return process.env;
}
