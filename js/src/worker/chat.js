// chat.js: the request loop of POST /chat/completions and POST /messages (REFERENCE §3, §5).
//
//   authenticate → plan (core) → reserve (account Durable Object; 402 on refusal) → attempts in
//   plan order, each with its limits → answer → report every attempt to health → settle (or
//   release) and record the generation, after the response, through ctx.waitUntil.
//
// The core decides everything: the upstream request of each attempt (URL from configuration
// only, body in the provider's wire format), whether a response is done / retry / fail, the
// client bytes, usage and cost. This file only does I/O: fetch, timers, streams, RPC.
//
// Every attempt runs against phase deadlines (attemptClock): a stream's response head
// (connectTimeoutMs), its first content byte (firstTokenTimeoutMs), or a buffered response's
// first byte (firstTokenTimeoutMs: its provider answers once it has generated), the longest
// silence once bytes flow (idleTimeoutMs) and the whole attempt (totalTimeoutMs); a buffered body
// over maxResponseBytes is abandoned too. A deadline before the first client byte means the next
// attempt; after it, an in-band error.
//
// Secrets never leave through what the router writes itself or passes on from a provider: error
// bodies, in-band errors (the core's and ours) and the settle command go through the request's
// Redactor (redact.js).
//
// Fallback happens only before the first content byte reaches the client. Streams: the response
// head is held back until the first content bytes, or until the first keep-alive comment is due
// (`: OPENROUTER PROCESSING` every keepaliveMs while waiting), whichever comes first; an error
// before that is a plain HTTP error, an error after it arrives in-band (a chunk with `error` and
// finish_reason "error"). A client that disconnects aborts the upstream call; the generation is
// settled for what the stream summary says was generated.
import { HttpError, errorBody, readJsonObject, toHttpError } from './http.js';
import { randomHex } from './keys.js';
import { callerToken, mayCarryError, requestRedactor } from './redact.js';

const encoder = new TextEncoder();
const KEEPALIVE = encoder.encode(': OPENROUTER PROCESSING\n\n');

export const newGenerationId = (now = Date.now()) => `gen-${Math.floor(now / 1000)}-${randomHex(10)}`;

// Generation fields are stored as given: absent ones stay null in /generation, not "".
// The ledger takes at most RECORD_TEXT_BYTES bytes of UTF-8 per field: longer ones are cut at a
// character boundary (a cut by UTF-16 units could still be over in bytes, and the ledger would
// refuse the record).
const RECORD_TEXT_BYTES = 256;
function presentOnly(fields) {
  const out = {};
  for (const [k, v] of Object.entries(fields)) if (typeof v === 'string' && v !== '') out[k] = clipUtf8(v, RECORD_TEXT_BYTES);
  return out;
}

export function clipUtf8(s, maxBytes) {
  if (s.length * 3 <= maxBytes) return s; // fits whatever the characters
  const bytes = encoder.encode(s);
  if (bytes.length <= maxBytes) return s;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // not inside a character
  return new TextDecoder().decode(bytes.subarray(0, end));
}

function randomSeed() {
  const [hi, lo] = crypto.getRandomValues(new Uint32Array(2));
  return (hi & 0x1fffff) * 2 ** 32 + lo; // 53 bits: exact as a JSON number
}

// ---- client-format errors -------------------------------------------------------------------

const ANTHROPIC_ERROR_TYPES = {
  400: 'invalid_request_error', 401: 'authentication_error', 402: 'billing_error',
  403: 'permission_error', 404: 'not_found_error', 408: 'timeout_error', 413: 'request_too_large',
  429: 'rate_limit_error', 500: 'api_error', 502: 'api_error', 503: 'overloaded_error', 529: 'overloaded_error',
};

/** An error body in the client's format (documented shape, or Anthropic's for /messages). */
export function clientErrorBody(format, status, message, metadata) {
  if (format === 'anthropic') {
    return { type: 'error', error: { type: ANTHROPIC_ERROR_TYPES[status] ?? 'api_error', message } };
  }
  return errorBody(status, message, metadata);
}

