// Verify a payhook webhook with .NET's base class library alone (.NET Core 2.1+, .NET 5+, Mono 6+).
//
// PayhookWebhook.Verify returns for an authentic, fresh webhook and throws WebhookVerificationException,
// whose Reason is "headers", "timestamp" or "signature", for anything else. Pass the raw request body
// as bytes, read before any model binding; the header values may be null when a header is missing.
using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

public sealed class WebhookVerificationException : Exception
{
    public string Reason { get; }

    public WebhookVerificationException(string reason, string message) : base(message)
    {
        Reason = reason;
    }
}

public static class PayhookWebhook
{
    public const long ToleranceSeconds = 5 * 60;

    public static void Verify(string secret, byte[] body, string id, string timestamp, string signature, long? now = null)
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
            throw new WebhookVerificationException("headers", "missing webhook-id, webhook-timestamp or webhook-signature");
        if (!Regex.IsMatch(timestamp, @"^[0-9]{1,15}\z"))
            throw new WebhookVerificationException("timestamp", "webhook-timestamp is not unix seconds");
        if (Math.Abs((now ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds()) - long.Parse(timestamp)) > ToleranceSeconds)
            throw new WebhookVerificationException("timestamp", "webhook-timestamp is more than 5 minutes from this clock");

        byte[] key = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret.Substring(6) : secret);
        byte[] prefix = Encoding.UTF8.GetBytes(id + "." + timestamp + ".");
        byte[] signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed, prefix.Length);
        byte[] expected;
        using (var hmac = new HMACSHA256(key))
            expected = Encoding.ASCII.GetBytes(Convert.ToBase64String(hmac.ComputeHash(signed)));
        // One "v1,<base64>" entry per signing secret, space-separated (two during a rotation): any match passes.
        foreach (string entry in signature.Split(' '))
        {
            int comma = entry.IndexOf(',');
            if (comma < 0 || entry.Substring(0, comma) != "v1") continue;
            byte[] value = Encoding.UTF8.GetBytes(entry.Substring(comma + 1));
            if (CryptographicOperations.FixedTimeEquals(value, expected)) return;
        }
        throw new WebhookVerificationException("signature", "no signature in webhook-signature matches the secret");
    }
}

// --- Command line used by payhook's tests; not needed in your app. ---
// Raw body on stdin; WEBHOOK_SECRET, WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE and VERIFY_NOW
// (unix seconds, optional) in the environment. Prints "ok" or "fail: <reason>".
public static class Program
{
    public static int Main()
    {
        var body = new MemoryStream();
        Console.OpenStandardInput().CopyTo(body);
        string now = Environment.GetEnvironmentVariable("VERIFY_NOW");
        try
        {
            PayhookWebhook.Verify(Environment.GetEnvironmentVariable("WEBHOOK_SECRET"), body.ToArray(),
                Environment.GetEnvironmentVariable("WEBHOOK_ID"), Environment.GetEnvironmentVariable("WEBHOOK_TIMESTAMP"),
                Environment.GetEnvironmentVariable("WEBHOOK_SIGNATURE"), now == null ? (long?)null : long.Parse(now));
            Console.WriteLine("ok");
            return 0;
        }
        catch (WebhookVerificationException e)
        {
            Console.WriteLine("fail: " + e.Reason);
            return 1;
        }
    }
}
