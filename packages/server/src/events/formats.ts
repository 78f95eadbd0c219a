/**
 * Payload formats: the body an endpoint receives for an event. `standard` is the stored envelope
 * itself; other formats render from the event's data. A renderer must be deterministic, so every
 * attempt of a delivery sends (and signs) the same bytes.
 *
 * The registry belongs to one payhook process: `createPayhook` makes one, and the modules it is given
 * add their formats to it (the payment module adds `foloosi`). Nothing here is global, so two payhooks
 * in one Node process (tests, an embedding app) can offer different formats.
 *
 * `renderFor` is the one way an event becomes the body an endpoint receives (a delivery attempt, a test
 * webhook): the `standard` format in the endpoint's `api_version` (versions.ts), as a snapshot or thin
 * (thin.ts); another format in its provider's fixed shape, whatever the version.
 */
import type { PayloadFormat } from '../store/types.js';
import { thinRef, type EventObject, type PayloadStyle } from './thin.js';
import { type Envelope, renderVersion, upgradeEnvelope } from './versions.js';

export interface RenderInput {
  eventId: string;
  eventType: string;
  eventCreatedAt: number;
  /** The standard envelope. */
  body: string;
  /** The event's data JSON text. */
  data: string;
}

export type Renderer = (input: RenderInput) => string;

/** How one endpoint receives events. */
export interface RenderTarget {
  format: PayloadFormat;
  apiVersion: string;
  payloadStyle: PayloadStyle;
}

const FORMAT_NAME_RE = /^[a-z][a-z0-9_]{0,31}$/;

export class FormatRegistry {
  private readonly renderers = new Map<PayloadFormat, Renderer>([['standard', (input) => input.body]]);
  /** The objects thin events point to, by event-type namespace (modules add theirs). */
  private readonly objects = new Map<string, EventObject>();

  /** Adds the object a namespace's events are about (thin.ts); a namespace is taken once. */
  registerObject(namespace: string, object: EventObject): void {
    if (this.objects.has(namespace) || namespace === 'event')
      throw new Error(`event object "${namespace}" is registered twice`);
    this.objects.set(namespace, object);
  }

  /** Adds a format; a name already taken (by `standard` or another module) is refused. */
  register(format: PayloadFormat, renderer: Renderer): void {
    if (!FORMAT_NAME_RE.test(format))
      throw new Error(`payload format name "${format}" must be 1-32 lower-case letters, digits and _`);
    if (this.renderers.has(format)) throw new Error(`payload format "${format}" is registered twice`);
    this.renderers.set(format, renderer);
  }

  has(format: string): format is PayloadFormat {
    return this.renderers.has(format);
  }

  /** The names, `standard` first, then in the order they were registered. */
  names(): PayloadFormat[] {
    return [...this.renderers.keys()];
  }

  render(format: PayloadFormat, input: RenderInput): string {
    const r = this.renderers.get(format);
    if (!r) throw new Error(`unknown payload format ${format}`);
    return r(input);
  }

  /** The body `target` receives for the event (see the header); deterministic, like every renderer. */
  renderFor(target: RenderTarget, input: RenderInput): string {
    if (target.format !== 'standard') return this.render(target.format, input);
    if (target.payloadStyle !== 'thin') return renderVersion(input.body, target.apiVersion);
    const e = upgradeEnvelope(JSON.parse(input.body) as Envelope, target.apiVersion);
    const ref = thinRef(this.objects, input.eventId, input.eventType, JSON.parse(input.data) as unknown);
    return JSON.stringify({ ...e, data: ref });
  }
}