function errorOf(body) {
  if (body && body.error && typeof body.error === 'object') return body.error;
  return { code: 502, message: 'provider error' };
}

// ---- one request ----------------------------------------------------------------------------

/**
 * Handles POST /chat/completions (format "openai") or /messages (format "anthropic").
 * `services`: {runtime, auth, health}. Returns a Response; never throws for client errors.
 */
export async function handleCompletion(request, env, ctx, services, genId, format) {
  const { runtime } = services;
  const config = runtime.settings(env);
  const caller = await services.auth.authenticate(request, env, 'inference');
  const { value: body, text } = await readJsonObject(request, config.maxBodyBytes, config.bodyTimeoutMs);
  const router = await runtime.router(env);

  const now = Date.now();
  const host = {
    context: caller.context, now_ms: now, seed: randomSeed(), format,
    generation_id: genId, created: Math.floor(now / 1000),
  };
  const session = request.headers.get('x-session-id');
  if (session && body.session_id === undefined) host.session_id = session;
  let plan;
  try {
    // The body goes to the core as the client sent it, spliced in rather than re-serialised.
    plan = router.plan(`{"request":${text},${JSON.stringify(host).slice(1)}`);
  } catch (e) {
    const he = toHttpError(e);
    // JSON.parse reads 1e999 as Infinity where the core sees a number it cannot hold: name it.
    if (he.status === 400 && /not valid JSON/.test(he.message)) {
      const at = nonFinite(body, '');
      if (at) throw new HttpError(400, `${at} is a number too large to represent`, { field: at });
    }
    throw he;
  }

  const p = plan.result;
  const job = {
    env, ctx, config, services, router, plan, format, genId, caller,
    attempts: p.attempts,
    stream: p.stream === true,
    requestedModel: p.model,
    started: now,
    redact: requestRedactor(config, callerToken(request), caller.byok),
    providerResponses: [],
    details: presentOnly({
      origin: request.headers.get('origin'),
      http_referer: request.headers.get('http-referer'),
      app_title: request.headers.get('x-title'),
      external_user: typeof body.user === 'string' ? body.user : null,
      session_id: typeof body.session_id === 'string' ? body.session_id : session,
    }),
  };

  let hold;
  try {
    hold = await caller.stub.reserve(JSON.stringify({
      id: genId,
      key_hash: caller.keyHash,
      estimated_prompt_tokens: p.estimated_prompt_tokens,
      ...(p.max_tokens != null ? { max_tokens: p.max_tokens } : {}),
      attempts: p.attempts.map((a) => ({ endpoint: a.endpoint, byok: a.byok })),
    }));
  } catch (e) {
    plan.free();
    throw e;
  }
  if (hold.status !== 200) {
    plan.free();
    if (hold.status === 401 || hold.status === 403) services.auth.forget(caller.keyHash);
    const e = errorOf(hold.body);
    throw new HttpError(hold.status, e.message, e.metadata);
  }

  return job.stream ? streamed(job) : buffered(job);
}

/** The path of the first number in `v` that JSON.parse read as ±Infinity, or null. */
function nonFinite(v, path) {
  if (typeof v === 'number') return Number.isFinite(v) ? null : path || '(body)';
  if (v === null || typeof v !== 'object') return null;
  for (const [k, x] of Object.entries(v)) {
    const hit = nonFinite(x, Array.isArray(v) ? `${path}[${k}]` : path ? `${path}.${k}` : k);
    if (hit) return hit;
  }
  return null;
}

// ---- upstream calls ---------------------------------------------------------------------------

/**
 * fetch() of attempt i's upstream request, with the secret its `auth` names: the operator's key,
 * or for a BYOK attempt (billed only the BYOK fee) the account's own key for that provider. A BYOK
 * attempt whose key is missing or unreadable throws ByokUnavailable before any call: it never
 * falls back to the operator's key.
 */
