/**
 * What `/openapi.json` says beyond the route schemas: the document's header (info, licence, contact,
 * servers, security scheme, tags with their descriptions) and one finishing pass over the generated
 * document that gives every request and response body an example.
 *
 * The operations themselves (operationId `resource.verb`, summary, description, tags, security, the
 * error codes each can answer) sit in each route's schema, next to the handler they describe; redocly's
 * recommended ruleset (`npm run lint:openapi`) and test/api-openapi.test.ts hold the whole to it.
 */
import type { SwaggerOptions } from '@fastify/swagger';

type Json = Record<string, unknown>;

export const TAGS = [
  {
    name: 'merchants',
    description:
      'Tenants. Each has its own API keys, endpoints, events and deliveries; managed with the admin key only.',
  },
  {
    name: 'api-keys',
    description: "A merchant's API keys: issued with a name and scopes (read, or read and write), listed, revoked.",
  },
  {
    name: 'endpoints',
    description: "Where a merchant's webhooks go: a URL, the event types it wants, and its signing secrets.",
  },
  {
    name: 'events',
    description:
      "What happened. Each accepted event fans out to the merchant's matching endpoints as deliveries, in the same transaction.",
  },
  {
    name: 'deliveries',
    description:
      'One event to one endpoint, with every attempt made for it; retried with backoff for about three days, and by hand.',
  },
  {
    name: 'erasures',
    description:
      "A customer's personal data redacted from the merchant's stored events and attempt responses (a right-to-erasure request); the record keeps a hash of the subject, never the subject.",
  },
  { name: 'operations', description: 'Health, metrics and this document, for load balancers, Prometheus and tools.' },
];

/** The options of @fastify/swagger for this API. */
/** `moduleTags`: the tags the process's modules add (the payment module's `payments`), before `operations`. */
export function openapiOptions(
  version: string,
  moduleTags: { name: string; description: string }[] = [],
): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'payhook',
        version,
        summary: 'Signed, retried webhooks for a payment module.',
        description:
          'The management API of payhook: merchants, endpoints, events, deliveries and payments. ' +
          'Every `/v1` route takes `Authorization: Bearer <key>`. Errors are `{"error":{"code","message","details"}}`; ' +
          'each operation lists the codes it can answer, and docs/errors.md lists them all. ' +
          'Each operation has an `operationId` (`endpoints.create`, `deliveries.retry`, …) for generated clients.',
        license: { name: 'MIT', identifier: 'MIT' },
        contact: { name: 'payhook maintainers' },
      },
      // Relative: the API is wherever this document was fetched from, whatever host and port serve it.
      servers: [{ url: '/', description: 'The payhook that serves this document.' }],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API key: the admin key (`ak_…`) or a merchant key of one mode, `sk_test_…` (test mode, the bank simulator) or `sk_live_…` (live mode, the configured bank); a key sees its own mode only. Keys made before modes (`sk_…`) are test keys.',
          },
        },
      },
      tags: [...TAGS.slice(0, -1), ...moduleTags, ...TAGS.slice(-1)],
    },
    // Shared schemas become components.schemas under their own names (Endpoint, Event, …).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
    transformObject: (documentObject) => withExamples((documentObject as { openapiObject: Json }).openapiObject),
  } as SwaggerOptions;
}

/**
 * Gives each request and response body that has no example one built from its schema, so tools that
 * read media examples (mock servers, API clients, Redoc's samples) show a real body. Only values the
 * schemas state are used: a schema's `examples`, a `$ref`'s component example, a `const` or `enum`,
 * objects and arrays assembled from those, `null` where null is allowed. A body for which that
 * gives nothing stays without one, and the OpenAPI test names it.
 */
export function withExamples(doc: Json): Json {
  const components = ((doc.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  const sample = (schema: unknown, depth = 0): unknown => {
    if (!schema || typeof schema !== 'object' || depth > 12) return undefined;
    const s = schema as Json;
    if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
    if ('example' in s) return s.example;
    if (typeof s.$ref === 'string') return sample(components[s.$ref.replace('#/components/schemas/', '')], depth + 1);
    if ('const' in s) return s.const;
    if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (types.includes('object') && s.properties) {
      const required = new Set((s.required as string[] | undefined) ?? []);
      const out: Json = {};
      for (const [name, prop] of Object.entries(s.properties as Json)) {
        const v = sample(prop, depth + 1);
        if (v !== undefined) out[name] = v;
        else if (required.has(name)) return undefined;
      }
      return out;
    }
    if (types.includes('array') && s.items) {
      const v = sample(s.items, depth + 1);
      return v === undefined ? undefined : [v];
    }
    if (types.includes('null')) return null;
    return undefined;
  };
  const fill = (content: unknown) => {
    for (const media of Object.values((content ?? {}) as Record<string, Json>)) {
      if ('example' in media || 'examples' in media) continue;
      const v = sample(media.schema);
      if (v !== undefined) media.example = v;
    }
  };
  for (const ops of Object.values((doc.paths ?? {}) as Record<string, Record<string, Json>>)) {
    for (const op of Object.values(ops)) {
      fill((op.requestBody as Json | undefined)?.content);
      for (const response of Object.values((op.responses ?? {}) as Record<string, Json>)) fill(response.content);
    }
  }
  return doc;
}
