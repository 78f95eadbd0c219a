/**
 * Wake-ups across processes: one dedicated connection LISTENs on the schema's channel and calls
 * `onNotify` for each notification. It is a session of its own, outside the pool, because LISTEN
 * belongs to a session (behind pgbouncer in transaction mode it needs a direct URL, `listenUrl`).
 *
 *   stopped ──start()──► connecting ──ok──► listening ──error/end/failed ping──► waiting ──backoff──► connecting
 *                             └──fail──► waiting (backoff 100 ms doubling to 10 s, with jitter)
 *
 * After every (re)connect it calls `onNotify` once: whatever was notified while it was away is
 * picked up. Polling stays the floor under all of this: a dispatcher that hears nothing still looks
 * for due work every poll interval, so a lost notification delays a delivery, never loses it.
 */
import pg from 'pg';
import { quoteIdent } from './db.js';

export interface ListenerOptions {
  connectionString: string;
  channel: string;
  applicationName: string;
  onNotify: () => void;
  onError: (err: Error, context: string) => void;
  /** How often to check that a quiet connection is still alive (a half-open TCP never errors). */
  pingIntervalMs?: number;
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 10_000;

export class DueListener {
  private client: pg.Client | null = null;
  private running = false;
  private backoff = MIN_BACKOFF_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  /** Counts connections made, for tests and metrics. */
  connects = 0;

  constructor(private readonly o: ListenerOptions) {}

  get listening(): boolean {
    return this.client !== null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  private async connect(): Promise<void> {
    this.retryTimer = null;
    if (!this.running) return;
    const client = new pg.Client({
      connectionString: this.o.connectionString,
      keepAlive: true,
      application_name: this.o.applicationName,
      // A connect that hangs (a dead host, a black-holed route) must fail, or reconnecting would stop here.
      connectionTimeoutMillis: 10_000,
    });
    let failed = false;
    const fail = (err: Error | undefined, context: string) => {
      if (failed) return;
      failed = true;
      if (err) this.o.onError(err, context);
      if (this.client === client) this.client = null;
      if (this.pingTimer) {
        clearInterval(this.pingTimer);
        this.pingTimer = null;
      }
      client.removeAllListeners('notification');
      client.end().catch(() => {});
      this.scheduleReconnect();
    };
    client.on('error', (err) => fail(err, 'the LISTEN connection failed; reconnecting'));
    client.on('end', () => fail(undefined, 'the LISTEN connection ended'));
    client.on('notification', (msg) => {
      if (msg.channel === this.o.channel) this.o.onNotify();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.o.channel)}`);
    } catch (err) {
      fail(err as Error, 'could not LISTEN for due deliveries; retrying');
      return;
    }
    if (failed) return;
    if (!this.running) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.connects++;
    this.backoff = MIN_BACKOFF_MS;
    const ping = this.o.pingIntervalMs ?? 30_000;
    this.pingTimer = setInterval(() => {
      client
        .query('SELECT 1')
        .catch((err: Error) => fail(err, 'the LISTEN connection stopped answering; reconnecting'));
    }, ping);
    this.pingTimer.unref();
    this.o.onNotify();
  }

  private scheduleReconnect(): void {
    if (!this.running || this.retryTimer) return;
    const delay = this.backoff * (0.5 + Math.random() / 2);
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    if (this.pingTimer) {
      clearInterval(this.pingTimer);
      this.pingTimer = null;
    }
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('end');
      client.removeAllListeners('notification');
      client.on('error', () => {});
      await client.end().catch(() => {});
    }
  }
}
