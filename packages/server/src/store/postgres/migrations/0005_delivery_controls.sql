-- 0005_delivery_controls: the PostgreSQL twin of sqlite/migrations/0005_delivery_controls.sql (read
-- it for what each column means). The claim statement reads and moves rate_tat and the circuit under
-- the endpoint's row lock, so every dispatcher shares one rate and one circuit per endpoint.

ALTER TABLE endpoints
  ADD COLUMN rate_limit integer,
  ADD COLUMN rate_tat bigint NOT NULL DEFAULT 0,
  ADD COLUMN retry_schedule integer[],
  ADD COLUMN circuit_state text NOT NULL DEFAULT 'closed',
  ADD COLUMN circuit_failures integer NOT NULL DEFAULT 0,
  ADD COLUMN circuit_opens integer NOT NULL DEFAULT 0,
  ADD COLUMN circuit_next_probe_at bigint,
  ADD COLUMN failing_since bigint;

-- The claim's `controlled` step looks up the endpoints of its batch that have a control on; few do.
-- This partial index holds only those, so the step reads a handful of rows, not the endpoints table
-- (EXPLAIN at 20,000 endpoints: a sequential scan of all of them per claim without it).
CREATE INDEX endpoints_controlled ON endpoints (id) WHERE rate_limit IS NOT NULL OR circuit_state <> 'closed';
