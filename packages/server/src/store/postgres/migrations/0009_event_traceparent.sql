-- 0005_event_traceparent: the PostgreSQL twin of sqlite/migrations/0005_event_traceparent.sql: the W3C
-- trace context an event was accepted in, which every attempt at delivering it joins. Nullable with no
-- default, so adding it rewrites nothing. Core tables only.

ALTER TABLE events ADD COLUMN traceparent text;
