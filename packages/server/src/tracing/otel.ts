/**
 * `Tracing` on the OpenTelemetry SDK: a tracer provider of its own (nothing registered globally, so
 * several payhooks in one process, or an application embedding payhook with its own OpenTelemetry
 * setup, do not meet), a batch span processor, and the OTLP/HTTP exporter (JSON). Loaded only by
 * `startTracing` (tracing.ts).
 *
 * The SDK reads its own environment: the exporter's `OTEL_EXPORTER_OTLP_*` (endpoint, headers,
 * timeout, compression), the sampler's `OTEL_TRACES_SAMPLER(_ARG)` (default: parent-based, always on),
 * the batch processor's `OTEL_BSP_*`, and `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES`, which
 * override the service name `payhook` set here.
 */
import {
  ROOT_CONTEXT,
  type Span as OtelSpan,
  SpanKind as OtelSpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { parseTraceparent } from './traceparent.js';
import type { Span, SpanAttributes, SpanKind, Tracing, TracingOptions } from './types.js';

/**
 * How long `shutdown` waits for the last spans to be exported. The exporter's own timeout is 10 s
 * (`OTEL_EXPORTER_OTLP_TIMEOUT`); a collector that is down must not hold a SIGTERM'd payhook that long.
 */
export const SHUTDOWN_EXPORT_MS = 2000;

const KINDS: Record<SpanKind, OtelSpanKind> = {
  server: OtelSpanKind.SERVER,
  client: OtelSpanKind.CLIENT,
  internal: OtelSpanKind.INTERNAL,
};

class OtelSpanHandle implements Span {
  readonly traceparent: string;

  constructor(private readonly span: OtelSpan) {
    const c = span.spanContext();
    this.traceparent = `00-${c.traceId}-${c.spanId}-${c.traceFlags & 1 ? '01' : '00'}`;
  }

  setAttributes(attributes: SpanAttributes): void {
    this.span.setAttributes(attributes);
  }

  fail(message: string): void {
    this.span.setStatus({ code: SpanStatusCode.ERROR, message });
  }

  end(endTime?: number): void {
    this.span.end(endTime);
  }
}

export class OtelTracing implements Tracing {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;

  constructor(options: TracingOptions, version: string) {
    const resource = defaultResource()
      .merge(resourceFromAttributes({ 'service.name': 'payhook', 'service.version': version }))
      .merge(detectResources({ detectors: [envDetector] }));
    const exporter = new OTLPTraceExporter(options.url ? { url: options.url } : {});
    this.provider = new BasicTracerProvider({
      resource,
      spanProcessors: [
        new BatchSpanProcessor(
          exporter,
          options.exportDelayMs === undefined ? {} : { scheduledDelayMillis: options.exportDelayMs },
        ),
      ],
    });
    this.tracer = this.provider.getTracer('payhook', version);
  }

  start(name: string, kind: SpanKind, parent: string | null, startTime?: number): Span {
    const p = parseTraceparent(parent);
    const context = p
      ? trace.setSpanContext(ROOT_CONTEXT, {
          traceId: p.traceId,
          spanId: p.spanId,
          traceFlags: Number.parseInt(p.flags, 16),
          isRemote: true,
        })
      : ROOT_CONTEXT;
    return new OtelSpanHandle(this.tracer.startSpan(name, { kind: KINDS[kind], startTime }, context));
  }

  flush(): Promise<void> {
    return this.provider.forceFlush();
  }

  async shutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.provider.shutdown(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SHUTDOWN_EXPORT_MS);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }
}
