// client.js: Switchyard, the router a web app (or a Node script) imports to call providers with
// the user's own keys, straight from the page — the openai SDK's shape, OpenRouter's responses.
//
//   const sy = await Switchyard.create({ keys: { groq: '...', anthropic: '...' }, budget: { limit_usd: '5' } });
//   const r = await sy.chat.completions.create({ model, models, provider, messages });
//   for await (const chunk of await sy.chat.completions.create({ ...body, stream: true })) { ... }
//   const m = await sy.messages.create({ model, max_tokens, messages });   // Anthropic Messages in
//   sy.generations.get(r.id);   // the /generation record: provider_responses, usage, cost
//
// Nothing is decided here. One Router (catalog + the user's configuration + health +
// stickiness, for the life of the object) plans each request into a core Session, which the
// shared host loop (loop.js) drives with the platform's fetch, exactly as the edge worker does;
// a local Ledger (the core's) holds the worst case before the call and charges what the core
// priced after it, so `budget` can never be overspent by concurrent requests. What is the
// page's and stays here:
//   - the keys: a key is added to an attempt only for its own provider, and only when the
//     attempt goes to that provider's configured origin (baseUrls[slug], else the catalog's
//     origin, pinned at its first use);
//   - the configuration as a catalog overlay, the same mechanism as the worker's
//     <SLUG>_BASE_URL: `base_urls` for baseUrls, and every provider without a key disabled
//     "unless_byok", so the planner never picks it and, when nothing is left, names the
//     providers a key would enable;
//   - `browser: true` in each session: the core then adds Anthropic's direct-browser-access
//     header and treats a provider's 401/403 as the user's key being refused;
//   - SSE parsing of the core's client bytes into chunk objects (the client of the page).

import { SwitchyardError as CoreError } from './binding.js';
import { sessionStream } from './loop.js';

// HTTP status → the core's sy_status_t (binding.js CODE_NAMES order), for SwitchyardError.code.
const CORE_STATUS = { 400: 1, 401: 2, 402: 3, 403: 4, 404: 5, 408: 6, 413: 7, 429: 8, 502: 9, 503: 10, 500: 11, 409: 12 };
const LOCAL_KEY_HASH = '5c0ca1000000000000000000000000000000000000000000000000000000000a';
// Credits of the local ledger: the budget is the key's limit, so credits only need to be
// plentiful (a picodollar int64 holds ~$9.2M).
const LOCAL_CREDITS_USD = '1000000';

/**
 * An error of a Switchyard call: `status` is the HTTP status of the error (402 for a budget
 * refusal, 404 when no provider with a key serves the model, the provider's status class for
 * upstream failures), `code` the stable name ("payment_required", ...), `metadata` the error's
 * metadata (`provider_name`, `raw`, `reasons`, ...). `body` is the error body in the caller's
 * format (OpenRouter's, or Anthropic's for messages.create), `generationId` the request's id.
 * A subclass of the binding's SwitchyardError, whose `status` is the core's status number.
 */
export class SwitchyardError extends CoreError {
  constructor(status, body, options = {}) {
    const error = body && typeof body === 'object' && body.error && typeof body.error === 'object' ? body.error : {};
    const core = CORE_STATUS[status] ?? (status >= 500 ? 9 : 1);
    super(core, { error: { code: status, message: error.message ?? `status ${status}`, metadata: error.metadata ?? null } }, options);
    /** The HTTP status (402, 404, 502, ...). */
    this.status = status;
    this.httpStatus = status;
    /** The core's status number (binding.js SwitchyardError.status). */
    this.coreStatus = core;
    if (status === 499) this.code = 'cancelled';
    this.body = body ?? null;
    this.generationId = options.generationId ?? null;
  }

  /** From an error the binding threw (a refused plan, a refused reservation). */
  static from(e, generationId = null) {
    if (e instanceof SwitchyardError) return e;
    if (e instanceof CoreError) return new SwitchyardError(e.httpStatus, e.toJSON(), { cause: e, generationId });
    return e;
  }
}

const noop = () => {};

/**
 * The local ledger states a refusal as a key's (this object's budget is a key limit there): say
 * "budget", which is what the app set.
 */
