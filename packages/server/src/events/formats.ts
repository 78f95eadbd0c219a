/**
 * Payload formats: the body an endpoint receives for an event. `standard` is the stored envelope
 * itself; other formats render from the event's data. A renderer must be deterministic, so every
 * attempt of a delivery sends (and signs) the same bytes.
 *
 * The registry belongs to one payhook process: `createPayhook` makes one, and the modules it is given
 * add their formats to it (the payment module adds `foloosi`). Nothing here is global, so two payhooks
 * in one Node process (tests, an embedding app) can offer different formats.
 */
import type { PayloadFormat } from '../store/types.js';

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

const FORMAT_NAME_RE = /^[a-z][a-z0-9_]{0,31}$/;

export class FormatRegistry {
  private readonly renderers = new Map<PayloadFormat, Renderer>([['standard', (input) => input.body]]);

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
}
