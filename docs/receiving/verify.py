"""Verify a payhook webhook with Python's standard library alone (Python 3.9+).

verify_webhook() returns None for an authentic, fresh webhook and raises WebhookVerificationError,
whose .reason is "headers", "timestamp" or "signature", for anything else. Pass the raw request body
as bytes, read before any JSON parsing; the header values may be None when a header is missing.
"""
import base64
import hashlib
import hmac
import re
import time
from typing import Optional

TOLERANCE_SECONDS = 5 * 60


class WebhookVerificationError(Exception):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def verify_webhook(
    secret: str,
    body: bytes,
    webhook_id: Optional[str],
    webhook_timestamp: Optional[str],
    webhook_signature: Optional[str],
    now: Optional[int] = None,
) -> None:
    if not webhook_id or not webhook_timestamp or not webhook_signature:
        raise WebhookVerificationError("headers", "missing webhook-id, webhook-timestamp or webhook-signature")
    if not re.fullmatch(r"[0-9]{1,15}", webhook_timestamp):
        raise WebhookVerificationError("timestamp", "webhook-timestamp is not unix seconds")
    if now is None:
        now = int(time.time())
    if abs(now - int(webhook_timestamp)) > TOLERANCE_SECONDS:
        raise WebhookVerificationError("timestamp", "webhook-timestamp is more than 5 minutes from this clock")

    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{webhook_id}.{webhook_timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    # One "v1,<base64>" entry per signing secret, space-separated (two during a rotation): any match passes.
    for entry in webhook_signature.split(" "):
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature.encode(), expected):
            return
    raise WebhookVerificationError("signature", "no signature in webhook-signature matches the secret")


# --- Command line used by payhook's tests; not needed in your app. ---
# Raw body on stdin; WEBHOOK_SECRET, WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE and VERIFY_NOW
# (unix seconds, optional) in the environment. Prints "ok" or "fail: <reason>".
if __name__ == "__main__":
    import os
    import sys

    env = os.environ.get
    try:
        verify_webhook(env("WEBHOOK_SECRET", ""), sys.stdin.buffer.read(), env("WEBHOOK_ID"), env("WEBHOOK_TIMESTAMP"),
                       env("WEBHOOK_SIGNATURE"), int(env("VERIFY_NOW")) if env("VERIFY_NOW") else None)
        print("ok")
    except WebhookVerificationError as e:
        print(f"fail: {e.reason}")
        sys.exit(1)
