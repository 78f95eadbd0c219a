/**
 * @payhook/sdk: verify and handle payhook (Standard Webhooks) payment webhooks, and call payhook's
 * management API. Zero runtime dependencies; uses `node:crypto`, so it runs on Node.js (20.11+) and
 * runtimes that provide `node:crypto` (Bun, Deno, workers with Node compatibility).
 */
export {
  DuplicateInFlightError,
  PayhookApiError,
  WebhookVerificationError,
  type WebhookVerificationReason,
} from './errors.js';
export {
  DEFAULT_TOLERANCE_SECONDS,
  decodeSecret,
  generateSecret,
  publicKeyFor,
  readHeader,
  sign,
  verifySignature,
  type HeaderSource,
  type RawBody,
  type SignInput,
  type VerifySignatureOptions,
} from './signature.js';
export { verify, type VerifyOptions } from './verify.js';
export {
  amountOf,
  API_VERSIONS,
  ApiVersionMismatchError,
  apiVersionOf,
  isThinEvent,
  SDK_API_VERSION,
  type ApiVersion,
  type Money,
  type ThinEventData,
} from './versions.js';
export {
  PAYMENT_EVENT_TYPES,
  isPaymentEvent,
  type OrderCancelEvent,
  type OrderPaymentIds,
  type OrderStatus,
  type OrderSuccessEvent,
  type PayhookEvent,
  type PaymentEvent,
  type PaymentEventData,
  type PaymentEventType,
  type RefundCreatedEvent,
  type RefundEventData,
  type RefundFailedEvent,
  type RefundStatus,
  type RefundSucceededEvent,
  type TransactionDelayedEvent,
  type TransactionFailedEvent,
  type TransactionPaidBackEvent,
  type TransactionStatus,
  type TransactionSuccessEvent,
  type WebhookEvent,
} from './events.js';
export {
  createIdempotency,
  type ClaimState,
  type Idempotency,
  type IdempotencyOptions,
  type IdempotencyStore,
  type RunResult,
} from './idempotency/index.js';
export { memoryIdempotencyStore, type MemoryIdempotencyStoreOptions } from './idempotency/memory.js';
export { sqliteIdempotencyStore, type SqliteIdempotencyStoreOptions } from './idempotency/sqlite.js';
export type { SqliteDatabaseLike, SqliteStatementLike } from './sqlite.js';
export {
  createOrdering,
  memorySequenceStore,
  type ApplyResult,
  type Ordering,
  type OrderingOptions,
  type SequenceStore,
  type SequencedEvent,
} from './ordering/index.js';
export { sqliteSequenceStore, type SqliteSequenceStoreOptions } from './ordering/sqlite.js';
export { readRawBody, verifyNodeRequest, type NodeRequestLike, type RawBodyOptions } from './adapters/node.js';
export { expressWebhook, type ExpressWebhookHandler, type NodeResponseLike } from './adapters/express.js';
export {
  fastifyRawBody,
  fastifyWebhook,
  verifyFastifyRequest,
  type FastifyInstanceLike,
  type FastifyReplyLike,
  type FastifyRequestLike,
  type FastifyWebhookOptions,
} from './adapters/fastify.js';
export { fetchWebhook, verifyRequest, type RequestLike } from './adapters/fetch.js';
export type { WebhookHandlerOptions } from './adapters/shared.js';
export { PayhookClient, type PayhookClientOptions } from './client/index.js';
export type * from './client/types/common.js';
export type * from './client/types/events.js';
export type * from './client/types/merchants.js';
export type * from './client/types/endpoints.js';
export type * from './client/types/deliveries.js';
export type * from './client/types/replays.js';
export type * from './client/types/erasures.js';
export type * from './client/types/payments.js';
