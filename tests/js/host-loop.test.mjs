// The host loop (js/src/loop.js) driving the core's Session, outside workerd: a scripted fake
// fetch plays the upstreams and a virtual clock plays time, so every phase deadline is checked
// to the millisecond and nothing waits for real. Each fault the sandbox fleet injects (hung
// socket before the head, a head and then no body, a stall mid-stream, a reset, garbage, an
// error inside a 200, a cut stream, 429 with Retry-After, 5xx, HTML pages, oversized bodies,
// a slow drip past the total deadline) runs buffered and streamed, with a fallback endpoint and
// without one; then fallback across endpoints, the skip-model rule with models[], cancellation
// by AbortSignal, a BYOK key that is unavailable, a committed stream, health relay, and the
// async-iterable form. Both wasm builds run every case (the same core decides in each).
//
// Run: node --test tests/js/host-loop.test.mjs
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { runSession, sessionStream } from '../../js/src/loop.js';
import { BUILDS, missing } from './wasm-builds.mjs';

// ---- a catalog of our own: three OpenAI-wire providers, two models -------------------------

const provider = (slug, name) => ({
  slug, name, wire: 'openai', base_url: `http://${slug}.test/v1`, api_key_env: `${slug.toUpperCase()}_API_KEY`,
  privacy_policy_url: null, data_policy: { training: false, retains_prompts: false, retention_days: 0, zdr: true },
  max_tokens_param: 'max_tokens',
});
const model = (id) => ({
  id, canonical_slug: id, name: id, created: 1700000000, description: 'a test model', context_length: 8192,
  input_modalities: ['text'], output_modalities: ['text'], tokenizer: 'Other', instruct_type: null,
  supported_parameters: ['max_tokens', 'temperature'], is_moderated: false, model_group: 'other',
});
const endpoint = (m, p) => ({
  model: m, provider: p, tag: p, upstream_model: `${p}-${m.split('/')[1]}`, context_length: 8192,
  max_completion_tokens: 1024, quantization: 'unknown', pricing: { prompt: '1', completion: '2' },
  supported_parameters: ['max_tokens', 'temperature'], free: false, zdr: null, training: null,
});
const CATALOG = JSON.stringify({
  format: 'switchyard-catalog', version: 1, sources: [{ name: 'host-loop test catalog' }],
  providers: [provider('alpha', 'Alpha'), provider('beta', 'Beta'), provider('gamma', 'Gamma')],
  models: [model('test/one'), model('test/two')],
  endpoints: [endpoint('test/one', 'alpha'), endpoint('test/one', 'beta'), endpoint('test/two', 'gamma')],
});

// Deadlines (virtual ms) every session runs with.
const L = { connect_ms: 100, first_token_ms: 300, idle_ms: 200, total_ms: 2000, max_response_bytes: 4096 };
const T0 = 1_750_000_000_000;

// ---- a virtual clock -------------------------------------------------------------------------

function virtualClock(start = T0) {
  let t = start;
  let seq = 0;
  const timers = new Map();
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  return {
    now: () => t,
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: t + Math.max(0, Number(ms) || 0), fn });
      return id;
    },
    clearTimeout(id) { timers.delete(id); },
    pending: () => timers.size,
    /** Runs `promise` to its end, firing timers in time order whenever nothing else can move. */
    async run(promise) {
      let state = null;
      promise.then((value) => { state = { value }; }, (error) => { state = { error }; });
      for (;;) {
        for (let i = 0; i < 4 && !state; i++) await turn();
        if (state) break;
        let next = null;
        for (const [id, timer] of timers) if (!next || timer.at < next[1].at) next = [id, timer];
        if (!next) throw new Error(`stuck at +${t - start} ms: the loop waits and no timer is set`);
        timers.delete(next[0]);
        t = Math.max(t, next[1].at);
        next[1].fn();
      }
      if (state.error) throw state.error;
      return state.value;
    },
  };
}

// ---- upstream bodies -------------------------------------------------------------------------

const enc = new TextEncoder();
const dec = new TextDecoder();

function completion(text, usage = { prompt_tokens: 5, completion_tokens: 3 }) {
  return JSON.stringify({
    id: 'up-1', object: 'chat.completion', created: 1, model: 'up',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  });
}
const chunk = (delta, finish = null) => `data: ${JSON.stringify({
  id: 'up-1', object: 'chat.completion.chunk', created: 1, model: 'up',
  choices: [{ index: 0, delta, finish_reason: finish }],
})}\n\n`;
/** The SSE events of a streamed reply: role, one per word, finish, usage, [DONE]. */
function sse(words) {
  return [
    chunk({ role: 'assistant', content: '' }),
    ...words.map((w, i) => chunk({ content: i ? ` ${w}` : w })),
    chunk({}, 'stop'),
    `data: ${JSON.stringify({ id: 'up-1', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [], usage: { prompt_tokens: 5, completion_tokens: words.length, total_tokens: 5 + words.length } })}\n\n`,
    'data: [DONE]\n\n',
  ];
}
const WORDS = ['alpha', 'bravo', 'charlie', 'delta'];
const errorJson = (status, message, type = 'server_error') => JSON.stringify({ error: { message, type, code: status } });

