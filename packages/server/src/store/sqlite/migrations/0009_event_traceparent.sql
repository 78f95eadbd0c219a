-- 0005_event_traceparent: the W3C trace context an event was accepted in (`00-<trace id>-<span id>-<flags>`),
-- so every attempt at delivering it, however much later and in whichever process, joins that trace and
-- tells the receiver so in its `traceparent` header (docs/operations.md#tracing). NULL when the event
-- came with no trace context and payhook traces nothing: its attempts then use a trace id made from the
-- event id. Core tables only.

ALTER TABLE events ADD COLUMN traceparent TEXT;
