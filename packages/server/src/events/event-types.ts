/**
 * Event types: the catalogue the modules declare (`PayhookModule.eventTypes`, the payment module's
 * `order.*` and `transaction.*`) and the types each merchant registers for its own events.
 *
 * - A catalogue type is reserved: only its module emits it (through the outbox port), so a merchant
 *   cannot post `order.success` for an order that does not exist (`reserved_event_type`).
 * - A registered type may carry a JSON Schema of its `data` (draft 2020-12 or 07), compiled with ajv at
 *   registration and enforced on `POST /v1/events` (`schema_mismatch`). Types nobody registered stay
 *   allowed, as before.
 * - An endpoint filter's exact types must be known (catalogue or registered), so a misspelt
 *   `order.sucess` is refused with suggestions instead of never matching.
 *
 * Compiled schemas are cached per merchant in this process, dropped on every change made here and
 * reloaded after `CACHE_TTL_MS`, so a change made through another API process is seen within that time.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { PayhookError } from '../errors.js';
import type { MerchantId } from '../ids.js';
import type { EventTypeDoc } from '../modules.js';
import type { EventTypeRecord, Store } from '../store/types.js';
import { closest } from './suggest.js';

/** A registrable name: lower-case dotted segments, such as `shop.order_shipped`. */
export const EVENT_TYPE_NAME_RE = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;
export const MAX_EVENT_TYPES_PER_MERCHANT = 200;
/** The schema's JSON text, at most. */
export const MAX_SCHEMA_BYTES = 16 * 1024;
const CACHE_TTL_MS = 30_000;
const MAX_CACHED_MERCHANTS = 10_000;
const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;
const DRAFT_2020 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;

interface Registered {
  record: EventTypeRecord;
  validate: ValidateFunction | null;
}

interface Cached {
  types: Map<string, Registered>;
  loadedAt: number;
}

export interface EventTypeInput {
  name: string;
  description?: string;
  schema?: Record<string, unknown> | null;
}

/** Compiles a merchant's schema; `invalid_schema` (with ajv's reason) when it is not one. */
export function compileSchema(schema: unknown): ValidateFunction {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new PayhookError('invalid_schema', 'schema must be a JSON Schema object', { field: 'schema' });
  }
  if (Buffer.byteLength(JSON.stringify(schema)) > MAX_SCHEMA_BYTES) {
    throw new PayhookError('invalid_schema', `schema must be at most ${MAX_SCHEMA_BYTES} bytes of JSON`, {
      field: 'schema',
      reason: 'too large',
    });
  }
  const dialect = (schema as { $schema?: unknown }).$schema;
  if (dialect !== undefined && (typeof dialect !== 'string' || !(DRAFT_07.test(dialect) || DRAFT_2020.test(dialect)))) {
    throw new PayhookError('invalid_schema', '$schema must be draft 2020-12 or draft-07 (or be left out for 2020-12)', {
      field: 'schema',
      reason: 'unsupported $schema',
    });
  }
  // A fresh instance per schema: a merchant's `$id` never meets another's. Nothing is fetched: an
  // unresolved remote `$ref` is an invalid schema. `format` is an annotation, as draft 2020-12 makes
  // it by default: not checked, and no format name is refused.
  const options = {
    allErrors: false,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    validateFormats: false,
    logger: false as const,
  };
  const ajv = typeof dialect === 'string' && DRAFT_07.test(dialect) ? new Ajv(options) : new Ajv2020(options);
  try {
    return ajv.compile(schema);
  } catch (err) {
    throw new PayhookError(
      'invalid_schema',
      `schema is not a valid JSON Schema: ${(err as Error).message.slice(0, 300)}`,
      { field: 'schema', reason: (err as Error).message.slice(0, 300) },
    );
  }
}

export class EventTypeRegistry {
  private readonly catalogue: ReadonlyMap<string, EventTypeDoc>;
  private readonly cache = new Map<MerchantId, Cached>();
  /**
   * Loads in flight, by merchant: requests that miss the cache together share one (on PostgreSQL at
   * 2,000 events/s each expiry otherwise sent one query per request in flight). Bumped `changes` keep a
   * load that started before a change made here from being shared, or cached, after it.
   */
  private readonly loading = new Map<MerchantId, { changes: number; types: Promise<Map<string, Registered>> }>();
  private changes = 0;

  constructor(
    private readonly store: Store,
    catalogue: readonly EventTypeDoc[],
    private readonly now: () => number = Date.now,
  ) {
    this.catalogue = new Map(catalogue.map((t) => [t.type, t]));
  }

  /** The module-declared types, as `GET /v1/event-types` lists them. */
  catalogueTypes(): EventTypeDoc[] {
    return [...this.catalogue.values()];
  }

  isReserved(type: string): boolean {
    return this.catalogue.has(type);
  }

  async list(merchantId: MerchantId): Promise<EventTypeRecord[]> {
    return [...(await this.load(merchantId)).values()].map((r) => r.record);
  }

