/**
 * `GET /docs`: the API reference, rendered in the browser by Redoc from `/openapi.json`. The page and
 * Redoc's standalone bundle are served by payhook itself, from the `redoc` package in node_modules:
 * no CDN, nothing fetched from anywhere but this server, so the reference works on a machine without
 * internet and leaks nothing about who reads it.
 *
 * The page's Content-Security-Policy holds the browser to that: scripts, data and images come from
 * this origin only. (Redoc's sidebar footer asks for its logo from Redocly's CDN; the policy refuses
 * the request before it leaves, and the footer's link text stays.) Styles are inline because Redoc
 * builds them at run time (styled-components); its search index runs in a worker made from a blob.
 *
 * Both routes are public, like `/openapi.json`, and left out of the OpenAPI document (`hide`): they
 * serve a web page, not the API.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { noQuery } from './schemas.js';

export const DOCS_PATH = '/docs';
export const DOCS_BUNDLE_PATH = '/docs/redoc.standalone.js';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  'worker-src blob:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>payhook API reference</title>
</head>
<body style="margin:0">
<redoc spec-url="/openapi.json" expand-responses="200,201,202" required-props-first="true"></redoc>
<script src="${DOCS_BUNDLE_PATH}"></script>
</body>
</html>
`;

let bundle: Buffer | null = null;

/** Redoc's standalone bundle, read once from the installed package. */
export function redocBundle(): Buffer {
  bundle ??= readFileSync(createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js'));
  return bundle;
}

export function registerDocsRoutes(app: FastifyInstance): void {
  const schema = { hide: true, querystring: noQuery };
  app.get(DOCS_PATH, { config: { auth: 'public' }, schema }, async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(PAGE),
  );

  app.get(DOCS_BUNDLE_PATH, { config: { auth: 'public' }, schema }, async (_request, reply) =>
    reply
      .type('application/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .header('x-content-type-options', 'nosniff')
      .send(redocBundle()),
  );
}
