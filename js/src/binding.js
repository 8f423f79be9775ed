// binding.js: the one JS binding over the C ABI of core/include/switchyard/c_api/c_api.h, plus the
// simulator's entry point of c_sim.h where the module has it.
//
// It is written against "a WebAssembly instance's exports": the sy_* functions and `memory`.
// Three modules are built from the one core, and the browser, Node and workerd loaders all end
// in bind(exports):
//   - the router modules (the npm package's Emscripten switchyard.wasm, the edge worker's WASI
//     one) export every c_api.h name and no simulator: Router.simulate() throws "unavailable";
//   - the simulator's module (switchyard-sim.wasm, loadSimulator()) exports c_sim.h and the
//     router calls a simulation needs (C_SIM_ROUTER_FUNCTIONS): Router construction, overlay()
//     and simulate() work, every other call throws "unavailable" (the instance stays usable).
//
// Per call: the input (JSON text or raw bytes) is copied into memory from sy_alloc, the function
// runs, the handle's result buffer is decoded, the input freed. A non-zero status becomes a
// thrown SwitchyardError carrying the documented error body. Handles (Router, Plan, Session,
// Ledger) own a core object: free() releases it at once, a FinalizationRegistry
// releases it if the JS object is collected first, and free() twice is harmless.
//
// A trap inside the core (an abort, out of memory, a WASI stub refusing a call) leaves the
// instance in an unknown state: the binding turns it into a SwitchyardError with code
// "internal" and refuses every later call on that instance. Load a new one to continue.

export const ABI_VERSION = 2;

// Names and HTTP statuses by sy_status_t value (switchyard::CodeName / HttpStatus).
const CODE_NAMES = [
  'ok', 'invalid_argument', 'unauthorized', 'payment_required', 'forbidden', 'not_found',
  'timeout', 'too_large', 'rate_limited', 'upstream_error', 'unavailable', 'internal', 'conflict',
];
const HTTP_STATUS = [200, 400, 401, 402, 403, 404, 408, 413, 429, 502, 503, 500, 409];
const STATUS_INTERNAL = 11;
const STATUS_INVALID_ARGUMENT = 1;
const STATUS_UNAVAILABLE = 10;

/** A non-zero sy_status_t, with the core's error body {"error":{code,message,metadata}}. */
export class SwitchyardError extends Error {
  constructor(status, body, options) {
    const error = body && typeof body === 'object' && body.error ? body.error : {};
    const message = typeof error.message === 'string' ? error.message : `status ${status}`;
    super(message, options);
    this.name = 'SwitchyardError';
    /** The sy_status_t value (SY_INVALID_ARGUMENT = 1, ...). */
    this.status = status;
    /** The stable code name: "invalid_argument", "not_found", ... */
    this.code = CODE_NAMES[status] ?? 'internal';
    /** The HTTP status the documented error shape uses for this code. */
    this.httpStatus = typeof error.code === 'number' ? error.code : (HTTP_STATUS[status] ?? 500);
    /** error.metadata: the offending `field`, `reasons`, `provider_name`, ... or null. */
    this.metadata = error.metadata ?? null;
  }

  /** The documented error body, ready to send to a client. */
  toJSON() {
    const error = { code: this.httpStatus, message: this.message };
    if (this.metadata) error.metadata = this.metadata;
    return { error };
  }
}

/** Every function of c_api.h, in header order (tests/js/exports.test.mjs checks both lists). */
export const C_API_FUNCTIONS = Object.freeze([
  'sy_abi_version', 'sy_alloc', 'sy_free', 'sy_last_error',
  'sy_router_new', 'sy_router_free', 'sy_router_result', 'sy_router_overlay', 'sy_router_models',
  'sy_router_endpoints', 'sy_router_error', 'sy_router_providers', 'sy_router_observe', 'sy_router_health',
  'sy_router_health_merge', 'sy_router_plan', 'sy_plan_free', 'sy_plan_result',
  'sy_router_session', 'sy_session_free', 'sy_session_result', 'sy_session_next',
  'sy_session_respond', 'sy_session_stream_open', 'sy_session_stream_feed',
  'sy_session_stream_ended', 'sy_session_stream_finish',
  'sy_ledger_new', 'sy_ledger_free', 'sy_ledger_result', 'sy_ledger_apply', 'sy_ledger_export',
]);

