// health.js: endpoint health shared by every isolate.
//
// Each isolate's Router records its own attempts (Router.observe), so routing never waits for
// anyone. Sharing is by events: every observed attempt is also queued, and at most every
// healthSyncMs, after a request and through ctx.waitUntil (never on a request's critical path),
// the isolate exchanges with the one HealthObject ("global"): it pushes its queued events and
// pulls the events the OTHER isolates pushed since its previous pull, which it observes into its
// own Router. Every event thus reaches every isolate exactly once — its own directly, the others'
// through the object — so nothing is counted twice, and the core's health rules (outage window,
// breaker, Retry-After cooldowns) see the same history everywhere, a couple of seconds late at
// most. (The core's snapshot Merge is additive, and the C ABI has no delta/rebase yet, so full
// snapshots cannot be exchanged without counting an isolate's own events twice.)
//
// The HealthObject keeps only a bounded in-memory window of recent events (no storage: health is
// about the last minutes, and a restart simply starts from what isolates push next).

const KEEP_MS = 30 * 60 * 1000;   // the longest window the core's health uses for percentiles
const KEEP_EVENTS = 50_000;
const MAX_QUEUED = 10_000;        // per isolate, if the object is unreachable for a while

export function makeHealthObject(DurableObjectBase) {
  return class HealthObject extends DurableObjectBase {
    constructor(ctx, env) {
      super(ctx, env);
      this.log = [];   // [{seq, origin, event}], seq ascending
      this.seq = 0;
    }

    /**
     * Appends `events` from isolate `origin`; returns {seq, events} with every event of other
     * isolates after `since` (a seq this object returned earlier; 0 = everything kept).
     */
    async exchange(origin, events, since) {
      const now = Date.now();
      for (const event of Array.isArray(events) ? events : []) {
        this.log.push({ seq: ++this.seq, origin, event });
      }
      let drop = Math.max(0, this.log.length - KEEP_EVENTS);
      while (drop < this.log.length && this.log[drop].event.now_ms < now - KEEP_MS) drop++;
      if (drop) this.log.splice(0, drop);
      // `since` from before a restart of this object refers to another sequence: start over.
      const after = Number.isInteger(since) && since <= this.seq ? since : 0;
      let lo = 0;
      let hi = this.log.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.log[mid].seq <= after) lo = mid + 1; else hi = mid;
      }
      const out = [];
      for (let i = lo; i < this.log.length; i++) {
        if (this.log[i].origin !== origin) out.push(this.log[i].event);
      }
      return { seq: this.seq, events: out };
    }
  };
}

/** Per isolate: queues this isolate's events and runs the exchange, throttled. */
export class HealthSync {
  constructor(runtime) {
    this.runtime = runtime;
    this.origin = null; // random id of this isolate, made on first use (not at global scope)
    this.queue = [];
    this.since = 0;
    this.lastSync = 0;
    this.inFlight = false;
  }

  /** An event this isolate observed (already applied to its own Router). */
  record(event) {
    if (this.queue.length >= MAX_QUEUED) this.queue.shift();
    this.queue.push(event);
  }

  /** Starts an exchange in the background when one is due. */
  maybeSync(env, ctx, router) {
    if (!env.HEALTH) return;
    const { healthSyncMs } = this.runtime.settings(env);
    const now = Date.now();
    if (this.inFlight || now - this.lastSync < healthSyncMs) return;
    this.lastSync = now;
    this.inFlight = true;
    ctx.waitUntil(this.sync(env, router).finally(() => { this.inFlight = false; }));
  }

  async sync(env, router) {
    this.origin ??= `i${crypto.getRandomValues(new Uint32Array(2)).join('')}`;
    const batch = this.queue;
    this.queue = [];
    try {
      const stub = env.HEALTH.get(env.HEALTH.idFromName('global'));
      const { seq, events } = await stub.exchange(this.origin, batch, this.since);
      this.since = seq;
      if (router.freed) return;
      for (const event of events) {
        try { router.observe(event); } catch { /* an event for an endpoint this catalog lacks */ }
      }
    } catch (e) {
      // Keep the events for the next exchange (bounded).
      this.queue = batch.concat(this.queue).slice(-MAX_QUEUED);
      console.error(`switchyard: health exchange failed: ${e.message}`);
    }
  }
}