  async create(merchantId: MerchantId, input: EventTypeInput): Promise<EventTypeRecord> {
    const { name } = input;
    if (typeof name !== 'string' || name.length > 128 || !EVENT_TYPE_NAME_RE.test(name)) {
      throw new PayhookError(
        'validation_failed',
        'name must be lower-case dotted words of a-z, 0-9 and _ (at most 128 characters), like shop.order_shipped',
        { field: 'name' },
      );
    }
    if (this.isReserved(name)) throw reserved(name);
    const schema = input.schema ?? null;
    if (schema !== null) compileSchema(schema);
    const existing = await this.load(merchantId);
    if (existing.has(name)) throw new PayhookError('event_type_exists', undefined, { name });
    if (existing.size >= MAX_EVENT_TYPES_PER_MERCHANT) {
      throw new PayhookError(
        'validation_failed',
        `a merchant may register at most ${MAX_EVENT_TYPES_PER_MERCHANT} event types`,
        { field: 'name', reason: 'too many event types' },
      );
    }
    const record: EventTypeRecord = {
      merchantId,
      name,
      description: input.description ?? '',
      schema: schema === null ? null : JSON.stringify(schema),
      createdAt: this.now(),
    };
    this.forget(merchantId);
    if (!(await this.store.createEventType(record))) throw new PayhookError('event_type_exists', undefined, { name });
    return record;
  }

  async delete(merchantId: MerchantId, name: string): Promise<void> {
    this.forget(merchantId);
    if (!(await this.store.deleteEventType(merchantId, name))) {
      throw new PayhookError(this.isReserved(name) ? 'reserved_event_type' : 'event_type_not_found', undefined, {
        name,
      });
    }
  }

  /** What `POST /v1/events` checks beyond the shape: not a catalogue type; the registered schema, if any. */
  async checkEvent(merchantId: MerchantId, type: string, data: unknown): Promise<void> {
    if (this.isReserved(type)) throw reserved(type);
    const registered = (await this.load(merchantId)).get(type);
    const validate = registered?.validate;
    if (validate && !validate(data)) {
      const first = validate.errors?.[0];
      throw new PayhookError(
        'schema_mismatch',
        `data does not match the schema of ${type}: ${first ? `${first.instancePath || '/'} ${first.message ?? ''}` : 'invalid'}`.trim(),
        {
          type,
          path: first?.instancePath ?? '',
          keyword: first?.keyword ?? null,
          message: first?.message ?? null,
          params: first?.params ?? null,
        },
      );
    }
  }

  /** An endpoint filter's exact types must be known; wildcards pass. */
  async checkFilters(merchantId: MerchantId, filters: readonly string[]): Promise<void> {
    const exact = filters.filter((f) => f !== '*' && !f.endsWith('.*'));
    if (exact.length === 0) return;
    const registered = await this.load(merchantId);
    for (const type of exact) {
      if (this.catalogue.has(type) || registered.has(type)) continue;
      const known = [...this.catalogue.keys(), ...registered.keys()];
      throw new PayhookError(
        'unknown_event_type',
        `event_types: "${type}" is neither a payhook event type nor one this merchant registered (POST /v1/event-types); use a prefix.* wildcard to match types not registered`,
        {
          field: 'event_types',
          type,
          suggestions: closest(type, known, 3),
        },
      );
    }
  }

  private forget(merchantId: MerchantId): void {
    this.cache.delete(merchantId);
    this.loading.delete(merchantId);
    this.changes++;
  }

  private load(merchantId: MerchantId): Promise<Map<string, Registered>> {
    const hit = this.cache.get(merchantId);
    if (hit && this.now() - hit.loadedAt < CACHE_TTL_MS) return Promise.resolve(hit.types);
    const pending = this.loading.get(merchantId);
    if (pending && pending.changes === this.changes) return pending.types;
    const changes = this.changes;
    const types = this.read(merchantId, changes).finally(() => {
      if (this.loading.get(merchantId)?.types === types) this.loading.delete(merchantId);
    });
    this.loading.set(merchantId, { changes, types });
    return types;
  }

  private async read(merchantId: MerchantId, changes: number): Promise<Map<string, Registered>> {
    const types = new Map<string, Registered>();
    for (const record of await this.store.listEventTypes(merchantId)) {
      let validate: ValidateFunction | null = null;
      // A schema stored by this code compiled when it was registered; one that no longer does (a newer
      // ajv) is not enforced rather than refusing every event of the type.
      if (record.schema !== null) {
        try {
          validate = compileSchema(JSON.parse(record.schema));
        } catch {
          validate = null;
        }
      }
      types.set(record.name, { record, validate });
    }
    if (changes !== this.changes) return types; // read before a change made here: used once, not kept
    if (this.cache.size >= MAX_CACHED_MERCHANTS) this.cache.delete(this.cache.keys().next().value as MerchantId);
    this.cache.set(merchantId, { types, loadedAt: this.now() });
    return types;
  }
}

function reserved(type: string): PayhookError {
  return new PayhookError(
    'reserved_event_type',
    `${type} is a payhook event type: only payhook emits it (from real orders and transactions)`,
    { type },
  );
}
