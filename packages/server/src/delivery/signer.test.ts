/**
 * The server's signer against the shared Standard Webhooks vectors: the `v1` sign cases must come out
 * byte for byte (payhook signs with HMAC `v1` only; `v1a` is the SDK's). The secrets live in a real
 * SQLite store, as in production.
 */
import type { EventId } from '../ids.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifySignature } from '@payhook/sdk';
import { createMerchant } from '../merchants/service.js';
import { SqliteStore } from '../store/sqlite/store.js';
import { Signer } from './signer.js';

const shared = new URL('../../../../../shared/vectors/standard-webhooks.json', import.meta.url);
const fixture = new URL('../../../sdk/test/fixtures/standard-webhooks.json', import.meta.url);
const vectors = JSON.parse(readFileSync(existsSync(shared) ? shared : fixture, 'utf8')) as {
  sign: { name: string; secret: string; id: string; timestamp: number; payload: string; signature: string }[];
};

test('the server signs every v1 vector exactly, and with two secrets sends both signatures', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'payhook-signer-'));
  const store = new SqliteStore({ path: join(dir, 'p.db') });
  try {
    await store.migrate();
    const { merchant } = await createMerchant(store, 'vectors');
    const cases = vectors.sign.filter((c) => c.signature.startsWith('v1,'));
    assert.ok(cases.length >= 1);
    for (const [i, c] of cases.entries()) {
      const id = `ep_${String(i).padStart(26, '0')}` as const;
      await store.createEndpoint({
        id,
        merchantId: merchant.id,
        url: 'https://example.com/h',
        description: '',
        eventTypes: null,
        disabled: false,
        headers: {},
        format: 'standard',
        timeoutMs: null,
        secret: c.secret,
        now: Date.now(),
      });
      const signer = new Signer(store);
      assert.equal(await signer.signature(id, c.id as EventId, c.timestamp, c.payload), c.signature, c.name);
      // Rotation: the new secret signs first, the old one still signs until it expires.
      await store.rotateSecret(
        merchant.id,
        id,
        'whsec_BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=',
        Date.now(),
        Date.now() + 60_000,
      );
      const both = await new Signer(store).signature(id, c.id as EventId, c.timestamp, c.payload);
      assert.equal(both.split(' ').length, 2);
      assert.ok(both.split(' ').includes(c.signature));
      const headers = { 'webhook-id': c.id, 'webhook-timestamp': String(c.timestamp), 'webhook-signature': both };
      verifySignature(c.payload, headers, c.secret, { now: c.timestamp });
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
