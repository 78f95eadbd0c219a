/**
 * Finds the systems under test: every `bench/systems/*.ts` file except `types.ts` and tests exports
 * `systems: BenchSystem[]`. A file that fails to load (payhook mid-refactor, say) is reported and
 * skipped, so the other systems still run.
 */
import { readdirSync } from 'node:fs';
import type { BenchSystem } from '../systems/types.js';

export interface LoadedSystem {
  system: BenchSystem;
  /** Absolute path of the module, so the host process can import just that one. */
  file: string;
}

const SYSTEMS_DIR = new URL('../systems/', import.meta.url);
const ROLE_ORDER = { ceiling: 0, baseline: 1, subject: 2 } as const;

export async function loadSystems(warn: (message: string) => void): Promise<LoadedSystem[]> {
  const files = readdirSync(SYSTEMS_DIR)
    .filter((f) => f.endsWith('.ts') && f !== 'types.ts' && !f.endsWith('.test.ts'))
    .sort();
  const loaded: LoadedSystem[] = [];
  for (const name of files) {
    const file = new URL(name, SYSTEMS_DIR).pathname;
    try {
      const mod = (await import(file)) as { systems?: BenchSystem[] };
      if (!Array.isArray(mod.systems)) throw new Error('it does not export `systems: BenchSystem[]`');
      for (const system of mod.systems) loaded.push({ system, file });
    } catch (error) {
      warn(`skipping bench/systems/${name}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const ids = new Set<string>();
  for (const { system } of loaded) {
    if (ids.has(system.id)) throw new Error(`two systems are called ${system.id}`);
    ids.add(system.id);
  }
  return loaded.sort((a, b) => ROLE_ORDER[a.system.role] - ROLE_ORDER[b.system.role]);
}

/** Imports one system module by path and returns the system with `id` (used by the host process). */
export async function loadSystem(file: string, id: string): Promise<BenchSystem> {
  const mod = (await import(file)) as { systems: BenchSystem[] };
  const system = mod.systems.find((s) => s.id === id);
  if (!system) throw new Error(`${file} has no system ${id}`);
  return system;
}
