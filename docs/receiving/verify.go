// Verify a payhook webhook with Go's standard library alone (Go 1.18+).
//
// VerifyWebhook returns nil for an authentic, fresh webhook, a *WebhookVerificationError whose Reason
// is "headers", "timestamp" or "signature" for anything else, and another error for a secret that is
// not base64. Pass the raw request body (io.ReadAll(r.Body)) and r.Header.Get of each header.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const webhookToleranceSeconds = 5 * 60

type WebhookVerificationError struct{ Reason, Message string }

func (e *WebhookVerificationError) Error() string { return e.Message }

var unixSeconds = regexp.MustCompile(`^[0-9]{1,15}$`)

func VerifyWebhook(secret string, body []byte, id, timestamp, signature string, now time.Time) error {
	if id == "" || timestamp == "" || signature == "" {
		return &WebhookVerificationError{"headers", "missing webhook-id, webhook-timestamp or webhook-signature"}
	}
	if !unixSeconds.MatchString(timestamp) {
		return &WebhookVerificationError{"timestamp", "webhook-timestamp is not unix seconds"}
	}
	ts, _ := strconv.ParseInt(timestamp, 10, 64)
	if age := now.Unix() - ts; age > webhookToleranceSeconds || age < -webhookToleranceSeconds {
		return &WebhookVerificationError{"timestamp", "webhook-timestamp is more than 5 minutes from this clock"}
	}

	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || len(key) == 0 {
		return fmt.Errorf("the webhook secret is not base64: %v", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + timestamp + "."))
	mac.Write(body)
	expected := []byte(base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	// One "v1,<base64>" entry per signing secret, space-separated (two during a rotation): any match passes.
	for _, entry := range strings.Split(signature, " ") {
		version, value, _ := strings.Cut(entry, ",")
		if version == "v1" && hmac.Equal([]byte(value), expected) {
			return nil
		}
	}
	return &WebhookVerificationError{"signature", "no signature in webhook-signature matches the secret"}
}

// --- Command line used by payhook's tests; not needed in your app. ---
// Raw body on stdin; WEBHOOK_SECRET, WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE and VERIFY_NOW
// (unix seconds, optional) in the environment. Prints "ok" or "fail: <reason>".
func main() {
	body, _ := io.ReadAll(os.Stdin)
	now := time.Now()
	if s := os.Getenv("VERIFY_NOW"); s != "" {
		n, _ := strconv.ParseInt(s, 10, 64)
		now = time.Unix(n, 0)
	}
	err := VerifyWebhook(os.Getenv("WEBHOOK_SECRET"), body, os.Getenv("WEBHOOK_ID"), os.Getenv("WEBHOOK_TIMESTAMP"),
		os.Getenv("WEBHOOK_SIGNATURE"), now)
	var failure *WebhookVerificationError
	switch {
	case err == nil:
		fmt.Println("ok")
	case errors.As(err, &failure):
		fmt.Println("fail: " + failure.Reason)
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
