/**
 * The ceiling: the same per-delivery work (envelope, HMAC signature, keep-alive POST) with no queue and
 * no store in between: events wait in an array and `concurrency` requests are kept in flight. Outcomes
 * are kept in memory only. Nothing a queue adds (persistence, claims, retries across restarts) is paid
 * for here, which is why it bounds what any queue can reach on this machine.
 */
import { WebhookSender, type AttemptRecord } from '../lib/webhook.js';
import type { BenchEvent, BenchSystem, SystemInstance, SystemOptions } from './types.js';

class RawInstance implements SystemInstance {
  private readonly sender: WebhookSender;
  private readonly waiting: BenchEvent[] = [];
  private head = 0;
  private inFlight = 0;
  private succeeded = 0;
  private readonly log: AttemptRecord[] = [];
  private running = false;
  private closed = false;

  constructor(private readonly options: SystemOptions) {
    this.sender = new WebhookSender(options.endpoints, {
      connections: options.concurrency,
      timeoutMs: options.timeoutMs,
    });
  }

  async start(): Promise<void> {
    this.running = true;
    this.pump();
  }

  async acceptMany(events: readonly BenchEvent[]): Promise<void> {
    for (const event of events) this.waiting.push(event);
    this.pump();
  }

  async accept(event: BenchEvent): Promise<void> {
    this.waiting.push(event);
    this.pump();
  }

  async recorded(): Promise<number> {
    return this.succeeded;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.sender.close();
  }

  private pump(): void {
    if (!this.running) return;
    while (this.inFlight < this.options.concurrency && this.head < this.waiting.length) {
      const event = this.waiting[this.head++];
      this.inFlight++;
      this.sender
        .deliver(event)
        .then(
          (attempt) => {
            this.succeeded++;
            this.log.push(attempt);
          },
          () => {
            if (!this.closed) setTimeout(() => this.accept(event), this.options.retryDelayMs);
          },
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
    // Drop consumed slots now and then so a long run does not keep every event alive.
    if (this.head > 65_536 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
  }
}

export const systems: BenchSystem[] = [
  {
    id: 'raw',
    label: 'raw undici, no queue (ceiling)',
    role: 'ceiling',
    scenarios: ['throughput', 'latency'],
    optionalScenarios: ['isolation'],
    notes: 'in-memory array, `concurrency` requests in flight, outcomes kept in memory only',
    create: async (options) => new RawInstance(options),
  },
];
