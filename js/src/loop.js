// loop.js: the one host loop that drives a core Session (c_api.h "session: one request's life"),
// the same in every runtime: the edge worker (worker/chat.js), a browser or Node app.
//
// The core decides everything — which attempt runs next, what its upstream request is, what a
// response means, retry or skip the model or give up, the client bytes, in-band errors, health,
// stickiness, what to settle. This file only does the I/O the core cannot: fetch each attempt
// with its secret, under its phase deadlines, and report what happened (a response head and
// body, stream bytes, a timeout, a reset, an oversized body, the client leaving). Everything it
// needs is injected, so the same code runs under workerd, Node, a browser page and a fake clock:
//
//   fetch(url, init)       the upstream call (init: {method, headers: Headers, body, signal})
//   secretFor(step)        the secret of an attempt step: a string, null for none, or
//                          {unavailable: message} (or a throw) when a key the attempt needs is
//                          missing — a BYOK key: the core then moves on without a call
//   now(), setTimeout, clearTimeout   the clock (default: the global ones)
//   signal                 an AbortSignal: the client left (the attempt in flight is cut,
//                          reported "cancelled")
//   onBytes(bytes)         a stream's client bytes, in order (content, then the final tail)
//   committed()            whether the host already sent the client a streamed response head
//                          (a keep-alive comment): a failure must then arrive in-band
//   onObserved(events)     the health events the core told its router (to share them)
//
// Phase deadlines come with each attempt step (step.limits, milliseconds from the attempt's
// start unless said otherwise; a missing limit is no deadline):
//   head_ms             until the response head
//   first_byte_ms       until the first content: a stream's first client bytes, a buffered
//                       body's first byte
//   idle_ms             the longest silence once bytes flow (after that first content)
//   total_ms            the whole attempt
//   max_response_bytes  a buffered body; what a stream may send before its first content
// A deadline that passes is reported {"failure":"timeout","phase":"head"|"first_token"|"idle"|
// "total"} (the core writes the message), a reset or refused connection "connection", an
// oversized body "too_large", the client leaving "cancelled".
//
// runSession() resolves with the final step: {step:"respond", status, headers, body, settle} for
// a response still to be sent whole, or {step:"end", tail, settle} for a stream (its tail has
// already gone out through onBytes). sessionStream() is the same as an async iterable of client
// byte chunks, for `for await` (a browser client).

const encoder = new TextEncoder();
const STOP = Symbol('stopped');
const noop = () => {};

/**
 * Drives `session` (binding.js Session) until its final step, which it returns.
 * @param {object} session a Session (or anything with its methods)
 * @param {object} host see the top of this file
 */
export async function runSession(session, host = {}) {
  const h = hostOf(host);
  let committed = false; // client bytes went out through onBytes
  let attempts = 0;
  // A guard against a session that never ends (a core bug): at most one step per planned attempt.
  const most = Array.isArray(session.plan?.attempts) ? session.plan.attempts.length + 1 : Infinity;
  for (;;) {
    const step = session.next({ now_ms: h.now(), committed: committed || h.committed() === true });
    if (step.observed && step.observed.length) h.onObserved(step.observed);
    switch (step.step) {
      case 'attempt': {
        if (++attempts > most) throw new Error(`switchyard: the session asked for attempt ${attempts} of a ${most - 1}-attempt plan`);
        const sent = step.stream ? await streamedAttempt(session, step, h) : await bufferedAttempt(session, step, h);
        if (sent) committed = true;
        break;
      }
      case 'end':
        if (step.tail) h.onBytes(encoder.encode(step.tail));
        return step;
      case 'respond':
        return step;
      default:
        throw new Error(`switchyard: unknown session step ${JSON.stringify(step.step)}`);
    }
  }
}

/**
 * runSession as an async iterable of client byte chunks (a stream's), plus `result`: the final
 * step. Leaving the `for await` early counts as the client leaving (the attempt is cancelled).
 */
