/**
 * The moves of one endpoint's waiting deliveries on SQLite, in bounded steps: a circuit's hold (due at its
 * probe) and release (due now), a disabled endpoint's park and an enabled one's unpark, a pace
 * (Store.deferEndpoint) and its undoing once the endpoint recovered (an unpace, Store.undeferEndpoint), and a
 * deleted endpoint's cancel. Each is one UPDATE of every unclaimed pending delivery of the endpoint (a
 * cancel's claimed ones too), so its cost is the endpoint's backlog: ~5 µs a row when the endpoint's rows lie
 * together, ~30 µs when they lie among everyone's (docs/performance.md, "An endpoint's backlog moved in
 * steps"). On SQLite a statement holds the process's only thread, so one merchant's endpoint going down with
 * 200,000 deliveries waiting held every API request and every other merchant's delivery for a second or more,
 * once for the pace and again for the hold.
 *
 * So a move runs its first step (at most `MOVE_STEP` rows) in the caller's transaction, atomic with the state
 * change that asked for it, as before: a backlog of that size moves at once, and a test sees it moved on
 * return. The rest follows in steps, each its own transaction a turn of the event loop after the last
 * (`setImmediate`), walking the endpoint's rows in id order from where the last step stopped
 * (sql/deliveries.sql, `endpoint_move_*`). Each later step is sized from the last one's rate to take about
 * `STEP_BUDGET_MS` (between `MIN_STEP_ROWS` and `MOVE_STEP` rows). A thousand rows take ~2.5 ms where they
 * lie together (one endpoint's backlog) but ~25 ms, up to 50, where they lie among other endpoints'
 * (the isolation benchmark's paces), and an API request or an answer from the HTTP thread that arrives
 * meanwhile waits for the step (docs/performance.md, "An endpoint's moves in time-bounded steps").
 *
 * Why steps are safe: a move only keeps rows out of the claim's way, it never decides whether they go. The
 * claim checks the endpoint itself (disabled, circuit open, probe not yet due) on every row, so a row a move
 * has not reached yet is skipped all the same, only read past. A crash part-way leaves rows unmoved, which
 * the claim keeps skipping; the next move of that endpoint covers them (a hold is asked for again on every
 * failed probe, an unpark covers every parked or waiting row), and a release that did not finish leaves rows
 * at their own retry time, no later than they were scheduled before the circuit opened. A cancel a crash cut
 * short leaves pending deliveries of a deleted endpoint, which the claim skips (it checks the endpoint is not
 * deleted) and the store's next start cancels (`resume`, from `SqliteStore.migrate`). Only one move of an
 * endpoint runs at a time: a new one supersedes what is left of the last, whose work the new one's condition
 * covers or undoes (a release after a hold makes due what the hold moved), except that a pace never
 * supersedes, an unpace supersedes only a pace (a release or an unpark already makes due all it would), only
 * an unpark supersedes a park, and nothing supersedes a cancel (the endpoint is gone; a result still in
 * flight may open its circuit); and each later step first checks that the endpoint is still in the state the
 * move was asked for (`stillAsked`).
 *
 * PostgreSQL keeps one statement per move (postgres/deliveries.ts): it runs in the server, not on the
 * process's thread, so it does not stop the API while it runs.
 */

/**
 * What the moves need of the store's core (core.ts, which holds the moves: an interface here rather than
 * an import of the core, so the two modules do not import each other).
 */
export interface MovesCore {
  readonly db: { readonly open: boolean };
  stmt(name: string): { all(params: object): unknown[]; get(params: object): unknown; run(params: object): unknown };
  transaction<T>(fn: () => T): T;
  notifyDue(): void;
}

/** Rows the first step moves (in the caller's transaction), and the most a later one does. */
export const MOVE_STEP = 1000;
/** The time a later step aims to take: the event loop's other work waits no longer for one. */
export const STEP_BUDGET_MS = 4;
/** The fewest rows a later step moves, however slow the last one was, so that a move ends. */
export const MIN_STEP_ROWS = 100;

