/**
 * The start-up sealing on PostgreSQL with several processes at once: each seals a share (rows another
 * process holds are skipped, not waited for or sealed twice), and together they seal every row once.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { newEndpoint, newMerchant, secret } from '../../../test/suites/store-contract/fixtures.js';
import { admin, TestSchemas } from '../../../test/helpers/test-db.js';

const schemas = new TestSchemas();
after(() => schemas.dropAll());

test('four processes sealing plaintext rows at once seal each row exactly once', { timeout: 60_000 }, async () => {
  const first = schemas.store({ poolSize: 2 });
  await first.migrate();
  const m = await newMerchant(first);
  const plain = new Map<string, string>();
  for (let i = 0; i < 60; i++) plain.set((await newEndpoint(first, m)).id, secret());
  for (const [id, s] of plain) {
    await admin(`UPDATE "${first.schema}".endpoint_secrets SET secret = $1 WHERE endpoint_id = $2`, [s, id]);
    await admin(`UPDATE "${first.schema}".endpoints SET headers = $1::jsonb WHERE id = $2`, [
      JSON.stringify({ 'X-Id': id }),
      id,
    ]);
  }
  const stores = [first, ...Array.from({ length: 3 }, () => schemas.store({ schema: first.schema, poolSize: 2 }))];
  try {
    const counts = await Promise.all(stores.map((s) => s.resealSecrets({ all: false, batch: 5 })));
    assert.equal(
      counts.reduce((n, c) => n + c.secrets, 0),
      60,
    );
    assert.equal(
      counts.reduce((n, c) => n + c.headers, 0),
      60,
    );
    const raw = await admin<{ n: string }>(
      `SELECT count(*) AS n FROM "${first.schema}".endpoint_secrets WHERE secret NOT LIKE 'enc:v1:%'`,
    );
    assert.equal(Number(raw[0].n), 0);
    for (const [id, s] of plain) {
      assert.deepEqual(
        (await stores[3].getSigningSecrets(id as never, Date.now())).map((x) => x.secret),
        [s],
      );
      assert.deepEqual((await stores[2].getEndpoint(m, id as never))?.headers, { 'X-Id': id });
    }
  } finally {
    for (const s of stores) await s.close();
  }
});
