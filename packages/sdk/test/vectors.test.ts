// Every case of the shared Standard Webhooks vectors, against sign, verifySignature and verify.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { publicKeyFor, sign, verify, verifySignature, WebhookVerificationError } from '@payhook/sdk';

// The vectors come from shared/, beside the repository (packages/sdk/test/ -> the repository root is
// three levels up). A copy is kept in fixtures/ so the suite also runs where shared/ is absent; when
// both are there, the copy must be identical.
const sharedUrl = new URL('../../../../shared/vectors/standard-webhooks.json', import.meta.url);
const fixtureUrl = new URL('./fixtures/standard-webhooks.json', import.meta.url);
const vectorsUrl = existsSync(sharedUrl) ? sharedUrl : fixtureUrl;
const vectors = JSON.parse(readFileSync(vectorsUrl, 'utf8')) as {
  sign: {
    name: string;
    secret: string;
    public_key?: string;
    id: string;
    timestamp: number;
    payload: string;
    signature: string;
  }[];
  verify: {
    name: string;
    secret: string;
    headers: Record<string, string>;
    payload: string;
    now: number;
    ok: boolean;
    error?: string;
  }[];
};

test('the vectors in fixtures/ are the shared ones', {
  skip: existsSync(sharedUrl) ? false : 'shared/ is not beside this checkout',
}, () => {
  assert.deepEqual(JSON.parse(readFileSync(fixtureUrl, 'utf8')), JSON.parse(readFileSync(sharedUrl, 'utf8')));
});

test('the vector file has both sign and verify cases', () => {
  assert.ok(vectors.sign.length >= 2);
  assert.ok(vectors.verify.length >= 10);
});

describe('sign vectors', () => {
  for (const c of vectors.sign) {
    test(c.name, () => {
      assert.equal(sign({ secret: c.secret, id: c.id, timestamp: c.timestamp, payload: c.payload }), c.signature);
      // The same bytes given as a Buffer sign the same.
      assert.equal(
        sign({ secret: c.secret, id: c.id, timestamp: c.timestamp, payload: Buffer.from(c.payload) }),
        c.signature,
      );
      const verifier = c.public_key ?? c.secret;
      if (c.public_key) assert.equal(publicKeyFor(c.secret), c.public_key);
      const headers = {
        'webhook-id': c.id,
        'webhook-timestamp': String(c.timestamp),
        'webhook-signature': c.signature,
      };
      assert.deepEqual(verifySignature(c.payload, headers, verifier, { now: c.timestamp }), {
        id: c.id,
        timestamp: c.timestamp,
      });
    });
  }
});

describe('verify vectors', () => {
  for (const c of vectors.verify) {
    test(`${c.name} (${c.ok ? 'ok' : c.error})`, () => {
      const run = () => verifySignature(c.payload, c.headers, c.secret, { now: c.now, toleranceSeconds: 300 });
      if (c.ok) {
        assert.equal(run().id, c.headers['webhook-id']);
        // verify() agrees, with the payload as a string and as bytes (the vector payloads are not event
        // envelopes, so verify() must get past the signature and stop at the payload check).
        for (const body of [c.payload, Buffer.from(c.payload)]) {
          assert.throws(
            () => verify(body, c.headers, c.secret, { now: c.now }),
            (e: unknown) => e instanceof WebhookVerificationError && e.reason === 'payload',
          );
        }
      } else {
        assert.throws(run, (e: unknown) => e instanceof WebhookVerificationError && e.reason === c.error);
        assert.throws(
          () => verify(c.payload, c.headers, c.secret, { now: c.now }),
          (e: unknown) => e instanceof WebhookVerificationError && e.reason === c.error,
        );
      }
    });
  }
});