// A script: what one upstream call does, times in ms from the call.
//   {hang}                        never answers
//   {reset, at}                   the call fails (no response) at `at`
//   {status, headers, head, body: [[at, text|bytes]...], end, cut}
//                                 the head at `head`, body pieces at their times, then the end
//                                 at `end` (null: never) or an error of the body at `cut`
//   ignoreAbort                   the fake does not honour the AbortSignal (a runtime that never
//                                 ends an aborted call): the loop must move on regardless
const ok = (stream, text = 'hello there') => stream
  ? { head: 5, body: sse(WORDS).map((e, i) => [10 + i, e]), end: 30 }
  : { head: 5, body: [[10, completion(text)]], end: 10 };

/** A fake fetch playing scripts per provider (a function of `stream` or an object). */
function fakeFetch(clock, scripts = {}) {
  const calls = [];
  const fetch = (url, init) => {
    const host = new URL(url).hostname.split('.')[0];
    const request = JSON.parse(init.body);
    const queue = scripts[host] ?? [];
    let s = queue.length ? queue.shift() : ok;
    if (typeof s === 'function') s = s(request.stream === true);
    const call = {
      provider: host, url, method: init.method, headers: init.headers, request, at: clock.now(),
      aborted: false, cancelled: false, sent: 0, signal: init.signal,
    };
    calls.push(call);
    const timers = [];
    const later = (ms, fn) => timers.push(clock.setTimeout(fn, ms));
    return new Promise((resolve, reject) => {
      init.signal.addEventListener('abort', () => {
        call.aborted = true;
        call.abortedAt = clock.now();
        if (s.ignoreAbort) return;
        for (const id of timers) clock.clearTimeout(id);
        reject(new DOMException('The operation was aborted.', 'AbortError'));
        try { call.controller?.error(new DOMException('The operation was aborted.', 'AbortError')); } catch { /* closed */ }
      }, { once: true });
      if (s.hang) return;
      if (s.reset) {
        later(s.at ?? 0, () => reject(new TypeError('fetch failed')));
        return;
      }
      const head = s.head ?? 0;
      later(head, () => {
        const body = new ReadableStream({
          start(c) { call.controller = c; },
          cancel() {
            call.cancelled = true;
            call.cancelledAt = clock.now();
            for (const id of timers) clock.clearTimeout(id);
          },
        });
        for (const [at, piece] of s.body ?? []) {
          later(at - head, () => {
            const bytes = typeof piece === 'string' ? enc.encode(piece) : piece;
            try { call.controller.enqueue(bytes); call.sent += bytes.byteLength; } catch { /* cancelled */ }
          });
        }
        if (s.cut !== undefined) later(s.cut - head, () => { try { call.controller.error(new TypeError('terminated')); } catch { /* gone */ } });
        else if (s.end !== null && s.end !== undefined) later(s.end - head, () => { try { call.controller.close(); } catch { /* gone */ } });
        const type = request.stream === true && (s.status ?? 200) === 200 ? 'text/event-stream' : 'application/json';
        resolve(new Response(body, { status: s.status ?? 200, headers: { 'content-type': type, ...(s.headers ?? {}) } }));
      });
    });
  };
  return { fetch, calls };
}

// ---- one request through the loop ------------------------------------------------------------

/**
 * Runs one request: `req` (the chat request's extras), `scripts` per provider, `host` extras.
 * Returns {final, body (parsed respond body), bytes (stream text), calls, observed, at (virtual
 * ms of the end), byCall}.
 */
async function run(sy, { stream = false, request = {}, scripts = {}, context = { account_id: 'acct-1' }, host = {}, format } = {}) {
  const clock = virtualClock();
  const router = new sy.Router({ catalog: CATALOG });
  const { fetch, calls } = fakeFetch(clock, scripts);
  const session = router.session({
    request: { model: 'test/one', messages: [{ role: 'user', content: 'hi' }], stream, ...request },
    context, now_ms: clock.now(), seed: 7, generation_id: 'gen-loop', limits: L,
    ...(format ? { format } : {}),
  });
  const out = [];
  const observed = [];
  let firstBytesAt = null;
  try {
    const final = await clock.run(runSession(session, {
      fetch,
      secretFor: (step) => `sk-${step.provider}-operator-key`,
      now: clock.now, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout,
      onBytes: (b) => {
        firstBytesAt ??= clock.now() - T0;
        out.push(dec.decode(b));
      },
      onObserved: (events) => observed.push(...events),
      ...host,
    }));
    let body = null;
    if (final.step === 'respond' && final.body !== '') body = JSON.parse(final.body);
    return { final, body, bytes: out.join(''), calls, observed, at: clock.now() - T0, clock, plan: session.plan, firstBytesAt };
  } finally {
    session.free();
    router.free();
  }
}

