// account.js: AccountObject, the Durable Object that owns one account's money. Every reserve,
// settle, key change and credit movement of the account runs here, one at a time, against the
// core's Ledger (the WASI build), so a reservation is strongly consistent however many isolates
// serve the account's requests: the check and the hold are one step in one object.
//
// Credit leases (ledger.h "credit leases"; the isolate's side is at the end of chat.js): the
// object also grants isolates leases — a slice of a key's remaining budget held in this ledger
// as one hold, at most half the headroom, expiring after the lease's use window plus the longest
// a request may run — so that most requests reserve in their isolate with no round trip. The
// isolate's settlements name their lease (its hold pays for them, settleMany), leftovers come
// back as lease_trim (with a fallback reservation) or a return (release), and a lease no one
// returns is released at its expiry: lazily when a lease is granted or a reservation refused,
// and by the periodic expire of the flush. A reservation refused only because of holds in
// flight (requests' and leases') is 402 in_flight_budget_exhausted, as OpenRouter's.
//
// Persistence (SQLite, ctx.storage.sql): the ledger runs with its journal on and hands its
// operation log to the DO (take_log), which appends it to `ledger_log` (one row per batch) and
// every SNAPSHOT_EVERY_BYTES of log folds it into a fresh snapshot (`ledger_state`). On construction
// the DO restores the ledger from snapshot + log, so it continues exactly where it stopped.
//
// When the log is written is a latency decision. A SQLite commit is durable only after it
// reaches the disk (locally an fsync on the isolate's thread; on Cloudflare a replicated
// write), and the output gate holds every reply until then: committing on each reserve would put
// that wait on every request's critical path. So operator and key operations (grants,
// purchases, key changes) are committed before they are answered, while the request path
// (reserve, settle, release) is committed in batches, at most flushMs (SWITCHYARD_LEDGER_FLUSH_MS,
// default 100 ms; 0 = every operation) after the operation. The limits themselves are enforced
// by the live ledger in memory, so batching never lets concurrent requests overspend; a crash
// of the object can lose at most the last flushMs of request-path operations (holds, and the
// charges of requests that finished in that window).
//
// Rendered generation records are kept in `generations` (the ledger keeps only the newest few).
// RPC methods return {status, body} (JS RPC does not carry error subclasses), where body is the
// core's result or the documented error shape.

// Log text between snapshots (a buffered request adds ~1.3 KB: its charge, holds, leases): a snapshot exports
// the whole state (milliseconds, on the object's thread), a restore replays at most this much.
const SNAPSHOT_EVERY_BYTES = 8 << 20;
const EXPIRE_EVERY_MS = 60_000;
// Granting a lease first releases the leases (and holds) past their expiry, at most this often.
const LEASE_EXPIRE_EVERY_MS = 1000;
// Generation records are kept this long (GET /generation), pruned hourly.
const GENERATION_RETENTION_MS = 30 * 24 * 3600_000;
const PRUNE_EVERY_MS = 3600_000;
// Journal on (every change reaches SQLite). Few records and closed reservations in memory: the
// records live in the `generations` table, and a settle is retried within seconds if at all, so
// replays need only a short idempotency window; both keep snapshots small.
const LEDGER_SETTINGS = { journal: true, max_generations: 64, idempotency_window_ms: 15 * 60_000, max_closed_reservations: 256 };

