/**
 * The plans PostgreSQL runs, the queries inside a function included (the claim's, migration 0022), as
 * EXPLAIN (FORMAT JSON) gives them: auto_explain, loaded on a connection of the test's own, logs each
 * plan to that client as a notice. EXPLAIN of a call shows only the call; this shows what it ran.
 */
import pg from 'pg';
import { TEST_DATABASE_URL } from './test-db.js';

export interface NestedPlan {
  /** The notice as PostgreSQL sent it: a generic plan names parameters ($1), a custom one the values. */
  text: string;
  plan: unknown;
}

/**
 * Runs `fn` on a new connection to `schema` whose plans are logged, and returns what it returned with
 * the plans of the queries whose text matches `query`. `fn` executes for real (wrap it in a transaction
 * to leave nothing behind).
 */
export async function withNestedPlans<T>(
  schema: string,
  query: RegExp,
  fn: (client: pg.Client) => Promise<T>,
): Promise<{ result: T; plans: NestedPlan[] }> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  const plans: NestedPlan[] = [];
  client.on('notice', (n) => {
    const text = n.message ?? '';
    // auto_explain's notices only ("duration: … ms  plan:" and the JSON); any other is not a plan.
    const at = text.indexOf('{');
    if (!text.startsWith('duration:') || at < 0) return;
    const logged = JSON.parse(text.slice(at)) as { 'Query Text': string; Plan: unknown };
    if (query.test(logged['Query Text'])) plans.push({ text, plan: logged.Plan });
  });
  await client.connect();
  try {
    await client.query(`SET search_path TO "${schema.replace(/"/g, '""')}"`);
    await client.query("LOAD 'auto_explain'");
    for (const x of ['log_min_duration = 0', 'log_nested_statements = on', 'log_format = json', 'log_level = notice'])
      await client.query(`SET auto_explain.${x}`);
    const result = await fn(client);
    return { result, plans };
  } finally {
    await client.end();
  }
}

/** Each scan of a table in a plan: its kind, its table (a partition by its own name) and its index, if any. */
export function scansOf(plan: unknown): { node: string; table: string; index: string | null }[] {
  const out: { node: string; table: string; index: string | null }[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const n = node as Record<string, unknown>;
      if (typeof n['Relation Name'] === 'string' && String(n['Node Type']).endsWith('Scan'))
        out.push({
          node: String(n['Node Type']),
          table: n['Relation Name'],
          index: typeof n['Index Name'] === 'string' ? n['Index Name'] : null,
        });
      Object.values(n).forEach(walk);
    }
  };
  walk(plan);
  return out;
}
