/* c_api.h: the one way into the Switchyard core from a host (JS in a browser, Node or workerd).
 * The c_api module (core/src/c_api/) owns every extern "C" entry point: this header's and the
 * simulator's (c_sim.h).
 *
 * Every function here is exported by the npm package's router module (Emscripten) and by the
 * edge worker's (WASI); the routing simulator's module (Emscripten) exports the router's
 * constructor, overlay and result calls of this header and c_sim.h. A test compares each
 * .wasm's export list with these SY_API declarations.
 *
 * Contract
 *  1. Handles are opaque: sy_router_t (catalog + health + stickiness), sy_plan_t (one routed
 *     request: what would be tried, for previews and tests), sy_session_t (one request's life,
 *     from its plan to the client's answer and what to settle),
 *     sy_ledger_t (one account's money). Create with *_new / *_open, destroy with *_free.
 *     Freeing NULL is a no-op. A handle is used by one caller at a time (no internal locking).
 *  2. Data crosses as (pointer, length) UTF-8 bytes, almost always one JSON document. Input
 *     buffers are owned by the caller and only read during the call; the core keeps no pointer
 *     into them.
 *  3. Every command returns an sy_status_t. Its output (the success body, or on failure the
 *     documented error shape {"error":{"code","message","metadata"}}) is written to the
 *     handle's result buffer, read with sy_<noun>_result(). The buffer is owned by the handle and
 *     stays valid until the next call on that handle or its *_free. Constructors that fail leave
 *     *out NULL and put the error in a buffer read with sy_last_error(); so does a call given a
 *     NULL handle (it returns SY_INVALID_ARGUMENT). sy_*_result(NULL, size) gives NULL, size 0.
 *     Plans and sessions share their router's state: freeing the router first is safe.
 *  4. Memory the host fills for the core comes from sy_alloc and goes back through sy_free;
 *     the core never frees a caller's buffer.
 *  5. The core does no I/O, reads no clock and draws no randomness: times (`now_ms`) and seeds
 *     are fields of the input. The same inputs give the same outputs in every build.
 *  6. sy_abi_version() changes whenever a signature or a JSON contract changes incompatibly.
 */
