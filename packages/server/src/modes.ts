/**
 * Test and live modes, as tenant scopes.
 *
 * Every merchant has two scopes, and each is a row of `merchants` that everything a merchant owns
 * hangs off through `merchant_id`: its **test** scope is the merchant's own id (`mer_…`), its **live**
 * scope is that id with `_live` appended (`mer_…_live`, a row with `live_of` = the merchant, made with
 * the merchant; migration 0013 made one for every merchant that existed before). A key belongs to one
 * scope, and the API acts with the key's scope where it acted with the merchant id before, so every
 * tenant filter the store already applies (`WHERE merchant_id = @merchant_id`) isolates the modes too:
 * a query cannot forget the mode, because the mode is not a separate condition.
 *
 * Why the merchant's own id is its test scope: everything payhook did before modes existed was paid
 * through the bank simulator, which is test mode by definition; the keys and data made then keep
 * working, unchanged, as test mode, and nothing had to be moved.
 *
 * The mode of any record is a pure function of its `merchant_id` (`isLiveScope`), so views, webhook
 * envelopes and workers know it without a lookup.
 */
import type { MerchantId } from './ids.js';

export type Mode = 'test' | 'live';

const LIVE_SUFFIX = '_live';

/** The live scope of a merchant (its test scope is its own id). */
export function liveScopeOf(merchantId: MerchantId): MerchantId {
  return `${merchantId}${LIVE_SUFFIX}` as MerchantId;
}

/** Whether records of this scope are live. */
export function isLiveScope(scope: string): boolean {
  return scope.endsWith(LIVE_SUFFIX);
}

export function modeOfScope(scope: string): Mode {
  return isLiveScope(scope) ? 'live' : 'test';
}

/** The merchant a scope belongs to: what the API shows as `merchant_id`. */
export function merchantOfScope(scope: string): MerchantId {
  return (isLiveScope(scope) ? scope.slice(0, -LIVE_SUFFIX.length) : scope) as MerchantId;
}

/** The scope of a merchant in a mode. */
export function scopeOf(merchantId: MerchantId, mode: Mode): MerchantId {
  return mode === 'live' ? liveScopeOf(merchantId) : merchantId;
}

/** `merchant_id` and `livemode` of a record, as the API shows them, from the record's scope. */
export function ownerFields(scope: string): { merchant_id: MerchantId; livemode: boolean } {
  return { merchant_id: merchantOfScope(scope), livemode: isLiveScope(scope) };
}

/** The OpenAPI schema of every object's `livemode`. */
export const LIVEMODE_SCHEMA = {
  type: 'boolean',
  description:
    'Whether it belongs to live mode (made with an `sk_live_…` key) or test mode (`sk_test_…`); a key sees its own mode only.',
} as const;
