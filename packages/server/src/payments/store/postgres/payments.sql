-- The payment module's statements on PostgreSQL (payments/store/postgres.ts), named as in SQLite's
-- payments.sql and run through the store's outbox port (store/module-port.ts).
-- Every write runs inside one transaction with the events it emits. SQLite serialises writers; here a
-- state change locks its transaction row and then its order row (FOR UPDATE, always in that order), so
-- two changes to one payment queue up and the second decides on what the first wrote.

-- name: pay_order_insert
-- @id, @merchant_id, @reference, @amount, @currency, @customer_email, @customer_mobile, @optional1..3, @now
-- No row back when the merchant already has an order with this reference (duplicate_reference).
INSERT INTO orders (id, merchant_id, reference, amount, currency, customer_email, customer_mobile,
                    optional1, optional2, optional3, status, sequence, created_at, updated_at)
VALUES (@id, @merchant_id, @reference, @amount, @currency, @customer_email, @customer_mobile,
        @optional1, @optional2, @optional3, 'open', 0, @now, @now)
ON CONFLICT (merchant_id, reference) DO NOTHING
RETURNING *;

-- name: pay_order_get
-- @merchant_id, @id
SELECT * FROM orders WHERE id = @id AND merchant_id = @merchant_id;

-- name: pay_order_get_for_update
-- @merchant_id, @id: locked until the transaction ends (starting a payment)
SELECT * FROM orders WHERE id = @id AND merchant_id = @merchant_id FOR UPDATE;

-- name: pay_order_by_id_for_update
-- @id
SELECT * FROM orders WHERE id = @id FOR UPDATE;

-- name: pay_order_by_reference
-- @merchant_id, @reference
SELECT * FROM orders WHERE merchant_id = @merchant_id AND reference = @reference;

-- name: pay_order_page
-- @merchant_id, @status (or NULL for all), @hi (ids strictly below; newest first), @limit
SELECT * FROM orders
WHERE merchant_id = @merchant_id AND id < @hi AND (@status::text IS NULL OR status = @status)
ORDER BY id DESC LIMIT @limit;

-- name: pay_order_update
-- @id, @from_status (compare-and-set), @status, @sequence, @now
UPDATE orders SET status = @status, sequence = @sequence, updated_at = @now
WHERE id = @id AND status = @from_status
RETURNING id;

-- name: pay_txn_insert
-- @id, @order_id, @merchant_id, @transaction_no, @payment_reference, @amount, @currency, @card_last_four,
-- @next_check_at, @now
INSERT INTO transactions (id, order_id, merchant_id, transaction_no, payment_reference, amount, currency,
                          card_last_four, status, bank_message, bank_reference, debited, next_check_at,
                          created_at, updated_at)
VALUES (@id, @order_id, @merchant_id, @transaction_no, @payment_reference, @amount, @currency,
        @card_last_four, 'pending', '', NULL, false, @next_check_at, @now, @now)
RETURNING *;

-- name: pay_txn_get
-- @merchant_id, @id
SELECT * FROM transactions WHERE id = @id AND merchant_id = @merchant_id;

-- name: pay_txn_by_id_for_update
-- @id
SELECT * FROM transactions WHERE id = @id FOR UPDATE;

-- name: pay_txn_get_for_update
-- @merchant_id, @id: the merchant's transaction, locked until the transaction ends (a refund)
SELECT * FROM transactions WHERE id = @id AND merchant_id = @merchant_id FOR UPDATE;

-- name: pay_txn_by_payment_reference
-- @payment_reference (the mode check of an acquirer notification, before it is applied)
SELECT * FROM transactions WHERE payment_reference = @payment_reference;

-- name: pay_txn_by_payment_reference_for_update
-- @payment_reference
SELECT * FROM transactions WHERE payment_reference = @payment_reference FOR UPDATE;

-- name: pay_txn_of_order
-- @order_id
SELECT * FROM transactions WHERE order_id = @order_id ORDER BY id;

-- name: pay_txn_live_of_order
-- @order_id: the pending or delayed attempt, if any
SELECT id FROM transactions WHERE order_id = @order_id AND status IN ('pending', 'delayed');

-- name: pay_txn_update
-- @id, @from_status (compare-and-set), @status, @bank_message, @bank_reference (NULL keeps it), @debited,
-- @next_check_at, @now
UPDATE transactions
SET status = @status, bank_message = @bank_message, bank_reference = COALESCE(@bank_reference, bank_reference),
    debited = @debited, next_check_at = @next_check_at, updated_at = @now
