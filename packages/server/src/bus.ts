/**
 * The process bus: facts one part of a payhook process tells the others, without either reaching into
 * the other. The API says an endpoint changed; the dispatcher, if this process runs one, drops what it
 * cached about it. Names are `noun:verb`, payloads are typed here, and delivery is synchronous.
 *
 * In-process only: another process learns of a change through the store (the signer's cache expires
 * after a few seconds), so nothing here is needed for correctness across processes.
 *
 * @example
 * const bus = new ProcessBus();
 * const off = bus.on('endpoint:changed', ({ endpointId }) => signer.invalidate(endpointId));
 * bus.emit('endpoint:changed', { endpointId });
 * off();
 */
import type { EndpointId, ReplayId } from './ids.js';

export interface ProcessBusEvents {
  /** An endpoint's signing secrets changed, or it was deleted: forget what is cached about it. */
  'endpoint:changed': { endpointId: EndpointId };
  /** A bulk replay was created: a replay worker in this process may start on it now. */
  'replay:created': { replayId: ReplayId };
}

type Listener<K extends keyof ProcessBusEvents> = (payload: ProcessBusEvents[K]) => void;

export class ProcessBus {
  private readonly listeners = new Map<keyof ProcessBusEvents, Set<Listener<keyof ProcessBusEvents>>>();

  /** @param onError told of a listener that threw; the emitter and the other listeners carry on. */
  constructor(private readonly onError: (err: unknown, name: keyof ProcessBusEvents) => void = () => {}) {}

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof ProcessBusEvents>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    const l = listener as Listener<keyof ProcessBusEvents>;
    set.add(l);
    return () => {
      set.delete(l);
    };
  }

  emit<K extends keyof ProcessBusEvents>(name: K, payload: ProcessBusEvents[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const l of set) {
      try {
        l(payload);
      } catch (err) {
        this.onError(err, name);
      }
    }
  }
}