function upstreamFetch(job, i, signal) {
  const attempt = job.attempts[i];
  let own = null;
  if (attempt.byok) {
    own = job.caller.byok?.get(attempt.provider);
    if (!own || typeof own.key !== 'string') {
      throw new ByokUnavailable(own?.error ??
        `no ${attempt.provider} key is stored for this account (BYOK); store it with PUT /api/v1/byok/${attempt.provider}`);
    }
  }
  const up = job.plan.attemptRequest(i);
  const headers = new Headers(up.headers);
  const secret = own ? own.key : job.config.secretFor(up.auth);
  if (secret !== null && up.auth?.header) headers.set(up.auth.header, (up.auth.prefix ?? '') + secret);
  return fetch(up.url, { method: up.method, headers, body: up.body, signal });
}

/** A BYOK attempt that cannot be made (its key is missing or unreadable): a retryable 401. */
class ByokUnavailable extends Error {
  constructor(message) {
    super(message);
    this.name = 'ByokUnavailable';
  }
}

/** The attempt result of a ByokUnavailable: the next attempt runs; if none, the client sees it. */
function byokUnavailable(job, attempt, e) {
  const metadata = { provider_name: attempt.provider_name, error_type: 'authentication', byok: true };
  return { outcome: 'retry', status: 401, body: clientErrorBody(job.format, 401, e.message, metadata) };
}

/**
 * A provider's 401/403 on a BYOK attempt is about the user's own key (the core already reports it
 * as 401/403 rather than a 502): the message says so.
 */
function byokRejected(attempt, status, ...bodies) {
  if (!attempt.byok || (status !== 401 && status !== 403)) return;
  for (const b of bodies) {
    const e = b && typeof b === 'object' ? b.error : null;
    if (!e || typeof e !== 'object' || e.byokRejected) continue;
    e.message = `${attempt.provider_name} rejected your own API key (BYOK, stored with PUT /api/v1/byok/${attempt.provider}): ${e.message ?? 'unauthorized'}`;
    Object.defineProperty(e, 'byokRejected', { value: true, enumerable: false });
  }
}

/**
 * The clock of one attempt: one AbortController for its upstream call, aborted by the first
 * phase deadline that passes (or by the client leaving). `reason`: "timeout" | "too_large" |
 * "cancelled"; `phase` names the deadline; describe() says it in words for the error message.
 *
 *   head         streamed: the response head, connectTimeoutMs; buffered: the first byte of
 *                the body, firstTokenTimeoutMs (a provider answers a buffered call once it has
 *                generated, some send the head at once and the body only then)
 *   first_token  first content byte of a stream: firstTokenTimeoutMs
 *   idle         no upstream bytes for idleTimeoutMs once the body flows (buffered: after its
 *                first byte; streamed: after the first content byte — before it, first_token)
 *   total        the whole attempt: totalTimeoutMs
 */
function attemptClock(config, streamed) {
  const controller = new AbortController();
  const c = { started: Date.now(), signal: controller.signal, reason: null, phase: null, lastByteAt: 0, reader: null };
  c.abort = (reason, phase = null) => {
    if (c.reason) return;
    c.reason = reason;
    c.phase = phase;
    controller.abort();
    // A read in progress ends now (done, or rejected by the abort), whatever the runtime does
    // with an aborted response body.
    c.reader?.cancel().catch(() => {});
  };
  const after = (ms, phase) => setTimeout(() => c.abort('timeout', phase), Math.max(0, ms));
  const total = after(config.totalTimeoutMs, 'total');
  let head = after(streamed ? config.connectTimeoutMs : config.firstTokenTimeoutMs, 'head');
  let firstToken = streamed ? after(config.firstTokenTimeoutMs, 'first_token') : null;
  let idle = null;
  const idleMs = config.idleTimeoutMs;
  // One timer per silence, not per chunk: when it fires early it re-arms for the rest.
  const checkIdle = () => {
    const quiet = Date.now() - c.lastByteAt;
    if (quiet >= idleMs) c.abort('timeout', 'idle');
    else idle = setTimeout(checkIdle, idleMs - quiet);
  };
  /** The response head arrived (a buffered attempt waits on for its body's first byte). */
  c.gotHead = () => {
    if (!streamed) return;
    clearTimeout(head);
    head = null;
  };
  /** A byte of a buffered body arrived: from now on, the idle limit. */
  c.gotBodyByte = () => {
    if (streamed || head === null) return;
    clearTimeout(head);
    head = null;
    c.watchIdle();
  };
  /** The first content byte of a stream went out. */
  c.gotContent = () => {
    clearTimeout(firstToken);
    firstToken = null;
    c.watchIdle();
  };
  c.watchIdle = () => {
    c.lastByteAt = Date.now();
    if (!idle) idle = setTimeout(checkIdle, idleMs);
  };
  /** Upstream bytes arrived. */
  c.sawBytes = () => { if (idle) c.lastByteAt = Date.now(); };
  /** The body reader of the attempt: cancelled when the clock aborts. */
  c.reading = (reader) => { c.reader = reader; return reader; };
  c.clear = () => {
    clearTimeout(total);
    clearTimeout(head);
    clearTimeout(firstToken);
    clearTimeout(idle);
    idle = null;
  };
  c.describe = () => {
    switch (c.phase) {
      case 'head': return streamed
        ? `Provider sent no response head within ${config.connectTimeoutMs} ms`
        : `Provider sent no response within ${config.firstTokenTimeoutMs} ms`;
      case 'first_token': return `Provider sent no content within ${config.firstTokenTimeoutMs} ms`;
      case 'idle': return `Provider sent nothing for ${idleMs} ms`;
      case 'total': return `Provider attempt exceeded ${config.totalTimeoutMs} ms`;
      default: return c.reason === 'too_large' ? `Provider response larger than ${config.maxResponseBytes} bytes` : null;
    }
  };
  return c;
}

