/** The circuit breaker's step alone (store/circuit.ts): each transition of its table, with a fixed clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '../ids.js';
import { stepCircuit, type CircuitRow } from './circuit.js';

const policy = { failures: 3, cooldownMs: 1000, cooldownMaxMs: 3000, disableAfterMs: 60_000 };
const now = 1_700_000_000_000;
const closed = (): CircuitRow => ({
  id: newId('ep'),
  merchant_id: newId('mer'),
  disabled: false,
  circuit_state: 'closed',
  circuit_failures: 0,
  circuit_opens: 0,
  circuit_next_probe_at: null,
  failing_since: null,
});
const fail = (at = now) => ({ kind: 'failure' as const, at });
const ok = { kind: 'success' as const, at: now };

test('the failures-th failure in a row opens the circuit and holds the deliveries until the probe', () => {
  const two = stepCircuit(closed(), [fail(), fail()], policy, now);
  assert.equal(two.row.circuit_state, 'closed');
  assert.equal(two.transitions.length, 0);
  const three = stepCircuit(two.row, [fail()], policy, now);
  assert.equal(three.row.circuit_state, 'open');
  assert.equal(three.row.circuit_next_probe_at, now + 1000);
  assert.ok(three.hold);
  assert.deepEqual(
    three.transitions.map((t) => t.kind),
    ['circuit_opened'],
  );
  assert.equal(three.row.failing_since, now);
});

test('a failed probe re-opens quietly with the cool-down doubled up to the max; a success closes it', () => {
  let row = stepCircuit(closed(), [fail(), fail(), fail()], policy, now).row;
  const cooldowns: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = stepCircuit({ ...row, circuit_state: 'half_open' }, [fail()], policy, now);
    assert.equal(s.transitions.length, 0, 'no second circuit_opened');
    cooldowns.push(s.row.circuit_next_probe_at! - now);
    row = s.row;
  }
  assert.deepEqual(cooldowns, [2000, 3000, 3000]);
  const closedAgain = stepCircuit({ ...row, circuit_state: 'half_open' }, [ok], policy, now);
  assert.equal(closedAgain.row.circuit_state, 'closed');
  assert.equal(closedAgain.row.circuit_failures, 0);
  assert.equal(closedAgain.row.failing_since, null);
  assert.ok(closedAgain.release);
  assert.deepEqual(
    closedAgain.transitions.map((t) => t.kind),
    ['circuit_closed'],
  );
});

test('failing with no success for disableAfterMs disables the endpoint, once', () => {
  const s = stepCircuit({ ...closed(), failing_since: now - 60_000, circuit_failures: 1 }, [fail()], policy, now);
  assert.ok(s.disable && s.row.disabled);
  assert.deepEqual(
    s.transitions.map((t) => [t.kind, t.reason]),
    [['disabled', 'failing']],
  );
  const again = stepCircuit(s.row, [fail()], policy, now);
  assert.equal(again.disable, false);
  const recovered = stepCircuit({ ...closed(), failing_since: now - 59_000 }, [ok, fail()], policy, now);
  assert.equal(recovered.disable, false, 'a success starts the run of failures afresh');
});
