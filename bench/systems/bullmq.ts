/**
 * BullMQ on the local Redis, used as its documentation shows: producers `addBulk` (or `add` one job per
 * request), one `Worker` with `concurrency` processes jobs, a thrown error fails the attempt and BullMQ
 * retries it with backoff. The attempt record is the job's return value, which BullMQ stores on the
 * completed job in Redis (kept, not removed, so every outcome stays inspectable as payhook's are).
 *
 * Durability note for readers of the results: the local Redis runs without RDB snapshots or AOF, so an
 * accepted job is in memory only, unlike payhook's SQLite WAL or PostgreSQL commit.
 */
import { Queue, Worker } from 'bullmq';
import { Socket } from 'node:net';
import { packageVersion } from '../lib/versions.js';
import { WebhookSender } from '../lib/webhook.js';
import type { BenchEvent, BenchSystem, SystemInstance, SystemOptions } from './types.js';

const JOB = 'deliver';

class BullmqInstance implements SystemInstance {
  private readonly queue: Queue<BenchEvent>;
  private readonly worker: Worker<BenchEvent>;
  private readonly sender: WebhookSender;

  constructor(options: SystemOptions) {
    const connection = { host: options.redis.host, port: options.redis.port, maxRetriesPerRequest: null };
    const name = `bench-${options.runId}`;
    this.sender = new WebhookSender(options.endpoints, {
      connections: options.concurrency,
      timeoutMs: options.timeoutMs,
    });
    this.queue = new Queue<BenchEvent>(name, {
      connection,
      defaultJobOptions: {
        attempts: 1000,
        backoff: { type: 'fixed', delay: options.retryDelayMs },
        removeOnComplete: false,
        removeOnFail: false,
      },
    });
    this.worker = new Worker<BenchEvent>(name, async (job) => this.sender.deliver(job.data), {
      connection,
      concurrency: options.concurrency,
      autorun: false,
    });
    this.worker.on('error', (error) => options.log(`worker error: ${error.message}`));
  }

  async start(): Promise<void> {
    await this.worker.waitUntilReady();
    void this.worker.run();
  }

  async acceptMany(events: readonly BenchEvent[]): Promise<void> {
    await this.queue.addBulk(events.map((data) => ({ name: JOB, data })));
  }

  async accept(event: BenchEvent): Promise<void> {
    await this.queue.add(JOB, event);
  }

  async recorded(): Promise<number> {
    return this.queue.getCompletedCount();
  }

  async close(): Promise<void> {
    await this.worker.close(true);
    await this.queue.obliterate({ force: true });
    await this.queue.close();
    await this.sender.close();
  }
}

/** Null when something answers on the Redis port. */
function redisReachable(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(`no Redis at ${host}:${port} (timeout)`);
    });
    socket.once('error', (e) => resolve(`no Redis at ${host}:${port} (${e.message})`));
    socket.connect(port, host);
  });
}

export const systems: BenchSystem[] = [
  {
    id: 'bullmq',
    label: `BullMQ ${packageVersion('bullmq')} (Redis, no persistence)`,
    role: 'baseline',
    scenarios: ['throughput', 'latency'],
    optionalScenarios: ['isolation', 'backlog'],
    notes:
      "addBulk / add, one Worker with concurrency = the run's concurrency, fixed backoff, completed jobs kept with their attempt record",
    unavailable: () => redisReachable('127.0.0.1', 6379),
    create: async (options) => new BullmqInstance(options),
  },
];
