/**
 * The payment module's background work, in one small loop:
 *
 * - Enquiries: pending transactions whose checkout never finished and delayed ones are asked about at
 *   the bank; a final answer is applied like any other (the same path a bank notification takes).
 * - Pay-backs: each debited failed transaction has exactly one pay-back row (made with the failure, in
 *   the same commit). The worker leases due rows, asks the bank to pay back with the row's id as the
 *   idempotency key, and records the answer: confirmed (with `transaction.paid_back`) or failed (tried
 *   again after the next delay of the schedule, the last delay repeating until the bank confirms).
 * - Refunds: pending refunds whose check time came (a delayed one, or one whose request stopped before
 *   it recorded the bank's answer) are sent to the bank again under their own id, which the bank
 *   answers with what became of that refund, never returning the money twice; the answer is recorded
 *   like the request's own (service.ts `sendRefund`).
 *
 * Crash safety comes from the lease, not from the loop: a pay-back claimed by a process that died is
 * due again when its lease ends, and is sent again under the same id, which the bank answers without
 * paying twice.
 */
import { newId, type Logger } from '../module-api.js';
import { type BankAdapter, bankOfMode, type PayBackResult } from './bank.js';
import { changeOfOutcome, sendRefund } from './service.js';
import type { PaymentStore } from './store/port.js';

export interface PaymentWorkerOptions {
  store: PaymentStore;
  /** Test mode's bank (the simulator). */
  bank: BankAdapter;
  /** Live mode's bank; null when none is configured (then no live payment was ever started). */
  liveBank?: BankAdapter | null;
  checkIntervalMs: number;
  paybackSchedule: number[];
  paybackLeaseMs: number;
  pollIntervalMs: number;
  batch?: number;
  clock?: () => number;
  logger?: Logger;
  owner?: string;
}

/** The delay after the `attempts`-th failed try: the schedule's entry, the last one repeating. */
export function paybackDelay(schedule: readonly number[], attempts: number): number {
  return schedule[Math.min(Math.max(attempts, 1), schedule.length) - 1];
}

export class PaymentWorkers {
  private readonly o: PaymentWorkerOptions;
  private readonly now: () => number;
  private readonly owner: string;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(options: PaymentWorkerOptions) {
    if (options.paybackSchedule.length === 0) throw new RangeError('paybackSchedule needs at least one delay');
    this.o = options;
    this.now = options.clock ?? Date.now;
    this.owner = options.owner ?? newId('pb').replace('pb_', 'worker_');
  }

  /** The bank of the record's mode (its merchant scope). */
  private bankOf(merchantId: string): BankAdapter {
    return bankOfMode(this.o.bank, this.o.liveBank ?? null, merchantId);
  }

  /** Asks the bank about due pending and delayed transactions; returns how many changed. */
  async runEnquiries(): Promise<number> {
    const now = this.now();
    const due = await this.o.store.claimChecks({ now, limit: this.o.batch ?? 100, leaseMs: this.o.checkIntervalMs });
    let changed = 0;
    for (const txn of due) {
      try {
        const answer = await this.bankOf(txn.merchantId).enquire({
          transactionId: txn.id,
          paymentReference: txn.paymentReference,
          bankReference: txn.bankReference,
          now,
        });
        const at = this.now();
        const r = await this.o.store.applyChange({
          ...changeOfOutcome(answer, at, this.o.checkIntervalMs),
          transactionId: txn.id,
          source: 'enquiry',
          now: at,
        });
        if (r.result === 'applied') changed++;
      } catch (err) {
        // Asked again when the claim's lease ends.
        this.o.logger?.warn({ err, transaction_id: txn.id }, 'payment enquiry failed');
      }
    }
    return changed;
  }

  /** Tries due pay-backs once each; returns how many the bank confirmed. */
  async runPaybacks(): Promise<number> {
    const now = this.now();
    const due = await this.o.store.claimDuePaybacks({
      now,
      limit: this.o.batch ?? 100,
      leaseMs: this.o.paybackLeaseMs,
      owner: this.owner,
    });
    let confirmed = 0;
    for (const { payback, transactionId, bankReference } of due) {
      let answer: PayBackResult;
      try {
        answer = await this.bankOf(payback.merchantId).payBack({
          paybackId: payback.id,
          transactionId,
          bankReference: bankReference ?? '',
          amount: payback.amount,
          currency: payback.currency,
          now,
        });
      } catch (err) {
        answer = { outcome: 'failed', message: 'bank unreachable' };
        this.o.logger?.warn({ err, payback_id: payback.id }, 'pay-back try failed');
      }
      if (answer.outcome === 'confirmed') {
        try {
          await this.o.store.confirmPayback({
            paybackId: payback.id,
            bankMessage: answer.message,
            source: 'payback',
            now: this.now(),
          });
          confirmed++;
        } catch (err) {
          // The bank paid back but the record failed: the lease ends, the same id is sent again, and
          // the bank confirms it again without paying twice.
          this.o.logger?.error(
            { err, payback_id: payback.id },
            'recording a confirmed pay-back failed; retried after the lease',
          );
        }
        continue;
      }
      const at = this.now();
      await this.o.store.recordPaybackFailure({
        paybackId: payback.id,
        message: answer.message,
        nextAttemptAt: at + paybackDelay(this.o.paybackSchedule, payback.attempts),
        now: at,
      });
    }
    return confirmed;
  }

  /** Sends due pending refunds to the bank again; returns how many it settled (succeeded or failed). */
  async runRefunds(): Promise<number> {
    const due = await this.o.store.claimDueRefunds({
      now: this.now(),
      limit: this.o.batch ?? 100,
      leaseMs: this.o.checkIntervalMs,
    });
    let settled = 0;
    for (const { refund, bankReference } of due) {
      try {
        const parts = {
          store: this.o.store,
          bank: this.bankOf(refund.merchantId),
          clock: this.now,
          checkIntervalMs: this.o.checkIntervalMs,
        };
        // Null: the bank was not reached; sent again when the claim's lease ends.
        if ((await sendRefund(parts, refund, bankReference))?.result === 'applied') settled++;
      } catch (err) {
        this.o.logger?.warn({ err, refund_id: refund.id }, 'refund try failed');
      }
    }
    return settled;
  }

  /** One pass of every kind of work. */
  async tick(): Promise<void> {
    await this.runEnquiries();
    await this.runPaybacks();
    await this.runRefunds();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops the loop and waits for a pass in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err) => this.o.logger?.error({ err }, 'payment workers pass failed'))
        .then(async () => {
          const next = await this.o.store.nextWorkAt().catch(() => null);
          const wait =
            next === null ? this.o.pollIntervalMs : Math.max(0, Math.min(next - this.now(), this.o.pollIntervalMs));
          this.schedule(wait);
        });
    }, delay);
    this.timer.unref();
  }
}
