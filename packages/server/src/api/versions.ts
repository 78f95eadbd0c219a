/**
 * The API's side of event versions (events/versions.ts): the schema of an `api_version` field or query
 * parameter, and the check that turns an unknown version into `unknown_api_version` (a stable code
 * naming the known ones) rather than a bare schema failure.
 */
import { PayhookError } from '../errors.js';
import { API_VERSION_NAMES, isApiVersion, LATEST_API_VERSION } from '../events/versions.js';

export const apiVersionSchema = {
  type: 'string',
  maxLength: 32,
  description: `An event version (docs/versions.md): ${API_VERSION_NAMES.map((v) => `\`${v}\``).join(', ')}; the latest is \`${LATEST_API_VERSION}\`.`,
  examples: [LATEST_API_VERSION],
};

/** The version, checked; `undefined` when none was given. */
export function checkApiVersion(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (!isApiVersion(value))
    throw new PayhookError('unknown_api_version', `api_version must be one of ${API_VERSION_NAMES.join(', ')}`, {
      field: 'api_version',
      versions: API_VERSION_NAMES,
    });
  return value;
}