#ifndef SWITCHYARD_C_API_H_
#define SWITCHYARD_C_API_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The WASI build exports each function by its export_name. The Emscripten builds export exactly
 * their link's EXPORTED_FUNCTIONS list instead, so that a module built from a part of this header
 * (the routing simulator's, wasm/browser/CMakeLists.txt) does not carry the rest of the core. */
#if defined(__wasm__) && !defined(__EMSCRIPTEN__)
#define SY_API(name) __attribute__((export_name(#name), visibility("default")))
#else
#define SY_API(name) __attribute__((visibility("default")))
#endif

#define SY_ABI_VERSION 2  /* 2: the per-attempt calls gave way to sy_session_* */

/* Status codes: the same values as switchyard::Code. */
typedef int32_t sy_status_t;
#define SY_OK 0                /* success: the result buffer holds the body */
#define SY_INVALID_ARGUMENT 1  /* 400: malformed JSON or a field breaking a rule */
#define SY_UNAUTHORIZED 2      /* 401: bad, disabled or expired key */
#define SY_PAYMENT_REQUIRED 3  /* 402: credits, key limit or budget exhausted */
#define SY_FORBIDDEN 4         /* 403: refused by policy or guardrail */
#define SY_NOT_FOUND 5         /* 404: no such model, endpoint or record */
#define SY_TIMEOUT 6           /* 408: a deadline passed */
#define SY_TOO_LARGE 7         /* 413: input beyond size or nesting limits */
#define SY_RATE_LIMITED 8      /* 429: rate limited */
#define SY_UPSTREAM 9          /* 502: provider failed or answered garbage */
#define SY_UNAVAILABLE 10      /* 503: temporarily unavailable (never from planning) */
#define SY_INTERNAL 11         /* 500: a bug in Switchyard */
#define SY_CONFLICT 12         /* 409: idempotency id reused with different content */

typedef struct sy_router_t sy_router_t;
typedef struct sy_plan_t sy_plan_t;
typedef struct sy_ledger_t sy_ledger_t;
typedef struct sy_session_t sy_session_t;

/* ---- memory and version ---------------------------------------------------------------- */
SY_API(sy_abi_version) uint32_t sy_abi_version(void);
SY_API(sy_alloc) void* sy_alloc(size_t size);   /* NULL when out of memory */
SY_API(sy_free) void sy_free(void* ptr);
/* Error body of the last failed constructor (process-wide buffer; read it right away). */
SY_API(sy_last_error) const char* sy_last_error(size_t* size);

/* ---- router: catalog, health, stickiness ---------------------------------------------- */
/* config: {} or {"catalog": <catalog document>|null, "overlay": {...}, "presets": {name: preset}};
 * empty = the embedded default catalog. */
SY_API(sy_router_new) sy_status_t sy_router_new(const char* config, size_t size, sy_router_t** out);
SY_API(sy_router_free) void sy_router_free(sy_router_t* router);
SY_API(sy_router_result) const char* sy_router_result(const sy_router_t* router, size_t* size);
/* Applies a catalog overlay (custom providers, base URLs, prices); atomic. */
SY_API(sy_router_overlay) sy_status_t sy_router_overlay(sy_router_t* router, const char* overlay, size_t size);
/* GET /models body; query: {"supported_parameters":[..],"input_modalities":[..],"output_modalities":[..]}.
 * With "context" (the policy context of sy_router_plan): GET /models/user, the entries that
 * policy lets the caller reach. */
SY_API(sy_router_models) sy_status_t sy_router_models(sy_router_t* router, const char* query, size_t size);
/* GET /models/{author}/{slug}/endpoints body; input: {"model":"author/slug","now_ms":N}.
 * GET /endpoints/zdr body (every zero-retention endpoint): {"zdr":true,"now_ms":N}. */
SY_API(sy_router_endpoints) sy_status_t sy_router_endpoints(sy_router_t* router, const char* input, size_t size);
/* An error body in the client's format for the host's own errors (before a session exists):
 * input {"format":"openai"|"anthropic","status":N,"message":"..","metadata":{..}}. */
SY_API(sy_router_error) sy_status_t sy_router_error(sy_router_t* router, const char* input, size_t size);
/* GET /providers body. */
SY_API(sy_router_providers) sy_status_t sy_router_providers(sy_router_t* router);
/* Health: report one attempt's outcome ({"endpoint":i,"now_ms":N,"http_status":N,"timeout":b,
 * "connection_error":b,"latency_ms":N,"duration_ms":N,"output_tokens":N,"retry_after_ms":N};
 * http_status 0 = no response), read a snapshot ({"now_ms":N}) and merge another isolate's
 * snapshot ({"now_ms":N,"snapshot":<a sy_router_health body>}). Times are integers (fractions
 * are truncated). */
SY_API(sy_router_observe) sy_status_t sy_router_observe(sy_router_t* router, const char* event, size_t size);
SY_API(sy_router_health) sy_status_t sy_router_health(sy_router_t* router, const char* input, size_t size);
SY_API(sy_router_health_merge) sy_status_t sy_router_health_merge(sy_router_t* router, const char* input, size_t size);

/* ---- plan: one request, routed ---------------------------------------------------------- */
/* input: {"request": <chat request>, "context": <policy context>, "now_ms": N, "seed": N,
 *         "presets": {..}, "session_id": "..", "format": "openai"|"anthropic",
 *         "generation_id": "gen-..", "created": <unix s>, "user_salt": "..", "hashed_user": "..",
 *         "browser": bool}; the last five describe the attempts (defaults: "gen-" + the seed in
 *         hex, now_ms / 1000, the context's account_id, none, false). With "format":"anthropic"
 *         the request is a Messages body and responses are in Messages shape.
 * On success *out holds the plan; its result buffer has {"attempts":[..],"trace":[..],...}. On
 * failure *out is NULL and the router's result buffer has the error body. */
SY_API(sy_router_plan) sy_status_t sy_router_plan(sy_router_t* router, const char* input, size_t size, sy_plan_t** out);
SY_API(sy_plan_free) void sy_plan_free(sy_plan_t* plan);
SY_API(sy_plan_result) const char* sy_plan_result(const sy_plan_t* plan, size_t* size);

/* ---- session: one request's life (session.h) -------------------------------------------
 * Every host runs a request the same way: create a session (it plans), then loop on
 * sy_session_next until it answers a final step, doing what each step says:
 *
 *   s = sy_router_session(router, input)        result: the plan (as sy_plan_result)
 *   loop: step = sy_session_next(s, {"now_ms":N,"committed":bool})
 *     "attempt": fetch step.request (+ the secret step.request.auth names) under step.limits;
 *        buffered: sy_session_respond(s, head | failure, body)
 *        streamed: sy_session_stream_open(s, head | failure); for each chunk
 *                  forward(sy_session_stream_feed(s, bytes)) until sy_session_stream_ended(s);
 *                  forward(sy_session_stream_finish(s, {"now_ms","first_content_ms"} | failure))
 *     "respond": send {status, headers, body}; settle step.settle (or release when null); stop
 *     "end":     send step.tail, close the stream; settle step.settle (or release); stop
 *
 * input: sy_router_plan's input, plus "limits":{"connect_ms","first_token_ms","idle_ms",
 * "total_ms","max_response_bytes"} (phase deadlines handed to every attempt) and "record":
 * {"origin","http_referer","app_title","external_user","session_id"} (generation record
 * fields), and "plan":"brief" for a result of only what a host needs to reserve the request's
 * worst case, {"attempts":[{"byok","endpoint"}],"estimated_prompt_tokens","max_tokens",
 * "stream"} (the same values as the whole plan's; default "full": the whole plan), and
 * "settle":"text" for a last step whose "settle" is the settle command's JSON text (a string, to
 * pass on unparsed) with "charged" beside it (default "object"), and "parts":true for steps whose
 * large strings (the upstream body, a served answer, the settle command) follow the step's JSON
 * as raw bytes: `JSON "\n" bytes..`, the JSON listing them in order as "parts":[{"bytes":N,
 * "field":"request.body"|"body"|"settle"}] (parts imply "settle":"text"). Reports: {"status":N,"headers":{..}|[[n,v],..],"now_ms":N} or {"failure":"timeout"|
 * "connection"|"too_large"|"cancelled"|"unavailable","phase":"head"|"first_token"|"idle"|"total",
 * "message":"..","now_ms":N}. Steps and results: session.h. On a failed create *out is NULL and
 * the router's result buffer has the error body. stream_feed/stream_finish results are client
 * bytes (not JSON); the others are JSON (sy_session_next's, with parts, JSON and its parts). */
SY_API(sy_router_session) sy_status_t sy_router_session(sy_router_t* router, const char* input, size_t size, sy_session_t** out);
SY_API(sy_session_free) void sy_session_free(sy_session_t* session);
SY_API(sy_session_result) const char* sy_session_result(const sy_session_t* session, size_t* size);
SY_API(sy_session_next) sy_status_t sy_session_next(sy_session_t* session, const char* input, size_t size);
SY_API(sy_session_respond) sy_status_t sy_session_respond(sy_session_t* session,
    const char* report, size_t report_size, const char* body, size_t body_size);
SY_API(sy_session_stream_open) sy_status_t sy_session_stream_open(sy_session_t* session, const char* report, size_t size);
SY_API(sy_session_stream_feed) sy_status_t sy_session_stream_feed(sy_session_t* session, const char* bytes, size_t size);
/* 1 when the stream needs no more upstream bytes (it ended or failed), else 0 (NULL: 1). */
SY_API(sy_session_stream_ended) int32_t sy_session_stream_ended(const sy_session_t* session);
SY_API(sy_session_stream_finish) sy_status_t sy_session_stream_finish(sy_session_t* session, const char* report, size_t size);

/* ---- ledger: one account's credits, keys, budgets, reservations, generations ----------- */
/* state: a snapshot from sy_ledger_export, or empty for a new account. */
SY_API(sy_ledger_new) sy_status_t sy_ledger_new(const char* state, size_t size, sy_ledger_t** out);
SY_API(sy_ledger_free) void sy_ledger_free(sy_ledger_t* ledger);
SY_API(sy_ledger_result) const char* sy_ledger_result(const sy_ledger_t* ledger, size_t* size);
/* One command: {"op":"purchase"|"grant"|"refund"|"create_key"|"update_key"|"delete_key"|
 * "authenticate"|"reserve"|"settle"|"release"|"key_info"|"credits"|"generation"|...,...}.
 * `router` (may be NULL) supplies the catalog that resolves endpoint indexes in reserve/settle;
 * without it those commands need inline prices. */
SY_API(sy_ledger_apply) sy_status_t sy_ledger_apply(sy_ledger_t* ledger, const sy_router_t* router,
    const char* command, size_t size);
/* The whole state ({"format","snapshot","log":[]}), for the host to persist and reload with
 * sy_ledger_new; the command {"op":"take_log"} gives the operation log since the last take. */
SY_API(sy_ledger_export) sy_status_t sy_ledger_export(sy_ledger_t* ledger);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif  /* SWITCHYARD_C_API_H_ */