/** A buffered upstream body, read under the attempt's clock and the response size cap. */
async function readUpstreamBody(response, clock, cap) {
  if (!response.body) return new Uint8Array(0);
  const reader = clock.reading(response.body.getReader());
  const chunks = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (clock.reason) throw new Error(clock.reason);
      if (done) break;
      if (size === 0) clock.gotBodyByte();
      clock.sawBytes();
      size += value.byteLength;
      if (size > cap) {
        clock.abort('too_large');
        throw new Error('response too large');
      }
      chunks.push(value);
    }
  } catch (e) {
    reader.cancel().catch(() => {});
    throw e;
  }
  if (chunks.length === 1) return chunks[0];
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { all.set(c, at); at += c.byteLength; }
  return all;
}

function headList(response, started) {
  const now = Date.now();
  return { status: response.status, headers: [...response.headers], latency_ms: now - started, now_ms: now };
}

function observe(job, attempt, event) {
  const e = { endpoint: attempt.endpoint, now_ms: Date.now(), ...event };
  try {
    job.router.observe(e);
    job.services.health?.record(e);
  } catch {
    // Health is advisory: a rejected event must not fail the request.
  }
}

/**
 * One entry of the generation's provider_responses: what the router decided about the attempt
 * (the status the core mapped it to and its classified error type), not the upstream's HTTP
 * status — a garbage 200 or an error inside a 200 is a failed attempt.
 */
function record(job, attempt, status, latencyMs, errorType) {
  const entry = { provider_name: attempt.provider_name, status, latency_ms: latencyMs };
  if (typeof errorType === 'string' && errorType !== '') entry.error_type = errorType;
  job.providerResponses.push(entry);
}

/** Client SSE bytes, with secrets redacted when they may carry an error event. */
function outBytes(job, bytes) {
  return bytes.length && mayCarryError(bytes) ? job.redact.bytes(bytes) : bytes;
}

/** A client error body as JSON text, redacted. */
function errorText(job, body) {
  return JSON.stringify(job.redact.value(body));
}

// ---- buffered -----------------------------------------------------------------------------------

