/**
 * Secrets at rest: what the store writes for signing secrets and header values is sealed (no plain
 * value in the raw rows), what it reads back is plain, plaintext rows from before sealing still read
 * and are sealed by `resealSecrets`, and a master-key rotation re-seals every row under the new key.
 * The backend gives raw access (`SecretsAccess`) so the cases can look under the Store interface.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Keyring } from '../../../src/secrets/keyring.js';
import type { EndpointId } from '../../../src/ids.js';
import type { Store } from '../../../src/store/types.js';
import { type Case, newEndpoint, newEvent, newMerchant, secret } from './fixtures.js';

export interface SecretsAccess {
  /** Every stored `endpoint_secrets.secret` and `endpoints.headers` (as text), as they are in the database. */
  raw(store: Store): Promise<{ secrets: string[]; headers: string[] }>;
  /** Overwrites an endpoint's secrets and headers with plain values, as payhook stored them before sealing. */
  writePlain(store: Store, endpointId: EndpointId, secret: string, headers: Record<string, string>): Promise<void>;
  /** Another store on the same database, sealing with `keyring` (closed by the caller). */
  reopen(store: Store, keyring: Keyring): Promise<Store>;
}

const key = () => randomBytes(32);

export function secretCases(test: Case, access: SecretsAccess): void {
  test('secrets at rest: signing secrets and header values are stored sealed and read back plain', async (store) => {
    const m = await newMerchant(store);
    const first = secret();
    const headers = { 'X-Api-Token': `tok_${randomBytes(8).toString('hex')}` };
    const ep = await newEndpoint(store, m, { secret: first, headers });
    assert.deepEqual(ep.headers, headers);
    assert.deepEqual((await store.getEndpoint(m, ep.id))?.headers, headers);
    assert.deepEqual((await store.listEndpoints(m, { limit: 10 })).items[0].headers, headers);
    const patched = { 'X-Other': `val_${randomBytes(8).toString('hex')}` };
    assert.deepEqual((await store.updateEndpoint(m, ep.id, { headers: patched }, Date.now()))?.headers, patched);
    const next = secret();
    const now = Date.now();
    assert.equal(await store.rotateSecret(m, ep.id, next, now, now + 60_000), true);
    assert.deepEqual(
      (await store.getSigningSecrets(ep.id, now)).map((s) => s.secret),
      [next, first],
    );
    await store.appendEvents([newEvent(m, 'payment.succeeded', now)]);
    const [claimed] = await store.claimDue({ now: now + 1, limit: 10, leaseMs: 60_000, owner: 'd1' });
    assert.deepEqual(claimed.headers, patched);

    const raw = await access.raw(store);
    assert.equal(raw.secrets.length, 2);
    const text = JSON.stringify(raw);
    for (const plain of [
      first,
      next,
      first.slice('whsec_'.length),
      next.slice('whsec_'.length),
      headers['X-Api-Token'],
      patched['X-Other'],
      'X-Other',
    ]) {
      assert.ok(!text.includes(plain), `${plain} is stored in the clear`);
    }
    for (const v of [...raw.secrets, ...raw.headers]) assert.match(v, /enc:v1:[0-9a-f]{8}:/);
  });

  test('secrets at rest: plaintext rows read as before and resealSecrets seals them, once', async (store) => {
    const m = await newMerchant(store);
    const ep = await newEndpoint(store, m);
    const plain = secret();
    const headers = { 'X-Legacy': 'legacy-header-value' };
    await access.writePlain(store, ep.id, plain, headers);
    assert.deepEqual(
      (await store.getSigningSecrets(ep.id, Date.now())).map((s) => s.secret),
      [plain],
    );
    assert.deepEqual((await store.getEndpoint(m, ep.id))?.headers, headers);
    assert.deepEqual(await store.resealSecrets({ all: false, batch: 1 }), { secrets: 1, headers: 1 });
    assert.deepEqual(await store.resealSecrets({ all: false }), { secrets: 0, headers: 0 });
    const raw = JSON.stringify(await access.raw(store));
    assert.ok(!raw.includes(plain) && !raw.includes('legacy-header-value'));
    assert.deepEqual(
      (await store.getSigningSecrets(ep.id, Date.now())).map((s) => s.secret),
      [plain],
    );
    assert.deepEqual((await store.getEndpoint(m, ep.id))?.headers, headers);
  });

  test('secrets at rest: a master-key rotation re-seals every row; the old key alone no longer opens them', async (store) => {
    const oldKey = key();
    const newKey = key();
    const before = await access.reopen(store, new Keyring(oldKey));
    let m: Awaited<ReturnType<typeof newMerchant>>;
    let ids: EndpointId[];
    const secrets: string[] = [];
    try {
      m = await newMerchant(before);
      ids = [];
      for (let i = 0; i < 3; i++) {
        const s = secret();
        secrets.push(s);
        ids.push((await newEndpoint(before, m, { secret: s, headers: { 'X-N': String(i) } })).id);
      }
    } finally {
      await before.close();
    }
    const rotating = await access.reopen(store, new Keyring(newKey, [oldKey]));
    try {
      assert.deepEqual(await rotating.resealSecrets({ all: true, batch: 2 }), { secrets: 3, headers: 3 });
      assert.deepEqual(await rotating.resealSecrets({ all: true }), { secrets: 0, headers: 0 });
    } finally {
      await rotating.close();
    }
    const after = await access.reopen(store, new Keyring(newKey));
    try {
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(
          (await after.getSigningSecrets(ids[i], Date.now())).map((s) => s.secret),
          [secrets[i]],
        );
        assert.deepEqual((await after.getEndpoint(m, ids[i]))?.headers, { 'X-N': String(i) });
      }
    } finally {
      await after.close();
    }
    const stale = await access.reopen(store, new Keyring(oldKey));
    try {
      await assert.rejects(stale.getSigningSecrets(ids[0], Date.now()), /does not hold/);
    } finally {
      await stale.close();
    }
  });
}
