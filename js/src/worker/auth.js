// auth.js: from a request's bearer token to the caller's account and policy context.
//
// The key names its account (sk-sy-v1-<accountId>-<secret>), so the request goes straight to
// that account's Durable Object, which checks the key's SHA-256 against the ledger (constant-time
// comparison in the core). A successful check is cached per isolate for a few seconds so that
// the planner's policy context costs nothing on the hot path; the reservation re-validates the key
// in the Durable Object anyway, so a revoked key stops spending at once.
//
// For inference, the account object also returns the account's own provider keys (BYOK) as
// ciphertext; they are decrypted here (byok.js) and cached with the rest, as `byok`:
// Map(provider → {key} | {error}).
import { openKeys } from './byok.js';
import { HttpError } from './http.js';
import { bearer, keyLabel, parseKey, sha256Hex } from './keys.js';

const CACHE_TTL_MS = 5_000;
const CACHE_MAX = 10_000;
const EMPTY = new Map();
const accountIds = new WeakMap(); // ACCOUNTS namespace → Map(accountId → DurableObjectId)

/**
 * The caller: `value` (the cached key's fields) and `stub`, the account object's stub, made on
 * first use only (most requests on a credit lease never call the account object themselves, and
 * a stub is a call into the runtime). A stub belongs to the request that made it, as `caller`
 * does: each request gets its own.
 */
function withStub(value, env, made = null) {
  let stub = made;
  return {
    ...value,
    get stub() { return (stub ??= Authenticator.stub(env, value.accountId)); },
  };
}

export class Authenticator {
  constructor(runtime) {
    this.runtime = runtime;
    this.cache = new Map(); // `${use}:${keyHash}` → {expires, value}
    this.hashes = new Map(); // token → its SHA-256 (saves a digest per request of a known key)
    this.demoSeeded = null; // promise of the demo account's seeding, once per isolate
  }

  // A stub belongs to the request that made it (workerd), so each request gets its own; the id
  // it is made from is a plain value, derived (a hash of the name) once per account.
  static stub(env, accountId) {
    let ids = accountIds.get(env.ACCOUNTS);
    if (!ids) {
      ids = new Map();
      accountIds.set(env.ACCOUNTS, ids);
    }
    let id = ids.get(accountId);
    if (id === undefined) {
      id = env.ACCOUNTS.idFromName(accountId);
      if (ids.size >= CACHE_MAX) ids.delete(ids.keys().next().value);
      ids.set(accountId, id);
    }
    return env.ACCOUNTS.get(id);
  }

  /** Drops a cached key (after a 401/403 from the Durable Object). */
  forget(keyHash) {
    for (const use of ['inference', 'management', 'any']) this.cache.delete(`${use}:${keyHash}`);
  }

  /** Drops every cached key of an account (after its BYOK keys changed). */
  forgetAccount(accountId) {
    for (const [k, v] of this.cache) if (v.value.accountId === accountId) this.cache.delete(k);
  }

  /**
   * {accountId, keyHash, key, context, byok, stub} for the request's key, or an HttpError 401/403.
   * use: "inference" (API calls), "management" (/keys, /credits) or "any" (/key, /generation).
   */
  async authenticate(request, env, use = 'inference') {
    const token = bearer(request);
    if (!token) throw new HttpError(401, 'No auth credentials found');
    const parsed = parseKey(token);
    if (!parsed) throw new HttpError(401, 'Invalid API key');
    let keyHash = this.hashes.get(token);
    if (keyHash === undefined) {
      keyHash = await sha256Hex(token);
      if (this.hashes.size >= CACHE_MAX) this.hashes.delete(this.hashes.keys().next().value);
      this.hashes.set(token, keyHash);
    }
    const cacheKey = `${use}:${keyHash}`;
    const now = Date.now();
    const hit = this.cache.get(cacheKey);
    if (hit && hit.expires > now) return withStub(hit.value, env);
    const stub = Authenticator.stub(env, parsed.accountId);

    const config = this.runtime.settings(env);
    if (config.demoKey && token === config.demoKey) await this.#seedDemo(env, parsed.accountId, keyHash, token, config);

    const r = await stub.authenticate(keyHash, use);
    if (r.status !== 200) {
      const e = r.body?.error ?? {};
      throw new HttpError(r.status, e.message ?? 'Invalid API key', e.metadata);
    }
    const value = { accountId: parsed.accountId, keyHash, key: r.body.data, context: r.body.context, byok: EMPTY };
    if (r.body.byok) value.byok = await openKeys(config.byokSecret, parsed.accountId, r.body.byok);
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value);
    this.cache.set(cacheKey, { expires: now + CACHE_TTL_MS, value });
    return withStub(value, env, stub);
  }

  // The demo key (SWITCHYARD_DEMO_KEY) exists in its account with credits before its first use.
  async #seedDemo(env, accountId, keyHash, token, config) {
    this.demoSeeded ??= Authenticator.stub(env, accountId)
      .seedDemo(accountId, keyHash, keyLabel(token), config.demoCreditsUsd)
      .then((r) => {
        if (r.status !== 200) throw new HttpError(500, `seeding the demo account failed: ${r.body?.error?.message}`);
      })
      .catch((e) => { this.demoSeeded = null; throw e; });
    return this.demoSeeded;
  }
}
