/**
 * The payment state machines, as pure functions. Every status change in the payment module goes through
 * `transition` or `transitionOrder`; the store only ever writes a status these functions returned, and
 * it writes it with a compare-and-set on the status it was computed from.
 *
 * Transaction (one payment attempt on an order):
 *
 *                        approve
 *            +---------------------------------------------+
 *            |                                             v
 *        +---------+   delay   +---------+   approve   +---------+
 *        | pending |---------->| delayed |------------>| success |   (final)
 *        +---------+           +---------+             +---------+
 *            |                      |
 *            | decline              | decline
 *            | decline_debited      | decline_debited
 *            v                      v
 *        +-------------------------------+
 *        |            failed             |   (final when nothing was debited)
 *        +-------------------------------+
 *                       | schedule_payback   (only when the issuer debited; same DB transaction)
 *                       v
 *               +-----------------+  confirm_payback   +-----------+
 *               | payback_pending |------------------->| paid_back |   (final)
 *               +-----------------+                    +-----------+
 *                  ^           |
 *                  +-----------+  a failed pay-back try is not a transition: the pay-back row
 *                                 records the attempt and the worker tries again later
 *
 * Order:
 *
 *        +------+   pay (a transaction succeeded)    +------+   refund_all    +----------+
 *        | open |----------------------------------->| paid |---------------->| refunded |   (final)
 *        +------+                                    +------+                 +----------+
 *            |                                           |                          ^
 *            |                                           | refund_part              | refund_all
 *            |                                           v                          |
 *            |                                 +--------------------+               |
 *            |                                 | partially_refunded |---------------+
 *            |                                 +--------------------+
 *            |                                     |            ^
 *            |                                     +------------+  refund_part (another part)
 *            |
 *            |      cancel (its transaction failed)  +-----------+
 *            +-------------------------------------->| cancelled |   (final)
 *                                                    +-----------+
 *
 *   A refund that succeeds moves the order: `refund_all` when the refunds that succeeded now add up
 *   to what was paid, `refund_part` otherwise. A refund that is created or fails leaves it as it is.
 *
 * Refund (money returned on a successful transaction, in part or in full):
 *
 *        +---------+   succeed   +-----------+
 *        | pending |------------>| succeeded |   (final)
 *        +---------+             +-----------+
 *            |         fail      +--------+
 *            +------------------>| failed |      (final; what it held back is refundable again)
 *                                +--------+
 *
 *   A bank that says "not yet" about a pending refund is not a transition: it is asked again later.
 *
 * Anything not drawn is refused with `transition_forbidden` (success after paid_back, approve after
 * decline, paying a cancelled order, ...). The caller records the refusal; it never changes state.
 */

export type TransactionStatus = 'pending' | 'delayed' | 'success' | 'failed' | 'payback_pending' | 'paid_back';
export type TransactionEvent =
  | 'approve'
  | 'delay'
  | 'decline'
  | 'decline_debited'
  | 'schedule_payback'
  | 'confirm_payback';
export type OrderStatus = 'open' | 'paid' | 'cancelled' | 'partially_refunded' | 'refunded';
export type OrderEvent = 'pay' | 'cancel' | 'refund_part' | 'refund_all';
export type RefundStatus = 'pending' | 'succeeded' | 'failed';
export type RefundEvent = 'succeed' | 'fail';

export const TRANSACTION_STATUSES: readonly TransactionStatus[] = [
  'pending',
  'delayed',
  'success',
  'failed',
  'payback_pending',
  'paid_back',
];
export const ORDER_STATUSES: readonly OrderStatus[] = ['open', 'paid', 'cancelled', 'partially_refunded', 'refunded'];
export const REFUND_STATUSES: readonly RefundStatus[] = ['pending', 'succeeded', 'failed'];

export type Transition<S, E> =
  | { ok: true; from: S; event: E; to: S }
  | { ok: false; from: S; event: E; code: 'transition_forbidden' };

const TRANSACTION_TABLE: Record<TransactionStatus, Partial<Record<TransactionEvent, TransactionStatus>>> = {
  pending: { approve: 'success', delay: 'delayed', decline: 'failed', decline_debited: 'failed' },
  delayed: { approve: 'success', decline: 'failed', decline_debited: 'failed' },
  success: {},
  failed: { schedule_payback: 'payback_pending' },
  payback_pending: { confirm_payback: 'paid_back' },
  paid_back: {},
};

const ORDER_TABLE: Record<OrderStatus, Partial<Record<OrderEvent, OrderStatus>>> = {
  open: { pay: 'paid', cancel: 'cancelled' },
  paid: { refund_part: 'partially_refunded', refund_all: 'refunded' },
  cancelled: {},
  partially_refunded: { refund_part: 'partially_refunded', refund_all: 'refunded' },
  refunded: {},
};

const REFUND_TABLE: Record<RefundStatus, Partial<Record<RefundEvent, RefundStatus>>> = {
  pending: { succeed: 'succeeded', fail: 'failed' },
  succeeded: {},
  failed: {},
};

/**
 * The transaction status after `event`, or a refusal.
 *
 * @example
 * transition('pending', 'approve');   // { ok: true, from: 'pending', event: 'approve', to: 'success' }
 * transition('paid_back', 'approve'); // { ok: false, ..., code: 'transition_forbidden' }
 */
export function transition(
  current: TransactionStatus,
  event: TransactionEvent,
): Transition<TransactionStatus, TransactionEvent> {
  const to = TRANSACTION_TABLE[current]?.[event];
  return to
    ? { ok: true, from: current, event, to }
    : { ok: false, from: current, event, code: 'transition_forbidden' };
}

/** The order status after `event`, or a refusal. */
export function transitionOrder(current: OrderStatus, event: OrderEvent): Transition<OrderStatus, OrderEvent> {
  const to = ORDER_TABLE[current]?.[event];
  return to
    ? { ok: true, from: current, event, to }
    : { ok: false, from: current, event, code: 'transition_forbidden' };
}

/** The refund status after `event`, or a refusal. */
export function transitionRefund(current: RefundStatus, event: RefundEvent): Transition<RefundStatus, RefundEvent> {
  const to = REFUND_TABLE[current]?.[event];
  return to
    ? { ok: true, from: current, event, to }
    : { ok: false, from: current, event, code: 'transition_forbidden' };
}

/**
 * True when `event` only restates what the transaction already is: the bank says "approved" about a
 * successful transaction, "declined" about a failed one (whatever became of its pay-back), "delayed"
 * about a delayed one. Such a notification is a duplicate in content, answered like a duplicate in id
 * (nothing changes, nothing is emitted), rather than a conflict that needs a person.
 */
export function restates(current: TransactionStatus, event: TransactionEvent): boolean {
  switch (event) {
    case 'approve':
      return current === 'success';
    case 'delay':
      return current === 'delayed';
    case 'decline':
      return current === 'failed';
    case 'decline_debited':
      return current === 'payback_pending' || current === 'paid_back';
    case 'confirm_payback':
      return current === 'paid_back';
    case 'schedule_payback':
      return current === 'payback_pending' || current === 'paid_back';
  }
}

/** Final states: nothing can happen to the transaction any more. */
export function isFinal(status: TransactionStatus): boolean {
  return Object.keys(TRANSACTION_TABLE[status]).length === 0;
}

/** What the order does when one of its transactions reaches `status`, if anything. */
export function orderEventFor(status: TransactionStatus): OrderEvent | null {
  if (status === 'success') return 'pay';
  if (status === 'failed') return 'cancel';
  return null;
}
