-- 0005_resends: every resend of an event (POST /v1/events/{id}/resend), kept so that `payhook listen`
-- streams (GET /v1/listen) see it in order, on any API process and after a reconnect, as they see new
-- events. A resend's deliveries are the event's own, made due again; this table only records that it
-- happened. Rows go with their event at retention. Core tables only.

CREATE TABLE resends (
  id          TEXT PRIMARY KEY,           -- rsd_…
  merchant_id TEXT NOT NULL,
  event_id    TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
-- A listen stream reads a merchant's resends after its cursor, in id order.
CREATE INDEX resends_by_merchant ON resends (merchant_id, id);
-- Retention removes the resends of the events it removes.
CREATE INDEX resends_by_event ON resends (event_id);