async function bufferedAttempt(job, i) {
  const attempt = job.attempts[i];
  const clock = attemptClock(job.config, false);
  const started = clock.started;
  let head;
  let bytes = null;
  try {
    const response = await upstreamFetch(job, i, clock.signal);
    clock.gotHead();
    head = headList(response, started);
    bytes = await readUpstreamBody(response, clock, job.config.maxResponseBytes);
  } catch (e) {
    if (e instanceof ByokUnavailable) return byokUnavailable(job, attempt, e);
    if (e instanceof HttpError) throw e;
    if (e && e.name === 'SwitchyardError') return { outcome: 'retry', status: e.httpStatus, body: e.toJSON(), error: e.toJSON(), skipHealth: true };
    bytes = null;
    head = {
      transport_error: clock.reason === 'timeout' ? 'timeout' : 'connection',
      message: clock.describe() ?? e?.message ?? String(e),
      now_ms: Date.now(),
    };
  } finally {
    clock.clear();
  }
  const r = job.plan.attemptResponse(i, head, bytes ?? '');
  const status = head.status ?? 0;
  if (r.outcome !== 'done') byokRejected(attempt, r.status, r.body, r.error);
  observe(job, attempt, {
    http_status: r.outcome === 'done' ? 200 : (status === 200 ? r.status : status),
    timeout: head.transport_error === 'timeout',
    connection_error: head.transport_error === 'connection',
    latency_ms: Date.now() - started,
    duration_ms: Date.now() - started,
    output_tokens: r.usage?.completion_tokens ?? 0,
    retry_after_ms: r.retry_after_ms ?? 0,
  });
  const done = r.outcome === 'done';
  record(job, attempt, done ? 200 : r.status, Date.now() - started, done ? null : r.error_type);
  r.latencyMs = Date.now() - started;
  return r;
}

async function buffered(job) {
  let last = null;
  const skipModels = new Set();
  let served = null;
  try {
    for (let i = 0; i < job.attempts.length; i++) {
      const attempt = job.attempts[i];
      if (skipModels.has(attempt.model)) continue;
      const r = await bufferedAttempt(job, i);
      if (r.outcome === 'done') {
        served = { attempt, r };
        break;
      }
      last = r;
      if (r.outcome === 'fail') {
        if (!r.model_fallback_eligible) break;
        skipModels.add(attempt.model);
      }
    }
  } catch (e) {
    job.ctx.waitUntil(release(job));
    job.plan.free();
    throw e;
  }
  job.plan.free();
  if (served) {
    const { attempt, r } = served;
    job.ctx.waitUntil(settle(job, attempt, {
      priced: r.priced, finish_reason: r.finish_reason, native_finish_reason: r.native_finish_reason,
      latency_ms: r.latencyMs, generation_time_ms: 0, streamed: false, cancelled: false,
    }));
    job.services.health?.maybeSync(job.env, job.ctx, job.router);
    return new Response(JSON.stringify(r.body), { status: 200, headers: { 'content-type': 'application/json' } });
  }
  job.ctx.waitUntil(release(job));
  job.services.health?.maybeSync(job.env, job.ctx, job.router);
  const status = last?.status ?? 503;
  const body = last?.body ?? last?.error ?? clientErrorBody(job.format, 503, 'no provider could serve the request');
  const headers = { 'content-type': 'application/json' };
  if (status === 429 && last?.retry_after_ms) headers['retry-after'] = String(Math.ceil(last.retry_after_ms / 1000));
  return new Response(errorText(job, body), { status, headers });
}

// ---- streamed -----------------------------------------------------------------------------------

/**
 * One streamed attempt. `out` is the client sink: out.emit(bytes), out.firstContent (set once
 * real content went out), out.gone (client disconnected), out.onCancel (set per attempt).
 * Returns {outcome, summary, started, firstByteAt, status}.
 */
