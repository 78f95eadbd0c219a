/**
 * Where `payhook listen` forwards each event: `--forward-to` is repeatable, each a URL or
 * `<types>=<URL>` (`order.*=http://localhost:3000/orders`, `order.*,transaction.*=http://…`). An event
 * goes to every typed route whose types match it; a route without types takes the events that no
 * typed route takes. Types are exact names or `prefix.*`, as in endpoint filters.
 */
import { UsageError } from '../commands/shared.js';

export interface Route {
  /** null: the default route. */
  types: string[] | null;
  url: URL;
}

const TYPE_RE = /^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)$/;

/** `order.*=http://…` → a typed route; `http://…` → the default route. */
export function parseRoute(text: string): Route {
  const eq = text.indexOf('=');
  const scheme = text.indexOf('://');
  let types: string[] | null = null;
  let target = text;
  // `=` before the scheme separates the types; one after it belongs to the URL (a query string).
  if (eq > 0 && (scheme < 0 || eq < scheme)) {
    types = text
      .slice(0, eq)
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    target = text.slice(eq + 1);
    const bad = types.find((t) => !TYPE_RE.test(t));
    if (types.length === 0 || bad !== undefined)
      throw new UsageError(
        `--forward-to ${text}: "${bad ?? ''}" is not an event type or prefix.* wildcard (route form: 'order.*=http://localhost:3000/orders')`,
      );
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UsageError(`--forward-to must be an http:// or https:// URL, or types=URL; got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError('--forward-to must be an http:// or https:// URL');
  return { types, url };
}

/** Checks the routes as a whole: at most one default route. */
export function checkRoutes(routes: Route[]): Route[] {
  if (routes.filter((r) => r.types === null).length > 1)
    throw new UsageError('--forward-to: only one route without types (the default); give the others types=URL');
  return routes;
}

function matches(types: string[], type: string): boolean {
  return types.some((t) => t === '*' || t === type || (t.endsWith('.*') && type.startsWith(t.slice(0, -1))));
}

/** The routes an event of `type` goes to. */
export function routesFor(routes: readonly Route[], type: string): Route[] {
  const typed = routes.filter((r) => r.types !== null && matches(r.types, type));
  if (typed.length > 0) return typed;
  return routes.filter((r) => r.types === null);
}

/**
 * The types the stream needs (sent as its filter): those of `--events` when given, else every route's,
 * or all (undefined) when there is a default route.
 */
export function streamTypes(routes: readonly Route[], events: string[] | undefined): string[] {
  if (events && events.length > 0) return events;
  if (routes.some((r) => r.types === null)) return [];
  return [...new Set(routes.flatMap((r) => r.types ?? []))];
}