export function sessionStream(session, host = {}) {
  const queue = [];
  let wake = null;
  let finished = false;
  let failure = null;
  const gone = new AbortController();
  const outer = host.signal;
  const onOuterAbort = () => gone.abort();
  if (outer) {
    if (outer.aborted) gone.abort();
    else outer.addEventListener('abort', onOuterAbort, { once: true });
  }
  const done = () => {
    finished = true;
    outer?.removeEventListener('abort', onOuterAbort);
    wake?.();
  };
  const result = runSession(session, {
    ...host,
    signal: gone.signal,
    onBytes(bytes) {
      queue.push(bytes);
      wake?.();
    },
  }).then((step) => { done(); return step; }, (e) => { failure = e; done(); throw e; });
  result.catch(noop); // surfaced through the iterator and `result`
  return {
    result,
    [Symbol.asyncIterator]() {
      return {
        async next() {
          for (;;) {
            if (queue.length) return { value: queue.shift(), done: false };
            if (finished) {
              if (failure) throw failure;
              return { value: undefined, done: true };
            }
            await new Promise((resolve) => { wake = resolve; });
            wake = null;
          }
        },
        async return() {
          if (!finished) gone.abort();
          return { value: undefined, done: true };
        },
      };
    },
  };
}

function hostOf(host) {
  if (typeof host.fetch !== 'function' && typeof globalThis.fetch !== 'function') {
    throw new TypeError('switchyard: runSession needs a fetch');
  }
  return {
    fetch: host.fetch ?? ((url, init) => globalThis.fetch(url, init)),
    secretFor: host.secretFor ?? (() => null),
    now: host.now ?? Date.now,
    setTimeout: host.setTimeout ?? ((fn, ms) => setTimeout(fn, ms)),
    clearTimeout: host.clearTimeout ?? ((id) => clearTimeout(id)),
    signal: host.signal ?? null,
    onBytes: host.onBytes ?? noop,
    committed: host.committed ?? (() => false),
    onObserved: host.onObserved ?? noop,
  };
}

// ---- one attempt ---------------------------------------------------------------------------

/**
 * The clock of one attempt: its upstream call's AbortController, stopped by the first phase
 * deadline that passes or by the client leaving. `reason`: "timeout" | "too_large" |
 * "cancelled" (null while running); `phase` names the deadline. Stopping aborts the call and
 * cancels the body's reader, which ends a read in progress (a cancelled stream resolves its
 * pending reads), whatever the runtime does with an aborted call; `stopped` resolves to STOP, so
 * the call itself can be raced against it.
 */
function attemptClock(limits, h) {
  const controller = new AbortController();
  let resolveStopped;
  const c = {
    started: h.now(),
    signal: controller.signal,
    reason: null,
    phase: null,
    stopped: new Promise((resolve) => { resolveStopped = resolve; }),
    firstAt: 0, // first content (stream) / first body byte (buffered)
    reader: null,
  };
  const ms = (v) => (typeof v === 'number' && Number.isFinite(v) ? Math.max(0, v) : null);
  const since = (v) => { const t = ms(v); return t === null ? null : c.started + t; };
  // The deadlines, as clock times (null: none, or its phase is over).
  let totalAt = since(limits?.total_ms);
  let headAt = since(limits?.head_ms);
  let firstByteAt = since(limits?.first_byte_ms);
  const idleMs = ms(limits?.idle_ms);
  let lastByteAt = 0;
  // One timer for every deadline, not one per phase: it is set for the earliest, and when it
  // fires it stops the attempt if a deadline has passed, else it is set again for the next one.
  // A phase that ends (the head arrived) leaves it be: firing early costs less than a
  // clearTimeout and a setTimeout per phase. Idle is one deadline per silence, not per chunk.
  let timer = null;
  let timerAt = Infinity;
  const earliest = () => {
    let at = Infinity;
    let phase = null;
    // Earliest first; at equal times total, head, first_token, idle (the order of the phases).
    if (totalAt !== null && totalAt < at) { at = totalAt; phase = 'total'; }
    if (headAt !== null && headAt < at) { at = headAt; phase = 'head'; }
    if (firstByteAt !== null && firstByteAt < at) { at = firstByteAt; phase = 'first_token'; }
    if (c.firstAt && idleMs !== null && lastByteAt + idleMs < at) { at = lastByteAt + idleMs; phase = 'idle'; }
    return [at, phase];
  };
  const arm = (at) => {
    if (timer !== null) h.clearTimeout(timer);
    timerAt = at;
    timer = at === Infinity ? null : h.setTimeout(fire, Math.max(0, at - h.now()));
  };
  const fire = () => {
    timer = null;
    timerAt = Infinity;
    if (c.reason) return;
    const [at, phase] = earliest();
    if (at <= h.now()) c.stop('timeout', phase);
    else arm(at);
  };

  c.stop = (reason, phase = null) => {
    if (c.reason) return;
    c.reason = reason;
    c.phase = phase;
    c.clear();
    resolveStopped(STOP);
    try { controller.abort(); } catch { /* a fetch that is gone already */ }
    c.reader?.cancel().catch(noop);
  };
  /** The body reader of the attempt: cancelled when the clock stops. */
  c.reading = (reader) => {
    c.reader = reader;
    if (c.reason) reader.cancel().catch(noop);
    return reader;
  };

  /** The response head arrived. */
  c.gotHead = () => { headAt = null; };
  /** The first content (stream) or body byte (buffered): from now on the idle limit. */
  c.gotFirst = () => {
    if (c.firstAt) return;
    c.firstAt = h.now();
    firstByteAt = null;
    lastByteAt = c.firstAt;
    // The idle deadline may come before the one the timer waits for.
    if (idleMs !== null && !c.reason && lastByteAt + idleMs < timerAt) arm(lastByteAt + idleMs);
  };
  /** Upstream bytes arrived. */
  c.sawBytes = () => { if (c.firstAt) lastByteAt = h.now(); };
  c.clear = () => {
    if (timer !== null) h.clearTimeout(timer);
    timer = null;
    timerAt = Infinity;
    h.signal?.removeEventListener('abort', onClientGone);
  };
  const onClientGone = () => c.stop('cancelled');
  if (h.signal) {
    if (h.signal.aborted) c.stop('cancelled');
    else h.signal.addEventListener('abort', onClientGone, { once: true });
  }
  if (!c.reason) {
    const [at] = earliest();
    arm(at);
  }
  return c;
}

