# Verify a payhook webhook with Ruby's standard library alone (Ruby 3.0+).
#
# verify_webhook returns for an authentic, fresh webhook and raises WebhookVerificationError, whose
# #reason is "headers", "timestamp" or "signature", for anything else. Pass the raw request body
# (request.body.read); the header values may be nil when a header is missing.
require "openssl"

WEBHOOK_TOLERANCE_SECONDS = 5 * 60

class WebhookVerificationError < StandardError
  attr_reader :reason

  def initialize(reason, message)
    super(message)
    @reason = reason
  end
end

def verify_webhook(secret, body, id, timestamp, signature, now: Time.now.to_i)
  if [id, timestamp, signature].any? { |header| header.nil? || header.empty? }
    raise WebhookVerificationError.new("headers", "missing webhook-id, webhook-timestamp or webhook-signature")
  end
  unless timestamp.match?(/\A[0-9]{1,15}\z/)
    raise WebhookVerificationError.new("timestamp", "webhook-timestamp is not unix seconds")
  end
  if (now - timestamp.to_i).abs > WEBHOOK_TOLERANCE_SECONDS
    raise WebhookVerificationError.new("timestamp", "webhook-timestamp is more than 5 minutes from this clock")
  end

  # unpack1("m") and pack("m0") are base64 decode and encode, without the base64 gem.
  key = secret.delete_prefix("whsec_").unpack1("m")
  signed = "#{id}.#{timestamp}.".b + body.b
  expected = [OpenSSL::HMAC.digest("SHA256", key, signed)].pack("m0")
  # One "v1,<base64>" entry per signing secret, space-separated (two during a rotation): any match passes.
  signature.split(" ").each do |entry|
    version, value = entry.split(",", 2)
    return if version == "v1" && value && OpenSSL.secure_compare(value, expected)
  end
  raise WebhookVerificationError.new("signature", "no signature in webhook-signature matches the secret")
end

# --- Command line used by payhook's tests; not needed in your app. ---
# Raw body on stdin; WEBHOOK_SECRET, WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE and VERIFY_NOW
# (unix seconds, optional) in the environment. Prints "ok" or "fail: <reason>".
if $PROGRAM_NAME == __FILE__
  begin
    now = ENV["VERIFY_NOW"] ? Integer(ENV["VERIFY_NOW"]) : Time.now.to_i
    verify_webhook(ENV.fetch("WEBHOOK_SECRET", ""), $stdin.binmode.read, ENV["WEBHOOK_ID"], ENV["WEBHOOK_TIMESTAMP"],
                   ENV["WEBHOOK_SIGNATURE"], now: now)
    puts "ok"
  rescue WebhookVerificationError => e
    puts "fail: #{e.reason}"
    exit 1
  end
end
