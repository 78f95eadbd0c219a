/**
 * graphile-worker on the local PostgreSQL, set up as its performance page recommends for many short jobs
 * (`localQueue`, batched completion), in a schema of its own per run, dropped afterwards. graphile-worker
 * deletes a job once it completes and keeps no result, so the task writes its attempt record into a
 * `webhook_attempts` table with `helpers.query`, as an application using it would.
 */
import { Logger, makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker';
import {
  dropSchema,
  dropStaleSchemas,
  postgresUnavailable,
  withClient,
  DEFAULT_POSTGRES_URL,
} from '../lib/postgres.js';
import { packageVersion } from '../lib/versions.js';
import { WebhookSender } from '../lib/webhook.js';
import type { BenchEvent, BenchSystem, SystemInstance, SystemOptions } from './types.js';

const TASK = 'deliver_webhook';
const silent = new Logger(() => () => {});

class GraphileInstance implements SystemInstance {
  private utils!: WorkerUtils;
  private runner: Runner | null = null;
  private readonly sender: WebhookSender;
  private readonly schema: string;

  constructor(private readonly options: SystemOptions) {
    this.schema = `bench_gw_${options.runId}`;
    this.sender = new WebhookSender(options.endpoints, {
      connections: options.concurrency,
      timeoutMs: options.timeoutMs,
    });
  }

  async init(): Promise<void> {
    const { postgresUrl: connectionString } = this.options;
    await dropStaleSchemas(connectionString, 'bench_gw_');
    this.utils = await makeWorkerUtils({ connectionString, schema: this.schema, logger: silent });
    await this.utils.migrate();
    await withClient(connectionString, (c) =>
      c.query(
        `create table ${this.schema}.webhook_attempts (
         event_id text not null, endpoint int not null, status_code int not null,
         started_at timestamptz not null, duration_ms int not null)`,
      ),
    );
  }

  async start(): Promise<void> {
    const { options, schema, sender } = this;
    const insert = `insert into ${schema}.webhook_attempts (event_id, endpoint, status_code, started_at, duration_ms)
                    values ($1, $2, $3, to_timestamp($4 / 1000.0), $5)`;
    this.runner = await run({
      connectionString: options.postgresUrl,
      schema,
      concurrency: options.concurrency,
      maxPoolSize: 25,
      pollInterval: 1000,
      noHandleSignals: true,
      logger: silent,
      taskList: {
        [TASK]: async (payload, helpers) => {
          const attempt = await sender.deliver(payload as BenchEvent);
          await helpers.query(insert, [
            attempt.eventId,
            attempt.endpoint,
            attempt.statusCode,
            attempt.startedAt,
            attempt.durationMs,
          ]);
        },
      },
      preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
    });
  }

  async acceptMany(events: readonly BenchEvent[]): Promise<void> {
    await this.utils.addJobs(events.map((payload) => ({ identifier: TASK, payload, maxAttempts: 1000 })));
  }

  async accept(event: BenchEvent): Promise<void> {
    await this.utils.addJob(TASK, event, { maxAttempts: 1000 });
  }

  async recorded(): Promise<number> {
    const { rows } = await this.utils.withPgClient((c) =>
      c.query<{ n: number }>(`select count(*)::int as n from ${this.schema}.webhook_attempts`),
    );
    return rows[0].n;
  }

  async close(): Promise<void> {
    await this.runner?.stop();
    await this.utils?.release();
    await this.sender.close();
    await dropSchema(this.options.postgresUrl, this.schema);
  }
}

export const systems: BenchSystem[] = [
  {
    id: 'graphile-worker',
    label: `graphile-worker ${packageVersion('graphile-worker')} (PostgreSQL)`,
    role: 'baseline',
    scenarios: ['throughput', 'latency'],
    optionalScenarios: ['isolation', 'backlog'],
    notes:
      "addJobs / addJob, run() with concurrency = the run's concurrency, maxPoolSize 25, localQueue 500, completeJobBatchDelay 0, one attempt row per delivery",
    unavailable: () => postgresUnavailable(DEFAULT_POSTGRES_URL),
    create: async (options) => {
      const instance = new GraphileInstance(options);
      await instance.init();
      return instance;
    },
  },
];
