/**
 * Payload formats: the body an endpoint receives for an event. `standard` is the stored envelope
 * itself; other formats render from the event's data. A renderer must be deterministic, so every
 * attempt of a delivery sends (and signs) the same bytes.
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

const renderers: Partial<Record<PayloadFormat, Renderer>> = {
  standard: (input) => input.body,
};

/** Adds a format's renderer (the payment module registers `foloosi`). */
export function registerFormat(format: PayloadFormat, renderer: Renderer): void {
  renderers[format] = renderer;
}

export function isKnownFormat(format: string): format is PayloadFormat {
  return Object.prototype.hasOwnProperty.call(renderers, format);
}

export function knownFormats(): PayloadFormat[] {
  return Object.keys(renderers) as PayloadFormat[];
}

export function render(format: PayloadFormat, input: RenderInput): string {
  const r = renderers[format];
  if (!r) throw new Error(`unknown payload format ${format}`);
  return r(input);
}