const providersOf = (r) => r.calls.map((c) => c.provider);
const FALLBACK = { provider: { order: ['alpha', 'beta'] } };
const ALONE = { provider: { order: ['alpha'], allow_fallbacks: false } };

/** The content a client received: a buffered body's message or a stream's deltas. */
function contentOf(r) {
  if (r.final.step === 'respond') return r.body?.choices?.[0]?.message?.content ?? '';
  let text = '';
  for (const line of r.bytes.split('\n')) {
    if (!line.startsWith('data: {')) continue;
    text += JSON.parse(line.slice(6)).choices?.[0]?.delta?.content ?? '';
  }
  return text;
}
const inBandError = (r) => r.bytes.split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6))).find((e) => e.error);

// ---- the fault matrix --------------------------------------------------------------------------

// Each fault: a script per mode, and what must happen.
//   statusAlone   the client status without a fallback (buffered, or streamed before content)
//   type          the error type the generation records for the failed attempt
//   after         streamed: content reached the client before the failure (in-band, no fallback)
//   at            virtual ms at which the failing attempt is abandoned: {buffered, streamed}
const huge = 'x'.repeat(L.max_response_bytes + 1000);
const FAULTS = [
  { name: 'hung socket before the head', script: () => ({ hang: true }), statusAlone: 408, type: 'timeout', at: { buffered: L.first_token_ms, streamed: L.connect_ms } },
  { name: 'hung socket, a fetch that ignores abort', script: () => ({ hang: true, ignoreAbort: true }), statusAlone: 408, type: 'timeout', at: { buffered: L.first_token_ms, streamed: L.connect_ms } },
  { name: 'head, then no body', script: () => ({ head: 10, body: [], end: null }), statusAlone: 408, type: 'timeout', at: { buffered: L.first_token_ms, streamed: L.first_token_ms } },
  // A runtime that never ends an aborted call's body: the loop cancels its reader.
  { name: 'head, then no body, a fetch that ignores abort', script: () => ({ head: 10, body: [], end: null, ignoreAbort: true }), statusAlone: 408, type: 'timeout', at: { buffered: L.first_token_ms, streamed: L.first_token_ms } },
  { name: 'slow first token (past the first-byte deadline)', script: (stream) => ({ ...ok(stream), head: stream ? 5 : 500, body: ok(stream).body.map(([t, e]) => [t + 500, e]), end: 600 }), statusAlone: 408, type: 'timeout', at: { buffered: L.first_token_ms, streamed: L.first_token_ms } },
  {
    name: 'stall mid-way (bytes, then silence)',
    script: (stream) => stream
      ? { head: 5, body: sse(WORDS).slice(0, 3).map((e, i) => [10 + i, e]), end: null }
      : { head: 5, body: [[10, completion('hello there').slice(0, 40)]], end: null },
    statusAlone: 408, type: 'timeout', after: true, at: { buffered: 10 + L.idle_ms, streamed: 12 + L.idle_ms },
  },
  {
    name: 'stall mid-way, a fetch that ignores abort',
    script: (stream) => stream
      ? { head: 5, body: sse(WORDS).slice(0, 3).map((e, i) => [10 + i, e]), end: null, ignoreAbort: true }
      : { head: 5, body: [[10, completion('hello there').slice(0, 40)]], end: null, ignoreAbort: true },
    statusAlone: 408, type: 'timeout', after: true, at: { buffered: 10 + L.idle_ms, streamed: 12 + L.idle_ms },
  },
  { name: 'connection reset before the head', script: () => ({ reset: true, at: 20 }), statusAlone: 502, type: 'connection_error', at: { buffered: 20, streamed: 20 } },
  {
    name: 'reset mid-body',
    script: (stream) => stream
      ? { head: 5, body: sse(WORDS).slice(0, 3).map((e, i) => [10 + i, e]), cut: 40 }
      : { head: 5, body: [[10, completion('hello there').slice(0, 40)]], cut: 40 },
    statusAlone: 502, type: 'connection_error', after: true, at: { buffered: 40, streamed: 40 },
  },
  { name: '200 with garbage', script: () => ({ head: 5, body: [[10, new Uint8Array([0xff, 0x00, 0x13, 0x37, 0xc3, 0x28, 0x0a, 0x0a])]], end: 15 }), statusAlone: 502, type: 'invalid_response', at: { buffered: 15, streamed: 15 } },
  { name: 'HTML error page', script: () => ({ status: 502, headers: { 'content-type': 'text/html' }, head: 5, body: [[10, '<html><body><h1>502 Bad Gateway</h1></body></html>']], end: 15 }), statusAlone: 502, at: { buffered: 15, streamed: 15 } },
  {
    name: 'error object inside a 200',
    script: (stream) => stream
      ? { head: 5, body: [[10, `data: ${errorJson(503, 'overloaded, try later', 'overloaded_error')}\n\n`]], end: 15 }
      : { head: 5, body: [[10, errorJson(503, 'overloaded, try later', 'overloaded_error')]], end: 15 },
    statusAlone: 502, type: 'provider_overloaded', at: { buffered: 15, streamed: 10 },
  },
  {
    name: 'stream cut after content (no finish, no [DONE])',
    script: (stream) => stream
      ? { head: 5, body: sse(WORDS).slice(0, 3).map((e, i) => [10 + i, e]), end: 20 }
      : { head: 5, body: [[10, completion('hello there').slice(0, 30)]], end: 20 },
    statusAlone: 502, after: true, at: { buffered: 20, streamed: 20 },
  },
  {
    name: 'malformed event after content',
    script: (stream) => stream
      ? { head: 5, body: [...sse(WORDS).slice(0, 3).map((e, i) => [10 + i, e]), [14, 'data: {"choices":[{"delta":{"content":"x"}\n\n']], end: 20 }
      : { head: 5, body: [[10, '{"id":"x","choices":[{"message":']], end: 20 },
    // Streamed: the core ends the stream at the broken event; the loop stops reading there.
    statusAlone: 502, after: true, at: { buffered: 20, streamed: 14 },
  },
  { name: '429 with Retry-After', script: () => ({ status: 429, headers: { 'retry-after': '2' }, head: 5, body: [[6, errorJson(429, 'slow down', 'rate_limit_exceeded')]], end: 7 }), statusAlone: 429, type: 'rate_limit_exceeded', retryAfter: '2', at: { buffered: 7, streamed: 7 } },
  { name: '500', script: () => ({ status: 500, head: 5, body: [[6, errorJson(500, 'boom')]], end: 7 }), statusAlone: 502, type: 'server', at: { buffered: 7, streamed: 7 } },
  { name: '503', script: () => ({ status: 503, head: 5, body: [[6, errorJson(503, 'overloaded', 'overloaded_error')]], end: 7 }), statusAlone: 502, type: 'provider_overloaded', at: { buffered: 7, streamed: 7 } },
  { name: '401 (the operator key refused)', script: () => ({ status: 401, head: 5, body: [[6, errorJson(401, 'Incorrect API key provided', 'invalid_request_error')]], end: 7 }), statusAlone: 502, type: 'authentication', at: { buffered: 7, streamed: 7 } },
  {
    name: 'response over max_response_bytes',
    script: (stream) => stream
      // Before any content: comment lines, 1000 bytes every 10 ms.
      ? { head: 5, body: Array.from({ length: 8 }, (_, i) => [10 + 10 * i, `: ${'p'.repeat(996)}\n\n`]), end: null }
      : { head: 5, body: Array.from({ length: 8 }, (_, i) => [10 + 10 * i, huge.slice(0, 1000)]), end: null },
    // The 5th piece passes 4096 bytes: abandoned then, not after all eight.
    statusAlone: 502, type: 'connection_error', at: { buffered: 50, streamed: 50 }, cancelsUpstream: true,
  },
  {
    name: 'slow drip past the total deadline',
    script: (stream) => stream
      ? { head: 5, body: [...sse(WORDS).slice(0, 2).map((e, i) => [10 + i, e]), ...Array.from({ length: 30 }, (_, i) => [100 + 150 * i, chunk({ content: ' more' })])], end: null }
      : { head: 5, body: Array.from({ length: 30 }, (_, i) => [10 + 150 * i, ' ']), end: null },
    statusAlone: 408, type: 'timeout', after: true, at: { buffered: L.total_ms, streamed: L.total_ms },
  },
];
// A body in pieces 150 ms apart (under the idle limit), ending with the last.
const drip = (pieces) => ({ head: 5, body: pieces.map((p, i) => [10 + 150 * i, p]), end: 10 + 150 * (pieces.length - 1) });
// Harmless "faults": served by the provider that has them.
const HARMLESS = [
  { name: 'slow drip within the idle limit', script: (stream) => drip(stream ? sse(WORDS) : completion('hello there').match(/.{1,40}/g)) },
  { name: 'head at once, body late (within first byte, beyond idle)', script: (stream) => ({ head: 5, body: ok(stream).body.map(([t, e]) => [t + L.idle_ms + 50, e]), end: 30 + L.idle_ms + 60 }) },
];