function budgetRefusal(err) {
  if (!(err instanceof SwitchyardError) || err.status !== 402 || err.metadata?.reason !== 'key_limit') return err;
  err.message = err.message.replace(/^Key limit exceeded(?: \((\w+) limit\))?/, (_, reset) => `Budget exceeded${reset ? ` (${reset} budget)` : ''}`)
    .replace('the key has', 'the budget has')
    .replace(/^This request requires more credits, or fewer max_tokens\./, 'The budget does not cover this request: raise it, or ask for fewer max_tokens.');
  if (err.body?.error) err.body.error.message = err.message;
  return err;
}

function randomHex(bytes) {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
function randomSeed() {
  const [hi, lo] = crypto.getRandomValues(new Uint32Array(2));
  return (hi & 0x1fffff) * 2 ** 32 + lo; // 53 bits: exact as a JSON number
}

const inBrowser = () => typeof document !== 'undefined' || (typeof self !== 'undefined' && typeof self.importScripts === 'function');

function checkUrl(slug, url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`switchyard: baseUrls.${slug} is not a URL: ${url}`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new TypeError(`switchyard: baseUrls.${slug} must be http(s), not ${u.protocol}`);
  return String(url).replace(/\/+$/, '');
}

export class Switchyard {
  /**
   * @param {object} options see types/client.d.ts (SwitchyardOptions)
   * `core`: an API from load() to use (else the package's entry loads one with `wasm`/`factory`).
   */
  static async create(options = {}) {
    const core = options.core ?? await this.loadCore(options);
    return new this(core, options);
  }

  /** Loads the core; the package entries (node.js, browser.js) provide it. */
  static async loadCore() {
    throw new TypeError("switchyard: import { Switchyard } from 'switchyard' (the package entry loads the core), or pass options.core");
  }

  #core;
  #router;
  #ledger;
  #keys = new Map();
  #origins = new Map(); // slug → the origin its key may go to
  #fetch;
  #now;
  #limits;
  #browser;
  #record;

  constructor(core, options = {}) {
    const { keys = {}, baseUrls = {}, budget = null } = options;
    if (keys === null || typeof keys !== 'object') throw new TypeError('switchyard: keys must be an object {provider slug: key}');
    this.#core = core;
    this.#fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.#now = options.now ?? Date.now;
    this.#limits = options.limits ?? {};
    this.#browser = options.browser ?? true;
    this.#record = options.record ?? {};

    const router = new core.Router({ ...(options.catalog ? { catalog: options.catalog } : {}), ...(options.presets ? { presets: options.presets } : {}) });
    try {
      const slugs = new Set(router.providers().data.map((p) => p.slug));
      for (const bag of [['keys', keys], ['baseUrls', baseUrls ?? {}]]) {
        for (const slug of Object.keys(bag[1])) {
          if (!slugs.has(slug)) throw new TypeError(`switchyard: ${bag[0]}.${slug}: no provider "${slug}" in the catalog`);
        }
      }
      for (const [slug, key] of Object.entries(keys)) {
        if (typeof key !== 'string' || key === '') throw new TypeError(`switchyard: keys.${slug} must be a non-empty string`);
        this.#keys.set(slug, key);
      }
      const base_urls = {};
      for (const [slug, url] of Object.entries(baseUrls ?? {})) {
        base_urls[slug] = checkUrl(slug, url);
        this.#origins.set(slug, new URL(base_urls[slug]).origin);
      }
      // The worker's mechanism (config.js): providers without a key are disabled unless the
      // account holds its own key, which no request here does — so they are never planned, and a
      // plan left empty names them ("usable with your own provider key for ...").
      const disable = [...slugs].filter((s) => !this.#keys.has(s)).map((provider) => ({ provider, unless_byok: true }));
      router.overlay({ ...(options.overlay ?? {}), base_urls: { ...(options.overlay?.base_urls ?? {}), ...base_urls }, disable: [...(options.overlay?.disable ?? []), ...disable] });
    } catch (e) {
      router.free();
      throw SwitchyardError.from(e);
    }
    this.#router = router;

    // The local ledger: credits aplenty, the budget is the one key's limit (reset daily,
    // weekly or monthly if asked), so a reservation that would pass it is refused with 402.
    // options.ledger: a state from exportLedger() (spend so far, records), e.g. kept by the app in
    // IndexedDB; the budget given now applies to it.
    const now = this.#now();
    const limits = { limit: budget?.limit_usd ?? null, limit_reset: budget?.reset ?? null, now_ms: now };
    let ledger;
    try {
      ledger = new core.Ledger(options.ledger ?? null, { router });
      if (options.ledger) {
        ledger.apply({ op: 'update_key', hash: LOCAL_KEY_HASH, ...limits });
      } else {
        ledger.apply({ op: 'configure', account_id: 'local', settings: { max_generations: options.maxGenerations ?? 1000 } });
        ledger.apply({ op: 'grant', id: 'local-credits', amount: LOCAL_CREDITS_USD, now_ms: now, note: 'local ledger' });
        ledger.apply({ op: 'create_key', hash: LOCAL_KEY_HASH, name: 'local', ...limits });
      }
    } catch (e) {
      ledger?.free();
      router.free();
      throw SwitchyardError.from(e);
    }
    this.#ledger = ledger;

    const self = this;
    this.chat = Object.freeze({
      completions: Object.freeze({
        /** POST /chat/completions: an object, or with stream:true an async iterable of chunks. */
        create: (body, options) => self.#request(body, 'openai', options),
      }),
    });
    this.messages = Object.freeze({
      /** Anthropic Messages in, any provider out: a Message, or an async iterable of events. */
      create: (body, options) => self.#request(body, 'anthropic', options),
    });
    this.responses = Object.freeze({
      /** OpenAI Responses in (stateless), any provider out: a `response`, or an async iterable of events. */
      create: (body, options) => self.#request(body, 'responses', options),
    });
    this.embeddings = Object.freeze({
      /** POST /embeddings: {object:"list", data:[{embedding, index}], usage:{cost, ...}}. */
      create: (body, options) => self.#request(body, 'embeddings', options),
    });
    this.generations = Object.freeze({
      /** The /generation record of a settled generation (provider_responses, usage, cost). */
      get: (id) => {
        try {
          const r = self.#ledger.apply({ op: 'generation', id });
          return r?.data ?? r;
        } catch (e) {
          throw SwitchyardError.from(e, id);
        }
      },
    });
    this.models = Object.freeze({
      /** GET /models of the catalog (every model; the routable ones have a keyed provider). */
      list: (query) => self.#router.models(query),
    });
  }

  /** The providers this router may call (those with a key), sorted. */
  get providers() { return [...this.#keys.keys()].sort(); }

  /** The local budget as GET /key reports it: {limit, limit_remaining, usage, ...}. */
  budget() {
    const r = this.#ledger.apply({ op: 'key_info', key_hash: LOCAL_KEY_HASH, now_ms: this.#now() });
    return r?.data ?? r;
  }

  /** The router's health snapshot (for persisting it: restoreHealth on a later page). */
  health() { return this.#router.health(this.#now()); }
  restoreHealth(snapshot) { this.#router.mergeHealth(snapshot, this.#now()); }

  /** The ledger's state, to keep spend and records across page loads (options.ledger). */
  exportLedger() { return this.#ledger.export(); }

  /** Releases the core objects. */
  close() {
    this.#ledger.free();
    this.#router.free();
  }

  // ---- one request ------------------------------------------------------------------------

  async #request(body, format, { signal, onPlan } = {}) {
    if (body === null || typeof body !== 'object') throw new TypeError('switchyard: the request body must be an object');
    signal?.throwIfAborted?.();
    const now = this.#now();
    const id = `gen-${Math.floor(now / 1000)}-${randomHex(10)}`;
    const L = this.#limits;
    let session;
    try {
      session = this.#router.session({
        request: body, now_ms: now, seed: randomSeed(), format, generation_id: id,
        created: Math.floor(now / 1000), browser: this.#browser,
        limits: {
          ...(L.connectMs ? { connect_ms: L.connectMs } : {}), ...(L.firstTokenMs ? { first_token_ms: L.firstTokenMs } : {}),
          ...(L.idleMs ? { idle_ms: L.idleMs } : {}), ...(L.totalMs ? { total_ms: L.totalMs } : {}),
          ...(L.maxResponseBytes ? { max_response_bytes: L.maxResponseBytes } : {}),
        },
        record: this.#record, // the core adds the request's user and session_id
      });
    } catch (e) {
      throw this.#planError(e, id);
    }
    const p = session.plan;
    try {
      onPlan?.(p);
    } catch (e) {
      session.free();
      throw e;
    }
    try {
      this.#ledger.apply({
        op: 'reserve', id, key_hash: LOCAL_KEY_HASH, now_ms: now,
        estimated_prompt_tokens: p.estimated_prompt_tokens,
        ...(p.max_tokens != null ? { max_tokens: p.max_tokens } : {}),
        attempts: p.attempts.map((a) => ({ endpoint: a.endpoint, byok: a.byok })),
      });
    } catch (e) {
      session.free();
      throw budgetRefusal(SwitchyardError.from(e, id));
    }

    const bytes = sessionStream(session, this.#host(signal));
    const it = bytes[Symbol.asyncIterator]();
    const finished = bytes.result.then(
      (final) => { this.#account(id, final); return final; },
      (e) => { this.#account(id, null); throw e; },
    ).finally(() => session.free());
    finished.catch(noop);

    if (p.stream !== true) {
      // Buffered: no bytes come out; the final step is the response.
      let final;
      try {
        final = await finished;
      } catch (e) {
        throw SwitchyardError.from(e, id);
      }
      return this.#answer(final, format, id, signal);
    }

    // Streamed: resolve once the first client bytes are out (fallback is over) or the session
    // ended without any (an error before the first byte throws here, as a buffered call would).
    let first;
    try {
      first = await it.next();
    } catch (e) {
      throw SwitchyardError.from(e, id);
    }
    if (first.done) {
      const final = await finished.catch((e) => { throw SwitchyardError.from(e, id); });
      if (final.step === 'respond') return this.#answer(final, format, id, signal);
      return chunks(emptyBytes(), finished, id, null, signal);
    }
    return chunks(it, finished, id, first.value, signal);
  }

  /** The host of the loop: the platform's fetch, the keys, the signal. */
  #host(signal) {
    const fetch = this.#fetch;
    const browser = inBrowser();
    return {
      fetch: async (url, init) => {
        try {
          return await fetch(url, init);
        } catch (e) {
          // A page sees a provider that refuses cross-origin calls as a bare network error.
          if (browser && e instanceof TypeError && !init.signal?.aborted) {
            throw new TypeError(`${e.message}: no response from ${new URL(url).origin} (a network error, or a provider that does not allow calls from a web page: CORS)`);
          }
          throw e;
        }
      },
      secretFor: (step) => this.#secretFor(step),
      now: this.#now,
      signal: signal ?? null,
    };
  }

  /** The user's key for an attempt: only its own provider's, only to that provider's origin. */
  #secretFor(step) {
    const slug = step.provider;
    const key = this.#keys.get(slug);
    if (!key) return { unavailable: `no key for provider ${slug}: pass keys.${slug} to Switchyard.create` };
    const origin = new URL(step.request.url).origin;
    const allowed = this.#origins.get(slug);
    if (allowed === undefined) {
      this.#origins.set(slug, origin);
    } else if (allowed !== origin) {
      return { unavailable: `the ${slug} key is only sent to ${allowed}, not to ${origin}` };
    }
    return key;
  }

  /** After the session: charge what the core priced, or free the hold. Never throws. */
  #account(id, final) {
    const now = this.#now();
    try {
      if (final?.settle) this.#ledger.apply({ now_ms: now, ...final.settle, op: 'settle', reply: 'none' });
      else this.#ledger.apply({ op: 'release', id, now_ms: now });
    } catch (e) {
      // A settle the ledger refuses (it should not): free the hold rather than keep it.
      try { this.#ledger.apply({ op: 'release', id, now_ms: now }); } catch { /* already closed */ }
      console.error(`switchyard: settling ${id} failed: ${e && e.message}`);
    }
  }

  /** A final "respond" step as the caller's value, or the error it carries. */
  #answer(final, format, id, signal) {
    const text = final.body ?? '';
    let value = null;
    try {
      value = text ? JSON.parse(text) : null;
    } catch { /* not JSON: reported below */ }
    if (final.status >= 400) {
      if (final.status === 499 && signal?.aborted) throw signal.reason ?? abortError();
      const body = value ?? { error: { code: final.status, message: text || `status ${final.status}` } };
      throw new SwitchyardError(final.status, normaliseError(body, final.status), { generationId: id });
    }
    if (value === null) throw new SwitchyardError(502, { error: { code: 502, message: 'the response body is not JSON' } }, { generationId: id });
    return value;
  }

  /** A refused plan; a plan left empty by missing keys says which keys would help. */
  #planError(e, id) {
    const err = SwitchyardError.from(e, id);
    if (err instanceof SwitchyardError && err.status === 404 && Array.isArray(err.metadata?.reasons)) {
      const missing = new Set();
      for (const r of err.metadata.reasons) {
        const slug = typeof r.tag === 'string' ? r.tag.split('/')[0] : null;
        if (slug && /disabled/.test(r.reason ?? '') && !this.#keys.has(slug)) missing.add(slug);
      }
      if (missing.size) {
        const names = [...missing].sort();
        err.message += ` — no key for ${names.join(', ')} (Switchyard.create was given keys for: ${this.providers.join(', ') || 'none'})`;
        err.metadata = { ...err.metadata, missing_keys: names };
      }
    }
    return err;
  }
}

// Anthropic's error shape {type:"error", error:{type, message}} keeps its body; `error.metadata`
// is read from OpenRouter's.
function normaliseError(body, status) {
  if (body && body.type === 'error' && body.error) return { ...body, error: { ...body.error, code: status } };
  return body;
}

function abortError() {
  return typeof DOMException === 'function' ? new DOMException('This operation was aborted', 'AbortError') : new Error('aborted');
}

async function* emptyBytes() { /* nothing */ }

/**
 * The client bytes of a stream as chunk objects: OpenRouter's chat.completion.chunk objects, or
 * Anthropic's events ({type, ...}) for messages.create, Responses events for responses.create. SSE
 * comments are skipped and `[DONE]` ends it. An in-band error (a chunk with `error`, Anthropic's
 * `error` event, or Responses' response.failed) is yielded, and the
 * iteration then throws it as a SwitchyardError once the stream has ended (its usage chunk
 * included). Leaving the loop early cancels the upstream call; what was generated is billed.
 */
function chunks(it, finished, id, first, signal) {
  const decoder = new TextDecoder();
  let inBand = null;
  async function* events() {
    let buffer = '';
    let ended = false;
    const parse = function* (text) {
      buffer += text;
      let at;
      while ((at = buffer.search(/\r?\n\r?\n/)) !== -1) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at).replace(/^\r?\n\r?\n/, '');
        const data = block.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
        if (data === '' || data === '[DONE]') continue;
        let value;
        try {
          value = JSON.parse(data);
        } catch {
          continue; // the core only emits JSON events; nothing else is a chunk
        }
        if (value && (value.error || value.type === 'error' || value.type === 'response.failed')) {
          if (signal?.aborted) continue; // the caller stopped it: the abort is what it sees
          inBand ??= value;
        }
        yield value;
      }
    };
    try {
      if (first) yield* parse(decoder.decode(first, { stream: true }));
      for (;;) {
        const r = await it.next();
        if (r.done) break;
        yield* parse(decoder.decode(r.value, { stream: true }));
      }
      yield* parse(decoder.decode() + '\n\n');
      ended = true;
    } finally {
      if (!ended) {
        // Early exit (break, a throw in the loop body): the client left. Return once what was
        // generated is settled, so generations.get() sees it.
        await it.return?.();
        await finished.catch(noop);
      }
    }
    try {
      await finished;
    } catch (e) {
      throw SwitchyardError.from(e, id);
    }
    if (signal?.aborted) throw signal.reason ?? abortError();
    if (inBand) {
      const status = typeof inBand.error?.code === 'number' ? inBand.error.code : 502;
      const body = inBand.type === 'response.failed'
        ? { error: { code: status, message: inBand.response?.error?.message ?? 'provider error' } }
        : inBand;
      throw new SwitchyardError(status, normaliseError(body, status), { generationId: id });
    }
  }
  const gen = events();
  return {
    /** The generation id (also every chunk's `id` for chat; Anthropic's message id differs). */
    generationId: id,
    [Symbol.asyncIterator]() { return gen; },
    /** Stops the stream (as `break` does). */
    async cancel() { await gen.return(undefined); },
  };
}
