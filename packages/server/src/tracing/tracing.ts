/**
 * OpenTelemetry traces, as the rest of payhook sees them: `Tracing` starts spans in the trace of a
 * W3C `traceparent` and hands back the new span's own. No OpenTelemetry type crosses this file, and the
 * SDK (otel.ts) is imported only by `startTracing`, so a payhook without tracing loads none of it and
 * pays one `null` check per span it would have made.
 *
 * One trace per event (docs/operations.md#tracing):
 *
 *   POST /v1/events        server    the request, a child of its `traceparent` header when it has one
 *     payhook.commit       internal  waiting for the group commit that stores the event with its deliveries
 *     payhook.claim        internal  a dispatcher's claim that took one of its deliveries (one per delivery)
 *     payhook.attempt      client    each attempt; its context is the webhook's `traceparent` header
 *
 * The accept span's context is stored with the event (`events.traceparent`), so claims and attempts,
 * made later and perhaps by another process, join the trace. Events appended by a module (payments)
 * come with no context: their spans join the trace made from the event id (traceparent.ts).
 */

import type { Env } from '../config/settings.js';
import type { Span, SpanKind, Tracing, TracingOptions } from './types.js';

export type { Span, SpanAttributes, SpanKind, Tracing, TracingOptions } from './types.js';

/**
 * Whether the environment asks for traces: an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), and neither `OTEL_SDK_DISABLED=true` nor
 * `OTEL_TRACES_EXPORTER=none` says otherwise. These are OpenTelemetry's own variables; every other
 * `OTEL_*` setting (sampler, headers, resource attributes, batch sizes) the SDK reads itself.
 */
export function tracingRequested(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/** Loads the OpenTelemetry SDK and starts exporting spans of `service.version` `version`. */
export async function startTracing(options: TracingOptions, version: string): Promise<Tracing> {
  const { OtelTracing } = await import('./otel.js');
  return new OtelTracing(options, version);
}

/**
 * Runs `fn` in a span that ends when `fn` settles, marked failed (with `error.type`: the error's code
 * when it has one) when it throws. Without tracing it runs `fn(null)`: no span, no cost.
 */
export async function traced<T>(
  tracing: Tracing | null,
  name: string,
  kind: SpanKind,
  parent: string | null,
  fn: (span: Span | null) => Promise<T>,
  startTime?: number,
): Promise<T> {
  if (!tracing) return fn(null);
  const span = tracing.start(name, kind, parent, startTime);
  try {
    return await fn(span);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    span.setAttributes({ 'error.type': typeof code === 'string' ? code : 'internal' });
    span.fail(err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    span.end();
  }
}
