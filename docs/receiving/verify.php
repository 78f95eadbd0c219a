<?php
// Verify a payhook webhook with PHP's standard library alone (PHP 8.0+).
//
// verify_webhook() returns for an authentic, fresh webhook and throws WebhookVerificationError, whose
// ->reason is "headers", "timestamp" or "signature", for anything else. Pass the raw request body
// (file_get_contents('php://input')); the header values may be null when a header is missing.
declare(strict_types=1);

const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

final class WebhookVerificationError extends Exception
{
    public function __construct(public string $reason, string $message)
    {
        parent::__construct($message);
    }
}

function verify_webhook(string $secret, string $body, ?string $id, ?string $timestamp, ?string $signature, ?int $now = null): void
{
    foreach ([$id, $timestamp, $signature] as $header) {
        if ($header === null || $header === '') {
            throw new WebhookVerificationError('headers', 'missing webhook-id, webhook-timestamp or webhook-signature');
        }
    }
    if (preg_match('/^[0-9]{1,15}$/D', $timestamp) !== 1) {
        throw new WebhookVerificationError('timestamp', 'webhook-timestamp is not unix seconds');
    }
    if (abs(($now ?? time()) - (int) $timestamp) > WEBHOOK_TOLERANCE_SECONDS) {
        throw new WebhookVerificationError('timestamp', 'webhook-timestamp is more than 5 minutes from this clock');
    }

    $key = base64_decode(str_starts_with($secret, 'whsec_') ? substr($secret, 6) : $secret, true);
    if ($key === false || $key === '') {
        throw new InvalidArgumentException('the webhook secret is not base64');
    }
    $expected = base64_encode(hash_hmac('sha256', "{$id}.{$timestamp}.{$body}", $key, true));
    // One "v1,<base64>" entry per signing secret, space-separated (two during a rotation): any match passes.
    foreach (explode(' ', $signature) as $entry) {
        [$version, $value] = array_pad(explode(',', $entry, 2), 2, '');
        if ($version === 'v1' && hash_equals($expected, $value)) {
            return;
        }
    }
    throw new WebhookVerificationError('signature', 'no signature in webhook-signature matches the secret');
}

// --- Command line used by payhook's tests; not needed in your app. ---
// Raw body on stdin; WEBHOOK_SECRET, WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE and VERIFY_NOW
// (unix seconds, optional) in the environment. Prints "ok" or "fail: <reason>".
if (PHP_SAPI === 'cli' && realpath($argv[0]) === __FILE__) {
    $env = fn (string $name): ?string => getenv($name) === false ? null : getenv($name);
    try {
        verify_webhook($env('WEBHOOK_SECRET') ?? '', file_get_contents('php://stdin'), $env('WEBHOOK_ID'), $env('WEBHOOK_TIMESTAMP'),
            $env('WEBHOOK_SIGNATURE'), $env('VERIFY_NOW') === null ? null : (int) $env('VERIFY_NOW'));
        echo "ok\n";
    } catch (WebhookVerificationError $e) {
        echo "fail: {$e->reason}\n";
        exit(1);
    }
}
