-- 0014_paced_until: an endpoint paced for its trouble past the pace's steps (Store.deferEndpoint left
-- deliveries at its horizon) has its new deliveries appended at that horizon, after the backlog it
-- cannot take sooner, not due at once for every claim to read past (docs/performance.md, "The import's
-- turns, again"). NULL: not paced. Store.undeferEndpoint and a closing circuit clear it.

ALTER TABLE endpoints ADD COLUMN paced_until INTEGER;