/** The report of an attempt the clock (or a failed call) ended. */
function failureReport(c, h, error) {
  const report = { failure: c.reason ?? 'connection', now_ms: h.now() };
  if (c.reason === 'timeout') report.phase = c.phase;
  else if (!c.reason) report.message = error && error.message ? error.message : String(error);
  if (c.firstAt) report.first_content_ms = c.firstAt;
  return report;
}

/** The secret of an attempt: {secret} or {unavailable: message}. */
function secretOf(step, h) {
  let s;
  try {
    s = h.secretFor(step);
  } catch (e) {
    return { unavailable: e && e.message ? e.message : String(e) };
  }
  if (s && typeof s === 'object') return { unavailable: String(s.unavailable ?? 'no key for this attempt') };
  return { secret: s ?? null };
}

/**
 * Calls the upstream for an attempt step under its clock. Returns the Response, or null when
 * the clock stopped first (a deadline, the client) — a call that fails throws.
 */
async function call(step, secret, c, h) {
  const req = step.request;
  const headers = new Headers(req.headers ?? {});
  if (secret !== null && req.auth?.header) headers.set(req.auth.header, (req.auth.prefix ?? '') + secret);
  if (c.reason) return null; // the client left before the call
  const pending = Promise.resolve().then(() => h.fetch(req.url, { method: req.method ?? 'POST', headers, body: req.body, signal: c.signal }));
  const r = await Promise.race([pending, c.stopped]);
  if (r === STOP) {
    // Whatever the call still does, nothing waits for it: drop its body, ignore its failure.
    pending.then((late) => late?.body?.cancel?.().catch(noop), noop);
    return null;
  }
  return r;
}

// What a body-less response reads as.
const DONE = Object.freeze({ done: true, value: undefined });

function headOf(response, h) {
  const headers = [];
  response.headers.forEach((value, name) => { headers.push([name, value]); });
  return { status: response.status, headers, now_ms: h.now() };
}

