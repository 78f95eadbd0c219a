/**
 * The claims this dispatcher holds, queued per endpoint, and the slots they go out through: at most
 * `maxInFlight` requests overall, and at most the governor's limit for each endpoint.
 *
 * An endpoint holds at most its allowance in claims here (in flight plus queued; see
 * `EndpointGovernor.allowance`), and a claim skips endpoints at that mark (`saturated`), so a thousand
 * deliveries to a hanging endpoint occupy a bounded number of slots and every other endpoint keeps
 * flowing. Claims beyond an allowance, and claims whose lease could end mid-request, are given back.
 *
 * Endpoints in trouble (the governor's `troubled`: their last answer was a timeout, a failed connection
 * or a slow answer) hold at most `maxTroubled` slots between them, a tenth of `maxInFlight`: each such
 * endpoint is already down to one request, but a crowd of them (the isolation benchmark's 10 hanging and
 * 10 dripping endpoints among 50 slots; a thousand dead endpoints among many) could otherwise take most
 * slots until their circuits open, and the rest stay for endpoints that answer. A troubled endpoint's
 * claims wait in its queue for a troubled slot (or are given back if their lease runs short); the slot
 * goes round them, each going to the back of the line when its request ends. With more endpoints in
 * trouble than `maxInFlight`, their queued claims can still fill `maxClaimed`, as they filled every
 * slot before this share existed.
 *
 * The waiting room: a sender that holds requests waiting and opens them itself as others end (the
 * threaded client, `HttpSender.waitingRoom`) is handed up to `maxInFlight + waitingRoom` requests, and
 * a healthy endpoint up to twice its limit; each request carries its endpoint's limit and the time it
 * must start by (`SendTurn`), so the sender never has more open than the limits here allow, and never
 * starts one whose lease has run short. `inFlight` counts what was handed over: open or waiting there.
 * Endpoints in trouble get no room beyond their limit: their requests would only wait.
 */
import type { DeliveryId, EndpointId } from '../ids.js';
import type { ClaimedDelivery } from '../store/types.js';
import type { EndpointGovernor } from './governor.js';
import type { SendTurn } from './http.js';

/**
 * The share of the slots that endpoints in trouble may hold between them (see the header). A tenth: the
 * isolation benchmark's healthy endpoints keep about the share of slots left to them when the machine,
 * not the receivers, is the limit, and its target is 90 %. Each endpoint in trouble is down to one
 * request in flight anyway, so this binds only when more endpoints are in trouble at once than a tenth
 * of `maxInFlight` (51 with the default 512).
 */
const TROUBLED_SHARE = 0.1;

/** A queued claim is sent only while its lease has at least the timeout plus this margin left (or half the slack, if less). */
const LEASE_MARGIN_MS = 5000;

export interface QueuesOptions {
  maxInFlight: number;
  leaseMs: number;
  /** The default per-attempt timeout (an endpoint may set its own). */
  timeoutMs: number;
  governor: EndpointGovernor;
  /** Requests the sender takes beyond `maxInFlight` and holds waiting (`HttpSender.waitingRoom`); 0 when absent. */
  waitingRoom?: number;
  /** Starts one attempt; must call `finished(endpointId)` when it ends. */
  send(delivery: ClaimedDelivery, turn: SendTurn): void;
  /** Gives claims back to the store (they become due again at once). */
  giveBack(deliveryIds: DeliveryId[], why: 'excess' | 'expiring'): void;
}

interface Queued {
  delivery: ClaimedDelivery;
  /** When its lease ends. */
  leaseEnd: number;
}

export class EndpointQueues {
  private readonly queues = new Map<EndpointId, Queued[]>();
  private readonly claimedByEndpoint = new Map<EndpointId, number>();
  private readonly inFlightByEndpoint = new Map<EndpointId, number>();
  /** Requests in flight that were sent while their endpoint was in trouble, per endpoint and overall. */
  private readonly troubledByEndpoint = new Map<EndpointId, number>();
  private troubledInFlight = 0;
  /** The most slots endpoints in trouble may hold at once (see the header). */
  readonly maxTroubled: number;
  /** Claims held here: queued plus in flight. */
  claimed = 0;
  /** Requests handed to the sender: open, or waiting in its room (see the header). */
  inFlight = 0;
  /** The most requests handed over at once: `maxInFlight` plus the sender's waiting room. */
  private readonly maxHanded: number;
  private readonly waitingRoom: number;

  constructor(private readonly o: QueuesOptions) {
    this.maxTroubled = Math.max(1, Math.floor(o.maxInFlight * TROUBLED_SHARE));
    this.waitingRoom = Math.max(0, o.waitingRoom ?? 0);
    this.maxHanded = o.maxInFlight + this.waitingRoom;
  }

  /** The most claims this dispatcher holds at once: enough to keep every slot busy while the next claim runs. */
  get maxClaimed(): number {
    return this.maxHanded * 2;
  }

  /** Claims an endpoint may still be given before it reaches its allowance. */
  room(endpointId: EndpointId): number {
    return this.o.governor.allowance(endpointId) - (this.claimedByEndpoint.get(endpointId) ?? 0);
  }

