// Types of js/src/client.js: Switchyard, the router with the user's own provider keys.
import type { Json, JsonObject, ModelsList, ModelsQuery, SwitchyardApi, SwitchyardError as CoreError } from './binding.js';

export interface SwitchyardOptions {
  /** Provider slug → the user's key. Only these providers are routed to. */
  keys: Record<string, string>;
  /** Provider slug → base URL replacing the catalog's (as <SLUG>_BASE_URL does for the worker). */
  baseUrls?: Record<string, string>;
  /** A local spend cap, enforced by reserving each request's worst case (402 when it does not fit). */
  budget?: { limit_usd: string | number; reset?: 'daily' | 'weekly' | 'monthly' | null } | null;
  /** The upstream fetch (default: the platform's). */
  fetch?: (url: string, init: { method: string; headers: Headers; body?: string; signal: AbortSignal }) => Promise<Response>;
  /** The clock (default Date.now). */
  now?: () => number;
  /** Phase deadlines of every attempt, in ms (defaults: the core's). */
  limits?: { connectMs?: number; firstTokenMs?: number; idleMs?: number; totalMs?: number; maxResponseBytes?: number };
  /** Calls are made from a web page (default true: Anthropic's direct-browser-access header). */
  browser?: boolean;
  /** A catalog document instead of the built-in one; presets; an extra catalog overlay. */
  catalog?: JsonObject | string;
  presets?: JsonObject;
  overlay?: JsonObject;
  /** A ledger state from exportLedger(): spend so far and records (the budget given here applies). */
  ledger?: JsonObject;
  /** Generation records kept in memory (default 1000). */
  maxGenerations?: number;
  /** Generation record fields (origin, http_referer, app_title). */
  record?: Record<string, string>;
  /** An already loaded core (load()); else the package's build is loaded (with wasm/factory). */
  core?: SwitchyardApi;
  wasm?: string | URL | Response | Promise<Response> | BufferSource | WebAssembly.Module;
  factory?: (overrides: object) => Promise<unknown>;
}

export interface RequestOptions {
  /** Aborting cancels the upstream call; a stream's generated tokens are billed. */
  signal?: AbortSignal;
  /** Called with the core's plan before the first attempt: {model, attempts, trace, ...}. */
  onPlan?: (plan: JsonObject) => void;
}

/** OpenRouter's usage, with the cost in USD. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost: number;
  is_byok: boolean;
  prompt_tokens_details?: { cached_tokens: number; cache_write_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
  cost_details?: { upstream_inference_cost: number; [k: string]: number };
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  provider: string;
  choices: Array<{ index: number; message: JsonObject & { role: 'assistant'; content: string | null }; finish_reason: string | null; native_finish_reason: string | null }>;
  usage: Usage;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  provider: string;
  choices: Array<{ index: number; delta: JsonObject; finish_reason: string | null }>;
  /** On the last chunk (whose choices are empty). */
  usage?: Usage;
  /** An in-band error (the iteration then throws it as a SwitchyardError). */
  error?: { code: number; message: string; metadata?: JsonObject };
}

/** A stream: chunk objects, in order; leaving the loop early cancels it. */
export interface ChunkStream<T> extends AsyncIterable<T> {
  readonly generationId: string;
  cancel(): Promise<void>;
}

export type ChatRequest = JsonObject & { model?: string; models?: string[]; messages: Json[]; stream?: boolean };
export type ResponsesRequest = JsonObject & { model?: string; models?: string[]; input: string | Json[]; stream?: boolean };
export type MessagesRequest = JsonObject & { model: string; max_tokens: number; messages: Json[]; stream?: boolean };
export type EmbeddingsRequest = JsonObject & {
  model?: string; models?: string[]; input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64'; dimensions?: number; user?: string;
};
export type EmbeddingsResponse = JsonObject & {
  id: string; object: 'list'; model: string; provider: string;
  data: Array<{ object: 'embedding'; index: number; embedding: number[] | string }>;
  usage: JsonObject & { prompt_tokens: number; total_tokens: number; cost: number };
};

/** The /generation record. */
export type GenerationRecord = JsonObject & {
  id: string; model: string; provider_name: string; total_cost: number; streamed: boolean; cancelled: boolean;
  tokens_prompt: number; tokens_completion: number; finish_reason: string | null;
  provider_responses: Array<{ provider_name: string; status: number; latency: number; error_type: string | null }>;
};

/** An error of a Switchyard call; `status` is the HTTP status (402 for a budget refusal). */
export declare class SwitchyardError extends CoreError {
  readonly status: number;
  readonly httpStatus: number;
  /** The core's status number (the binding's SwitchyardError.status). */
  readonly coreStatus: number;
  /** The error body in the caller's format (OpenRouter's, or Anthropic's for messages.create). */
  readonly body: Json;
  readonly generationId: string | null;
}

export declare class Switchyard {
  static create(options: SwitchyardOptions): Promise<Switchyard>;
  readonly chat: {
    completions: {
      create(body: ChatRequest & { stream: true }, options?: RequestOptions): Promise<ChunkStream<ChatCompletionChunk>>;
      create(body: ChatRequest & { stream?: false }, options?: RequestOptions): Promise<ChatCompletion>;
      create(body: ChatRequest, options?: RequestOptions): Promise<ChatCompletion | ChunkStream<ChatCompletionChunk>>;
    };
  };
  readonly messages: {
    create(body: MessagesRequest & { stream: true }, options?: RequestOptions): Promise<ChunkStream<JsonObject>>;
    create(body: MessagesRequest & { stream?: false }, options?: RequestOptions): Promise<JsonObject>;
    create(body: MessagesRequest, options?: RequestOptions): Promise<JsonObject | ChunkStream<JsonObject>>;
  };
  /** OpenAI Responses API in (stateless: no store / previous_response_id), any provider out. */
  readonly responses: {
    create(body: ResponsesRequest & { stream: true }, options?: RequestOptions): Promise<ChunkStream<JsonObject>>;
    create(body: ResponsesRequest & { stream?: false }, options?: RequestOptions): Promise<JsonObject>;
    create(body: ResponsesRequest, options?: RequestOptions): Promise<JsonObject | ChunkStream<JsonObject>>;
  };
  readonly embeddings: { create(body: EmbeddingsRequest, options?: RequestOptions): Promise<EmbeddingsResponse> };
  readonly generations: { get(id: string): GenerationRecord };
  readonly models: { list(query?: ModelsQuery): ModelsList };
  /** The providers with a key, sorted. */
  readonly providers: string[];
  /** The local budget as GET /key reports it. */
  budget(): JsonObject & { limit: number | null; limit_remaining: number | null; usage: number };
  health(): JsonObject;
  restoreHealth(snapshot: JsonObject): void;
  exportLedger(): JsonObject;
  close(): void;
}
