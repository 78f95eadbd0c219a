/** The operator webhook's settings are checked when payhook starts, not when the first event is sent. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { generateSecret } from '@payhook/sdk';
import type { Store } from '../store/types.js';
import { OperationalEvents } from './operational.js';

const make = (url: string, secret: string) =>
  new OperationalEvents({
    store: {} as Store, // never reached: construction fails first, or nothing is emitted
    logger: pino({ level: 'silent' }),
    userAgent: 'payhook/test',
    operator: { url, secret },
  });

test('the operator webhook needs an http(s) URL and a whsec_ secret', () => {
  assert.throws(() => make('ftp://ops.example', generateSecret()), /PAYHOOK_OPERATOR_WEBHOOK_URL/);
  assert.throws(() => make('not a url', generateSecret()), /PAYHOOK_OPERATOR_WEBHOOK_URL/);
  assert.throws(() => make('https://ops.example/hook', ''), /PAYHOOK_OPERATOR_WEBHOOK_SECRET: required/);
  assert.throws(() => make('https://ops.example/hook', 'whsec_!!'), /PAYHOOK_OPERATOR_WEBHOOK_SECRET/);
  assert.doesNotThrow(() => make('https://ops.example/hook', generateSecret()));
});
