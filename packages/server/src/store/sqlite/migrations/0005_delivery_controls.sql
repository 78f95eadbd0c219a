-- 0005_delivery_controls: per-endpoint delivery controls (docs/delivery.md#delivery-controls).
--   rate_limit, rate_tat       deliveries per second (NULL: none) and the rate's next slot: the claim
--                              takes a slot per request and moves rate_tat on (GCRA, a token bucket
--                              with one number)
--   retry_schedule             JSON array of delays in ms before retry 1..n; NULL: the server's schedule
--   circuit_*, failing_since   the circuit breaker: closed | open | half_open, consecutive failures,
--                              how many times it opened in a row (the cool-down grows with it), when
--                              the next probe may go, and since when the endpoint fails without a success
-- disabled_reason gains 'failing' (no success for PAYHOOK_DISABLE_AFTER). A disabled endpoint's pending
-- deliveries wait with next_attempt_at NULL (outside the due index's range) until it is enabled.

ALTER TABLE endpoints ADD COLUMN rate_limit INTEGER;
ALTER TABLE endpoints ADD COLUMN rate_tat INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN retry_schedule TEXT;
ALTER TABLE endpoints ADD COLUMN circuit_state TEXT NOT NULL DEFAULT 'closed';
ALTER TABLE endpoints ADD COLUMN circuit_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN circuit_opens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN circuit_next_probe_at INTEGER;
ALTER TABLE endpoints ADD COLUMN failing_since INTEGER;
