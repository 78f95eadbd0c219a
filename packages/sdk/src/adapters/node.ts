/**
 * Node's `http` module: read the exact request bytes, then verify them.
 *
 * The raw body is the whole difficulty of webhook verification in Node frameworks: once a JSON body
 * parser has consumed the stream, the signed bytes are gone, and `JSON.stringify(req.body)` does not give
 * them back (whitespace, key order and number formatting differ). `readRawBody` therefore uses a raw copy
 * when a framework kept one, reads the stream when nobody has, and otherwise says exactly what happened.
 */
import { WebhookVerificationError } from '../errors.js';
import type { PayhookEvent } from '../events.js';
import { bodyTypeError, isRawBody, readHeader, type HeaderSource } from '../signature.js';
import { verify, type VerifyOptions } from '../verify.js';
import { DEFAULT_BODY_LIMIT, tooLarge } from './shared.js';

/**
 * What `readRawBody` needs of a request: Node's `IncomingMessage` (and so Express's and Fastify's raw
 * `req`) fits.
 *
 * @example
 * http.createServer(async (req: NodeRequestLike, res) => { const body = await readRawBody(req); });
 */
export interface NodeRequestLike extends AsyncIterable<unknown> {
  headers: HeaderSource;
  /** True once the stream has been read to its end (by us or by a body parser). */
  readableEnded?: boolean;
  /** Set by body parsers (Express and others). */
  body?: unknown;
  /** Set by raw-body plugins that keep the original bytes. */
  rawBody?: unknown;
  /** Node streams have it; the body is then read with 'data' events. */
  on?: unknown;
}

/**
 * Options of `readRawBody`.
 *
 * @example
 * await readRawBody(req, { limit: 256 * 1024 });
 */
export interface RawBodyOptions {
  /** Largest body accepted, in bytes; default 1 MiB. Larger bodies throw a `payload` error with status 413. */
  limit?: number;
}

const PARSED_HINT =
  'A JSON body parser consumed the request before the webhook handler ran. With Express, register the webhook ' +
  "route before app.use(express.json()), or give that route express.raw({ type: 'application/json' }); " +
  'expressWebhook() reads the body itself when no parser ran.';

/**
 * Reads the request body as the exact bytes received. Uses `req.rawBody` or a `Buffer`/string `req.body`
 * when a framework kept one; throws a `body_type` `WebhookVerificationError` explaining the fix when a
 * parser already consumed the body, and a `payload` error (status 413) past `limit`.
 *
 * @example
 * import http from 'node:http';
 * http.createServer(async (req, res) => {
 *   const raw = await readRawBody(req);
 *   const event = verify(raw, req.headers, process.env.PAYHOOK_SECRET!);
 *   res.writeHead(200).end();
 * });
 */
export async function readRawBody(req: NodeRequestLike, options: RawBodyOptions = {}): Promise<Buffer> {
  const limit = options.limit ?? DEFAULT_BODY_LIMIT;
  const kept = isRawBody(req.rawBody) ? req.rawBody : isRawBody(req.body) ? req.body : undefined;
  if (kept !== undefined) {
    const buf =
      typeof kept === 'string'
        ? Buffer.from(kept, 'utf8')
        : Buffer.from(kept instanceof ArrayBuffer ? new Uint8Array(kept) : kept);
    if (buf.length > limit) throw tooLarge(limit);
    return buf;
  }
  // body-parser marks a request it parsed with `_body`; `readableEnded` covers any other reader.
  const consumed = req.readableEnded === true || (req as { _body?: unknown })._body === true;
  if (consumed) {
    if (req.body !== undefined && req.body !== null) throw bodyTypeError(req.body, PARSED_HINT);
    throw new WebhookVerificationError(
      'body_type',
      'the request body stream was already read by something else and no raw copy was kept, so the signed bytes are gone. ' +
        PARSED_HINT,
    );
  }
  const declared = Number(readHeader(req.headers, 'content-length'));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (typeof req.on === 'function') return readEvents(req as NodeRequestLike & EventSource, limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = toBuffer(chunk);
    size += buf.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}

type EventSource = {
  on(event: string, fn: (arg?: any) => void): unknown;
  removeListener(event: string, fn: (arg?: any) => void): unknown;
};

const toBuffer = (chunk: unknown): Buffer =>
  typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk as Uint8Array);

/**
 * Reads with 'data' events rather than an async iterator: leaving a `for await` early destroys the
 * request, and with it the socket, before the 413 can be answered. Here an oversized body rejects at
 * once and the rest of it is read and dropped, so the answer still reaches the sender.
 */
function readEvents(req: EventSource, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err: Error | null) => {
      if (settled) return;
      settled = true;
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      req.removeListener('close', onClose);
      if (err) {
        chunks.length = 0;
        reject(err);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: unknown) => {
      if (settled) return; // draining an oversized body
      const buf = toBuffer(chunk);
      size += buf.length;
      if (size > limit) finish(tooLarge(limit));
      else chunks.push(buf);
    };
    const onEnd = () => {
      req.removeListener('data', onData);
      finish(null);
    };
    const onError = (err: Error) => finish(err);
    const onClose = () => finish(new Error('the request was aborted before its body was complete'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * Reads the raw body of a Node request and verifies it: `readRawBody` then `verify`.
 *
 * @example
 * import http from 'node:http';
 * http.createServer(async (req, res) => {
 *   try {
 *     const event = await verifyNodeRequest(req, process.env.PAYHOOK_SECRET!);
 *     await handle(event);
 *     res.writeHead(200).end();
 *   } catch (err) {
 *     res.writeHead(err instanceof WebhookVerificationError ? err.status : 500).end();
 *   }
 * }).listen(3000);
 */
export async function verifyNodeRequest(
  req: NodeRequestLike,
  secrets: string | readonly string[],
  options: VerifyOptions & RawBodyOptions = {},
): Promise<PayhookEvent> {
  const raw = await readRawBody(req, options);
  return verify(raw, req.headers, secrets, options);
}
