// Types of the binding over the C ABI (core/include/switchyard/c_api/c_api.h, and c_sim.h where the
// build has it). Every loader (browser, Node, workerd) resolves to a SwitchyardApi.

export declare const ABI_VERSION: 2;

/** JSON as the core produces it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Stable code names of sy_status_t values. */
export type SwitchyardErrorCode =
  | 'invalid_argument' | 'unauthorized' | 'payment_required' | 'forbidden' | 'not_found'
  | 'timeout' | 'too_large' | 'rate_limited' | 'upstream_error' | 'unavailable' | 'internal'
  | 'conflict';

/** A non-zero status from the core, with its documented error body. */
export declare class SwitchyardError extends Error {
  constructor(status: number, body: unknown, options?: { cause?: unknown });
  readonly name: 'SwitchyardError';
  /** sy_status_t: 1 = SY_INVALID_ARGUMENT ... 12 = SY_CONFLICT. */
  readonly status: number;
  readonly code: SwitchyardErrorCode;
  /** The HTTP status of the error shape (400, 404, 503, ...). */
  readonly httpStatus: number;
  /** error.metadata (`field`, `reasons`, `provider_name`, `raw`, ...), or null. */
  readonly metadata: JsonObject | null;
  /** {"error":{"code","message","metadata"}} */
  toJSON(): { error: { code: number; message: string; metadata?: JsonObject } };
}

export type Bytes = Uint8Array | ArrayBuffer | ArrayBufferView | string;

interface Handle {
  /** Releases the core object now; safe to call twice. Collected objects are released too. */
  free(): void;
  readonly freed: boolean;
}

export interface RouterConfig {
  /** A catalog document (object or JSON text); default: the catalog built into the wasm. */
  catalog?: JsonObject | string | null;
  /** Applied on top of the catalog: custom providers, base URLs, prices, disabled endpoints. */
  overlay?: JsonObject | null;
  /** Named presets usable as `@preset/<name>` / `preset` in requests. */
  presets?: JsonObject | null;
}

export interface ModelsQuery {
  supported_parameters?: string[] | string;
  input_modalities?: string[] | string;
  output_modalities?: string[] | string;
  category?: string;
  /** A policy context (as in a plan's `context`): only entries with an endpoint it admits (GET /models/user). */
  context?: JsonObject;
}

/** The models of GET /models (the edge worker adds OpenRouter's paging: links, total_count). */
export interface ModelsList {
  /** One entry per catalog entry (a model's paid endpoints as `<id>`, its free ones as `<id>:free`): id, name, pricing, architecture, supported_parameters, ... */
  data: JsonObject[];
}

/** One attempt's outcome for health: sy_router_observe. */
export interface HealthEvent {
  /** Catalog endpoint index (a plan attempt's `endpoint`). */
  endpoint: number;
  now_ms: number;
  /** 0 when no HTTP response arrived. */
  http_status?: number;
  timeout?: boolean;
  connection_error?: boolean;
  latency_ms?: number;
  duration_ms?: number;
  output_tokens?: number;
  retry_after_ms?: number;
}

/** sy_router_plan's input. */
export interface PlanInput {
  /** An OpenAI chat-completions request with router extensions. */
  request: JsonObject;
  /** The policy context {account_id, allowed_models, allowed_providers, ...}. */
  context?: JsonObject | null;
  now_ms: number;
  /** Integer or decimal string (64 bits). */
  seed?: number | string;
  presets?: JsonObject;
  session_id?: string;
  /** The client-visible generation id (default "gen-" + the seed in hex). */
  generation_id?: string;
  /** Unix seconds of the response (default now_ms / 1000). */
  created?: number;
  user_salt?: string;
  hashed_user?: string;
  /** The upstream call is made from a web page. */
  browser?: boolean;
  /** The client's format: OpenAI chat (default) or Anthropic messages. */
  format?: 'openai' | 'anthropic';
}

export interface PlanAttempt {
  index: number;
  endpoint: number;
  /** The catalog entry: the model id, or `<id>:free` when the request named the free variant. */
  model: string;
  provider: string;
  provider_name: string;
  tag: string;
  byok: boolean;
  upstream_model: string;
  reason: string;
}

export interface PlanResult {
  model: string;
  attempts: PlanAttempt[];
  trace: { model: string; tag: string; decision: 'included' | 'excluded' | 'ordered'; reason: string }[];
  sticky_key: string | null;
  estimated_prompt_tokens: number;
  max_tokens: number | null;
  stream: boolean;
  [key: string]: Json;
}

export interface UpstreamRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The JSON body (in a session step with parts, its UTF-8 bytes past 16 KB). */
  body: string | Uint8Array;
  /** The secret the host adds: header `header` = `prefix` + the key named `env`. */
  auth: { header: string; prefix: string; env: string };
}

