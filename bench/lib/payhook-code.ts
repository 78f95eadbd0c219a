/**
 * Which payhook the bench runs: its build (`packages/server/dist`, the JavaScript that `npm start` and
 * the published package run) or its TypeScript sources through tsx.
 *
 * `npm run bench` measures the build (bench/run.ts builds it first when the sources are newer, and says
 * so in the run's log), as the baselines are measured as their packages ship. The sources cost what a
 * user never pays: tsx's loader and the transformed sources with their source maps, held in the main
 * thread and again in the HTTP worker thread (~60 MB of RSS for an idle server, measured in
 * docs/performance.md, "The bench measures payhook's build"). `--from-source` measures the sources, and
 * the harness's own tests (bench/harness.test.ts) run them too, so no test depends on a fresh build.
 *
 * The choice travels to the forked hosts in `BENCH_PAYHOOK_CODE`; the types are the sources' (the
 * build's `.d.ts` files are generated from them).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as AppModule from '../../packages/server/src/app.js';
import type * as ConfigModule from '../../packages/server/src/config.js';
import type * as DefaultModulesModule from '../../packages/server/src/default-modules.js';
import type * as HeapModule from '../../packages/server/src/heap.js';
import type * as KeyringModule from '../../packages/server/src/secrets/keyring.js';
import type * as PostgresStoreModule from '../../packages/server/src/store/postgres/store.js';
import type * as SqliteStoreModule from '../../packages/server/src/store/sqlite/store.js';

export type PayhookCode = 'dist' | 'src';

/**
 * `dist` when the bench's entry asked for the build; the sources otherwise (the harness's tests). Read
 * at each call: bench/run.ts sets the variable after its own imports have loaded.
 */
export function payhookCode(): PayhookCode {
  return process.env.BENCH_PAYHOOK_CODE === 'dist' ? 'dist' : 'src';
}

/**
 * Node's flags for a forked host. The `development` condition points workspace packages (payhook's
 * `@payhook/sdk` among them) at their sources, so a host running the build goes without it.
 */
export function childExecArgv(): string[] {
  return payhookCode() === 'dist' ? ['--import', 'tsx'] : ['--conditions=development', '--import', 'tsx'];
}

interface Modules {
  app: typeof AppModule;
  config: typeof ConfigModule;
  'default-modules': typeof DefaultModulesModule;
  heap: typeof HeapModule;
  'secrets/keyring': typeof KeyringModule;
  'store/postgres/store': typeof PostgresStoreModule;
  'store/sqlite/store': typeof SqliteStoreModule;
}

/** One of payhook's modules, from the build or the sources (tsx maps the `.js` to the `.ts` file). */
export function payhookModule<K extends keyof Modules>(name: K): Promise<Modules[K]> {
  return import(new URL(`../../packages/server/${payhookCode()}/${name}.js`, import.meta.url).href);
}

/** The newest modification time of any file under `dir` (0 when it does not exist). */
function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  return newest;
}

/**
 * Builds payhook (`npm run build`: the SDK, then the server) unless both packages' `dist/` are newer than
 * their `src/`, so a run of the build never measures yesterday's code. Throws when the build fails.
 */
export function ensureBuild(log: (message: string) => void): void {
  const packages = new URL('../../packages/', import.meta.url).pathname;
  const stale = ['sdk', 'server'].filter(
    (name) => newestMtime(join(packages, name, 'src')) > newestMtime(join(packages, name, 'dist')),
  );
  if (stale.length === 0) return;
  log(`building payhook (${stale.join(', ')}: sources newer than the build)`);
  const root = new URL('../../', import.meta.url).pathname;
  const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (built.status !== 0) throw new Error(`npm run build failed (exit ${built.status})`);
}
