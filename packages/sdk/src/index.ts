export { WebhookVerificationError, type WebhookVerificationReason } from './errors.js';
export {
  DEFAULT_TOLERANCE_SECONDS, decodeSecret, generateSecret, publicKeyFor, readHeader, sign, verifySignature,
  type HeaderSource, type SignInput, type VerifySignatureOptions,
} from './signature.js';
