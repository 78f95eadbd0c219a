-- 0020_claim_floor: the oldest day a claim must look at. A claim is planned at each call, and planned for
-- every day partition of deliveries it might read: about 0.27 ms of planning and more of execution a
-- partition, so with a month of days kept (PAYHOOK_RETENTION_DAYS, 30) a claim of 70 deliveries took
-- 13-17 ms instead of 5-6 (docs/performance.md, "The claim's days"). Pending deliveries are nearly all
-- recent; the claim now reads only the days of deliveries from the oldest one that holds a pending
-- delivery (or a held one, which keeps later deliveries of its ordering key waiting: sql/ordering.sql),
-- and PostgreSQL leaves the older days out of the plan. (Not of events: a replay's new delivery has
-- today's id whatever its event's age.) The store asks this function for that day at
-- most once a second (store/postgres/deliveries.ts), so a delivery made pending again in an older day
-- (a manual retry, a resend, a replay) is claimed within a second.
--
-- `at_most`: the floor to return when no older day holds anything (the caller passes the day before
-- yesterday's first id, a margin for clocks that disagree). Returns the first delivery id of the oldest
-- day partition before `at_most` that holds a pending or held delivery, or the smallest pending or held id
-- of the default partition if lower (rows outside every day: none in the normal course), or `at_most`.
-- One probe of a partial index a day; it stops at the first day that holds one.
CREATE FUNCTION claim_floor(at_most text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  floor text := at_most;
  lowest text;
  part record;
  day_floor text;
  busy boolean;
BEGIN
  SELECT min(id) INTO lowest FROM deliveries_default
  WHERE status = 'pending' OR (ordering_key IS NOT NULL AND held);
  IF lowest IS NOT NULL AND lowest < floor THEN
    floor := lowest;
  END IF;
  FOR part IN
    SELECT c.relname, substr(c.relname, 13) AS day
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'deliveries'::regclass AND c.relname ~ '^deliveries_p[0-9]{8}$'
    ORDER BY c.relname
  LOOP
    day_floor := 'del_' || id_time_chars((extract(epoch FROM to_date(part.day, 'YYYYMMDD')) * 1000)::bigint);
    EXIT WHEN day_floor >= floor;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE status = ''pending'') OR EXISTS '
                   '(SELECT 1 FROM %I WHERE ordering_key IS NOT NULL AND held)', part.relname, part.relname)
      INTO busy;
    IF busy THEN
      floor := day_floor;
      EXIT;
    END IF;
  END LOOP;
  RETURN floor;
END
$$;