/**
 * A generation's usage and cost as the core priced it when the attempt ended (money.h): the
 * client's usage.cost comes from it and the ledger's `settle {priced}` charges it unchanged.
 * Amounts are exact decimal USD strings.
 */
export interface PricedUsage {
  usage: {
    prompt_tokens: number; completion_tokens: number; total_tokens: number;
    cached_tokens: number; cache_write_tokens: number; cache_write_1h_tokens: number;
    reasoning_tokens: number; images: number; requests: number; known: boolean;
  };
  cost: {
    prompt: string; cache_read: string; cache_write: string; cache_write_1h: string;
    completion: string; reasoning: string; request: string; image: string; list: string;
    upstream: string; upstream_prompt: string; upstream_completions: string; charged: string;
    cache_discount: string; is_byok: boolean; insured: boolean;
  };
  /** The long-context tier that applied (its min_prompt_tokens); 0: base prices. */
  tier_min_prompt_tokens: number;
}

/** A provider's simulated behaviour (simulate.h); "*" in SimScenario.providers is the default. */
export interface SimProviderBehaviour {
  /** Median time to first token (default 500). */
  latency_ms?: number;
  /** Sigma of the log-normal around latency_ms, 0..3 (default 0.25). */
  latency_jitter?: number;
  /** Output speed after the first token (default 60). */
  tokens_per_s?: number;
  /** Chance an attempt ends in HTTP 500, 0..1. */
  error_rate?: number;
  /** Chance an attempt hangs until the scenario's timeout_ms, 0..1. */
  timeout_rate?: number;
  /** Attempts per second accepted; the rest get 429 (null: unlimited). */
  capacity_rps?: number | null;
  /** Retry-After of those 429s (0: none; default 1000). */
  retry_after_ms?: number;
  /** Times relative to the start; status 0 = connection refused. */
  outages?: { start_ms: number; end_ms: number; status?: number }[];
}

/** One Poisson stream of requests. */
export interface SimTrafficClass {
  name?: string;
  /** Mean arrivals per second, > 0. */
  rate_per_s: number;
  /** An OpenAI chat request with the router's extensions (model, models, provider, ...). */
  request: JsonObject;
  prompt_tokens?: number;
  completion_tokens?: number;
  /** > 0: requests belong to that many conversations (prompt-cache stickiness applies). */
  conversations?: number;
  /** 0..1: share of the prompt billed at the cache-read price on a cache hit. */
  cached_fraction?: number;
}

/** sy_router_simulate's input: see core/include/switchyard/simulate/simulate.h. */
export interface SimScenario {
  /** A non-negative integer; default 1. */
  seed?: number;
  /** Simulated wall clock at t = 0 (unix ms). */
  start_ms?: number;
  /** Simulated time, 1 ms .. 7 days. */
  duration_ms: number;
  bucket_ms?: number;
  timeout_ms?: number;
  max_requests?: number;
  /** The policy context, as for Router.plan. */
  context?: JsonObject;
  traffic: SimTrafficClass[];
  /** Behaviour by provider slug; "*" for every other provider. */
  providers?: Record<string, SimProviderBehaviour>;
}

export type SimAttemptResult = 'ok' | 'http_429' | 'http_5xx' | 'http_4xx' | 'timeout' | 'connection';

export interface SimLatency { p50: number; p90: number; p99: number; max: number }

/** sy_router_simulate's report: see core/include/switchyard/simulate/simulate.h. */
export interface SimReport {
  requests: number;
  succeeded: number;
  failed: number;
  attempts: number;
  /** Requests that needed more than one attempt. */
  fallbacks: number;
  /** Requests the planner refused (no endpoint left). */
  no_route: number;
  /** Successes on the endpoint that served their conversation last (see cached_fraction). */
  cache_hits: number;
  /** Poisson arrivals reached 1.25 × max_requests + 100; the rest were not generated. */
  truncated: boolean;
  cost_picos: number;
  cost_usd: string;
  /** Arrival to the end of the successful attempt; null without successes. */
  latency_ms: SimLatency | null;
  /** Failed attempts by kind. */
  failures: { http_429: number; http_5xx: number; http_4xx: number; timeout: number; connection: number };
  /** Sorted by attempts, then slug. */
  providers: {
    provider: string; name: string; attempts: number; succeeded: number; failed: number;
    rate_limited: number; cost_picos: number; cost_usd: string;
    /** Fraction of the successful requests this provider served. */
    share: number;
    latency_ms: { p50: number; p99: number } | null;
  }[];
  classes: {
    name: string; requests: number; succeeded: number; failed: number; fallbacks: number;
    cache_hits: number; cost_picos: number; cost_usd: string; latency_ms: SimLatency | null;
  }[];
  /** Per bucket: requests by arrival, attempts by start. */
  series: {
    bucket_ms: number; start_ms: number; buckets: number;
    requests: number[]; succeeded: number[]; failed: number[]; cost_picos: number[];
    providers: Record<string, { attempts: number[]; failed: number[] }>;
  };
  /** The first requests, with every attempt. */
  samples: {
    t_ms: number; class: string; outcome: 'ok' | 'failed' | 'no_route'; error?: string;
    attempts: { provider: string; tag: string; start_ms: number; end_ms: number; status: number; result: SimAttemptResult }[];
    cost_picos: number;
  }[];
  /** Discrete events processed. */
  events: number;
}

