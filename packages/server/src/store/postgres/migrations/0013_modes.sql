-- 0013_modes: test and live modes as tenant scopes (src/modes.ts). A merchant's own row is its test
-- scope; its live scope is a second row, `<merchant id>_live`, with `live_of` naming the merchant.
-- Everything a merchant owns already carries `merchant_id`, so nothing else changes: a live record's
-- merchant_id is the live scope. Rows that existed before are test mode (they were paid through the
-- simulator); every existing merchant gets its live scope here.

ALTER TABLE merchants ADD COLUMN live_of text COLLATE "C" REFERENCES merchants(id);

INSERT INTO merchants (id, name, created_at, live_of)
SELECT id || '_live', name, created_at, id FROM merchants WHERE live_of IS NULL;