for (const build of BUILDS) {
  describe(`host loop: ${build.name}`, () => {
    let sy;
    const core = async () => {
      if (sy) return sy;
      const why = missing(build);
      if (why) assert.fail(why);
      sy = await build.load();
      return sy;
    };

    test('a buffered request: the secret is added, the core\'s answer comes back to respond', async () => {
      const r = await run(await core(), { request: FALLBACK });
      assert.equal(r.final.step, 'respond');
      assert.equal(r.final.status, 200);
      assert.equal(r.body.choices[0].message.content, 'hello there');
      assert.deepEqual(providersOf(r), ['alpha']);
      const [c] = r.calls;
      assert.equal(c.url, 'http://alpha.test/v1/chat/completions');
      assert.equal(c.method, 'POST');
      assert.equal(c.headers.get('authorization'), 'Bearer sk-alpha-operator-key');
      assert.equal(c.request.model, 'alpha-one');
      assert.ok(r.final.settle, 'a settle command');
      assert.equal(r.final.settle.endpoint, r.plan.attempts[0].endpoint);
      assert.deepEqual(r.final.settle.generation.provider_responses.map((p) => [p.provider_name, p.status]), [['Alpha', 200]]);
      assert.equal(r.final.settle.generation.latency_ms, 10, 'to the end of the body, virtual ms');
      assert.equal(r.bytes, '', 'nothing streamed');
      assert.deepEqual(r.observed.map((e) => [e.endpoint, e.http_status]), [[r.plan.attempts[0].endpoint, 200]]);
    });

    test('a buffered body of declared length is whole at its last byte; a coded one waits for its end', async () => {
      const len = (text) => String(enc.encode(text).byteLength);
      const text = completion('hello there');
      // Its end never comes: the declared length alone says the body is complete.
      const open = { head: 5, headers: { 'content-length': len(text) }, body: [[10, text]], end: null };
      const r = await run(await core(), { request: ALONE, scripts: { alpha: [open] } });
      assert.equal(r.final.status, 200);
      assert.equal(r.body.choices[0].message.content, 'hello there');
      assert.equal(r.at, 10, 'answered at the last declared byte, virtual ms');
      assert.equal(r.final.settle.generation.latency_ms, 10);
      assert.equal(r.calls[0].cancelled, true, 'the finished stream is released');
      // A content coding: the declared length is not the decoded body's, so the end is awaited.
      const coded = { ...open, headers: { 'content-length': len(text), 'content-encoding': 'gzip' }, end: 40 };
      const c = await run(await core(), { request: ALONE, scripts: { alpha: [coded] } });
      assert.equal(c.final.status, 200);
      assert.equal(c.at, 40);
      // Fewer bytes than declared, then the end: the body is what arrived (the core judges it).
      const short = { head: 5, headers: { 'content-length': String(Number(len(text)) + 50) }, body: [[10, text]], end: 20 };
      const s = await run(await core(), { request: ALONE, scripts: { alpha: [short] } });
      assert.equal(s.final.status, 200);
      assert.equal(s.at, 20);
    });

    test('a streamed request: client bytes go out as they come, then the end', async () => {
      const r = await run(await core(), { stream: true, request: FALLBACK });
      assert.equal(r.final.step, 'end');
      assert.equal(contentOf(r), 'alpha bravo charlie delta');
      assert.ok(r.bytes.endsWith('data: [DONE]\n\n'), r.bytes.slice(-100));
      assert.equal(inBandError(r), undefined);
      assert.ok(r.final.settle);
      assert.equal(r.final.settle.generation.streamed, true);
      // The generation's latency: from the request to the first client bytes (virtual ms).
      assert.ok(r.firstBytesAt >= 10 && r.firstBytesAt <= 11, String(r.firstBytesAt));
      assert.equal(r.final.settle.generation.latency_ms, r.firstBytesAt);
      // The stream ends at [DONE] (virtual ms 17: the provider's complete answer), not when the
      // provider closes the connection (30): a connection held open has nothing more to give.
      assert.equal(r.final.settle.generation.generation_time_ms, 17 - r.firstBytesAt);
      assert.equal(r.final.settle.priced.usage.completion_tokens, 4);
    });

    for (const f of FAULTS) {
      for (const mode of ['buffered', 'streamed']) {
        const stream = mode === 'streamed';
        const inBand = stream && f.after;
        test(`${f.name}, ${mode}, with a fallback`, async () => {
          const r = await run(await core(), { stream, request: FALLBACK, scripts: { alpha: [f.script] } });
          const [bad] = r.calls;
          if (inBand) {
            // Content reached the client: the failure arrives in-band, no other attempt.
            assert.deepEqual(providersOf(r), ['alpha']);
            assert.equal(r.final.step, 'end');
            assert.ok(contentOf(r).length > 0, 'content before the failure');
            const e = inBandError(r);
            assert.ok(e, `an in-band error: ${r.bytes.slice(-300)}`);
            assert.equal(e.choices[0].finish_reason, 'error');
            assert.ok(r.bytes.endsWith('data: [DONE]\n\n'));
            assert.equal(r.at, f.at[mode], 'ended at its deadline');
            const pr = r.final.settle?.generation?.provider_responses;
            assert.ok(pr && pr.length === 1 && pr[0].status >= 400, JSON.stringify(pr));
          } else {
            assert.deepEqual(providersOf(r), ['alpha', 'beta'], 'the next endpoint');
            assert.equal(r.calls[1].at - T0, f.at[mode], 'the fallback starts when the fault is detected');
            assert.equal(r.final.step, stream ? 'end' : 'respond');
            assert.equal(contentOf(r), stream ? 'alpha bravo charlie delta' : 'hello there');
            if (stream) assert.equal(inBandError(r), undefined);
            const pr = r.final.settle.generation.provider_responses;
            assert.deepEqual(pr.map((p) => p.provider_name), ['Alpha', 'Beta']);
            assert.equal(pr[0].status, f.statusAlone, JSON.stringify(pr[0]));
            if (f.type) assert.equal(pr[0].error_type, f.type);
            assert.equal(pr[1].status, 200);
            // Health heard of the failure (as the router classified it) and the success.
            const ends = r.observed.map((e) => e.endpoint);
            assert.deepEqual(ends, r.plan.attempts.slice(0, 2).map((a) => a.endpoint));
            assert.notEqual(r.observed[0].http_status, 200);
          }
          // The abandoned call does not linger: aborted, or its body cancelled.
          if (f.at[mode] >= L.connect_ms || f.cancelsUpstream) assert.ok(bad.aborted || bad.cancelled, 'the upstream call was given up');
          if (f.cancelsUpstream) assert.ok(bad.sent < 8000, `stopped reading at the cap (${bad.sent} bytes pulled)`);
          assert.equal(r.clock.pending(), 0, 'no timer of the loop left behind');
        });

        test(`${f.name}, ${mode}, no fallback`, async () => {
          const r = await run(await core(), { stream, request: ALONE, scripts: { alpha: [f.script] } });
          assert.deepEqual(providersOf(r), ['alpha']);
          if (inBand) {
            assert.equal(r.final.step, 'end');
            assert.ok(inBandError(r));
            return;
          }
          assert.equal(r.final.step, 'respond', 'an error before any byte is a plain HTTP response');
          assert.equal(r.final.status, f.statusAlone, r.final.body);
          assert.equal(r.body.error.code, f.statusAlone);
          assert.equal(typeof r.body.error.message, 'string');
          assert.equal(r.body.error.metadata?.provider_name, 'Alpha');
          assert.equal(r.final.settle, null, 'nothing generated, nothing to settle');
          assert.equal(r.bytes, '', 'no client bytes before the response');
          if (f.retryAfter) assert.equal(r.final.headers['retry-after'], f.retryAfter);
          else assert.equal(r.final.headers['retry-after'], undefined);
          assert.equal(r.at, f.at[mode]);
          if (f.type === 'timeout') assert.match(r.body.error.message, /\d+ ms/, 'the core names the deadline');
        });
      }
    }

    for (const f of HARMLESS) {
      for (const stream of [false, true]) {
        test(`${f.name}, ${stream ? 'streamed' : 'buffered'}: served by that provider`, async () => {
          const r = await run(await core(), { stream, request: FALLBACK, scripts: { alpha: [f.script] } });
          assert.deepEqual(providersOf(r), ['alpha']);
          assert.equal(contentOf(r), stream ? 'alpha bravo charlie delta' : 'hello there');
          assert.equal(r.final.settle.generation.provider_responses[0].status, 200);
        });
      }
    }

    test('fallback across three endpoints and two models, in plan order', async () => {
      const fail = () => ({ status: 503, head: 5, body: [[6, errorJson(503, 'down', 'overloaded_error')]], end: 7 });
      const r = await run(await core(), {
        request: { model: undefined, models: ['test/one', 'test/two'], provider: { order: ['alpha', 'beta', 'gamma'] } },
        scripts: { alpha: [fail], beta: [fail] },
      });
      assert.deepEqual(providersOf(r), ['alpha', 'beta', 'gamma']);
      assert.equal(r.final.status, 200);
      assert.equal(r.body.choices[0].message.content, 'hello there');
      assert.equal(r.final.settle.generation.model, 'test/two');
      assert.equal(r.calls[2].request.model, 'gamma-two');
    });

    test('skip-model rule: a failure for the request\'s own sake skips the rest of that model', async () => {
      const tooLong = () => ({ status: 400, head: 5, body: [[6, errorJson(400, 'This model\'s maximum context length is 8192 tokens', 'invalid_request_error')]], end: 7 });
      for (const stream of [false, true]) {
        const r = await run(await core(), {
          stream,
          request: { model: undefined, models: ['test/one', 'test/two'], provider: { order: ['alpha', 'beta', 'gamma'] } },
          scripts: { alpha: [tooLong] },
        });
        assert.deepEqual(providersOf(r), ['alpha', 'gamma'], 'beta serves the same model: skipped');
        assert.equal(contentOf(r), stream ? 'alpha bravo charlie delta' : 'hello there');
        assert.equal(r.final.settle.generation.model, 'test/two');
      }
      // Without models[], the same failure ends the request (no other model may run).
      const alone = await run(await core(), { request: FALLBACK, scripts: { alpha: [tooLong] } });
      assert.deepEqual(providersOf(alone), ['alpha']);
      assert.equal(alone.final.status, 400);
      // A plain invalid request gives up at once, even with models[].
      const bad = () => ({ status: 400, head: 5, body: [[6, errorJson(400, 'temperature must be at most 2', 'invalid_request_error')]], end: 7 });
      const r = await run(await core(), { request: { model: undefined, models: ['test/one', 'test/two'], provider: { order: ['alpha', 'beta', 'gamma'] } }, scripts: { alpha: [bad] } });
      assert.deepEqual(providersOf(r), ['alpha']);
      assert.equal(r.final.status, 400);
      assert.match(r.body.error.message, /temperature/);
    });

    test('cancellation: the client leaving cuts the attempt in flight, and no other runs', async () => {
      const s = await core();
      // Streamed, after content: the stream ends, what was generated is settled as cancelled.
      {
        const gone = new AbortController();
        const slow = () => ({ head: 5, body: sse(WORDS).map((e, i) => [10 + 20 * i, e]), end: 200 });
        const r = await run(s, {
          stream: true, request: FALLBACK, scripts: { alpha: [slow] },
          host: { signal: gone.signal, onBytes: () => gone.abort() },
        });
        assert.deepEqual(providersOf(r), ['alpha']);
        assert.ok(r.calls[0].aborted || r.calls[0].cancelled, 'the upstream call was aborted');
        // The first client bytes go out with the first word at +30 (the role chunk alone is none).
        assert.equal((r.calls[0].abortedAt ?? r.calls[0].cancelledAt) - T0, 30, 'aborted when the client left, not at the end (+200)');
        assert.equal(r.final.step, 'end');
        assert.equal(r.final.settle?.generation?.cancelled, true);
      }
      // Streamed, before the head: nothing reaches health, no fallback, nothing to settle.
      {
        const gone = new AbortController();
        const r = await run(s, {
          stream: true, request: FALLBACK, scripts: { alpha: [() => ({ hang: true })] },
          host: { signal: gone.signal, secretFor: (step) => { setImmediate(() => gone.abort()); return `sk-${step.provider}`; } },
        });
        assert.deepEqual(providersOf(r), ['alpha']);
        assert.ok(r.calls[0].aborted);
        assert.equal(r.at, 0, 'ended when the client left, not at a deadline');
        assert.equal(r.final.step, 'end');
        assert.equal(r.final.settle, null);
        assert.deepEqual(r.observed, [], 'a client that left says nothing about the provider');
      }
      // Already gone before the first attempt: no call at all.
      {
        const gone = new AbortController();
        gone.abort();
        const r = await run(s, { request: FALLBACK, host: { signal: gone.signal } });
        assert.deepEqual(providersOf(r), []);
        assert.equal(r.final.settle, null);
        assert.equal(r.final.status, 499, 'nobody reads it, but it is no success');
      }
    });

    test('BYOK: a key that is unavailable falls through to the next attempt without a call', async () => {
      const s = await core();
      const context = { account_id: 'acct-byok', byok_providers: ['alpha'] };
      for (const how of ['returns', 'throws']) {
        for (const stream of [false, true]) {
          const seen = [];
          const r = await run(s, {
            stream, context, request: FALLBACK,
            host: {
              secretFor(step) {
                seen.push([step.provider, step.byok]);
                if (!step.byok) return `sk-${step.provider}-operator-key`;
                if (how === 'throws') throw new Error('no alpha key is stored for this account');
                return { unavailable: 'no alpha key is stored for this account' };
              },
            },
          });
          assert.deepEqual(seen, [['alpha', true], ['beta', false]]);
          assert.deepEqual(providersOf(r), ['beta'], 'alpha was never called');
          assert.equal(contentOf(r), stream ? 'alpha bravo charlie delta' : 'hello there');
          assert.deepEqual(r.observed.map((e) => e.endpoint), [r.plan.attempts[1].endpoint], 'health hears only of the call made');
        }
      }
      // Nothing else to try: the client is told why, as a 401.
      const r = await run(s, {
        context, request: ALONE,
        host: { secretFor: () => ({ unavailable: 'no alpha key is stored for this account' }) },
      });
      assert.deepEqual(providersOf(r), []);
      assert.equal(r.final.status, 401);
      assert.equal(r.body.error.message, 'no alpha key is stored for this account');
      assert.equal(r.body.error.metadata.byok, true);
      // A key that is there is used, and the provider refusing it is about the user's own key.
      const refused = await run(s, {
        context, request: ALONE,
        scripts: { alpha: [() => ({ status: 401, head: 5, body: [[6, errorJson(401, 'Incorrect API key provided', 'invalid_request_error')]], end: 7 })] },
        host: { secretFor: (step) => (step.byok ? 'sk-user-own-key' : 'sk-operator') },
      });
      assert.equal(refused.calls[0].headers.get('authorization'), 'Bearer sk-user-own-key');
      assert.equal(refused.final.status, 401);
      assert.match(refused.body.error.message, /rejected your own API key \(BYOK/);
    });

    test('a committed stream (keep-alive sent): a failure before content arrives in-band', async () => {
      const fail = () => ({ status: 503, head: 5, body: [[6, errorJson(503, 'down', 'overloaded_error')]], end: 7 });
      const r = await run(await core(), { stream: true, request: FALLBACK, scripts: { alpha: [fail], beta: [fail] }, host: { committed: () => true } });
      assert.deepEqual(providersOf(r), ['alpha', 'beta']);
      assert.equal(r.final.step, 'end');
      assert.equal(r.final.settle, null);
      const e = inBandError(r);
      assert.ok(e, r.bytes);
      assert.equal(e.choices[0].finish_reason, 'error');
      assert.ok(r.bytes.endsWith('data: [DONE]\n\n'));
      assert.equal(r.final.tail, r.bytes, 'the tail went out through onBytes');
      // Not committed: the same failure is a plain 502.
      const plain = await run(await core(), { stream: true, request: FALLBACK, scripts: { alpha: [fail], beta: [fail] } });
      assert.equal(plain.final.step, 'respond');
      assert.equal(plain.final.status, 502);
      assert.equal(plain.bytes, '');
    });

    test('Anthropic clients: the final error is in their format', async () => {
      const fail = () => ({ status: 429, headers: { 'retry-after': '3' }, head: 5, body: [[6, errorJson(429, 'slow down', 'rate_limit_exceeded')]], end: 7 });
      const r = await run(await core(), {
        format: 'anthropic',
        request: { model: 'test/one', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] },
        scripts: { alpha: [fail], beta: [fail] },
      });
      assert.equal(r.final.status, 429);
      assert.equal(r.body.type, 'error');
      assert.equal(r.body.error.type, 'rate_limit_error');
      assert.equal(r.final.headers['retry-after'], '3');
    });

    test('sessionStream: the same bytes as an async iterable; leaving early cancels', async () => {
      const s = await core();
      const clock = virtualClock();
      const router = new s.Router({ catalog: CATALOG });
      try {
        const session = router.session({
          request: { model: 'test/one', messages: [{ role: 'user', content: 'hi' }], stream: true },
          context: { account_id: 'a' }, now_ms: clock.now(), seed: 1, limits: L,
        });
        const { fetch, calls } = fakeFetch(clock, { alpha: [() => ({ head: 5, body: sse(WORDS).map((e, i) => [10 + 20 * i, e]), end: 200 })] });
        const it = sessionStream(session, { fetch, now: clock.now, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, secretFor: () => 'k' });
        const chunks = [];
        await clock.run((async () => {
          for await (const c of it) {
            chunks.push(dec.decode(c));
            if (chunks.length === 2) break;
          }
        })());
        const final = await clock.run(it.result);
        assert.equal(chunks.length, 2);
        assert.ok(calls[0].aborted || calls[0].cancelled, 'leaving the loop cancelled the upstream');
        assert.equal(final.step, 'end');
        assert.equal(final.settle?.generation?.cancelled, true);
        session.free();

        // Read to the end: every chunk, and the result.
        const again = router.session({
          request: { model: 'test/one', messages: [{ role: 'user', content: 'hi' }], stream: true },
          context: { account_id: 'a' }, now_ms: clock.now(), seed: 2, limits: L,
        });
        const f2 = fakeFetch(clock);
        const it2 = sessionStream(again, { fetch: f2.fetch, now: clock.now, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout });
        const all = [];
        await clock.run((async () => { for await (const c of it2) all.push(dec.decode(c)); })());
        assert.equal(contentOf({ final: { step: 'end' }, bytes: all.join('') }), 'alpha bravo charlie delta');
        assert.equal((await it2.result).step, 'end');
        again.free();
      } finally {
        router.free();
      }
    });

    test('the core refusing a report is an error of the loop, not of the upstream', async () => {
      const s = await core();
      const router = new s.Router({ catalog: CATALOG });
      const clock = virtualClock();
      try {
        const session = router.session({ request: { model: 'test/one', messages: [{ role: 'user', content: 'hi' }] }, now_ms: clock.now(), seed: 1, limits: L });
        const step = session.next({ now_ms: clock.now(), committed: false });
        assert.equal(step.step, 'attempt');
        assert.equal(step.limits.head_ms, L.first_token_ms, 'a buffered attempt\'s first deadline is its first byte');
        // Asking for the next step before reporting this one is refused.
        assert.throws(() => session.next({ now_ms: clock.now() }), (e) => e.name === 'SwitchyardError' && e.code === 'invalid_argument');
        session.free();
      } finally {
        router.free();
      }
    });
  });
}
