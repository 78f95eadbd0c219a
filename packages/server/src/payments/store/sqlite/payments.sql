-- The payment module's statements on SQLite (payments/store/sqlite.ts), run through the store's outbox
-- port (store/module-port.ts). Every write here runs inside one transaction with the events it emits;
-- status updates compare-and-set on the status read.

-- name: pay_order_insert
-- @id, @merchant_id, @reference, @amount, @currency, @customer_email, @customer_mobile, @optional1..3, @now
INSERT INTO orders (id, merchant_id, reference, amount, currency, customer_email, customer_mobile,
                    optional1, optional2, optional3, status, sequence, created_at, updated_at)
VALUES (@id, @merchant_id, @reference, @amount, @currency, @customer_email, @customer_mobile,
        @optional1, @optional2, @optional3, 'open', 0, @now, @now);

-- name: pay_order_get
-- @merchant_id, @id
SELECT * FROM orders WHERE id = @id AND merchant_id = @merchant_id;

-- name: pay_order_by_id
-- @id
SELECT * FROM orders WHERE id = @id;

-- name: pay_order_by_reference
-- @merchant_id, @reference
SELECT * FROM orders WHERE merchant_id = @merchant_id AND reference = @reference;

-- name: pay_order_page
-- @merchant_id, @status (or NULL for all), @hi (ids strictly below; newest first), @limit
SELECT * FROM orders
WHERE merchant_id = @merchant_id AND id < @hi AND (@status IS NULL OR status = @status)
ORDER BY id DESC LIMIT @limit;

-- name: pay_order_update
-- @id, @from_status (compare-and-set), @status, @sequence, @now
UPDATE orders SET status = @status, sequence = @sequence, updated_at = @now
WHERE id = @id AND status = @from_status;

-- name: pay_txn_insert
-- @id, @order_id, @merchant_id, @transaction_no, @payment_reference, @amount, @currency, @card_last_four,
-- @next_check_at, @now
INSERT INTO transactions (id, order_id, merchant_id, transaction_no, payment_reference, amount, currency,
                          card_last_four, status, bank_message, bank_reference, debited, next_check_at,
                          created_at, updated_at)
VALUES (@id, @order_id, @merchant_id, @transaction_no, @payment_reference, @amount, @currency,
        @card_last_four, 'pending', '', NULL, 0, @next_check_at, @now, @now);

-- name: pay_txn_get
-- @merchant_id, @id
SELECT * FROM transactions WHERE id = @id AND merchant_id = @merchant_id;

-- name: pay_txn_by_id
-- @id
SELECT * FROM transactions WHERE id = @id;

-- name: pay_txn_by_payment_reference
-- @payment_reference
SELECT * FROM transactions WHERE payment_reference = @payment_reference;

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
WHERE id = @id AND status = @from_status;

-- name: pay_txn_claim_checks
-- @now, @limit, @lease_until: due enquiries, oldest due first, moved to the end of the lease
UPDATE transactions SET next_check_at = @lease_until
WHERE id IN (
  SELECT id FROM transactions
  WHERE status IN ('pending', 'delayed') AND next_check_at <= @now
  ORDER BY next_check_at LIMIT @limit)
RETURNING *;

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
-- @now, @limit, @lease_until, @owner: due pay-backs, leased; each claim counts as a try
UPDATE paybacks
SET next_attempt_at = @lease_until, lease_owner = @owner, attempts = attempts + 1, updated_at = @now
WHERE id IN (
  SELECT id FROM paybacks WHERE status = 'pending' AND next_attempt_at <= @now
  ORDER BY next_attempt_at LIMIT @limit)
RETURNING *;

-- name: pay_payback_failed
-- @id, @message, @next_attempt_at, @now
UPDATE paybacks SET next_attempt_at = @next_attempt_at, lease_owner = NULL, last_error = @message, updated_at = @now
WHERE id = @id AND status = 'pending';

-- name: pay_payback_confirm
-- @transaction_id, @now: the transaction's pay-back (one at most), if still pending
UPDATE paybacks SET status = 'confirmed', next_attempt_at = NULL, lease_owner = NULL, last_error = NULL, updated_at = @now
WHERE transaction_id = @transaction_id AND status = 'pending';

-- name: pay_event_log_insert
-- @order_id, @sequence, @event_id, @type, @transaction_id, @refund_id (NULL but for refund.*), @status,
-- @order_status, @created_at
INSERT INTO payment_events (order_id, sequence, event_id, type, transaction_id, refund_id, status, order_status,
                            created_at)
VALUES (@order_id, @sequence, @event_id, @type, @transaction_id, @refund_id, @status, @order_status, @created_at);

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
SELECT MIN(t) AS at FROM (
  SELECT MIN(next_check_at) AS t FROM transactions WHERE status IN ('pending', 'delayed')
  UNION ALL
  SELECT MIN(next_attempt_at) AS t FROM paybacks WHERE status = 'pending'
  UNION ALL
  SELECT MIN(next_check_at) AS t FROM refunds WHERE status = 'pending');

-- name: pay_order_refund_update
-- @id, @from_status, @from_sequence (compare-and-set: a refund's change may keep the status), @status,
-- @sequence, @amount_refunded, @now
UPDATE orders SET status = @status, sequence = @sequence, amount_refunded = @amount_refunded, updated_at = @now
WHERE id = @id AND status = @from_status AND sequence = @from_sequence;

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
SELECT COALESCE(SUM(CASE WHEN status = 'succeeded' THEN amount END), 0) AS succeeded,
       COALESCE(SUM(CASE WHEN status = 'pending' THEN amount END), 0) AS pending
FROM refunds WHERE transaction_id = @transaction_id;

-- name: pay_refund_settle
-- @id, @status (succeeded or failed), @bank_message, @now: compare-and-set on pending
UPDATE refunds SET status = @status, bank_message = @bank_message, next_check_at = NULL, updated_at = @now
WHERE id = @id AND status = 'pending';

-- name: pay_refund_reschedule
-- @id, @bank_message, @next_check_at, @now: the bank has not decided; ask again then
UPDATE refunds SET bank_message = @bank_message, next_check_at = @next_check_at, updated_at = @now
WHERE id = @id AND status = 'pending';

-- name: pay_refund_claim
-- @now, @limit, @lease_until: pending refunds due to be sent to the bank, moved to the end of the lease
UPDATE refunds SET next_check_at = @lease_until
WHERE id IN (
  SELECT id FROM refunds WHERE status = 'pending' AND next_check_at <= @now
  ORDER BY next_check_at LIMIT @limit)
RETURNING *;