/** A buffered attempt: fetch, read the body under the clock, report. Returns false (no bytes out). */
async function bufferedAttempt(session, step, h) {
  const key = secretOf(step, h);
  if (key.unavailable !== undefined) {
    session.respond({ failure: 'unavailable', message: key.unavailable, now_ms: h.now() }, null);
    return false;
  }
  const c = attemptClock(step.limits, h);
  let report = null;
  let body = null;
  let reader = null;
  try {
    const response = await call(step, key.secret, c, h);
    if (response) {
      c.gotHead();
      const cap = step.limits?.max_response_bytes;
      const whole = declaredLength(response);
      const chunks = [];
      let size = 0;
      reader = response.body ? c.reading(response.body.getReader()) : null;
      for (;;) {
        const chunk = reader === null ? DONE : c.reason ? null : await reader.read();
        if (chunk === null || c.reason) break; // stopped: reported below
        if (chunk.done) {
          body = bodyOf(chunks);
          report = headOf(response, h);
          break;
        }
        if (!chunk.value || chunk.value.byteLength === 0) continue;
        c.gotFirst();
        c.sawBytes();
        size += chunk.value.byteLength;
        if (typeof cap === 'number' && size > cap) {
          c.stop('too_large');
          reader.cancel().catch(noop);
          break;
        }
        chunks.push(chunk.value);
        if (size === whole) {
          // Every declared byte is here: the body is complete without the read that would
          // only say so (under workerd a read costs a turn of the isolate). The stream has
          // nothing left; cancelling it frees it now.
          body = bodyOf(chunks);
          report = headOf(response, h);
          reader.cancel().catch(noop);
          break;
        }
      }
    }
    if (!report) report = failureReport(c, h, null);
  } catch (e) {
    reader?.cancel().catch(noop);
    report = failureReport(c, h, e);
  } finally {
    c.clear();
  }
  session.respond(report, report.failure ? null : body);
  return false;
}

/**
 * A streamed attempt: fetch, open, feed every chunk until the core needs no more, finish.
 * Client bytes go out through onBytes as they come. Returns whether any did.
 */
async function streamedAttempt(session, step, h) {
  const key = secretOf(step, h);
  if (key.unavailable !== undefined) {
    session.streamOpen({ failure: 'unavailable', message: key.unavailable, now_ms: h.now() });
    return false;
  }
  const c = attemptClock(step.limits, h);
  let response;
  try {
    response = await call(step, key.secret, c, h);
  } catch (e) {
    c.clear();
    session.streamOpen(failureReport(c, h, e));
    return false;
  }
  if (!response) {
    c.clear();
    session.streamOpen(failureReport(c, h, null));
    return false;
  }
  c.gotHead();
  let sent = false;
  let cut = null; // a failure report: the stream did not end by itself
  const reader = response.body ? c.reading(response.body.getReader()) : null;
  try {
    session.streamOpen(headOf(response, h));
    const cap = step.limits?.max_response_bytes;
    // Until the first content, what the upstream may send is capped (a stream that sends
    // megabytes without content is broken); after it, the deadlines bound the stream.
    let unproductive = 0;
    try {
      // One await per upstream chunk (the read itself, no wrapper), one core call per chunk.
      while (reader && !session.streamEnded()) {
        const chunk = c.reason ? null : await reader.read();
        if (chunk === null || c.reason) { // stopped: the clock cancelled the reader
          cut = failureReport(c, h, null);
          break;
        }
        if (chunk.done) break;
        const value = chunk.value;
        if (!value || value.byteLength === 0) continue;
        c.sawBytes();
        if (!c.firstAt) {
          unproductive += value.byteLength;
          if (typeof cap === 'number' && unproductive > cap) {
            c.stop('too_large');
            cut = failureReport(c, h, null);
            break;
          }
        }
        const bytes = session.streamFeed(value);
        if (bytes.length) {
          c.gotFirst();
          sent = true;
          h.onBytes(bytes);
        }
      }
    } catch (e) {
      if (e && e.name === 'SwitchyardError') throw e; // the core refused: not the upstream's fault
      cut = failureReport(c, h, e);
    }
  } finally {
    c.clear();
    reader?.cancel().catch(noop); // done with it either way (a no-op once it ended)
  }
  const end = cut ?? { now_ms: h.now() };
  if (!cut && c.firstAt) end.first_content_ms = c.firstAt;
  const tail = session.streamFinish(end);
  if (tail.length) {
    sent = true;
    h.onBytes(tail);
  }
  return sent;
}

/**
 * The body's length as the response declares it (content-length, with no content coding: a
 * decoded body has another length), or -1 when it does not. A browser's cross-origin response
 * may hide its content-encoding (not CORS-safelisted) while showing its content-length: -1.
 */
function declaredLength(response) {
  if (response.type === 'cors' || response.type === 'opaque') return -1;
  const h = response.headers;
  const length = h.get('content-length');
  if (length === null || !/^\d{1,15}$/.test(length)) return -1;
  const coding = h.get('content-encoding');
  if (coding !== null && coding.trim().toLowerCase() !== 'identity' && coding.trim() !== '') return -1;
  return Number(length);
}

// A buffered body as the session takes it: its one chunk, or its chunks (joined in core memory,
// so a large answer is not held twice in JS).
function bodyOf(chunks) {
  return chunks.length === 1 ? chunks[0] : chunks;
}
