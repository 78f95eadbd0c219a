/**
 * The observability suite on SQLite, and `payhook serve` exporting spans when the environment names an
 * OTLP endpoint (OpenTelemetry's own variables, read by the SDK).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OtlpReceiver } from './helpers/otlp.js';
import { eventually, Receiver } from './helpers/receiver.js';
import { runPayhook, waitForOutput } from './helpers/spawn.js';
import { runObservabilitySuite } from './suites/observability.js';

runObservabilitySuite();

test('payhook serve exports spans to OTEL_EXPORTER_OTLP_ENDPOINT, named by OTEL_SERVICE_NAME', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'payhook-otel-'));
  const otlp = await new OtlpReceiver().start();
  const rx = await new Receiver().start();
  const admin = 'ak_otel_test_admin_key';
  const serve = runPayhook(['serve', '--port', '0', '--db', join(dir, 'payhook.db')], {
    PAYHOOK_ADMIN_KEY: admin,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    OTEL_SERVICE_NAME: 'payhook-test',
    OTEL_BSP_SCHEDULE_DELAY: '20',
  });
  try {
    const [, url] = await waitForOutput(serve, /listening on (http:\/\/\S+)/);
    const call = async (path: string, key: string, body: unknown) => {
      const r = await fetch(url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return (await r.json()) as Record<string, string>;
    };
    const { api_key: key } = await call('/v1/merchants', admin, { name: 'shop' });
    await call('/v1/endpoints', key, { url: `${rx.url}/hook` });
    const ev = await call('/v1/events', key, { type: 'shop.paid', data: {} });
    await rx.waitFor(() => rx.received.length === 1);
    await eventually(
      () => otlp.spans.some((s) => s.name === 'payhook.attempt' && s.attributes['payhook.event.id'] === ev.id),
      15_000,
      'the attempt span',
    );
    const attempt = otlp.spans.find((s) => s.name === 'payhook.attempt')!;
    assert.equal(attempt.resource['service.name'], 'payhook-test');
    assert.equal(typeof attempt.resource['service.version'], 'string');
    assert.equal(String(rx.received[0].headers.traceparent).split('-')[1], attempt.traceId);
    assert.ok(otlp.spans.some((s) => s.name === 'POST /v1/events' && s.traceId === attempt.traceId));
  } finally {
    serve.child.kill('SIGTERM');
    await serve.exited;
    await rx.close();
    await otlp.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
