/**
 * The CLI's own error codes, for mistakes caught before any request and for failures to reach payhook.
 * Errors the API answers keep the API's code (docs/errors.md). Each is printed as
 * `payhook: <message> (<code>)`, or with `--json` as `{"error":{"code","message","details"}}` on stderr,
 * and sets the exit status: 2 for a usage mistake, 1 otherwise. docs/cli.md lists them (a test checks).
 */
export const CLI_ERRORS = {
  usage_error: { exit: 2, summary: 'A flag or argument is missing, unknown or malformed.' },
  missing_api_key: { exit: 2, summary: 'No API key: pass --api-key or set PAYHOOK_API_KEY.' },
  mode_mismatch: {
    exit: 2,
    summary:
      '--mode (PAYHOOK_MODE) names the other mode than the merchant key works in: a `sk_test_` key acts in test mode only, a `sk_live_` key in live mode only.',
  },
  invalid_amount: {
    exit: 2,
    summary:
      '--amount is not a decimal amount of the currency (more decimal places than it has, not positive, or not a number), or the currency is unknown.',
  },
  invalid_json: { exit: 2, summary: '--data is not a JSON object.' },
  unknown_trigger: {
    exit: 2,
    summary: '`payhook trigger` cannot cause that event type; the message lists those it can.',
  },
  confirmation_required: {
    exit: 2,
    summary: 'A destructive command (endpoints delete, api-keys revoke) was not confirmed: answer y, or pass --yes.',
  },
  invalid_cursor_file: {
    exit: 2,
    summary: "`payhook listen`'s cursor file is unreadable; delete it to start from now.",
  },
  endpoint_test_failed: {
    exit: 1,
    summary: '`payhook endpoints test`: the endpoint did not answer 2xx (what it answered is printed).',
  },
  forward_failed: {
    exit: 1,
    summary:
      '`payhook listen --max-attempts`: an event was not delivered to the local app in that many attempts; listen stopped with its cursor before it.',
  },
  replay_failed: {
    exit: 1,
    summary:
      '`payhook endpoints replay`: the replay failed on the server (its endpoint was disabled or deleted meanwhile); the reason is printed.',
  },
  connection_failed: {
    exit: 1,
    summary: 'payhook could not be reached at --url / PAYHOOK_URL (not running, wrong URL).',
  },
  timeout: { exit: 1, summary: 'payhook did not answer within 30 s.' },
} as const;

export type CliErrorCode = keyof typeof CLI_ERRORS;

/** An error of the CLI itself, with its code and exit status. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(
    readonly code: CliErrorCode,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
    this.name = 'CliError';
    this.exitCode = CLI_ERRORS[code].exit;
  }
}