  /** Endpoints this dispatcher holds claims for. */
  heldEndpoints(): IterableIterator<EndpointId> {
    return this.claimedByEndpoint.keys();
  }

  /** Endpoints at their allowance: the next claim leaves them out. */
  saturated(): EndpointId[] {
    const out: EndpointId[] = [];
    for (const [ep, n] of this.claimedByEndpoint) if (n >= this.o.governor.allowance(ep)) out.push(ep);
    return out;
  }

  /** Takes a claimed batch: queues what fits each endpoint's allowance, gives the rest back, and starts sends. */
  accept(batch: ClaimedDelivery[], leaseEnd: number): void {
    const excess: DeliveryId[] = [];
    for (const d of batch) {
      const n = (this.claimedByEndpoint.get(d.endpointId) ?? 0) + 1;
      if (n > this.o.governor.allowance(d.endpointId)) {
        excess.push(d.id);
        continue;
      }
      this.claimedByEndpoint.set(d.endpointId, n);
      this.claimed++;
      let q = this.queues.get(d.endpointId);
      if (!q) {
        q = [];
        this.queues.set(d.endpointId, q);
      }
      q.push({ delivery: d, leaseEnd });
    }
    if (excess.length > 0) this.o.giveBack(excess, 'excess');
    this.pumpAll();
  }

  /** One send ended: frees its slot and its claim, and fills free slots from the queues. */
  finished(endpointId: EndpointId): void {
    this.inFlight--;
    this.inFlightByEndpoint.set(endpointId, (this.inFlightByEndpoint.get(endpointId) ?? 1) - 1);
    const troubled = this.troubledByEndpoint.get(endpointId);
    if (troubled) {
      this.troubledInFlight--;
      if (troubled === 1) this.troubledByEndpoint.delete(endpointId);
      else this.troubledByEndpoint.set(endpointId, troubled - 1);
    }
    this.unclaim(endpointId);
    const q = this.queues.get(endpointId);
    if (q && this.o.governor.troubled(endpointId)) {
      // Its turn at a troubled slot is over: to the back of the line, so the slot goes round the
      // endpoints in trouble instead of staying with the one that had it first.
      this.queues.delete(endpointId);
      this.queues.set(endpointId, q);
    } else this.pump(endpointId);
    if (this.inFlight < this.maxHanded && this.queues.size > 0) this.pumpAll();
  }

  /** Empties every queue (shutdown) and returns the ids of the claims that were waiting. */
  drain(): DeliveryId[] {
    const ids: DeliveryId[] = [];
    for (const q of this.queues.values()) for (const { delivery } of q) ids.push(delivery.id);
    this.queues.clear();
    return ids;
  }

  private pumpAll(): void {
    for (const ep of this.queues.keys()) {
      if (this.inFlight >= this.maxHanded) return;
      this.pump(ep);
    }
  }

  private pump(endpointId: EndpointId): void {
    const q = this.queues.get(endpointId);
    if (!q) return;
    let active = this.inFlightByEndpoint.get(endpointId) ?? 0;
    const expiring: DeliveryId[] = [];
    const limit = this.o.governor.limitOf(endpointId);
    const troubled = this.o.governor.troubled(endpointId);
    const handLimit = troubled || this.waitingRoom === 0 ? limit : limit * 2;
    while (q.length > 0 && active < handLimit && this.inFlight < this.maxHanded) {
      if (troubled && this.troubledInFlight >= this.maxTroubled) break;
      const { delivery: d, leaseEnd } = q.shift()!;
      // A claim that waited so long that its lease could end mid-request is given back rather than
      // sent: another dispatcher may take it once the lease ends, and two sends must not overlap.
      // The margin is at most half the slack between lease and timeout, so a fresh claim always passes.
      const timeout = d.timeoutMs ?? this.o.timeoutMs;
      const margin = Math.min(LEASE_MARGIN_MS, Math.max(0, this.o.leaseMs - timeout) / 2);
      if (leaseEnd - Date.now() < timeout + margin) {
        expiring.push(d.id);
        continue;
      }
      active++;
      this.inFlight++;
      if (troubled) {
        this.troubledInFlight++;
        this.troubledByEndpoint.set(endpointId, (this.troubledByEndpoint.get(endpointId) ?? 0) + 1);
      }
      // The sender may hold it waiting: it must start while the check above would still pass.
      this.o.send(d, { group: endpointId, groupLimit: limit, startBy: leaseEnd - timeout - margin });
    }
    this.inFlightByEndpoint.set(endpointId, active);
    if (q.length === 0) this.queues.delete(endpointId);
    if (expiring.length > 0) {
      for (let i = 0; i < expiring.length; i++) this.unclaim(endpointId);
      this.o.giveBack(expiring, 'expiring');
    }
  }

  private unclaim(endpointId: EndpointId): void {
    const left = (this.claimedByEndpoint.get(endpointId) ?? 1) - 1;
    if (left <= 0) {
      this.claimedByEndpoint.delete(endpointId);
      if (!this.inFlightByEndpoint.get(endpointId)) this.inFlightByEndpoint.delete(endpointId);
    } else this.claimedByEndpoint.set(endpointId, left);
    this.claimed--;
  }
}