export interface Router extends Handle {
  models(query?: ModelsQuery): ModelsList;
  endpoints(model: string, nowMs: number): JsonObject;
  /** GET /endpoints/zdr: every zero-data-retention endpoint, in the endpoints list's shape, with live health. */
  zdrEndpoints(nowMs: number): JsonObject;
  providers(): JsonObject;
  /** An error body in the client's format for a host's own error (status 400-599). */
  errorBody(format: 'openai' | 'anthropic', status: number, message: string, metadata?: JsonObject): JsonObject;
  overlay(overlay: JsonObject | string): void;
  plan(input: PlanInput | string): Plan;
  /** Opens a Session on one request (it plans); the Session's plan is sy_router_plan's result. */
  session(input: SessionInput | string): Session;
  observe(event: HealthEvent): void;
  health(nowMs: number): JsonObject;
  mergeHealth(snapshot: JsonObject, nowMs: number): void;
  /**
   * Runs a routing simulation against this router's catalog and presets (fresh health; the
   * router's own is untouched). Throws a SwitchyardError: "invalid_argument" naming the field,
   * "too_large" beyond max_requests, "unavailable" in a router module (load()'s and the
   * edge worker's): only the simulator's module (loadSimulator()) simulates.
   */
  simulate(scenario: SimScenario | string): SimReport;
}

export interface Plan extends Handle {
  readonly result: PlanResult;
  readonly attempts: PlanAttempt[];
  /** The Router this plan came from. */
  readonly router: Router;
}

/** Phase deadlines handed to every attempt of a session (ms; bytes). */
export interface SessionLimits {
  /** A stream's response head (default 15 000). */
  connect_ms?: number;
  /** A stream's first content; a buffered response's first byte (default 60 000). */
  first_token_ms?: number;
  /** The longest silence once bytes flow (default 30 000). */
  idle_ms?: number;
  /** The whole attempt (default 300 000). */
  total_ms?: number;
  /** A buffered body; what a stream may send before its first content (default 16 MiB). */
  max_response_bytes?: number;
}

/** sy_router_session's input: sy_router_plan's, plus the attempts' limits and record fields. */
export interface SessionInput extends PlanInput {
  limits?: SessionLimits;
  /** Generation record fields the host knows (strings, at most 256 bytes each are kept). */
  record?: { origin?: string; http_referer?: string; app_title?: string; external_user?: string; session_id?: string };
  /**
   * The session's `plan`: "full" (default) the whole plan, "brief" only what a host reserves
   * from (PlanBrief): the same values, nothing to render or parse beyond them.
   */
  plan?: 'full' | 'brief';
  /**
   * The last step's `settle`: "object" (default) the command as an object, "text" its JSON text
   * (to pass on unparsed, as the edge worker does to its account object) with `charged` beside it.
   */
  settle?: 'object' | 'text';
  /**
   * The steps' large strings apart from their JSON: the attempt's `request.body`, a served
   * answer's `body` and the `settle` command (parts imply settle: "text"), never quoted into the
   * step's JSON nor unescaped again — each past 16 KB as bytes (Uint8Array, not decoded: an
   * embeddings answer of many MB), a smaller one as a string. For a host that hands them on as
   * they are (fetch, the client, its ledger). Error bodies stay strings.
   */
  parts?: boolean;
}

/** A session's plan with input `plan: "brief"`. */
export interface PlanBrief {
  attempts: { byok: boolean; endpoint: number }[];
  estimated_prompt_tokens: number;
  max_tokens: number | null;
  stream: boolean;
}

/** What happened to one attempt: a response head, or no response. */
export type AttemptReport =
  | { status: number; headers?: Record<string, string> | [string, string][]; now_ms?: number; first_content_ms?: number }
  | {
      failure: 'timeout' | 'connection' | 'too_large' | 'cancelled' | 'unavailable';
      /** Which deadline passed (failure "timeout"). */
      phase?: 'head' | 'first_token' | 'idle' | 'total';
      /** "unavailable": the client's message; "connection": what the runtime said. */
      message?: string;
      now_ms?: number;
      /** A cut stream: when its first content went out. */
      first_content_ms?: number;
    };