WHERE id = @id AND status = @from_status
RETURNING id;

-- name: pay_txn_claim_checks
-- @now, @limit, @lease_until: due enquiries, oldest due first, moved to the end of the lease. SKIP
-- LOCKED: a transaction being changed right now is not also enquired about.
WITH due AS MATERIALIZED (
  SELECT id, next_check_at FROM transactions
  WHERE status IN ('pending', 'delayed') AND next_check_at <= @now
  ORDER BY next_check_at LIMIT @limit
  FOR UPDATE SKIP LOCKED
)
UPDATE transactions t SET next_check_at = @lease_until
FROM due WHERE t.id = due.id
RETURNING t.*, due.next_check_at AS due_at;

-- name: pay_payback_insert
-- @id, @transaction_id, @merchant_id, @amount, @currency, @next_attempt_at, @now
INSERT INTO paybacks (id, transaction_id, merchant_id, amount, currency, status, attempts, next_attempt_at,
                      lease_owner, last_error, created_at, updated_at)
VALUES (@id, @transaction_id, @merchant_id, @amount, @currency, 'pending', 0, @next_attempt_at,
        NULL, NULL, @now, @now);

-- name: pay_payback_of_txn
-- @transaction_id
SELECT * FROM paybacks WHERE transaction_id = @transaction_id;

-- name: pay_payback_by_id
-- @id
SELECT * FROM paybacks WHERE id = @id;

-- name: pay_payback_claim
-- @now, @limit, @lease_until, @owner: due pay-backs, leased (SKIP LOCKED: workers in several processes
-- take disjoint sets); each claim counts as a try. Joined to the transaction for the bank's handles.
WITH due AS MATERIALIZED (
  SELECT id, next_attempt_at FROM paybacks
  WHERE status = 'pending' AND next_attempt_at <= @now
  ORDER BY next_attempt_at LIMIT @limit
  FOR UPDATE SKIP LOCKED
),
claimed AS (
  UPDATE paybacks p
  SET next_attempt_at = @lease_until, lease_owner = @owner, attempts = p.attempts + 1, updated_at = @now
  FROM due WHERE p.id = due.id
  RETURNING p.*, due.next_attempt_at AS due_at
)
SELECT c.*, t.bank_reference AS txn_bank_reference, t.payment_reference AS txn_payment_reference
FROM claimed c JOIN transactions t ON t.id = c.transaction_id
ORDER BY c.due_at, c.id;

-- name: pay_payback_failed
-- @id, @message, @next_attempt_at, @now
UPDATE paybacks SET next_attempt_at = @next_attempt_at, lease_owner = NULL, last_error = @message, updated_at = @now
WHERE id = @id AND status = 'pending';

-- name: pay_payback_confirm
-- @transaction_id, @now: the transaction's pay-back (one at most), if still pending
UPDATE paybacks SET status = 'confirmed', next_attempt_at = NULL, lease_owner = NULL, last_error = NULL, updated_at = @now
WHERE transaction_id = @transaction_id AND status = 'pending'
RETURNING id;

-- name: pay_event_log_insert
-- @order_id, @sequences, @event_ids, @types (one element an event), @transaction_id, @refund_id (NULL but
-- for refund.*), @status, @order_status, @created_at: the order's log rows for one change, in one statement
INSERT INTO payment_events (order_id, sequence, event_id, type, transaction_id, refund_id, status, order_status,
                            created_at)
SELECT @order_id, e.sequence, e.event_id, e.type, @transaction_id, @refund_id, @status, @order_status, @created_at
FROM unnest(@sequences::int[], @event_ids::text[], @types::text[]) AS e (sequence, event_id, type);

-- name: pay_event_log_of_order
-- @order_id
SELECT * FROM payment_events WHERE order_id = @order_id ORDER BY sequence;

-- name: pay_refusal_insert
-- @merchant_id, @order_id, @transaction_id, @from_status, @event, @source, @now
INSERT INTO payment_refusals (merchant_id, order_id, transaction_id, from_status, event, source, created_at)
VALUES (@merchant_id, @order_id, @transaction_id, @from_status, @event, @source, @now);

-- name: pay_refusals_of_txn
-- @transaction_id
SELECT * FROM payment_refusals WHERE transaction_id = @transaction_id ORDER BY id;

-- name: pay_notification_get
-- @bank_key, @notification_id
SELECT * FROM bank_notifications WHERE bank_key = @bank_key AND notification_id = @notification_id;

