import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '../ids.js';
import {
  attemptTraceparent,
  eventTraceContext,
  formatTraceparent,
  newSpanId,
  parseTraceparent,
} from './traceparent.js';
import { tracingRequested } from './tracing.js';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

test('parseTraceparent reads W3C version 00 and ignores what it must ignore', () => {
  assert.deepEqual(parseTraceparent(VALID), {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    flags: '01',
  });
  assert.equal(formatTraceparent(parseTraceparent(VALID)!), VALID);
  // A later version may carry more fields, which a version-00 reader drops.
  assert.equal(
    formatTraceparent(parseTraceparent('cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever')!),
    VALID,
  );
  const refused: (string | string[] | undefined | null)[] = [
    undefined,
    null,
    '',
    [VALID, VALID],
    VALID.toUpperCase(),
    `${VALID}-extra`, // version 00 has exactly four fields
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1',
    '00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01',
    `cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-${'x'.repeat(600)}`,
  ];
  for (const v of refused) assert.equal(parseTraceparent(v), null, String(v));
});

test("an event's trace: the stored context, else one made from the event id, sampled", () => {
  const t = Date.UTC(2026, 11, 4, 12, 0, 0, 123);
  const id = newId('evt', t);
  assert.deepEqual(eventTraceContext(id, VALID), parseTraceparent(VALID));
  const made = eventTraceContext(id, null);
  assert.match(made.traceId, /^[0-9a-f]{32}$/);
  assert.equal(made.traceId.slice(0, 12), t.toString(16).padStart(12, '0'), 'the first 48 bits are the time');
  assert.equal(made.spanId, made.traceId.slice(16));
  assert.equal(made.flags, '01');
  assert.deepEqual(eventTraceContext(id, 'garbage'), made, 'a stored value that does not parse is ignored');
  assert.notEqual(eventTraceContext(newId('evt', t), null).traceId, made.traceId, 'two events, two traces');
});

test('attempt traceparents: the event trace and flags, a new parent id each time', () => {
  const id = newId('evt');
  const a = parseTraceparent(attemptTraceparent(id, null))!;
  const b = parseTraceparent(attemptTraceparent(id, null))!;
  assert.equal(a.traceId, b.traceId);
  assert.notEqual(a.spanId, b.spanId);
  const unsampled = parseTraceparent(attemptTraceparent(id, VALID.replace(/01$/, '00')))!;
  assert.equal(unsampled.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(unsampled.flags, '00');
  const ids = new Set(Array.from({ length: 2000 }, newSpanId));
  assert.equal(ids.size, 2000);
  for (const s of ids) assert.match(s, /^[0-9a-f]{16}$/);
});

test('tracingRequested: an OTLP endpoint turns traces on, OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none off', () => {
  assert.equal(tracingRequested({}), false);
  assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }), false);
  assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), true);
  assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }), true);
  assert.equal(
    tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' }),
    false,
  );
  assert.equal(
    tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }),
    false,
  );
});
