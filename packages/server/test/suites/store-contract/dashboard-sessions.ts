/** Contract cases: dashboard sessions (found by id hash until they end; a portal link's nonce opens one). */
import assert from 'node:assert/strict';
import type { DashboardSessionRecord } from '../../../src/store/types.js';
import type { Case } from './fixtures.js';
import { newMerchant } from './fixtures.js';

export function dashboardSessionCases(test: Case): void {
  test('dashboard sessions: found until they expire or are deleted; a link nonce opens one session only; the key comes back as stored', async (store) => {
    const merchant = await newMerchant(store);
    const now = Date.now();
    const keySession: DashboardSessionRecord = {
      idHash: 'a'.repeat(64),
      merchantId: merchant,
      apiKey: 'sk_test_the_signed_in_key',
      scopes: ['read'],
      linkNonce: null,
      createdAt: now,
      expiresAt: now + 60_000,
    };
    assert.equal(await store.createDashboardSession(keySession), true);
    assert.deepEqual(await store.getDashboardSession(keySession.idHash, now), keySession);
    assert.equal(await store.getDashboardSession(keySession.idHash, now + 60_000), null, 'expired');
    assert.equal(await store.getDashboardSession('b'.repeat(64), now), null, 'unknown');

    const portal: DashboardSessionRecord = {
      ...keySession,
      idHash: 'c'.repeat(64),
      apiKey: null,
      scopes: ['read', 'write'],
      linkNonce: 'nonce-1',
    };
    assert.equal(await store.createDashboardSession(portal), true);
    assert.equal(
      await store.createDashboardSession({ ...portal, idHash: 'd'.repeat(64) }),
      false,
      'the same link nonce again',
    );
    assert.equal(await store.getDashboardSession('d'.repeat(64), now), null);
    assert.deepEqual(await store.getDashboardSession(portal.idHash, now), portal);

    await store.deleteDashboardSession(keySession.idHash);
    assert.equal(await store.getDashboardSession(keySession.idHash, now), null, 'signed out');
    assert.deepEqual(await store.getDashboardSession(portal.idHash, now), portal, 'the other session stays');
  });
}
