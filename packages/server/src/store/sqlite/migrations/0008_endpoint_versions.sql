-- 0008_endpoint_versions: each endpoint's event version and payload style (docs/versions.md).
-- Events are stored in one shape, the oldest version's, and rendered in the endpoint's version when
-- delivered. Endpoints made before versions existed get the oldest version, so nothing they receive
-- changes; the API gives a new endpoint the latest unless it names one. Thin events carry the kind and
-- id of the object an event is about instead of its data.
ALTER TABLE endpoints ADD COLUMN api_version TEXT NOT NULL DEFAULT '2026-11-27';
ALTER TABLE endpoints ADD COLUMN payload_style TEXT NOT NULL DEFAULT 'snapshot';