export function makeAccountObject(runtime, DurableObjectBase) {
  return class AccountObject extends DurableObjectBase {
    constructor(ctx, env) {
      super(ctx, env);
      this.ctx = ctx;
      this.env = env;
      this.sql = ctx.storage.sql;
      this.ledger = null;
      this.ledgerGeneration = -1; // runtime.generation the ledger belongs to
      this.logBytes = 0;
      this.flushTimer = null;
      this.lastExpire = 0;
      this.lastLeaseExpire = 0;
      this.leasesGranted = 0;
      this.lastPrune = 0;
      this.pendingGenerations = new Map(); // id → rendered record (JSON text), until the next flush
      this.byokRows = null; // rows of byok_keys (ciphertext), loaded on first use
      // Any well-formed key names an account, so an object may be woken for an account that
      // does not exist: nothing is written until an operator (or the demo seed) creates it.
      this.exists = this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger_state'").toArray().length > 0;
    }

    #createTables() {
      this.sql.exec(`CREATE TABLE IF NOT EXISTS ledger_state (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL)`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS ledger_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL)`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS generations (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, body TEXT NOT NULL)`);
      this.sql.exec(`CREATE INDEX IF NOT EXISTS generations_by_time ON generations (created_at)`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)`);
      this.exists = true;
    }

    // ---- ledger lifecycle --------------------------------------------------------------------

    /**
     * The ledger, restored from SQLite on first use (or after the core was replaced); null for an
     * account that does not exist unless `create`.
     */
    async #ledger(accountId, create = false) {
      if (this.ledger && !this.ledger.freed && this.ledgerGeneration === runtime.generation &&
          runtime.core && !runtime.core.broken) {
        return this.ledger;
      }
      if (!this.exists && !create) return null;
      if (!this.exists) this.#createTables();
      // One restore at a time: requests arriving while the core loads wait for the same ledger.
      this.loading ??= this.#restore(accountId).finally(() => { this.loading = null; });
      return this.loading;
    }

    async #restore(accountId) {
      const sy = await runtime.sy();
      const row = this.sql.exec('SELECT state FROM ledger_state WHERE id = 1').toArray()[0];
      const rows = this.sql.exec('SELECT entry FROM ledger_log ORDER BY seq').toArray();
      this.logBytes = rows.reduce((n, r) => n + r.entry.length, 0);
      const log = rows.flatMap((r) => JSON.parse(r.entry));
      let ledger;
      if (row) {
        const state = JSON.parse(row.state);
        state.log = [...(Array.isArray(state.log) ? state.log : []), ...log];
        ledger = new sy.Ledger(state);
        const { settings } = ledger.apply({ op: 'configure' });
        if (Object.entries(LEDGER_SETTINGS).some(([k, v]) => settings?.[k] !== v)) {
          ledger.apply({ op: 'configure', settings: LEDGER_SETTINGS });
          this.#flush(ledger);
        }
      } else {
        ledger = new sy.Ledger();
        // A new account: journal on (so every change reaches SQLite), few records in memory.
        ledger.apply({ op: 'configure', account_id: accountId ?? this.#accountId(), settings: LEDGER_SETTINGS });
        this.#flush(ledger);
      }
      this.ledger = ledger;
      this.ledgerGeneration = runtime.generation;
      return ledger;
    }

    #accountId() {
      const name = this.ctx.id.name;
      return typeof name === 'string' && name ? name : this.ctx.id.toString();
    }

    /**
     * Commits what changed: the ledger's new log entries (one row), pending generation records,
     * and now and then a fresh snapshot. Runs synchronously inside the calling event.
     */
    #flush(ledger = this.ledger) {
      if (this.flushTimer !== null) {
        clearTimeout(this.flushTimer);
        this.flushTimer = null;
      }
      if (!ledger || ledger.freed) return;
      // Holds of requests that never settled (a crashed isolate) end at their TTL.
      const now = Date.now();
      if (now - this.lastExpire >= EXPIRE_EVERY_MS) {
        this.lastExpire = now;
        ledger.apply({ op: 'expire', now_ms: now });
      }
      // The log and the records go to SQLite as the core wrote them: no parse and re-serialise.
      const log = logArrayText(ledger.applyText({ op: 'take_log' }));
      if (log !== '[]') {
        this.sql.exec('INSERT INTO ledger_log (entry) VALUES (?)', log);
        this.logBytes += log.length;
      }
      if (this.pendingGenerations.size) {
        insertGenerations(this.sql, this.pendingGenerations, now);
        this.pendingGenerations.clear();
      }
      if (now - this.lastPrune >= PRUNE_EVERY_MS) {
        this.lastPrune = now;
        this.sql.exec('DELETE FROM generations WHERE created_at < ?', now - GENERATION_RETENTION_MS);
      }
      if (this.logBytes >= SNAPSHOT_EVERY_BYTES || !this.sql.exec('SELECT 1 FROM ledger_state WHERE id = 1').toArray().length) {
        this.sql.exec('INSERT OR REPLACE INTO ledger_state (id, state) VALUES (1, ?)', ledger.applyText({ op: 'export' }));
        this.sql.exec('DELETE FROM ledger_log');
        this.logBytes = 0;
      }
    }

    /** After a mutation: commit now (`urgent`, or flushMs 0) or within flushMs. */
    #persist(ledger, urgent) {
      const flushMs = runtime.settings(this.env).ledgerFlushMs;
      if (urgent || flushMs === 0) return this.#flush(ledger);
      if (this.flushTimer === null) this.flushTimer = setTimeout(() => this.#flush(), flushMs);
    }

    /** Runs one ledger command (router: the catalog for endpoint prices) → {status, body}. */
    // mutates: false (a read), "batch" (the request path) or "now" (committed before the reply).
    // text: a success's body is the core's JSON text, not parsed in JS.
    async #apply(command, { mutates = false, router = null, accountId, create = false, text = false } = {}) {
      const ledger = await this.#ledger(accountId, create);
      if (!ledger) return NO_ACCOUNT;
      const r = router ? await runtime.router(this.env, 'ledger') : null;
      try {
        const body = text ? ledger.applyText(command, r) : ledger.apply(command, r);
        if (mutates) this.#persist(ledger, mutates === 'now');
        return { status: 200, body };
      } catch (e) {
        // A refused command changes nothing, but keep the log in step with the ledger anyway.
        if (mutates && e.name === 'SwitchyardError' && e.status !== 11) this.#persist(ledger, mutates === 'now');
        return errorResult(e);
      }
    }

    // ---- the money path (called by the worker for every request) ------------------------------

    /**
     * {key_hash, use} → {status, body: {data: key, context}}. For inference, body.byok also
     * carries the account's stored provider keys (ciphertext: the worker decrypts them), so the
     * request path needs no extra round trip for them.
     */
    async authenticate(keyHash, use = 'inference') {
      const r = await this.#apply({ op: 'authenticate', key_hash: keyHash, use, now_ms: Date.now() });
      if (use === 'inference' && r.status === 200) {
        const rows = this.#byokRows();
        if (rows.length) r.body.byok = rows.map(({ provider, kid, iv, ciphertext }) => ({ provider, kid, iv, ciphertext }));
      }
      return r;
    }

    /**
     * Reserves the worst case of a plan's attempts (402 when it does not fit). The command comes
     * as JSON text (cheaper over RPC than an object: the core parses it once).
     */
    // `trims` ([{id, amount}], from the isolate's lease book): lease fragments the isolate gives
    // back first, so they never stand between the key's budget and this request.
    async reserve(command, trims = null) {
      if (Array.isArray(trims)) {
        const now = Date.now();
        for (const t of trims) await this.#apply({ op: 'lease_trim', id: t.id, amount: t.amount, now_ms: now }, { mutates: 'batch' });
      }
      const r = await this.#apply(withOp('reserve', command), { mutates: 'batch', router: true });
      // Refused: leases (and holds) past their expiry may be what stands in the way — an isolate
      // that was evicted never returns its leases. Release them now and try once more.
      const now = Date.now();
      if (r.status === 402 && now - this.lastLeaseExpire >= LEASE_EXPIRE_EVERY_MS) {
        this.lastLeaseExpire = now;
        const x = await this.#apply({ op: 'expire', now_ms: now }, { mutates: 'batch' });
        if (x.status === 200 && x.body.expired?.length) return this.#apply(withOp('reserve', command), { mutates: 'batch', router: true });
      }
      return r;
    }

    /** Charges the actual usage, records the generation, frees the hold. */
    async settle(id, command, on = null) {
      return this.#settle(id, command, on, false);
    }

    // quiet: a success answers {status: 200, body: null} (settleMany's callers read the status).
    // The ledger then answers with the generation record it wrote (reply "generation", as JSON
    // text, "{}" when it keeps none), not with the settlement's amounts that no one reads: one
    // call instead of a settle and a `generation`, and no result rendered to be dropped.
    async #settle(id, command, on, quiet) {
      const extra = on?.lease ? { lease: on.lease, key_hash: on.key_hash } : {};
      if (quiet) extra.reply = 'generation';
      const c = withOp(on?.lease ? 'lease_settle' : 'settle', command, extra);
      const r = await this.#apply(c, { mutates: 'batch', router: true, text: quiet });
      if (r.status === 200) {
        if (quiet) {
          if (r.body !== '{}') this.pendingGenerations.set(id, r.body);
          return { status: 200, body: null };
        }
        try {
          if (this.ledger && !this.ledger.freed) this.pendingGenerations.set(id, this.ledger.applyText({ op: 'generation', id }));
        } catch {
          // Not kept in the ledger (max_generations 0): GET /generation then reports it missing.
        }
      }
      return r;
    }

    /**
     * Settles several requests in one round trip: [[id, command], ...] → [{status, body}, ...],
     * in order, each exactly as settle(id, command) but for a success's body (null: the worker
     * reads only the status); one refused settlement affects no other.
     * A command refused for a detail of its record (400, 413) is settled again with a bare
     * record: the charge must not be lost over the record.
     */
    // An item may name a lease: [id, command, {lease, key_hash}] settles the generation on the
    // isolate's lease (the lease's hold pays for it), and [leaseId, null, {return: true}] returns
    // what is left of a lease. Items run in order, so a lease is returned after its settlements.
    async settleMany(items) {
      const out = [];
      for (const [id, command, on] of items) {
        if (on && on.return === true) {
          out.push(await this.release(id));
          continue;
        }
        let r = await this.#settle(id, command, on, true);
        if (r.status === 400 || r.status === 413) {
          const bare = bareSettle(command);
          if (bare) r = await this.#settle(id, bare, on, true);
        }
        out.push(r);
      }
      return out;
    }

    // ---- credit leases (ledger.h "credit leases"; chat.js holds the isolate's side) -----------

    /**
     * Leases the calling isolate up to `want` (USD text) of the key's remaining budget (at most
     * half of it; 402 when less than `min` fits) for ttlMs → {status, body: {id, amount,
     * expires_at_ms}}. Leases never returned are released here at their expiry: lazily on the
     * next lease, and at least every EXPIRE_EVERY_MS by the flush.
     */
    async lease(keyHash, want, min, ttlMs) {
      const now = Date.now();
      const ledger = await this.#ledger();
      if (!ledger) return NO_ACCOUNT;
      if (now - this.lastLeaseExpire >= LEASE_EXPIRE_EVERY_MS) {
        this.lastLeaseExpire = now;
        await this.#apply({ op: 'expire', now_ms: now }, { mutates: 'batch' });
      }
      const r = await this.#apply({
        op: 'lease_grant', id: `lease-${now}-${crypto.getRandomValues(new Uint32Array(2)).join('')}`,
        key_hash: keyHash, want, min, ttl_ms: ttlMs, now_ms: now,
      }, { mutates: 'batch' });
      if (r.status === 200) this.leasesGranted++;
      return r;
    }

    async release(id) {
      return this.#apply({ op: 'release', id, now_ms: Date.now() }, { mutates: 'batch' });
    }

    // ---- reads -------------------------------------------------------------------------------

    async keyInfo(keyHash) {
      return this.#apply({ op: 'key_info', key_hash: keyHash, now_ms: Date.now() });
    }

    async credits() {
      return this.#apply({ op: 'credits' });
    }

    /** Exact totals (decimal strings) and the number of open holds: for operators and tests. */
    async balance() {
      const r = await this.#apply({ op: 'balance' });
      // Leases granted to isolates since this object started (in memory: for operators, tests).
      if (r.status === 200) r.body.leases_granted = this.leasesGranted;
      return r;
    }

    async generation(id) {
      const pending = this.pendingGenerations.get(id);
      if (pending) return { status: 200, body: JSON.parse(pending) };
      if (!this.exists) return NO_ACCOUNT;
      const row = this.sql.exec('SELECT body FROM generations WHERE id = ?', id).toArray()[0];
      if (row) return { status: 200, body: JSON.parse(row.body) };
      return this.#apply({ op: 'generation', id });
    }

    // ---- keys ----------------------------------------------------------------------------------

    async createKey(fields, accountId) {
      return this.#apply({ op: 'create_key', ...fields, now_ms: Date.now() }, { mutates: 'now', accountId, create: true });
    }

    async updateKey(hash, fields) {
      return this.#apply({ op: 'update_key', ...fields, hash, now_ms: Date.now() }, { mutates: 'now' });
    }

    async deleteKey(hash) {
      return this.#apply({ op: 'delete_key', hash, now_ms: Date.now() }, { mutates: 'now' });
    }

    async getKey(hash) {
      return this.#apply({ op: 'get_key', hash, now_ms: Date.now() });
    }

    async listKeys(includeDisabled = false) {
      return this.#apply({ op: 'list_keys', include_disabled: includeDisabled, now_ms: Date.now() });
    }

    // ---- BYOK: the account's own provider keys ---------------------------------------------------
    // Rows of `byok_keys` hold ciphertext only (byok.js encrypts in the worker). The ledger policy's
    // byok_providers is kept equal to the set of stored providers: each change commits both.

    /** The stored rows (cached in memory; [] before the first key). */
    #byokRows() {
      if (this.byokRows) return this.byokRows;
      if (!this.exists) return [];
      const table = this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'byok_keys'").toArray().length > 0;
      this.byokRows = table
        ? this.sql.exec('SELECT provider, kid, iv, ciphertext, label, created_at, updated_at FROM byok_keys ORDER BY provider').toArray()
        : [];
      return this.byokRows;
    }

    /** {data: [{provider, label, created_at, updated_at, kid}]}: never the key. */
    async listByok() {
      if (!this.exists) return NO_ACCOUNT;
      return { status: 200, body: { data: this.#byokRows().map(byokEntry) } };
    }

    /** Stores (or replaces) the key of `provider`: sealed = {kid, iv, ciphertext} from byok.js. */
    async putByok(provider, sealed, label) {
      // The ledger first: from here on nothing awaits I/O, so no other change interleaves
      // between reading the rows and committing both the policy and the row.
      if (!(await this.#ledger())) return NO_ACCOUNT;
      const rows = this.#byokRows();
      const providers = [...new Set([...rows.map((r) => r.provider), provider])].sort();
      const r = await this.configure({ byok_providers: providers });
      if (r.status !== 200) return r;
      const now = Date.now();
      const created = rows.find((x) => x.provider === provider)?.created_at ?? now;
      this.sql.exec(`CREATE TABLE IF NOT EXISTS byok_keys (provider TEXT PRIMARY KEY, kid TEXT NOT NULL,
        iv BLOB NOT NULL, ciphertext BLOB NOT NULL, label TEXT NOT NULL, created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL)`);
      this.sql.exec('INSERT OR REPLACE INTO byok_keys (provider, kid, iv, ciphertext, label, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        provider, sealed.kid, sealed.iv, sealed.ciphertext, label, created, now);
      this.byokRows = null;
      const row = this.#byokRows().find((x) => x.provider === provider);
      return { status: 200, body: { data: byokEntry(row) } };
    }

    async deleteByok(provider) {
      if (!(await this.#ledger())) return NO_ACCOUNT;
      const rows = this.#byokRows();
      if (!rows.some((r) => r.provider === provider)) {
        // A provider named in the policy without a stored key (set before keys were stored
        // here): deleting it brings the policy back in step with the stored keys.
        const policy = await this.#apply({ op: 'configure' });
        if (!policy.body?.policy?.byok_providers?.includes(provider)) {
          return { status: 404, body: { error: { code: 404, message: `no ${provider} key is stored for this account` } } };
        }
      }
      const r = await this.configure({ byok_providers: rows.map((x) => x.provider).filter((p) => p !== provider) });
      if (r.status !== 200) return r;
      this.sql.exec('DELETE FROM byok_keys WHERE provider = ?', provider);
      this.byokRows = null;
      return { status: 200, body: { deleted: true } };
    }

    // ---- operator ------------------------------------------------------------------------------

    /** grant | purchase | refund {id, amount, note?}. */
    async movement(kind, id, amount, note) {
      const command = { op: kind, id, amount, now_ms: Date.now() };
      if (note) command.note = note;
      return this.#apply(command, { mutates: 'now', create: true });
    }

    /** Account policy (allowed models/providers, ZDR, ...): the ledger's `configure`. */
    async configure(fields) {
      return this.#apply({ op: 'configure', ...fields }, { mutates: 'now', create: true });
    }

    /**
     * The demo account's key and credits, once: the key (its hash) is created if missing, the
     * grant is keyed by a fixed id so it happens at most once whatever the number of isolates.
     */
    async seedDemo(accountId, keyHash, label, creditsUsd) {
      if (!this.exists) this.#createTables();
      const seeded = this.sql.exec("SELECT v FROM meta WHERE k = 'demo_key_hash'").toArray()[0];
      if (seeded && seeded.v === keyHash) return { status: 200, body: { seeded: false } };
      const existing = await this.#apply({ op: 'get_key', hash: keyHash, now_ms: Date.now() }, { accountId, create: true });
      if (existing.status !== 200) {
        const r = await this.createKey({ hash: keyHash, name: 'Demo key', label }, accountId);
        if (r.status !== 200) return r;
      }
      const g = await this.movement('grant', 'demo-credits', creditsUsd, 'demo account credits');
      if (g.status !== 200 && g.status !== 409) return g;
      this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('demo_key_hash', ?)", keyHash);
      return { status: 200, body: { seeded: true } };
    }
  };
}

const byokEntry = (r) => ({
  provider: r.provider,
  label: r.label,
  created_at: new Date(r.created_at).toISOString(),
  updated_at: new Date(r.updated_at).toISOString(),
  kid: r.kid,
});

// Every key of an account that does not exist is unknown.
const NO_ACCOUNT = Object.freeze({ status: 401, body: { error: { code: 401, message: 'Invalid or unknown API key' } } });

// Generation records go to SQLite GENERATION_ROWS at a time, one statement each (a statement per
// record cost more than the rest of the flush): three bound parameters a row, within the 100 a
// Durable Object's SQLite statement may bind.
const GENERATION_ROWS = 32;
const generationInserts = new Map(); // rows → SQL text

function insertGenerations(sql, records, now) {
  const rows = [];
  for (const [id, body] of records) rows.push(id, now, body);
  for (let at = 0; at < rows.length; at += 3 * GENERATION_ROWS) {
    const chunk = rows.slice(at, at + 3 * GENERATION_ROWS);
    const n = chunk.length / 3;
    let text = generationInserts.get(n);
    if (!text) {
      text = `INSERT OR REPLACE INTO generations (id, created_at, body) VALUES ${Array(n).fill('(?, ?, ?)').join(', ')}`;
      generationInserts.set(n, text);
    }
    sql.exec(text, ...chunk);
  }
}

// take_log's result is {"log":[...]} (the core writes it compactly, keys in order): the array.
function logArrayText(text) {
  const prefix = '{"log":';
  if (text.startsWith(prefix) && text.endsWith('}')) return text.slice(prefix.length, -1);
  return JSON.stringify(JSON.parse(text).log ?? []);
}

/** A settle command (JSON text) with its generation details reduced to model and provider. */
function bareSettle(command) {
  try {
    const c = JSON.parse(command);
    const g = c.generation && typeof c.generation === 'object' ? c.generation : {};
    c.generation = { model: g.model, provider_name: g.provider_name };
    return JSON.stringify(c);
  } catch {
    return null;
  }
}

/** {op, now_ms} + a command given as an object or as JSON object text. */
function withOp(op, command, extra = null) {
  const now = Date.now();
  const members = extra ? JSON.stringify(extra).slice(1, -1) : '';
  const more = members ? `${members},` : '';
  if (typeof command === 'string') return `{"op":"${op}","now_ms":${now},${more}${command.slice(command.indexOf('{') + 1)}`;
  return { op, ...command, ...extra, now_ms: now };
}

export function errorResult(e) {
  if (e && e.name === 'SwitchyardError') {
    const body = e.toJSON();
    return { status: body.error.code ?? 500, body };
  }
  return { status: 500, body: { error: { code: 500, message: `account object: ${e && e.message ? e.message : e}` } } };
}