async function streamAttempt(job, i, out) {
  const attempt = job.attempts[i];
  const { config } = job;
  const clock = attemptClock(config, true);
  const started = clock.started;
  out.onCancel = () => clock.abort('cancelled');
  let response;
  try {
    response = await upstreamFetch(job, i, clock.signal);
  } catch (e) {
    clock.clear();
    if (e instanceof ByokUnavailable) {
      const r = byokUnavailable(job, attempt, e);
      return { outcome: 'retry', status: r.status, errorBody: r.body };
    }
    if (e instanceof HttpError) throw e;
    if (e && e.name === 'SwitchyardError') return { outcome: 'retry', status: e.httpStatus, errorBody: e.toJSON() };
    const kind = clock.reason === 'timeout' ? 'timeout' : 'connection';
    const r = job.plan.attemptResponse(i, { transport_error: kind, message: clock.describe() ?? e?.message ?? String(e), now_ms: Date.now() }, '');
    observe(job, attempt, { http_status: 0, timeout: kind === 'timeout', connection_error: kind === 'connection', duration_ms: Date.now() - started });
    record(job, attempt, r.status, Date.now() - started, r.error_type);
    return { outcome: out.gone ? 'cancelled' : r.outcome, status: r.status, errorBody: r.body ?? r.error, retryAfterMs: r.retry_after_ms, eligible: r.model_fallback_eligible };
  }
  clock.gotHead();

  const stream = job.plan.openStream(i, headList(response, started));
  let firstByteAt = 0;
  let cut = null;
  // Until the first content byte, what the upstream may send is capped (a stream that sends
  // megabytes without content is broken); after it, the deadlines bound the stream.
  let unproductive = 0;
  const reader = response.body ? clock.reading(response.body.getReader()) : null;
  try {
    for (;;) {
      let chunk;
      try {
        chunk = reader ? await reader.read() : { done: true };
      } catch (e) {
        cut = clock.reason ?? 'connection';
        reader.cancel().catch(() => {});
        break;
      }
      if (clock.reason) { // a deadline or the client ended the read
        cut = clock.reason;
        break;
      }
      if (chunk.done) break;
      clock.sawBytes();
      if (!firstByteAt) {
        unproductive += chunk.value.byteLength;
        if (unproductive > config.maxResponseBytes) {
          clock.abort('too_large');
          cut = 'too_large';
          reader.cancel().catch(() => {});
          break;
        }
      }
      const bytes = stream.feed(chunk.value);
      if (bytes.length) {
        if (!firstByteAt) {
          firstByteAt = Date.now();
          clock.gotContent();
        }
        out.emit(outBytes(job, bytes), true);
      } else if (stream.summary().terminated) {
        reader.cancel().catch(() => {});
        break;
      }
    }
  } finally {
    clock.clear();
  }
  const finishInput = cut ? { aborted: true, reason: cut === 'timeout' ? 'timeout' : 'connection', now_ms: Date.now() } : { now_ms: Date.now() };
  let summary;
  try {
    const tail = stream.finish(finishInput);
    if (tail.length) {
      if (!firstByteAt) firstByteAt = Date.now();
      out.emit(outBytes(job, tail), true);
    }
    summary = stream.summary();
  } finally {
    stream.free();
  }
  const ended = Date.now();
  const done = summary.outcome === 'done';
  // A client that left before any content says nothing about the provider.
  if (!(cut === 'cancelled' && !summary.first_byte_emitted)) observe(job, attempt, {
    http_status: done || summary.first_byte_emitted ? (cut && cut !== 'cancelled' ? 502 : 200)
      : (response.status === 200 ? (summary.error_status || 502) : response.status),
    timeout: cut === 'timeout',
    connection_error: cut === 'connection' || cut === 'too_large',
    ...(firstByteAt ? { latency_ms: firstByteAt - started } : {}),
    duration_ms: ended - started,
    output_tokens: summary.usage?.completion_tokens ?? 0,
    retry_after_ms: summary.retry_after_ms ?? 0,
  });
  const status = summary.error_status || response.status;
  // What the router decided: served (200), or the status and type the failure was mapped to —
  // also when the upstream said 200 (an error event, garbage, a cut or a stalled stream).
  const failed = !done && cut !== 'cancelled';
  const recorded = !failed ? 200 : (summary.error_status || (response.status >= 400 ? response.status : 502));
  const errorType = failed ? (summary.error_type ?? (cut === 'timeout' ? 'timeout' : cut ? 'connection_error' : null)) : null;
  record(job, attempt, recorded, firstByteAt ? firstByteAt - started : ended - started, errorType);
  const errorBody = summary.error_body ? safeParse(summary.error_body) : summary.error;
  if (!summary.first_byte_emitted && !done) byokRejected(attempt, status, errorBody);
  return {
    outcome: summary.first_byte_emitted ? 'emitted' : (cut === 'cancelled' ? 'cancelled' : summary.outcome),
    summary, started, firstByteAt, ended, status, errorBody,
    retryAfterMs: summary.retry_after_ms, eligible: summary.model_fallback_eligible,
  };
}

