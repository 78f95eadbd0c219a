-- Retention on SQLite: old finished events are deleted in batches, each batch one short transaction
-- (retention/pruner.ts pauses between them, so the dispatcher's writes get the file in between).

-- name: prune_pick_events
-- @below (an event id: smaller ids are older than the retention), @limit: the oldest events before
-- @below none of whose deliveries is pending. The primary key walks them in time order.
SELECT e.id FROM events e
WHERE e.id < @below
  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
ORDER BY e.id LIMIT @limit;

-- name: prune_attempts
-- @ids (a JSON array of event ids): the attempts of their deliveries
DELETE FROM attempts WHERE delivery_id IN (
  SELECT d.id FROM deliveries d WHERE d.event_id IN (SELECT value FROM json_each(@ids)));

-- name: prune_deliveries
-- @ids (a JSON array of event ids): every delivery of them, whatever its status (one reopened after
-- the pick would otherwise be left without its event)
DELETE FROM deliveries WHERE event_id IN (SELECT value FROM json_each(@ids));

-- name: prune_resends
-- @ids (a JSON array of event ids)
DELETE FROM resends WHERE event_id IN (SELECT value FROM json_each(@ids));

-- name: prune_events
-- @ids (a JSON array of event ids)
DELETE FROM events WHERE id IN (SELECT value FROM json_each(@ids));
