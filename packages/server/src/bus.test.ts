/** The process bus: typed `noun:verb` facts from one part of a process to the others. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessBus } from './bus.js';
import { newId, type EndpointId } from './ids.js';

test('listeners hear what is emitted until they unsubscribe; a throwing listener is reported and the others still hear', () => {
  const failures: [unknown, string][] = [];
  const bus = new ProcessBus((err, name) => failures.push([err, name]));
  const heard: EndpointId[] = [];
  const boom = new Error('listener bug');
  bus.on('endpoint:changed', () => {
    throw boom;
  });
  const off = bus.on('endpoint:changed', ({ endpointId }) => heard.push(endpointId));
  const a = newId('ep');
  const b = newId('ep');
  bus.emit('endpoint:changed', { endpointId: a });
  off();
  bus.emit('endpoint:changed', { endpointId: b });
  assert.deepEqual(heard, [a]);
  assert.deepEqual(failures, [
    [boom, 'endpoint:changed'],
    [boom, 'endpoint:changed'],
  ]);
});

test('emitting with no listener (an API-only process) is a no-op', () => {
  assert.doesNotThrow(() => new ProcessBus().emit('endpoint:changed', { endpointId: newId('ep') }));
});