/** The least id: every real id is greater (prefixed ids, ids.ts). */
const FIRST = '';

export type EndpointMove =
  | { kind: 'hold'; until: number }
  | { kind: 'release'; now: number }
  | { kind: 'park' }
  | { kind: 'unpark'; now: number }
  | { kind: 'pace'; now: number; stepMs: number; perStep: number; steps: number }
  | { kind: 'unpace'; now: number; until: number }
  | { kind: 'cancel'; now: number };

interface Running {
  endpointId: string;
  move: EndpointMove;
  after: string;
  /** Rows moved so far (the pace's k of the next step's first row). */
  moved: number;
  /** Rows the next step moves at most: sized from the last step's rate (`resize`). */
  limit: number;
  /** A pace: whether it has put rows at its horizon (and the endpoint's `paced_until` there). */
  horizon?: boolean;
}

export class EndpointMoves {
  /** The move of each endpoint that has steps left. */
  private readonly running = new Map<string, Running>();
  private closed = false;
  /** The last step after a first that failed (its move stops; its rows stay where they are, see above). */
  lastError: unknown = null;
  /** Milliseconds of a monotonic clock, for the steps' sizes; `performance.now` unless a test sets it. */
  clock: () => number = () => performance.now();

  constructor(
    private readonly c: MovesCore,
    readonly stepRows = MOVE_STEP,
  ) {}

  /**
   * Runs the move's first step; call it inside the transaction that changed the endpoint's state. The
   * rest, if any, follows after this turn of the event loop. Returns the rows the first step moved.
   */
  start(endpointId: string, move: EndpointMove): number {
    const current = this.running.get(endpointId)?.move.kind;
    // A pace only spreads out what is due: any other move of the endpoint in steps already takes its rows
    // out of the claim's way. An unpace only undoes a pace: a release or unpark in steps makes due all it
    // would, and a hold or park means the endpoint is not taking deliveries. And while a park is in steps
    // the endpoint is disabled: every row is going out of the due range, which covers what a hold,
    // release or pace would do (until an unpark).
    if (
      current &&
      (current === 'cancel' ||
        move.kind === 'pace' ||
        (move.kind === 'unpace' && current !== 'pace') ||
        (current === 'park' && move.kind !== 'unpark' && move.kind !== 'park'))
    )
      return 0;
    this.running.delete(endpointId);
    const run: Running = { endpointId, move, after: FIRST, moved: 0, limit: this.stepRows };
    const began = this.clock();
    const n = this.step(run);
    if (n === run.limit && !this.closed) {
      this.resize(run, n, this.clock() - began);
      this.running.set(endpointId, run);
      setImmediate(() => this.continue(run));
    }
    return n;
  }

  /**
   * Cancels what a crash left pending of deleted endpoints (their cancels cut short), each a move in
   * steps of its own. Called once the schema is current (`SqliteStore.migrate`).
   */
  resume(now: number): void {
    const ids = this.c.stmt('endpoints_deleted_pending').all({}) as { id: string }[];
    for (const { id } of ids) this.c.transaction(() => this.start(id, { kind: 'cancel', now }));
  }

  /** Whether any move has steps left (tests wait on it). */
  get busy(): boolean {
    return this.running.size > 0;
  }

  /** Stops every move's remaining steps (the store is closing). */
  close(): void {
    this.closed = true;
    this.running.clear();
  }

  private continue(run: Running): void {
    if (this.closed || this.running.get(run.endpointId) !== run) return;
    const limit = run.limit;
    const began = this.clock();
    let n: number;
    try {
      n = this.c.transaction(() => (this.stillAsked(run) ? this.step(run) : 0));
    } catch (err) {
      this.running.delete(run.endpointId);
      if (this.c.db.open) this.lastError = err;
      return;
    }
    if (run.move.kind === 'release' || run.move.kind === 'unpark' || run.move.kind === 'unpace') this.c.notifyDue();
    if (n === limit) {
      this.resize(run, n, this.clock() - began); // the commit counts: it is the thread's time too
      setImmediate(() => this.continue(run));
    } else this.running.delete(run.endpointId);
  }

