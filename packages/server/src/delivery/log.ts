/**
 * The ids every log line about one delivery carries, as a pino child logger: the delivery, its event,
 * endpoint and merchant, and the event's trace id (the one in its webhooks' `traceparent`, and in its
 * spans when tracing is on), so one `grep` or one log query follows an event from accept to its last
 * attempt. API request lines carry `request_id` the same way (api/server.ts).
 *
 * A child logger costs a little; the dispatcher makes one only for a line it will write: an error, a
 * delivery's end, or every attempt at `debug`.
 */
import type { Logger } from 'pino';
import type { ClaimedDelivery } from '../store/types.js';
import { eventTraceContext } from '../tracing/traceparent.js';

export function deliveryLogger(logger: Logger, d: ClaimedDelivery): Logger {
  return logger.child({
    delivery_id: d.id,
    event_id: d.eventId,
    endpoint_id: d.endpointId,
    merchant_id: d.merchantId,
    trace_id: eventTraceContext(d.eventId, d.traceparent).traceId,
  });
}