-- name: pay_notification_insert
-- @id, @bank_key, @notification_id, @body_sha256, @transaction_id, @event, @outcome, @from_status,
-- @to_status, @now
INSERT INTO bank_notifications (id, bank_key, notification_id, body_sha256, transaction_id, event, outcome,
                                from_status, to_status, received_at)
VALUES (@id, @bank_key, @notification_id, @body_sha256, @transaction_id, @event, @outcome,
        @from_status, @to_status, @now);

-- name: pay_next_work_at
-- (no parameters): the earliest due enquiry, pay-back try or refund to send
SELECT min(t) AS at FROM (
  SELECT min(next_check_at) AS t FROM transactions WHERE status IN ('pending', 'delayed')
  UNION ALL
  SELECT min(next_attempt_at) AS t FROM paybacks WHERE status = 'pending'
  UNION ALL
  SELECT min(next_check_at) AS t FROM refunds WHERE status = 'pending') AS due;

-- name: pay_order_refund_update
-- @id, @from_status, @from_sequence (compare-and-set: a refund's change may keep the status), @status,
-- @sequence, @amount_refunded, @now
UPDATE orders SET status = @status, sequence = @sequence, amount_refunded = @amount_refunded, updated_at = @now
WHERE id = @id AND status = @from_status AND sequence = @from_sequence
RETURNING id;

-- name: pay_refund_insert
-- @id, @transaction_id, @order_id, @merchant_id, @amount, @currency, @reason, @idempotency_key,
-- @request_sha256, @next_check_at, @now
INSERT INTO refunds (id, transaction_id, order_id, merchant_id, amount, currency, reason, status, bank_message,
                     idempotency_key, request_sha256, next_check_at, created_at, updated_at)
VALUES (@id, @transaction_id, @order_id, @merchant_id, @amount, @currency, @reason, 'pending', NULL,
        @idempotency_key, @request_sha256, @next_check_at, @now, @now);

-- name: pay_refund_get
-- @merchant_id, @id
SELECT * FROM refunds WHERE id = @id AND merchant_id = @merchant_id;

-- name: pay_refund_by_id
-- @id
SELECT * FROM refunds WHERE id = @id;

-- name: pay_refund_by_key
-- @merchant_id, @idempotency_key
SELECT * FROM refunds WHERE merchant_id = @merchant_id AND idempotency_key = @idempotency_key;

-- name: pay_refunds_of_txn
-- @transaction_id
SELECT * FROM refunds WHERE transaction_id = @transaction_id ORDER BY id;

-- name: pay_refunds_of_order
-- @order_id
SELECT * FROM refunds WHERE order_id = @order_id ORDER BY id;

-- name: pay_refund_totals
-- @transaction_id: what its refunds that succeeded returned, and what its pending ones hold back
SELECT coalesce(sum(amount) FILTER (WHERE status = 'succeeded'), 0) AS succeeded,
       coalesce(sum(amount) FILTER (WHERE status = 'pending'), 0) AS pending
FROM refunds WHERE transaction_id = @transaction_id;

-- name: pay_refund_settle
-- @id, @status (succeeded or failed), @bank_message, @now: compare-and-set on pending
UPDATE refunds SET status = @status, bank_message = @bank_message, next_check_at = NULL, updated_at = @now
WHERE id = @id AND status = 'pending'
RETURNING id;

-- name: pay_refund_reschedule
-- @id, @bank_message, @next_check_at, @now: the bank has not decided; ask again then
UPDATE refunds SET bank_message = @bank_message, next_check_at = @next_check_at, updated_at = @now
WHERE id = @id AND status = 'pending'
RETURNING id;

-- name: pay_refund_claim
-- @now, @limit, @lease_until: pending refunds due to be sent to the bank, moved to the end of the lease
-- (SKIP LOCKED: workers in several processes take disjoint sets). Joined to the payment for the bank's handle.
WITH due AS MATERIALIZED (
  SELECT id, next_check_at FROM refunds
  WHERE status = 'pending' AND next_check_at <= @now
  ORDER BY next_check_at LIMIT @limit
  FOR UPDATE SKIP LOCKED
),
claimed AS (
  UPDATE refunds r SET next_check_at = @lease_until
  FROM due WHERE r.id = due.id
  RETURNING r.*, due.next_check_at AS due_at
)
SELECT c.*, t.bank_reference AS txn_bank_reference
FROM claimed c JOIN transactions t ON t.id = c.transaction_id
ORDER BY c.due_at, c.id;
