/**
 * The JSON body of a request as the client wrote it, before `JSON.parse`. The API's JSON parser
 * (server.ts) keeps the text it parsed on the request, so the rare route that must read a value
 * `JSON.parse` changes can: a number beyond 2^53 or with a fraction finer than a double holds (the
 * payment module's amounts, checked as written). Every other route reads `request.body`. Keeping it
 * costs a reference to a string the parser made anyway, for the life of the request.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The JSON body's text as received; undefined when the request had none. Read it with `bodyTextOf`. */
    payhookBodyText: string | undefined;
  }
}

/** Declares the field on every request (fastify wants request decorations declared up front). */
export function keepBodyTexts(app: FastifyInstance): void {
  app.decorateRequest('payhookBodyText', undefined);
}

/**
 * The JSON body's text as the client sent it, or undefined when the request had no JSON body.
 *
 * @example
 * const text = bodyTextOf(request); // '{"amount":10000.0000000000000001}', where request.body.amount is 10000
 */
export function bodyTextOf(request: FastifyRequest): string | undefined {
  return request.payhookBodyText;
}
