/**
 * A real payhook for API tests: a SQLite file in a temp dir (or, with PAYHOOK_TEST_BACKEND=postgres, a
 * fresh schema on the local PostgreSQL, dropped at close), with the modules `payhook serve` runs (the
 * payment module, with `options.payments` on its defaults), the API on a free port, real fetch. Tests
 * pass configuration objects; nothing here reads or changes the process environment except the backend choice.
 * `world()` adds two merchants, each with an endpoint (to a real receiver), an event and its delivery,
 * so tests can check what one tenant may do with the other's objects. The endpoints receive the oldest
 * event version, the stored shape.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createPayhook, type CreateOptions, type Payhook } from '../src/app.js';
import { type ConfigOverrides, loadConfig, mergeOverrides } from '../src/config.js';
import { OLDEST_API_VERSION } from '../src/events/versions.js';
import { LOOPBACK_NETWORKS } from '../src/delivery/destinations.js';
import { defaultModules } from '../src/default-modules.js';
import type { PaymentConfig } from '../src/payments/config.js';
import { admin, randomSchema, TEST_DATABASE_URL, TEST_MASTER_KEY } from './helpers/test-db.js';
import { Receiver, eventually } from './helpers/receiver.js';

export const ADMIN_KEY = 'ak_test_admin_key_for_api_tests';

export interface CallOptions {
  key?: string | null;
  /** A value to send as JSON. */
  body?: unknown;
  /** Bytes to send as they are (with `contentType`, default application/json). */
  raw?: string;
  contentType?: string | null;
  headers?: Record<string, string>;
}

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export class Harness {
  private constructor(
    readonly app: Payhook,
    readonly dir: string,
    private readonly schema: string | null,
  ) {}

  /** The test receivers listen on loopback, which payhook refuses by default: the harness opens it. */
  static async start(
    settings: ConfigOverrides = {},
    logger?: Logger,
    options: Pick<CreateOptions, 'lookup' | 'tracing'> & { payments?: Partial<PaymentConfig> } = {},
  ): Promise<Harness> {
    const dir = mkdtempSync(join(tmpdir(), 'payhook-api-'));
    const schema = process.env.PAYHOOK_TEST_BACKEND === 'postgres' ? randomSchema() : null;
    const backend: ConfigOverrides = schema
      ? { store: { databaseUrl: TEST_DATABASE_URL, masterKey: TEST_MASTER_KEY }, postgres: { schema } }
      : {};
    // PAYHOOK_HTTP_THREAD is the one variable read: =false runs the API suites with the client on the main thread.
    const config = loadConfig(
      { PAYHOOK_HTTP_THREAD: process.env.PAYHOOK_HTTP_THREAD },
      mergeOverrides(
        {
          server: { port: 0, adminKey: ADMIN_KEY, logLevel: 'silent' },
          store: { dbPath: join(dir, 'payhook.db') },
          delivery: { allowNetworks: [...LOOPBACK_NETWORKS] },
        },
        backend,
        settings,
      ),
    );
    const { payments, ...create } = options;
    const app = await createPayhook(config, { logger, modules: defaultModules({}, { payments }), ...create });
    await app.start();
    return new Harness(app, dir, schema);
  }

  get url(): string {
    return this.app.url!;
  }

  async call<T = any>(method: string, path: string, o: CallOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...o.headers };
    const key = o.key === undefined ? ADMIN_KEY : o.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let payload: string | undefined;
    if (o.raw !== undefined) payload = o.raw;
    else if (o.body !== undefined) payload = JSON.stringify(o.body);
    if (payload !== undefined && o.contentType !== null) headers['content-type'] = o.contentType ?? 'application/json';
    const res = await fetch(this.url + path, { method, headers, body: payload });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: res.status, headers: res.headers, body: body as T, text };
  }

  async close(): Promise<void> {
    await this.app.stop();
    rmSync(this.dir, { recursive: true, force: true });
    if (this.schema) await admin(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
  }
}

export interface Tenant {
  id: string;
  key: string;
  endpointId: string;
  eventId: string;
  deliveryId: string;
}

/** Two merchants with an endpoint, an event and a delivered delivery each. */
export async function world(h: Harness, receiver: Receiver): Promise<{ a: Tenant; b: Tenant }> {
  const make = async (name: string): Promise<Tenant> => {
    const m = await h.call('POST', '/v1/merchants', { body: { name } });
    if (m.status !== 201) throw new Error(`merchant: ${m.text}`);
    const key = m.body.api_key as string;
    // Pinned to the oldest event version, the stored shape that the published schemas and the SDK's
    // typed events describe (a new endpoint would get the latest: api-versions.test.ts).
    const ep = await h.call('POST', '/v1/endpoints', {
      key,
      body: { url: `${receiver.url}/${name}`, api_version: OLDEST_API_VERSION },
    });
    if (ep.status !== 201) throw new Error(`endpoint: ${ep.text}`);
    const ev = await h.call('POST', '/v1/events', { key, body: { type: 'shop.order_paid', data: { merchant: name } } });
    if (ev.status !== 202) throw new Error(`event: ${ev.text}`);
    const del = await h.call('GET', `/v1/deliveries?event_id=${ev.body.id}`, { key });
    return { id: m.body.id, key, endpointId: ep.body.id, eventId: ev.body.id, deliveryId: del.body.data[0].id };
  };
  const a = await make('alpha');
  const b = await make('beta');
  // Delivered and recorded: the receiver got both webhooks and the store says so.
  for (const t of [a, b]) {
    await eventually(
      async () => (await h.call('GET', `/v1/deliveries/${t.deliveryId}`, { key: t.key })).body.status === 'succeeded',
      10_000,
      'delivery succeeded',
    );
  }
  return { a, b };
}

export { Receiver, eventually };