/**
 * Every function of c_sim.h (the routing simulator), in header order: exported by the
 * simulator's module only. Router.simulate() works when the module exports them, and throws
 * "unavailable" otherwise.
 */
export const C_SIM_FUNCTIONS = Object.freeze(['sy_router_simulate']);

/**
 * The functions of c_api.h that the simulator's module exports besides c_sim.h's (the list
 * wasm/browser/CMakeLists.txt links it with; tests/js/exports.test.mjs checks the built module).
 */
export const C_SIM_ROUTER_FUNCTIONS = Object.freeze([
  'sy_abi_version', 'sy_alloc', 'sy_free', 'sy_last_error',
  'sy_router_new', 'sy_router_free', 'sy_router_result', 'sy_router_overlay',
]);

/**
 * Binds the exports of one Switchyard instance. Returns the package API for that instance:
 * { Router, Plan, Session, Ledger, SwitchyardError, abiVersion, hasRouter, hasSimulator, exports }.
 */
export function bind(exports) {
  const has = (name) => typeof exports[name] === 'function';
  const router = C_API_FUNCTIONS.every(has);
  const simulator = C_SIM_ROUTER_FUNCTIONS.every(has) && C_SIM_FUNCTIONS.every(has);
  if (!(exports.memory instanceof WebAssembly.Memory)) throw new Error('switchyard: the wasm module does not export memory');
  if (!router && !simulator) {
    const absent = C_API_FUNCTIONS.filter((name) => !has(name));
    throw new Error(`switchyard: the wasm module does not export ${absent.join(', ')}`);
  }
  const core = new Core(exports);
  const abi = core.call(exports.sy_abi_version) >>> 0;
  if (abi !== ABI_VERSION) {
    throw new Error(`switchyard: the wasm module has ABI version ${abi}, this binding expects ${ABI_VERSION}`);
  }
  return makeApi(core, abi);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

function toBytes(input, what, chunks = false) {
  if (input === undefined || input === null) return null;
  if (typeof input === 'string') return input; // encoded straight into core memory
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  // A body as it arrived, in chunks: each goes straight into core memory, never joined in JS
  // first (a large answer is then held once in JS, not twice).
  if (chunks && Array.isArray(input)) {
    return input.map((c) => {
      const b = toBytes(c, what);
      if (!(b instanceof Uint8Array)) throw new TypeError(`switchyard: ${what} chunks must be Uint8Arrays or ArrayBuffers`);
      return b;
    });
  }
  throw new TypeError(`switchyard: ${what} must be a string, Uint8Array or ArrayBuffer${chunks ? ' (or an array of them)' : ''}`);
}

// JSON for the core: objects are serialised; a string is taken as JSON text already (both are
// encoded straight into core memory by Core.put).
function toJsonBytes(value) {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  return JSON.stringify(value);
}

// Inputs are staged in one block of core memory that the binding keeps (grown when an input does
// not fit, never shrunk past STAGE_KEEP): c_api.h lets the core read an input only during the
// call, so one block serves every call, with no sy_alloc/sy_free pair per call. Strings are
// encoded straight into it (TextEncoder.encodeInto), not into a temporary array first.
const STAGE_MIN = 16 * 1024;
const STAGE_KEEP = 1024 * 1024; // a larger block is freed after the call that needed it
const STAGE_ALIGN = 8;

// The memory-level part: calls, buffers, the trap guard.
class Core {
  constructor(exports) {
    this.exports = exports;
    this.memory = exports.memory;
    this.broken = null;
    this.u8 = null; // views of memory.buffer, renewed when the memory grows
    this.dv = null;
    this.stage = 0; // the staging block (0: none yet)
    this.stageSize = 0;
    // Two out-params (a size_t and a handle pointer), allocated once for this instance.
    this.scratch = this.call(exports.sy_alloc, 8) >>> 0;
    if (this.scratch === 0) throw new Error('switchyard: out of memory');
  }

  // Every call into the core goes through here: a trap poisons the instance. (Fixed arity: a
  // wasm export ignores the arguments it does not declare.)
  call(fn, a, b, c, d, e) {
    if (this.broken) throw this.broken;
    if (fn.absent) throw fn.absent();  // not in this module: a refusal, not a trap
    try {
      return fn(a, b, c, d, e);
    } catch (cause) {
      this.broken = new SwitchyardError(STATUS_INTERNAL, {
        error: {
          code: 500,
          message: `the Switchyard core trapped (${cause && cause.message ? cause.message : cause}); ` +
            'this instance can no longer be used: load a new one',
        },
      }, { cause });
      throw this.broken;
    }
  }

  // The current view of memory (a grown memory has a new buffer).
  view() {
    const buffer = this.memory.buffer;
    if (this.u8 === null || this.u8.buffer !== buffer) {
      this.u8 = new Uint8Array(buffer);
      this.dv = new DataView(buffer);
    }
    return this.u8;
  }

  // The staging block, at least `size` bytes.
  staging(size) {
    if (size <= this.stageSize) return this.stage;
    if (this.stage !== 0) this.exports.sy_free(this.stage);
    this.stage = 0;
    this.stageSize = 0;
    // Room to spare for ordinary inputs; an outsized one gets exactly its size (wasm memory
    // never shrinks, so it must not be doubled).
    let want = STAGE_MIN;
    while (want < size && want < STAGE_KEEP) want *= 2;
    if (want < size) want = size;
    const ptr = this.call(this.exports.sy_alloc, want) >>> 0; // addresses are unsigned
    if (ptr === 0) throw new SwitchyardError(STATUS_INTERNAL, { error: { message: 'out of memory in the Switchyard core' } });
    this.stage = ptr;
    this.stageSize = want;
    return ptr;
  }

  // After a call that needed an outsized block: give it back.
  trimStaging() {
    if (this.stageSize > STAGE_KEEP && !this.broken) {
      this.exports.sy_free(this.stage);
      this.stage = 0;
      this.stageSize = 0;
    }
  }

  // Writes input (null, a string or bytes) into memory at `at` (room: `room` bytes, enough for
  // inputSize(input)); returns its length in bytes.
  put(input, at, room) {
    if (input === null) return 0;
    const u8 = this.view();
    if (typeof input === 'string') return encoder.encodeInto(input, u8.subarray(at, at + room)).written;
    if (Array.isArray(input)) {
      let n = 0;
      for (const c of input) { u8.set(c, at + n); n += c.length; }
      return n;
    }
    u8.set(input, at);
    return input.length;
  }

  // Runs fn(ptr, len) with `input` (null, a JSON/text string or bytes) in core memory; (0, 0)
  // for no input.
  withInput(value, fn) {
    const input = staged(value);
    const size = inputSize(input);
    if (size === 0) return fn(0, 0);
    const at = this.staging(size);
    const n = this.put(input, at, size);
    try {
      return n === 0 ? fn(0, 0) : fn(at, n);
    } finally {
      this.trimStaging();
    }
  }

  // Two inputs at once (a report and a body): fn(ptr1, len1, ptr2, len2).
  withInputs(firstValue, secondValue, fn) {
    const first = staged(firstValue);
    const second = staged(secondValue);
    const a = inputSize(first);
    const b = inputSize(second);
    const offset = (a + STAGE_ALIGN - 1) & ~(STAGE_ALIGN - 1);
    const at = this.staging(offset + b);
    const n1 = this.put(first, at, a);
    const n2 = this.put(second, at + offset, b);
    try {
      return fn(n1 ? at : 0, n1, n2 ? at + offset : 0, n2);
    } finally {
      this.trimStaging();
    }
  }

  // The result buffer of a handle: [ptr, size].
  result(resultFn, handle) {
    const ptr = this.call(resultFn, handle, this.scratch) >>> 0;
    this.view();
    return [ptr, this.dv.getUint32(this.scratch, true)];
  }

  // The bytes of a result buffer (copied out: the buffer dies at the next call on the handle).
  readResult(resultFn, handle) {
    const [ptr, size] = this.result(resultFn, handle);
    if (ptr === 0 || size === 0) return EMPTY;
    return this.u8.slice(ptr, ptr + size);
  }

  readText(resultFn, handle) {
    const [ptr, size] = this.result(resultFn, handle);
    if (ptr === 0 || size === 0) return '';
    return decoder.decode(this.u8.subarray(ptr, ptr + size));
  }

  readJson(resultFn, handle) {
    const text = this.readText(resultFn, handle);
    return text === '' ? null : JSON.parse(text);
  }

  // A session step that may carry parts (the session's "parts": true): its JSON up to the first
  // newline, then the bytes of each part it lists, set at their fields — never unescaped: a part
  // over PART_BYTES as a Uint8Array (copied out, not decoded: an embeddings answer of many MB), a
  // smaller one decoded to a string (a short string costs V8 less than a small ArrayBuffer).
  // Without a newline the whole result is the JSON.
  readStep(resultFn, handle) {
    const [ptr, size] = this.result(resultFn, handle);
    if (ptr === 0 || size === 0) return null;
    const all = this.u8.subarray(ptr, ptr + size);
    const nl = all.indexOf(10);
    if (nl < 0) return JSON.parse(decoder.decode(all));
    const step = JSON.parse(decoder.decode(all.subarray(0, nl)));
    let at = ptr + nl + 1;
    for (const { field, bytes } of step.parts ?? []) {
      const path = field.split('.');
      let into = step;
      for (let i = 0; i < path.length - 1; i++) into = into[path[i]] ??= {};
      into[path[path.length - 1]] = bytes > PART_BYTES ? this.u8.slice(at, at + bytes) : decoder.decode(this.u8.subarray(at, at + bytes));
      at += bytes;
    }
    if (at !== ptr + size) throw new SwitchyardError(STATUS_INTERNAL, { error: { code: 500, message: 'a session step\'s parts do not add up to its size' } });
    delete step.parts;
    return step;
  }

  // The error of a failed call, from the handle's buffer or (handle 0) sy_last_error.
  error(status, resultFn, handle) {
    const text = handle ? this.readText(resultFn, handle)
                        : this.readText((_, size) => this.exports.sy_last_error(size), 0);
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = { error: { message: text || `status ${status}` } };
    }
    return new SwitchyardError(status, body);
  }

  // A command on a handle: status check, then the JSON (or raw bytes) of its result buffer.
  command(status, resultFn, handle, raw = false) {
    if (status !== 0) throw this.error(status, resultFn, handle);
    return raw ? this.readResult(resultFn, handle) : this.readJson(resultFn, handle);
  }

  // A constructor: fn(outPtr) fills *out; returns the new handle pointer.
  construct(fn, errorResultFn, errorHandle) {
    const view = () => new DataView(this.memory.buffer);
    view().setUint32(this.scratch + 4, 0, true);
    const status = fn(this.scratch + 4);
    if (status !== 0) throw this.error(status, errorResultFn, errorHandle);
    const handle = view().getUint32(this.scratch + 4, true);
    if (handle === 0) throw this.error(STATUS_INTERNAL, errorResultFn, errorHandle);
    return handle;
  }
}