function safeParse(text) {
  if (typeof text !== 'string') return text;
  try { return JSON.parse(text); } catch { return null; }
}

/** The in-band error that ends a committed stream when no attempt produced content. */
function inBandError(job, status, body) {
  const e = body && typeof body === 'object' ? body : clientErrorBody(job.format, status, 'no provider could serve the request');
  if (job.format === 'anthropic') {
    const anthropic = e.type === 'error' ? e : clientErrorBody('anthropic', status, errorOf(e).message);
    return encoder.encode(`event: error\ndata: ${JSON.stringify(anthropic)}\n\n`);
  }
  const error = errorOf(e);
  const chunk = {
    id: job.genId, object: 'chat.completion.chunk', created: Math.floor(job.started / 1000),
    model: job.requestedModel,
    choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error', native_finish_reason: null }],
    error: { code: error.code ?? status, message: error.message ?? 'provider error', metadata: error.metadata ?? { error_type: 'server' } },
  };
  return encoder.encode(`data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`);
}

async function streamed(job) {
  let controller;
  let decide;
  const decision = new Promise((r) => { decide = r; });
  let committed = false;
  const out = {
    firstContent: false,
    gone: false,
    onCancel: null,
    emit(bytes, content) {
      if (content) out.firstContent = true;
      if (!committed) { committed = true; decide('stream'); }
      if (!out.gone) {
        try { controller.enqueue(bytes); } catch { out.gone = true; }
      }
    },
  };
  const body = new ReadableStream({
    start(c) { controller = c; },
    cancel() {
      out.gone = true;
      out.onCancel?.();
    },
  });
  const keepalive = setInterval(() => { if (!out.firstContent) out.emit(KEEPALIVE, false); }, job.config.keepaliveMs);

  const run = (async () => {
    let last = null;
    let served = null;
    const skipModels = new Set();
    try {
      for (let i = 0; i < job.attempts.length && !out.gone; i++) {
        const attempt = job.attempts[i];
        if (skipModels.has(attempt.model)) continue;
        const r = await streamAttempt(job, i, out);
        if (r.outcome === 'done' || r.outcome === 'emitted' || r.outcome === 'cancelled') {
          served = { attempt, r };
          break;
        }
        last = r;
        if (r.outcome === 'fail') {
          if (!r.eligible) break;
          skipModels.add(attempt.model);
        }
      }
    } catch (e) {
      const he = toHttpError(e);
      last = { status: he.status, errorBody: clientErrorBody(job.format, he.status, he.message, he.metadata) };
    } finally {
      clearInterval(keepalive);
      job.plan.free();
    }

    if (served && served.r.summary) {
      const { attempt, r } = served;
      const s = r.summary;
      if (!committed) out.emit(new Uint8Array(0), false);
      try { controller.close(); } catch { /* client gone */ }
      await settle(job, attempt, {
        priced: s.priced, finish_reason: s.finish_reason, native_finish_reason: s.native_finish_reason,
        latency_ms: r.firstByteAt ? r.firstByteAt - job.started : null,
        generation_time_ms: r.firstByteAt ? r.ended - r.firstByteAt : 0,
        streamed: true, cancelled: out.gone,
      });
    } else {
      const status = last?.status && last.status >= 400 ? last.status : 503;
      if (!committed) {
        committed = true;
        const headers = { 'content-type': 'application/json' };
        if (status === 429 && last?.retryAfterMs) headers['retry-after'] = String(Math.ceil(last.retryAfterMs / 1000));
        const errBody = last?.errorBody ?? clientErrorBody(job.format, status, 'no provider could serve the request');
        decide(new Response(errorText(job, errBody), { status, headers }));
      } else {
        if (!out.gone) out.emit(job.redact.bytes(inBandError(job, status, last?.errorBody)), false);
        try { controller.close(); } catch { /* client gone */ }
      }
      await release(job);
    }
    job.services.health?.maybeSync(job.env, job.ctx, job.router);
  })();
  job.ctx.waitUntil(run.catch(() => {}));

  const d = await decision;
  if (d !== 'stream') return d;
  return new Response(body, {
    status: 200,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
  });
}

