/**
 * pg-boss on the local PostgreSQL, in its own schema per run (dropped afterwards). pg-boss workers poll:
 * each `work()` loop fetches up to `batchSize` jobs, runs the handler, and sleeps out the rest of the
 * polling interval (at least 0.5 s), so throughput comes from large batches; the handler sends a batch's
 * deliveries concurrently through the shared undici pools, which cap requests in flight at the run's
 * concurrency. pg-boss records the outcome itself: a job whose handler resolves is marked `completed`
 * (a batch's per-job output is not stored by pg-boss); failed deliveries are failed explicitly.
 */
import PgBoss from 'pg-boss';
import { dropSchema, dropStaleSchemas, postgresUnavailable, DEFAULT_POSTGRES_URL } from '../lib/postgres.js';
import { packageVersion } from '../lib/versions.js';
import { WebhookSender } from '../lib/webhook.js';
import type { BenchEvent, BenchSystem, SystemInstance, SystemOptions } from './types.js';

const WORKERS = 2;
const BATCH_SIZE = 500;

class PgBossInstance implements SystemInstance {
  private readonly boss: PgBoss;
  private readonly sender: WebhookSender;
  private readonly schema: string;
  private readonly queue: string;

  constructor(private readonly options: SystemOptions) {
    this.schema = `bench_pgb_${options.runId}`;
    this.queue = `deliver-${options.runId}`;
    this.sender = new WebhookSender(options.endpoints, {
      connections: options.concurrency,
      timeoutMs: options.timeoutMs,
    });
    this.boss = new PgBoss({ connectionString: options.postgresUrl, schema: this.schema, max: 10 });
    this.boss.on('error', (error) => options.log(`pg-boss error: ${error.message}`));
  }

  async init(): Promise<void> {
    await dropStaleSchemas(this.options.postgresUrl, 'bench_pgb_');
    await this.boss.start();
    await this.boss.createQueue(this.queue, {
      name: this.queue,
      retryLimit: 1000,
      retryDelay: Math.max(1, Math.round(this.options.retryDelayMs / 1000)),
    });
  }

  async start(): Promise<void> {
    for (let i = 0; i < WORKERS; i++) {
      await this.boss.work<BenchEvent>(
        this.queue,
        { batchSize: BATCH_SIZE, pollingIntervalSeconds: 0.5 },
        async (jobs) => {
          const results = await Promise.allSettled(jobs.map((job) => this.sender.deliver(job.data)));
          const failed = jobs.filter((_, i) => results[i].status === 'rejected').map((job) => job.id);
          // Failing them first leaves only the delivered ones active for pg-boss to complete on return.
          if (failed.length) await this.boss.fail(this.queue, failed);
        },
      );
    }
  }

  async acceptMany(events: readonly BenchEvent[]): Promise<void> {
    await this.boss.insert(events.map((data) => ({ name: this.queue, data })));
  }

  async accept(event: BenchEvent): Promise<void> {
    await this.boss.send(this.queue, event);
  }

  async recorded(): Promise<number> {
    const { rows } = await this.boss
      .getDb()
      .executeSql(`select count(*)::int as n from ${this.schema}.job where name = $1 and state = 'completed'`, [
        this.queue,
      ]);
    return rows[0].n as number;
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true });
    await this.sender.close();
    await dropSchema(this.options.postgresUrl, this.schema);
  }
}

export const systems: BenchSystem[] = [
  {
    id: 'pg-boss',
    label: `pg-boss ${packageVersion('pg-boss')} (PostgreSQL)`,
    role: 'baseline',
    scenarios: ['throughput'],
    optionalScenarios: ['latency', 'backlog'],
    notes: `insert / send, ${WORKERS} work() loops with batchSize ${BATCH_SIZE} and the minimum 0.5 s polling interval, deliveries of a batch sent concurrently`,
    unavailable: () => postgresUnavailable(DEFAULT_POSTGRES_URL),
    create: async (options) => {
      const instance = new PgBossInstance(options);
      await instance.init();
      return instance;
    },
  },
];
