// Verify a payhook webhook with Java's standard library alone (Java 11+).
//
// Verify.verifyWebhook returns for an authentic, fresh webhook and throws WebhookVerificationException,
// whose reason is "headers", "timestamp" or "signature", for anything else. Pass the raw request body
// as bytes (request.getInputStream().readAllBytes()); the header values may be null when missing.
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public final class Verify {
    static final long TOLERANCE_SECONDS = 5 * 60;

    public static final class WebhookVerificationException extends Exception {
        public final String reason;

        WebhookVerificationException(String reason, String message) {
            super(message);
            this.reason = reason;
        }
    }

    public static void verifyWebhook(String secret, byte[] body, String id, String timestamp, String signature)
            throws WebhookVerificationException {
        verifyWebhook(secret, body, id, timestamp, signature, Instant.now().getEpochSecond());
    }

    public static void verifyWebhook(String secret, byte[] body, String id, String timestamp, String signature, long now)
            throws WebhookVerificationException {
        if (id == null || id.isEmpty() || timestamp == null || timestamp.isEmpty() || signature == null || signature.isEmpty()) {
            throw new WebhookVerificationException("headers", "missing webhook-id, webhook-timestamp or webhook-signature");
        }
        if (!timestamp.matches("[0-9]{1,15}")) {
            throw new WebhookVerificationException("timestamp", "webhook-timestamp is not unix seconds");
        }
        if (Math.abs(now - Long.parseLong(timestamp)) > TOLERANCE_SECONDS) {
            throw new WebhookVerificationException("timestamp", "webhook-timestamp is more than 5 minutes from this clock");
        }

        byte[] key = Base64.getDecoder().decode(secret.startsWith("whsec_") ? secret.substring(6) : secret);
        byte[] expected;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            expected = Base64.getEncoder().encode(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        // One "v1,<base64>" entry per signing secret, space-separated (two during a rotation): any match passes.
        for (String entry : signature.split(" ")) {
            int comma = entry.indexOf(',');
            if (comma < 0 || !entry.substring(0, comma).equals("v1")) continue;
            byte[] value = entry.substring(comma + 1).getBytes(StandardCharsets.UTF_8);
            if (MessageDigest.isEqual(value, expected)) return;
        }
        throw new WebhookVerificationException("signature", "no signature in webhook-signature matches the secret");
    }

    // --- Command line used by payhook's tests; not needed in your app. ---
    // Raw body on stdin; WEBHOOK_SECRET, WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE and VERIFY_NOW
    // (unix seconds, optional) in the environment. Prints "ok" or "fail: <reason>".
    public static void main(String[] args) throws java.io.IOException {
        String now = System.getenv("VERIFY_NOW");
        try {
            verifyWebhook(System.getenv("WEBHOOK_SECRET"), System.in.readAllBytes(), System.getenv("WEBHOOK_ID"),
                    System.getenv("WEBHOOK_TIMESTAMP"), System.getenv("WEBHOOK_SIGNATURE"),
                    now == null ? Instant.now().getEpochSecond() : Long.parseLong(now));
            System.out.println("ok");
        } catch (WebhookVerificationException e) {
            System.out.println("fail: " + e.reason);
            System.exit(1);
        }
    }
}
