// runtime.js: what one isolate holds for its whole life — the core instance (the WASI build,
// instantiated once from the imported WebAssembly.Module; Workers forbid compiling wasm from
// bytes), the configuration read from env, and the request Router (catalog + overlay + health +
// stickiness). Everything is created lazily on first use and shared by all requests of the
// isolate and by the Durable Objects that live in it. No per-request state lives here.
//
// If the core traps, the binding poisons that instance; the next use loads a fresh one (a Durable
// Object then restores its ledger from SQLite, a Router starts with empty health).
import { load } from '../workerd.js';
import { readConfig } from './config.js';

export class Runtime {
  /**
   * @param {WebAssembly.Module} wasm the WASI build of the core
   * @param {Array<{slug, wire, api_key_env}>} providers the catalog's providers
   */
  constructor(wasm, providers) {
    this.wasm = wasm;
    this.providers = providers;
    this.corePromise = null;
    this.core = null;
    this.config = null;
    this.configError = null;
    this.routers = new Map(); // purpose → Router ("requests", "health", "ledger")
    this.generation = 0;      // bumps when a broken core is replaced
  }

  /** The configuration from env (cached: env is fixed for an isolate's lifetime). */
  settings(env) {
    if (this.config) return this.config;
    if (this.configError) throw this.configError;
    try {
      this.config = readConfig(env, this.providers);
      return this.config;
    } catch (e) {
      this.configError = e;
      throw e;
    }
  }

  /** The core API (Router, Ledger, ...), loading it on first use or after a trap. */
  async sy() {
    if (this.core && !this.core.broken) return this.core;
    if (this.core && this.core.broken) {
      this.core = null;
      this.corePromise = null;
      this.routers.clear();
      this.generation++;
    }
    if (!this.corePromise) {
      this.corePromise = load(this.wasm).then(
        (api) => { this.core = api; return api; },
        (e) => { this.corePromise = null; throw e; });
    }
    return this.corePromise;
  }

  /**
   * A Router configured from env. `purpose` separates routers that must not share state: the
   * requests' router, the HealthObject's combined view, the ledger's catalog (price lookups).
   */
  async router(env, purpose = 'requests') {
    const sy = await this.sy();
    let r = this.routers.get(purpose);
    if (r && !r.freed) return r;
    const { overlay } = this.settings(env);
    r = new sy.Router({ overlay });
    this.routers.set(purpose, r);
    return r;
  }
}
