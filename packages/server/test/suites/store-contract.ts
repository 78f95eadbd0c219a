/**
 * The Store behaviour suite: one set of node:test cases that every backend runs (like hono's
 * `runTest({ newRouter, skip })`). A backend's test file calls
 *
 *   runStoreContract({ name: 'postgres', newStore: async () => new PostgresStore({ … }) });
 *
 * Every case gets a fresh store (its own SQLite file or PostgreSQL schema), migrated here, so cases
 * that claim "everything due" see only their own deliveries. A backend that cannot do something skips
 * that case by its exact name and says why; a skip without a reason is refused.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Store } from '../../src/store/types.js';
import { accountCases } from './store-contract/accounts.js';
import { claimCases } from './store-contract/claims.js';
import { controlCases } from './store-contract/controls.js';
import { dashboardSessionCases } from './store-contract/dashboard-sessions.js';
import { erasureCases } from './store-contract/erasures.js';
import { eventCases } from './store-contract/events.js';
import { eventTypeCases } from './store-contract/event-types.js';
import { keyCases } from './store-contract/keys.js';
import type { Case, ContractOptions } from './store-contract/fixtures.js';
import { moduleCases } from './store-contract/modules.js';
import { offerCases } from './store-contract/offers.js';
import { orderingCases } from './store-contract/ordering.js';
import { resendCases } from './store-contract/resends.js';
import { resultCases } from './store-contract/results.js';
import { secretCases } from './store-contract/secrets.js';

export type { ContractOptions } from './store-contract/fixtures.js';

export function runStoreContract(options: ContractOptions): void {
  const skip = options.skip ?? {};
  for (const [name, reason] of Object.entries(skip)) {
    if (typeof reason !== 'string' || reason.trim() === '') throw new Error(`contract skip "${name}" needs a reason`);
  }
  const declared = new Set<string>();
  const open = new Set<Store>();

  describe(`Store contract: ${options.name}`, () => {
    const testCase: Case = (name, fn) => {
      if (declared.has(name)) throw new Error(`contract case "${name}" is declared twice`);
      declared.add(name);
      const reason = skip[name];
      test(name, reason ? { skip: reason } : {}, async (t) => {
        const store = await options.newStore();
        open.add(store);
        try {
          await store.migrate();
          await store.migrate(); // applying migrations again is a no-op
          await fn(store, t);
        } finally {
          open.delete(store);
          await store.close();
        }
      });
    };

    testCase('migrate: idempotent, and the store starts empty', async (store) => {
      assert.equal(await store.nextDueAt(), null);
      assert.deepEqual((await store.listMerchants({ limit: 10 })).items, []);
      assert.ok(store.dialect === 'sqlite' || store.dialect === 'postgres');
    });
    accountCases(testCase);
    keyCases(testCase);
    eventTypeCases(testCase);
    eventCases(testCase);
    resendCases(testCase);
    dashboardSessionCases(testCase);
    offerCases(testCase, options);
    claimCases(testCase);
    resultCases(testCase);
    orderingCases(testCase);
    controlCases(testCase);
    moduleCases(testCase, options);
    erasureCases(testCase);
    secretCases(testCase, options.secrets);

    test('every skip names a case of the contract', () => {
      for (const name of Object.keys(skip)) assert.ok(declared.has(name), `skip "${name}" matches no contract case`);
    });
  });
}
