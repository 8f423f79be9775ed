// Types of the binding over the C ABI (core/include/switchyard/c_api.h). Every loader
// (browser, Node, workerd) resolves to a SwitchyardApi.

export declare const ABI_VERSION: 1;

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
  body: string;
  /** The secret the host adds: header `header` = `prefix` + the key named `env`. */
  auth: { header: string; prefix: string; env: string };
}

export type ResponseHead =
  | { status: number; headers?: Record<string, string> | [string, string][]; latency_ms?: number; now_ms?: number }
  | { transport_error: 'timeout' | 'connection' | string; message?: string; now_ms?: number };

export interface AttemptOutcome {
  outcome: 'done' | 'retry' | 'fail';
  /** HTTP status for the client. */
  status: number;
  /** The client body (chat.completion, Anthropic message, or the error shape). */
  body: Json;
  usage: JsonObject;
  finish_reason: string;
  native_finish_reason: string;
  error: JsonObject | null;
  error_type: string;
  retry_after_ms: number;
  model_fallback_eligible: boolean;
  [key: string]: Json;
}

export interface StreamFinish {
  /** The upstream stream was cut (timeout, disconnect). */
  aborted?: boolean;
  reason?: 'timeout' | 'connection' | string;
  now_ms?: number;
}

export interface Router extends Handle {
  models(query?: ModelsQuery): JsonObject;
  endpoints(model: string, nowMs: number): JsonObject;
  providers(): JsonObject;
  overlay(overlay: JsonObject | string): void;
  plan(input: PlanInput | string): Plan;
  observe(event: HealthEvent): void;
  health(nowMs: number): JsonObject;
  mergeHealth(snapshot: JsonObject, nowMs: number): void;
}

export interface Plan extends Handle {
  readonly result: PlanResult;
  readonly attempts: PlanAttempt[];
  /** The Router this plan came from. */
  readonly router: Router;
  attemptRequest(index: number): UpstreamRequest;
  attemptResponse(index: number, head: ResponseHead, body?: Bytes | null): AttemptOutcome;
  openStream(index: number, head: ResponseHead): Stream;
}

export interface Stream extends Handle {
  /** Client bytes to forward (possibly empty). */
  feed(bytes: Bytes): Uint8Array;
  finish(options?: StreamFinish): Uint8Array;
  summary(): JsonObject;
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
  readonly Stream: Function;
  readonly SwitchyardError: typeof SwitchyardError;
  readonly abiVersion: number;
  /** The raw C ABI exports of this instance (sy_* functions and memory). */
  readonly exports: WebAssembly.Exports & { memory: WebAssembly.Memory };
  /** True once a trap inside the core has made this instance unusable. */
  readonly broken: boolean;
}

/** Binds one instance's exports (memory + sy_* functions). */
export declare function bind(exports: WebAssembly.Exports): SwitchyardApi;