  /**
   * Sizes the next step to take about `STEP_BUDGET_MS` at the rate of the last one (`rows` in `ms`):
   * the rate changes with where the endpoint's rows lie and what else the machine runs, so each step
   * measures it again.
   */
  private resize(run: Running, rows: number, ms: number): void {
    const fit = ms > 0 ? Math.floor((rows * STEP_BUDGET_MS) / ms) : this.stepRows;
    run.limit = Math.max(Math.min(MIN_STEP_ROWS, this.stepRows), Math.min(this.stepRows, fit));
  }

  /**
   * Whether the endpoint is still in the state its move was asked for. The first step ran in the
   * transaction that changed the state; should that transaction have rolled back, or the state have
   * changed since without a move of its own, the rest is not wanted (a hold continued past a closed
   * circuit would keep deliveries waiting until a probe that is no longer planned).
   */
  private stillAsked(run: Running): boolean {
    const m = run.move;
    if (m.kind === 'pace') return true; // a pace only spreads out what is due; it is never wrong to finish
    if (m.kind === 'cancel') {
      const deleted = this.c.stmt('endpoint_deleted_at').get({ id: run.endpointId }) as
        | { deleted_at: number | null }
        | undefined;
      return deleted?.deleted_at != null;
    }
    const row = this.c.stmt('endpoint_circuit_get').get({ id: run.endpointId }) as
      | { disabled: number; circuit_state: string; circuit_next_probe_at: number | null }
      | undefined;
    if (!row) return false;
    switch (m.kind) {
      case 'hold':
        return row.circuit_state !== 'closed' && row.circuit_next_probe_at === m.until;
      case 'release':
        return row.circuit_state === 'closed';
      case 'unpace':
        return row.circuit_state === 'closed' && row.disabled === 0;
      case 'park':
        return row.disabled === 1;
      case 'unpark':
        return row.disabled === 0;
    }
  }

  /** Moves the next `run.limit` rows of the endpoint, after the last one moved. */
  private step(run: Running): number {
    const m = run.move;
    const base = { endpoint_id: run.endpointId, after: run.after, limit: run.limit };
    const rows = (
      m.kind === 'pace'
        ? this.c.stmt('endpoint_move_pace').all({
            ...base,
            now: m.now,
            step_ms: m.stepMs,
            per_step: m.perStep,
            steps: m.steps,
            offset: run.moved,
          })
        : m.kind === 'hold'
          ? this.c.stmt('endpoint_move_hold').all({ ...base, until: m.until })
          : m.kind === 'park'
            ? this.c.stmt('endpoint_move_park').all(base)
            : m.kind === 'cancel'
              ? this.c.stmt('endpoint_move_cancel').all({ ...base, now: m.now })
              : m.kind === 'unpace'
                ? this.c.stmt('endpoint_move_unpace').all({ ...base, now: m.now, until: m.until })
                : this.c.stmt(`endpoint_move_${m.kind}`).all({ ...base, now: m.now })
    ) as { id: string }[];
    for (const { id } of rows) if (id > run.after) run.after = id;
    run.moved += rows.length;
    // Rows past the pace's steps wait at its horizon: so do the endpoint's new deliveries from now on
    // (events.ts), rather than lying due for every claim to read past until the next pace.
    if (m.kind === 'pace' && run.moved > m.perStep * m.steps && !run.horizon) {
      run.horizon = true;
      this.c.stmt('endpoint_paced_until_set').run({ id: run.endpointId, until: m.now + m.stepMs * m.steps });
    }
    return rows.length;
  }
}