const EMPTY = new Uint8Array(0);

// A session step's part larger than this comes as bytes, a smaller one as a string (readStep).
const PART_BYTES = 16 * 1024;

// A string longer than this is encoded to bytes first (its exact size), not into 3 bytes of
// core memory per UTF-16 unit.
const STRING_DIRECT = 64 * 1024;

// The input as Core.put takes it: null, bytes, or a string short enough to encode in place.
function staged(input) {
  if (input === undefined || input === null) return null;
  return typeof input === 'string' && input.length > STRING_DIRECT ? encoder.encode(input) : input;
}

// Bytes of core memory an input needs: its length, or for a string the most its UTF-8 can take
// (encodeInto writes at most 3 bytes per UTF-16 unit).
function inputSize(input) {
  if (input === null) return 0;
  if (Array.isArray(input)) return input.reduce((n, c) => n + c.length, 0);
  return typeof input === 'string' ? input.length * 3 : input.length;
}

function makeApi(core, abiVersion) {
  const hasRouter = C_API_FUNCTIONS.every((name) => typeof core.exports[name] === 'function');
  const hasSimulator = C_SIM_FUNCTIONS.every((name) => typeof core.exports[name] === 'function');
  // A function this module does not have stands in as one that refuses (see Core.call).
  const x = { ...core.exports };
  for (const name of [...C_API_FUNCTIONS, ...C_SIM_FUNCTIONS]) {
    if (typeof x[name] === 'function') continue;
    const absent = () => absentError(name);
    x[name] = Object.assign(() => { throw absent(); }, { absent });
  }

  // Releases core objects whose JS owner was collected without free(). Held values never
  // reference the owner, or it could not be collected.
  const registry = typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry(({ free, ptr }) => {
      if (!core.broken) free(ptr);
    })
    : null;

  class Handle {
    #ptr;
    #free;
    #kind;
    constructor(kind, ptr, free) {
      this.#kind = kind;
      this.#ptr = ptr;
      this.#free = free;
      registry?.register(this, { free, ptr }, this);
    }

    /** The core pointer; throws once freed. */
    get ptr() {
      if (this.#ptr === 0) {
        throw new SwitchyardError(STATUS_INVALID_ARGUMENT, {
          error: { code: 400, message: `this ${this.#kind} has been freed` },
        });
      }
      return this.#ptr;
    }

    get freed() { return this.#ptr === 0; }

    /** Releases the core object now. Safe to call more than once. */
    free() {
      if (this.#ptr === 0) return;
      const ptr = this.#ptr;
      this.#ptr = 0;
      registry?.unregister(this);
      if (!core.broken) core.call(this.#free, ptr);
    }
  }
  // `using router = new Router()` where explicit resource management exists.
  if (typeof Symbol.dispose === 'symbol') {
    Handle.prototype[Symbol.dispose] = function dispose() { this.free(); };
  }

  class Router extends Handle {
    /**
     * @param config {catalog?: object|string (catalog JSON text), overlay?: object,
     *   presets?: object}. No catalog: the embedded default.
     */
    constructor(config = {}) {
      const bytes = routerConfig(config);
      const ptr = core.withInput(bytes, (p, n) =>
        core.construct((out) => core.call(x.sy_router_new, p, n, out), x.sy_router_result, 0));
      super('Router', ptr, x.sy_router_free);
    }

    #run(fn, input) {
      const ptr = this.ptr;
      return core.withInput(toJsonBytes(input), (p, n) =>
        core.command(core.call(fn, ptr, p, n), x.sy_router_result, ptr));
    }

    /** GET /models body. query: {supported_parameters?, input_modalities?, output_modalities?}. */
    models(query = {}) { return this.#run(x.sy_router_models, query); }

    /** GET /models/{id}/endpoints body, with live health as of nowMs. */
    endpoints(model, nowMs) { return this.#run(x.sy_router_endpoints, { model, now_ms: nowMs }); }

    /** GET /endpoints/zdr body: every zero-retention endpoint, with live health as of nowMs. */
    zdrEndpoints(nowMs) { return this.#run(x.sy_router_endpoints, { zdr: true, now_ms: nowMs }); }

    /**
     * An error body in the client's format ({error:{code,message,metadata}}, or Anthropic's for
     * format "anthropic") for a host's own error with HTTP `status` (400-599).
     */
    errorBody(format, status, message, metadata) {
      return this.#run(x.sy_router_error, { format, status, message, ...(metadata ? { metadata } : {}) });
    }

    /** GET /providers body. */
    providers() {
      const ptr = this.ptr;
      return core.command(core.call(x.sy_router_providers, ptr), x.sy_router_result, ptr);
    }

    /** Applies a catalog overlay (custom providers, base URLs, prices); atomic. */
    overlay(overlay) { this.#run(x.sy_router_overlay, overlay); }

    /** Routes one request: input {request, context, now_ms, seed, ...}. Returns a Plan. */
    plan(input) {
      const ptr = this.ptr;
      const planPtr = core.withInput(toJsonBytes(input), (p, n) =>
        core.construct((out) => core.call(x.sy_router_plan, ptr, p, n, out), x.sy_router_result, ptr));
      return new Plan(planPtr, this);
    }

    /**
     * Opens a Session on one request: input is plan()'s, plus `limits` (phase deadlines of every
     * attempt) and `record` (generation record fields). The Session has planned already; drive
     * it with next() until a final step (loop.js does, with fetch and timers).
     */
    session(input) {
      const ptr = this.ptr;
      const sessionPtr = core.withInput(toJsonBytes(input), (p, n) =>
        core.construct((out) => core.call(x.sy_router_session, ptr, p, n, out), x.sy_router_result, ptr));
      return new Session(sessionPtr, this);
    }

    /** Reports one attempt's outcome: {endpoint, now_ms, http_status, latency_ms, ...}. */
    observe(event) { this.#run(x.sy_router_observe, event); }

    /** A health snapshot (for another isolate's mergeHealth). */
    health(nowMs) { return this.#run(x.sy_router_health, { now_ms: nowMs }); }

    /** Merges another isolate's health snapshot. */
    mergeHealth(snapshot, nowMs) { this.#run(x.sy_router_health_merge, { now_ms: nowMs, snapshot }); }

    /**
     * Runs a routing simulation (scenario: object or JSON text, see core/include/switchyard/
     * simulate/simulate.h) against this router's catalog and presets, with fresh health: the router's
     * own health is neither read nor changed. Returns the report. Only the simulator's module
     * (loadSimulator()) simulates; elsewhere this throws code "unavailable".
     */
    simulate(scenario) { return this.#run(x.sy_router_simulate, scenario); }
  }

  class Plan extends Handle {
    #result;
    constructor(ptr, router) {
      super('Plan', ptr, x.sy_plan_free);
      // Read now: the plan's buffer is reused by its next call.
      this.#result = core.readJson(x.sy_plan_result, ptr);
      this.router = router;
    }

    /** The plan: {model, attempts:[...], trace:[...], sticky_key, ...}. */
    get result() { return this.#result; }
    get attempts() { return this.#result.attempts; }
  }

  // One request's life (c_api.h "session"): the core decides, the host does the I/O.
  class Session extends Handle {
    #plan;
    constructor(ptr, router) {
      super('Session', ptr, x.sy_session_free);
      // Read now: the session's buffer is reused by its next call.
      this.#plan = core.readJson(x.sy_session_result, ptr);
      this.router = router;
    }

    /** The plan the session runs ({model, attempts, stream, estimated_prompt_tokens, ...}). */
    get plan() { return this.#plan; }

    /**
     * The next step at input.now_ms; input.committed: the client already has a streamed
     * response head. {step: "attempt", ...} | {step: "respond", ...} | {step: "end", ...}.
     */
    next(input) {
      const ptr = this.ptr;
      return core.withInput(toJsonBytes(input), (p, n) => {
        const status = core.call(x.sy_session_next, ptr, p, n);
        if (status !== 0) throw core.error(status, x.sy_session_result, ptr);
        return core.readStep(x.sy_session_result, ptr);
      });
    }

    /**
     * A buffered attempt's report (head or failure) and body bytes (or the chunks it arrived in,
     * joined in core memory); returns {outcome, ...}.
     */
    respond(report, body) {
      const ptr = this.ptr;
      return core.withInputs(toJsonBytes(report), toBytes(body, 'body', true), (rp, rn, bp, bn) =>
        core.command(core.call(x.sy_session_respond, ptr, rp, rn, bp, bn), x.sy_session_result, ptr));
    }

    /** A streamed attempt's response head (or failure: that ends the attempt at once). */
    streamOpen(report) {
      const ptr = this.ptr;
      return core.withInput(toJsonBytes(report), (p, n) =>
        core.command(core.call(x.sy_session_stream_open, ptr, p, n), x.sy_session_result, ptr));
    }

    /** Upstream stream bytes (any split); returns the client bytes to forward (maybe empty). */
    streamFeed(bytes) {
      const ptr = this.ptr;
      return core.withInput(toBytes(bytes, 'bytes'), (p, n) =>
        core.command(core.call(x.sy_session_stream_feed, ptr, p, n), x.sy_session_result, ptr, true));
    }

    /** Whether the stream needs no more upstream bytes (it ended or failed). */
    streamEnded() {
      return core.call(x.sy_session_stream_ended, this.ptr) !== 0;
    }

    /**
     * The upstream stream's end ({now_ms, first_content_ms}) or cut ({failure, phase, ...});
     * returns the attempt's last client bytes.
     */
    streamFinish(report) {
      const ptr = this.ptr;
      return core.withInput(toJsonBytes(report), (p, n) =>
        core.command(core.call(x.sy_session_stream_finish, ptr, p, n), x.sy_session_result, ptr, true));
    }
  }

  class Ledger extends Handle {
    #router;
    /**
     * @param state a snapshot from export() (object or JSON text), or nothing for a new account.
     * @param options {router?: Router} whose catalog resolves endpoint indexes in reserve/settle.
     */
    constructor(state, options = {}) {
      const ptr = core.withInput(toJsonBytes(state), (p, n) =>
        core.construct((out) => core.call(x.sy_ledger_new, p, n, out), x.sy_ledger_result, 0));
      super('Ledger', ptr, x.sy_ledger_free);
      this.#router = options.router ?? null;
    }

    /** One command: {op: "purchase"|"reserve"|"settle"|..., ...}. */
    apply(command, router = this.#router) {
      const ptr = this.ptr;
      const routerPtr = router ? router.ptr : 0;
      return core.withInput(toJsonBytes(command), (p, n) =>
        core.command(core.call(x.sy_ledger_apply, ptr, routerPtr, p, n), x.sy_ledger_result, ptr));
    }

    /**
     * The same command, its result as JSON text (not parsed): for hosts that only store or
     * forward it, such as a Durable Object writing the log and records to SQLite.
     */
    applyText(command, router = this.#router) {
      const ptr = this.ptr;
      const routerPtr = router ? router.ptr : 0;
      return core.withInput(toJsonBytes(command), (p, n) => {
        const status = core.call(x.sy_ledger_apply, ptr, routerPtr, p, n);
        if (status !== 0) throw core.error(status, x.sy_ledger_result, ptr);
        return core.readText(x.sy_ledger_result, ptr);
      });
    }

    /** Snapshot plus operation log, for the host to persist. */
    export() {
      const ptr = this.ptr;
      return core.command(core.call(x.sy_ledger_export, ptr), x.sy_ledger_result, ptr);
    }
  }

  return Object.freeze({
    Router, Plan, Session, Ledger, SwitchyardError, abiVersion,
    /** Whether this module exports all of c_api.h: plans, sessions, ledgers (not the simulator's). */
    hasRouter,
    /** Whether this module exports c_sim.h, i.e. Router.simulate() works (the simulator's). */
    hasSimulator,
    /** The raw instance exports (the C ABI), for tools and tests. */
    exports: core.exports,
    /** Whether a trap has made this instance unusable. */
    get broken() { return core.broken !== null; },
  });
}

// What calling a function this module does not export throws: the router's calls in the
// simulator's module, the simulator in a router module.
function absentError(name) {
  const which = C_SIM_FUNCTIONS.includes(name)
    ? 'the routing simulator is in its own module: loadSimulator() from the package (the router ' +
      'modules, the npm package\'s load() and the edge worker\'s, do not simulate)'
    : 'this is the routing simulator\'s module, which has only the router calls a simulation ' +
      'needs: load() from the package gives the router';
  return new SwitchyardError(STATUS_UNAVAILABLE, {
    error: { code: 503, message: `${name} is not in this Switchyard module: ${which}` },
  });
}

// The router config as JSON bytes. A catalog given as text is spliced in as is, so a large
// catalog is not parsed and re-serialised in JS on its way to the core.
function routerConfig(config) {
  if (config === null || config === undefined) return null;
  if (typeof config !== 'object') throw new TypeError('switchyard: Router config must be an object');
  const { catalog, ...rest } = config;
  if (typeof catalog !== 'string') return toJsonBytes(config);
  const others = JSON.stringify(rest);
  const text = others === '{}' ? `{"catalog":${catalog}}` : `{"catalog":${catalog},${others.slice(1)}`;
  return encoder.encode(text);
}
