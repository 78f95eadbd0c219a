/**
 * The API's side of event versions (events/versions.ts): the schema of an `api_version` field or query
 * parameter. It takes any short string, so that an unknown version reaches `checkApiVersion` and is
 * `unknown_api_version` (naming the known ones) rather than a bare schema failure.
 */
import { API_VERSION_NAMES, LATEST_API_VERSION } from '../events/versions.js';

export { checkApiVersion } from '../events/versions.js';

export const apiVersionSchema = {
  type: 'string',
  maxLength: 32,
  description: `An event version (docs/versions.md): ${API_VERSION_NAMES.map((v) => `\`${v}\``).join(', ')}; the latest is \`${LATEST_API_VERSION}\`.`,
  examples: [LATEST_API_VERSION],
};