// ---- money --------------------------------------------------------------------------------------

// Settling and releasing run after the response: a timer turn first lets the response go out
// before the Durable Object round trip and its ledger work take the isolate's thread.
const afterResponse = () => new Promise((resolve) => setTimeout(resolve, 0));

// Settlements of one account leave the isolate in batches: a Durable Object round trip costs
// more than the ledger work of a settlement, so under load one call carries the settlements of
// every request of the account that finished within SETTLE_BATCH_MS (at most SETTLE_BATCH_MAX;
// a full batch takes no more, the next settlement opens another).
//
// workerd ties a Durable Object stub, a timer and a promise's continuations to the request that
// made them. So the request that opens a batch sends it (its timer, its stub) and keeps itself
// alive until the call is answered (its waitUntil holds the batch); the requests that join only
// add their command and finish at once: nothing of theirs waits on another request's I/O. The
// account object settles each command on its own (settleMany) and logs what it refused.
const SETTLE_BATCH_MS = 4;
const SETTLE_BATCH_MAX = 64;
const settleBatches = new Map(); // accountId → the open batch {items: [[id, command]]}

/** Queues one settlement; the promise (of the batch's sender only) ends when the batch did. */
function queueSettlement(caller, id, command) {
  const open = settleBatches.get(caller.accountId);
  if (open) {
    open.items.push([id, command]);
    // Full: closed to newcomers. Only its opener may send it (its stub, its request), which its
    // timer does within SETTLE_BATCH_MS.
    if (open.items.length >= SETTLE_BATCH_MAX) settleBatches.delete(caller.accountId);
    return Promise.resolve();
  }
  const batch = { items: [[id, command]] };
  settleBatches.set(caller.accountId, batch);
  return new Promise((resolve) => {
    setTimeout(() => {
      if (settleBatches.get(caller.accountId) === batch) settleBatches.delete(caller.accountId);
      sendSettlements(caller.stub, batch.items).finally(resolve);
    }, SETTLE_BATCH_MS);
  });
}

async function sendSettlements(stub, items) {
  try {
    const results = await stub.settleMany(items);
    items.forEach(([id], i) => {
      const r = results[i];
      if (!r || r.status !== 200) console.error(`switchyard: settle ${id} failed: ${JSON.stringify(r?.body ?? null)}`);
    });
  } catch (e) {
    // The holds stay until their TTL (the charges are lost, never doubled): log every id.
    console.error(`switchyard: settling ${items.length} generation(s) failed (${items.map(([id]) => id).join(', ')}): ${e.message}`);
  }
}

function settle(job, attempt, g) {
  const generation = {
    model: attempt.model,
    provider_name: attempt.provider_name,
    streamed: g.streamed,
    cancelled: g.cancelled,
    provider_responses: job.providerResponses,
    ...job.details,
  };
  if (g.latency_ms != null) generation.latency_ms = g.latency_ms;
  if (g.generation_time_ms != null) generation.generation_time_ms = g.generation_time_ms;
  if (g.finish_reason) generation.finish_reason = g.finish_reason;
  if (g.native_finish_reason) generation.native_finish_reason = g.native_finish_reason;
  // `priced` is the usage and cost the core computed once for this generation — the very value
  // behind the client's usage.cost — so the ledger charges what the client was told.
  const command = {
    id: job.genId, priced: g.priced, endpoint: attempt.endpoint, byok: attempt.byok,
    ...(g.finish_reason ? { finish_reason: g.finish_reason } : {}),
    generation,
  };
  return queueSettlement(job.caller, job.genId, JSON.stringify(job.redact.value(command)));
}

async function release(job) {
  await afterResponse();
  try {
    const r = await job.caller.stub.release(job.genId);
    if (r.status !== 200) console.error(job.redact.text(`switchyard: release ${job.genId} failed: ${JSON.stringify(r.body)}`));
  } catch (e) {
    console.error(job.redact.text(`switchyard: release ${job.genId} failed: ${e.message}`));
  }
}