/** One attempt's deadlines, relative to its start (a missing one is no deadline). */
export interface AttemptLimits {
  head_ms?: number;
  first_byte_ms?: number;
  idle_ms?: number;
  total_ms?: number;
  max_response_bytes?: number;
}

export interface AttemptStep {
  step: 'attempt';
  index: number;
  provider: string;
  provider_name: string;
  model: string;
  byok: boolean;
  stream: boolean;
  /** Send it, adding the secret `auth` names. */
  request: UpstreamRequest;
  limits: AttemptLimits;
  observed?: HealthEvent[];
}

/** The final HTTP response: a buffered answer, or an error before any streamed byte. */
export interface RespondStep {
  step: 'respond';
  status: number;
  headers: Record<string, string>;
  /** The body text, in the client's format (with parts, its UTF-8 bytes past 16 KB). */
  body: string | Uint8Array;
  /**
   * The ledger's settle command, or null: nothing was generated (release the hold). Its JSON text
   * when the session's input said settle: "text" (with parts, its bytes past 16 KB).
   */
  settle: JsonObject | string | Uint8Array | null;
  /** With settle: "text", what the command charges (USD, its priced.cost.charged). */
  charged?: string;
  /** Health events told since the previous step. */
  observed?: HealthEvent[];
}

/** A stream's end: send `tail` (an in-band error, or nothing) and close. */
export interface EndStep {
  step: 'end';
  tail: string;
  settle: JsonObject | string | Uint8Array | null;
  charged?: string;
  observed?: HealthEvent[];
}

export type SessionStep = AttemptStep | RespondStep | EndStep;

/** One request's life (c_api.h "session"); js/src/loop.js drives it. */
export interface Session extends Handle {
  /** The plan (as Plan.result); a PlanBrief instead when the input said plan: "brief". */
  readonly plan: PlanResult;
  readonly router: Router;
  next(input: { now_ms: number; committed?: boolean }): SessionStep;
  /**
   * A buffered attempt's report and body (or the chunks it arrived in, joined in core memory,
   * not in JS): {outcome: "done"|"retry"|"fail"|"cancelled", ...}.
   */
  respond(report: AttemptReport, body?: Bytes | Array<Uint8Array | ArrayBuffer | ArrayBufferView> | null): JsonObject;
  /** A streamed attempt's head (a failure report ends the attempt at once). */
  streamOpen(report: AttemptReport): Json;
  /** Client bytes to forward (possibly empty). */
  streamFeed(bytes: Bytes): Uint8Array;
  /** True when the stream needs no more upstream bytes. */
  streamEnded(): boolean;
  /** End ({now_ms, first_content_ms}) or cut (a failure report): the last client bytes. */
  streamFinish(report: AttemptReport): Uint8Array;
}

export interface Ledger extends Handle {
  /** `router`'s catalog resolves endpoint indexes (default: the constructor's router option). */
  apply(command: JsonObject | string, router?: Router | null): JsonObject;
  /** The same command; its result as JSON text, not parsed (for hosts that store or forward it). */
  applyText(command: JsonObject | string, router?: Router | null): string;
  export(): JsonObject;
}

export interface SwitchyardApi {
  readonly Router: new (config?: RouterConfig) => Router;
  readonly Ledger: new (state?: JsonObject | string | null, options?: { router?: Router }) => Ledger;
  readonly Plan: Function;
  readonly Session: Function;
  readonly SwitchyardError: typeof SwitchyardError;
  readonly abiVersion: number;
  /** Whether this module has the routing simulator (c_sim.h): the simulator's module (loadSimulator) does. */
  readonly hasSimulator: boolean;
  /** Whether this module exports all of c_api.h (plans, sessions, ledgers): false for the simulator's. */
  readonly hasRouter: boolean;
  /** The raw C ABI exports of this instance (sy_* functions and memory). */
  readonly exports: WebAssembly.Exports & { memory: WebAssembly.Memory };
  /** True once a trap inside the core has made this instance unusable. */
  readonly broken: boolean;
}

/** Every function of c_api.h; bind() requires them all. */
export declare const C_API_FUNCTIONS: readonly string[];
/** Every function of c_sim.h: the simulator's module has them (Router.simulate needs them all). */
export declare const C_SIM_FUNCTIONS: readonly string[];
/** The functions of c_api.h that the simulator's module exports besides c_sim.h's. */
export declare const C_SIM_ROUTER_FUNCTIONS: readonly string[];

/** Binds one instance's exports (memory + sy_* functions). */
export declare function bind(exports: WebAssembly.Exports): SwitchyardApi;
