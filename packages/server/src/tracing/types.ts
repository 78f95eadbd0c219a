/**
 * The types of payhook's tracing (tracing.ts explains it): what the rest of payhook, and the
 * OpenTelemetry implementation (otel.ts), agree on. No OpenTelemetry type appears here.
 */

export type SpanKind = 'server' | 'client' | 'internal';
export type SpanAttributes = Record<string, string | number | boolean>;

export interface Span {
  /** This span's context as a `traceparent` value: what is stored, and what a webhook carries. */
  readonly traceparent: string;
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span as failed (status ERROR) with `message`. */
  fail(message: string): void;
  /** Ends the span, now or at `endTime` (unix ms). */
  end(endTime?: number): void;
}

export interface Tracing {
  /** Starts a span in the trace of `parent` (a `traceparent`), or in a new trace when it is null or invalid. */
  start(name: string, kind: SpanKind, parent: string | null, startTime?: number): Span;
  /** Exports every ended span now. */
  flush(): Promise<void>;
  /** Exports what is left and stops. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /**
   * Where to send spans (OTLP over HTTP, JSON). Default: what the exporter reads from the environment,
   * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`.
   */
  url?: string;
  /** How long ended spans wait to be exported in a batch; default the SDK's (`OTEL_BSP_SCHEDULE_DELAY`, 5 s). */
  exportDelayMs?: number;
}
