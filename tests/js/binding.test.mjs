// The JS binding over both wasm builds: results, typed errors, handle lifetimes, and proof that
// free() (and the FinalizationRegistry) give memory back.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { SwitchyardError, bind } from '../../js/src/binding.js';
import { load as loadBrowser } from '../../js/src/browser.js';
import { wasiImports } from '../../js/src/wasi.js';
import { BUILDS, expectError, missing, readFixture } from './wasm-builds.mjs';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

const SMALL = readFixture('tests/fixtures/catalog/small.json');
const OVERLAY = JSON.parse(readFixture('tests/fixtures/catalog/overlay-sandbox.json'));
const PLAN_INPUT = {
  request: {
    model: 'openai/gpt-4o-mini',
    messages: [{ role: 'user', content: 'hi' }],
    provider: { only: ['openai'] },
  },
  now_ms: 1_000_000,
  seed: 7,
  generation_id: 'gen-test',
};

// Bytes in use on the core's heap: memory size minus what 16 KiB allocations can still fill
// before the memory has to grow. Exact to a chunk, whatever the allocator's slack.
const CHUNK = 16 * 1024;
function heapUsed(exports) {
  const memory = exports.memory;
  const start = memory.buffer.byteLength;
  const chunks = [];
  for (;;) {
    const p = exports.sy_alloc(CHUNK);
    assert.notEqual(p, 0, 'sy_alloc failed while probing');
    chunks.push(p);
    if (memory.buffer.byteLength !== start) break;  // the last one needed new memory
  }
  for (const p of chunks) exports.sy_free(p);
  return start - (chunks.length - 1) * CHUNK;
}

// A minimal module importing WASI clock_time_get (type (i32 i64 i32) -> i32).
const CLOCK_IMPORT = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7f, 0x7e, 0x7f, 0x01, 0x7f,
  0x02, 0x29, 0x01,
  0x16, ...new TextEncoder().encode('wasi_snapshot_preview1'),
  0x0e, ...new TextEncoder().encode('clock_time_get'),
  0x00, 0x00,
]);

test('the WASI stubs refuse clock and randomness', () => {
  const module = new WebAssembly.Module(CLOCK_IMPORT);
  const imports = wasiImports(module, () => null);
  assert.throws(() => imports.wasi_snapshot_preview1.clock_time_get(0, 0n, 0), /clock/);
});

for (const build of BUILDS) {
  describe(build.name, () => {
    const why = missing(build);
    if (why) {
      test('build present', () => assert.fail(why));
      return;
    }
    let sy;
    const api = async () => (sy ??= await build.load());

    test('loads and reports the ABI version', async () => {
      const { abiVersion } = await api();
      assert.equal(abiVersion, 2);
    });

    test('router: models, endpoints, providers, catalog as text or object', async () => {
      const { Router } = await api();
      const fromText = new Router({ catalog: SMALL });
      const fromObject = new Router({ catalog: JSON.parse(SMALL), presets: {} });
      assert.equal(fromText.models().data.length, 7);  // 6 models, one of them also as <id>:free
      assert.deepEqual(fromText.models(), fromObject.models());
      assert.ok(fromText.models({ supported_parameters: ['tools'] }).data.length < 7);
      assert.equal(fromText.endpoints('openai/gpt-4o-mini', 5).data.endpoints.length, 2);
      assert.equal(fromText.providers().data.length, 5);
      fromText.free();
      fromObject.free();
      const byDefault = new Router();
      assert.ok(byDefault.models().data.length > 100);
      byDefault.free();
    });

    test('errors are SwitchyardErrors with status, code, httpStatus and metadata', async () => {
      const { Router, SwitchyardError: ApiError } = await api();
      assert.equal(ApiError, SwitchyardError);
      const router = new Router({ catalog: SMALL });
      const notFound = expectError(() => router.endpoints('no/such', 1), 'not_found');
      assert.equal(notFound.status, 5);
      assert.equal(notFound.httpStatus, 404);
      assert.deepEqual(notFound.toJSON().error.code, 404);
      expectError(() => router.models({ supported_parameters: [5] }), 'invalid_argument',
        (e) => assert.equal(e.metadata.field, 'supported_parameters[0]'));
      expectError(() => router.observe({ endpoint: 99, now_ms: 1 }), 'not_found',
        (e) => assert.equal(e.metadata.field, 'endpoint'));
      expectError(() => router.plan('{not json'), 'invalid_argument');
      expectError(() => router.plan({ ...PLAN_INPUT, request: { ...PLAN_INPUT.request, model: 'no/such' } }), 'not_found');
      // Constructor failures come through sy_last_error.
      expectError(() => new Router({ catalog: '{"format":"nope"}' }), 'invalid_argument');
      expectError(() => new Router({ catalog: '['.repeat(500) }), 'too_large',
        (e) => assert.equal(e.httpStatus, 413));
      // The router still works after its errors.
      assert.equal(router.providers().data.length, 5);
      router.free();
    });

    test('health: observe, snapshot, merge', async () => {
      const { Router } = await api();
      const a = new Router({ catalog: SMALL });
      const b = new Router({ catalog: SMALL });
      for (let i = 0; i < 4; i++) a.observe({ endpoint: 7, now_ms: 1000 + i, http_status: 502, latency_ms: 10.5 });
      const snapshot = a.health(2000);
      b.mergeHealth(snapshot, 2000);
      assert.deepEqual(b.health(2000), snapshot);
      expectError(() => b.mergeHealth(null, 2000), 'invalid_argument');
      a.free();
      b.free();
    });

    test('plans and sessions: result, attempts, the upstream request; they outlive their router', async () => {
      const { Router } = await api();
      const router = new Router({ catalog: SMALL });
      const plan = router.plan(PLAN_INPUT);
      assert.equal(plan.result.attempts.length, 1);
      assert.equal(plan.attempts[0].provider, 'openai');
      plan.free();
      const session = router.session(PLAN_INPUT);
      assert.deepEqual(session.plan.attempts, router.plan(PLAN_INPUT).attempts);
      const step = session.next({ now_ms: 1000 });
      assert.equal(step.step, 'attempt');
      assert.equal(step.request.method, 'POST');
      assert.equal(JSON.parse(step.request.body).model, 'gpt-4o-mini');
      assert.match(step.request.url, /^https:\/\/api\.openai\.com/);
      // The attempt must be reported before another step.
      expectError(() => session.next({ now_ms: 1001 }), 'invalid_argument', (e) => assert.match(e.message, /not been reported/));
      expectError(() => session.respond({ status: 200 }, ''), 'invalid_argument', (e) => assert.match(e.message, /now_ms/));
      router.overlay(OVERLAY);
      const overlaid = router.session(PLAN_INPUT);
      assert.match(overlaid.next({ now_ms: 1000 }).request.url, /^http:\/\/127\.0\.0\.1:8790/);
      overlaid.free();
      router.free();
      const outcome = session.respond({ status: 200, headers: { 'content-type': 'application/json' }, now_ms: 1040 },
        JSON.stringify({
          id: 'x', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
        }));
      assert.equal(outcome.outcome, 'done');
      const final = session.next({ now_ms: 1041 });
      assert.equal(final.step, 'respond');
      assert.equal(final.status, 200);
      assert.equal(JSON.parse(final.body).choices[0].message.content, 'Hello');
      assert.equal(final.settle.priced.usage.completion_tokens, 2);
      assert.equal(final.settle.generation.provider_responses[0].latency_ms, 40);
      session.free();
    });

    test('plan "brief": the session\'s result is what a host reserves from, the full plan\'s values', async () => {
      const { Router } = await api();
      const router = new Router({ catalog: SMALL });
      const requests = [PLAN_INPUT.request, { ...PLAN_INPUT.request, max_tokens: 77, stream: true }];
      for (const request of requests) {
        const input = { ...PLAN_INPUT, request };
        const full = router.session(input);
        const brief = router.session({ ...input, plan: 'brief' });
        const p = full.plan;
        assert.ok(Array.isArray(p.trace) && typeof p.model === 'string', 'the whole plan by default');
        assert.deepEqual(brief.plan, {
          attempts: p.attempts.map((a) => ({ byok: a.byok, endpoint: a.endpoint })),
          estimated_prompt_tokens: p.estimated_prompt_tokens, max_tokens: p.max_tokens ?? null, stream: p.stream,
        });
        assert.equal(brief.plan.stream, request.stream === true);
        // Only the result differs: the session runs the same attempt.
        assert.deepEqual(brief.next({ now_ms: 1000 }), full.next({ now_ms: 1000 }));
        full.free();
        brief.free();
      }
      const explicit = router.session({ ...PLAN_INPUT, plan: 'full' });
      assert.deepEqual(explicit.plan, router.plan(PLAN_INPUT).result);
      explicit.free();
      expectError(() => router.session({ ...PLAN_INPUT, plan: 'short' }), 'invalid_argument',
        (e) => assert.equal(e.metadata.field, 'plan'));
      router.free();
    });

    test('settle "text": the last step carries the settle command as its JSON text and what it charges', async () => {
      const { Router } = await api();
      const router = new Router({ catalog: SMALL });
      const answer = JSON.stringify({
        id: 'x', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
      });
      // Quotes, a backslash, control characters, non-ASCII: the core escapes them exactly as
      // JSON.stringify does (the worker's redactor reads the text as it reads JSON.stringify's).
      const SESSION_ID = 's"1\\ \u0001\u001f\b\t\n\f\r\u007f é 🦀';
      const finals = [];
      for (const extra of [{}, { settle: 'text' }]) {
        const session = router.session({ ...PLAN_INPUT, ...extra, record: { origin: 'https://a.example', session_id: SESSION_ID } });
        assert.equal(session.next({ now_ms: 1000 }).step, 'attempt');
        assert.equal(session.respond({ status: 200, headers: { 'content-type': 'application/json' }, now_ms: 1040 }, answer).outcome, 'done');
        finals.push(session.next({ now_ms: 1041 }));
        session.free();
      }
      const [object, text] = finals;
      assert.equal(typeof object.settle, 'object');
      assert.equal(typeof text.settle, 'string');
      assert.deepEqual(JSON.parse(text.settle), object.settle);
      assert.equal(object.settle.generation.session_id, SESSION_ID);
      assert.ok(text.settle.includes(`"session_id":${JSON.stringify(SESSION_ID)}`), text.settle);
      assert.equal(text.charged, object.settle.priced.cost.charged);
      assert.equal(object.charged, undefined);
      const { settle: _a, charged: _b, ...rest } = text;
      const { settle: _c, ...restObject } = object;
      assert.deepEqual(rest, restObject);
      expectError(() => router.session({ ...PLAN_INPUT, settle: 'string' }), 'invalid_argument',
        (e) => assert.equal(e.metadata.field, 'settle'));
      router.free();
    });

    test('respond() takes a body in the chunks it arrived in: the same answer as the body joined, bad chunks refused', async () => {
      const { Router } = await api();
      const router = new Router({ catalog: SMALL });
      const answer = new TextEncoder().encode(JSON.stringify({
        id: 'x', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Héllo 🦀 there' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
      }));
      // Cut inside the multi-byte characters too: the chunks are joined as bytes.
      const cuts = [0, 3, 97, 98, 99, 150, answer.length];
      const chunks = cuts.slice(1).map((end, i) => answer.subarray(cuts[i], end));
      const finals = [];
      for (const body of [answer, chunks, [chunks[0].slice().buffer, ...chunks.slice(1)]]) {
        const session = router.session(PLAN_INPUT);
        session.next({ now_ms: 1000 });
        assert.equal(session.respond({ status: 200, headers: { 'content-type': 'application/json' }, now_ms: 1040 }, body).outcome, 'done');
        finals.push(session.next({ now_ms: 1041 }));
        session.free();
      }
      assert.equal(JSON.parse(finals[0].body).choices[0].message.content, 'Héllo 🦀 there');
      assert.deepEqual(finals[1], finals[0]);
      assert.deepEqual(finals[2], finals[0]);
      const session = router.session(PLAN_INPUT);
      session.next({ now_ms: 1000 });
      assert.throws(() => session.respond({ status: 200, now_ms: 1040 }, [answer, 'text']), /body chunks must be Uint8Arrays/);
      assert.throws(() => session.respond({ status: 200, now_ms: 1040 }, [answer, 7]), /body must be/);
      session.free();
      router.free();
    });

    test('parts: the steps\' large strings come apart from the JSON — as bytes past 16 KB, else as strings — the same text as without them', async () => {
      const { Router } = await api();
      const router = new Router({ catalog: SMALL });
      const decode = (b) => new TextDecoder().decode(b);
      const asText = (v) => (typeof v === 'string' ? v : decode(v));
      // A small request and answer (parts as strings), then a large one (the upstream body and
      // the answer past 16 KB: bytes; the settle command stays small: a string).
      for (const size of [0, 20_000]) {
        const content = `Hé "quoted"\n🦀${'x'.repeat(size)}`;
        const answer = JSON.stringify({
          id: 'x', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
        });
        const kind = (v) => (size ? v instanceof Uint8Array : typeof v === 'string');
        for (const stream of [false, true]) {
          const steps = [];
          for (const extra of [{ settle: 'text' }, { parts: true }]) {
            const request = { ...PLAN_INPUT.request, messages: [{ role: 'user', content }], ...(stream ? { stream: true } : {}) };
            const session = router.session({ ...PLAN_INPUT, request, ...extra, record: { session_id: 'a\nb' } });
            const attempt = session.next({ now_ms: 1000 });
            if (stream) {
              session.streamOpen({ status: 200, headers: { 'content-type': 'text/event-stream' }, now_ms: 1010 });
              session.streamFeed(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 } })}\n\ndata: [DONE]\n\n`);
              session.streamFinish({ now_ms: 1040, first_content_ms: 1020 });
            } else {
              assert.equal(session.respond({ status: 200, headers: { 'content-type': 'application/json' }, now_ms: 1040 }, answer).outcome, 'done');
            }
            steps.push([attempt, session.next({ now_ms: 1041 })]);
            session.free();
          }
          const [[textAttempt, textFinal], [partsAttempt, partsFinal]] = steps;
          assert.ok(kind(partsAttempt.request.body), `request.body at ${size}`);
          assert.equal(asText(partsAttempt.request.body), textAttempt.request.body);
          assert.deepEqual({ ...partsAttempt, request: { ...partsAttempt.request, body: textAttempt.request.body } }, textAttempt);
          assert.equal(typeof partsFinal.settle, 'string');
          assert.equal(partsFinal.settle, textFinal.settle);
          assert.equal(partsFinal.parts, undefined);
          if (stream) {
            assert.equal(partsFinal.step, 'end');
            assert.equal(partsFinal.body, undefined);
          } else {
            assert.ok(kind(partsFinal.body), `body at ${size}`);
            assert.equal(asText(partsFinal.body), textFinal.body);
            assert.equal(JSON.parse(asText(partsFinal.body)).choices[0].message.content, content);
          }
          assert.deepEqual({ ...partsFinal, ...(stream ? {} : { body: textFinal.body }) }, textFinal);
        }
      }
      expectError(() => router.session({ ...PLAN_INPUT, parts: 'yes' }), 'invalid_argument',
        (e) => assert.equal(e.metadata.field, 'parts'));
      router.free();
    });

    test('a session\'s timeout: retry, then the core words the final error', async () => {
      const { Router } = await api();
      const router = new Router({ catalog: SMALL });
      const session = router.session({ ...PLAN_INPUT, limits: { first_token_ms: 777 } });
      session.next({ now_ms: 1000 });
      assert.equal(session.respond({ failure: 'timeout', phase: 'head', now_ms: 1777 }).outcome, 'retry');
      const final = session.next({ now_ms: 1778 });
      assert.equal(final.status, 408);
      assert.equal(JSON.parse(final.body).error.message, 'Provider sent no response within 777 ms');
      assert.equal(final.observed[0].timeout, true);
      session.free();
      router.free();
    });

    test('session streams: feed bytes in, client bytes out', async () => {
      const { Router } = await api();
      const router = new Router({ catalog: SMALL });
      const session = router.session({ ...PLAN_INPUT, request: { ...PLAN_INPUT.request, stream: true } });
      assert.equal(session.next({ now_ms: 1000 }).stream, true);
      session.streamOpen({ status: 200, headers: { 'content-type': 'text/event-stream' }, now_ms: 1010 });
      const chunk = (delta, finish) => `data: ${JSON.stringify({
        id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini',
        choices: [{ index: 0, delta, finish_reason: finish }],
      })}\n\n`;
      const upstream = new TextEncoder().encode(chunk({ role: 'assistant', content: 'Hel' }, null) +
        chunk({ content: 'lo' }, 'stop') + 'data: [DONE]\n\n');
      let client = '';
      const decoder = new TextDecoder();
      for (let i = 0; i < upstream.length; i += 5) {
        const out = session.streamFeed(upstream.subarray(i, i + 5));
        assert.ok(out instanceof Uint8Array);
        client += decoder.decode(out, { stream: true });
      }
      client += decoder.decode(session.streamFinish({ now_ms: 1100, first_content_ms: 1020 }));
      assert.match(client, /Hel/);
      assert.match(client, /data: \[DONE\]/);
      const final = session.next({ now_ms: 1101, committed: true });
      assert.equal(final.step, 'end');
      assert.equal(final.settle.generation.streamed, true);
      expectError(() => session.streamFinish({ now_ms: 1102 }), 'invalid_argument');
      session.free();
      router.free();
    });

    test('ledger: new, export, reload, bad commands', async () => {
      const { Ledger, Router } = await api();
      const ledger = new Ledger();
      const state = ledger.export();
      const copy = new Ledger(state);
      assert.deepEqual(copy.export(), state);
      expectError(() => ledger.apply('{'), 'invalid_argument');
      assert.throws(() => ledger.apply({ op: 'no-such-op' }), SwitchyardError);
      const router = new Router({ catalog: SMALL });
      assert.throws(() => ledger.apply({ op: 'no-such-op' }, router), SwitchyardError);
      router.free();
      ledger.free();
      copy.free();
    });

    test('ledger: applyText gives the same result as text, and the same errors', async () => {
      const { Ledger } = await api();
      const ledger = new Ledger();
      ledger.apply({ op: 'configure', account_id: 'acct', settings: { journal: true } });
      ledger.apply({ op: 'grant', id: 'g1', amount: '5', now_ms: 1_800_000_000_000 });
      const credits = ledger.applyText({ op: 'credits' });
      assert.equal(typeof credits, 'string');
      assert.deepEqual(JSON.parse(credits), ledger.apply({ op: 'credits' }));
      // take_log as text: the compact {"log":[...]} the worker slices the array from; then empty.
      const log = ledger.applyText({ op: 'take_log' });
      assert.match(log, /^\{"log":\[.+\]\}$/);
      assert.ok(JSON.parse(log).log.some((e) => e.op === 'grant'));
      assert.equal(ledger.applyText({ op: 'take_log' }), '{"log":[]}');
      expectError(() => ledger.applyText('{'), 'invalid_argument');
      expectError(() => ledger.applyText({ op: 'generation', id: 'gen-missing' }), 'not_found');
      ledger.free();
    });

    test('ledger: a settle replies with the record it wrote ("generation") or {} ("none"); a charge logs its cost once', async () => {
      const { Ledger } = await api();
      const ledger = new Ledger();
      const now = 1_800_000_000_000;
      const hash = 'a'.repeat(64);
      const pricing = { prompt: '1', completion: '2' };
      ledger.apply({ op: 'configure', account_id: 'acct', settings: { journal: true } });
      ledger.apply({ op: 'grant', id: 'g1', amount: '5', now_ms: now });
      ledger.apply({ op: 'create_key', hash, name: 'k', now_ms: now });
      for (const id of ['r1', 'r2']) {
        ledger.apply({ op: 'reserve', id, key_hash: hash, now_ms: now + 1, estimated_prompt_tokens: 10, max_tokens: 10, attempts: [{ pricing }] });
      }
      const settle = (id, reply) => ({
        op: 'settle', id, now_ms: now + 2, usage: { prompt_tokens: 10, completion_tokens: 5 }, pricing,
        finish_reason: 'stop', generation: { model: 'm/"x"', provider_name: 'X' }, reply,
      });
      const record = ledger.applyText(settle('r1', 'generation'));
      assert.equal(record, ledger.applyText({ op: 'generation', id: 'r1' }));
      assert.equal(JSON.parse(record).data.model, 'm/"x"');
      assert.deepEqual(ledger.apply(settle('r1', 'generation')), JSON.parse(record)); // a replay
      assert.equal(ledger.applyText(settle('r2', 'none')), '{}');
      expectError(() => ledger.applyText(settle('r2', 'everything')), 'invalid_argument');
      const charges = JSON.parse(ledger.applyText({ op: 'take_log' })).log.filter((e) => e.op === 'charge');
      assert.equal(charges.length, 2);
      for (const c of charges) {
        assert.equal(typeof c.cost.charged, 'string');
        assert.equal(c.record.cost, undefined);
        assert.equal(c.record.id, undefined);
        assert.equal(c.record.model, 'm/"x"');
      }
      ledger.free();
    });

    test('free() is idempotent; a freed handle refuses calls', async () => {
      const { Router } = await api();
      const router = new Router({ catalog: SMALL });
      const plan = router.plan(PLAN_INPUT);
      plan.free();
      plan.free();
      assert.equal(plan.freed, true);
      const session = router.session(PLAN_INPUT);
      session.free();
      session.free();
      expectError(() => session.next({ now_ms: 1 }), 'invalid_argument', (e) => assert.match(e.message, /freed/));
      router.free();
      router.free();
      expectError(() => router.models(), 'invalid_argument');
    });

    test('free() gives the memory back (and a leak would be seen)', async () => {
      const { Router, exports } = await api();
      const work = () => {
        const router = new Router({ catalog: SMALL });
        for (let i = 0; i < 20; i++) {
          const session = router.session({ ...PLAN_INPUT, seed: i });
          session.next({ now_ms: 1000 });
          session.free();
        }
        router.observe({ endpoint: 7, now_ms: 1000, http_status: 200 });
        router.free();
      };
      work();
      work();  // warm: allocator free lists and any lazily grown buffers
      const before = heapUsed(exports);
      for (let i = 0; i < 100; i++) work();  // 100 routers, 2,000 plans
      const after = heapUsed(exports);
      assert.ok(after - before <= 4 * CHUNK,
        `heap grew by ${after - before} bytes over 100 routers and 2,000 plans`);

      // Control: the same probe sees 200 plans that were not freed...
      const router = new Router({ catalog: SMALL });
      const base = heapUsed(exports);
      const plans = Array.from({ length: 200 }, (_, i) => router.plan({ ...PLAN_INPUT, seed: i }));
      const held = heapUsed(exports);
      assert.ok(held - base >= 4 * CHUNK, `200 live plans used only ${held - base} bytes`);
      // ...and sees them go when freed.
      for (const plan of plans) plan.free();
      const released = heapUsed(exports);
      assert.ok(released - base <= 2 * CHUNK, `freeing 200 plans left ${released - base} bytes`);
      router.free();
    });

    test('plans dropped without free() are released by the FinalizationRegistry', async () => {
      const { Router, exports } = await api();
      const router = new Router({ catalog: SMALL });
      const base = heapUsed(exports);
      (() => {
        for (let i = 0; i < 200; i++) router.plan({ ...PLAN_INPUT, seed: i });
      })();
      assert.ok(heapUsed(exports) - base >= 4 * CHUNK);
      let used = Infinity;
      for (let i = 0; i < 50 && used - base > 2 * CHUNK; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
        used = heapUsed(exports);
      }
      assert.ok(used - base <= 2 * CHUNK, `collected plans still hold ${used - base} bytes`);
      router.free();
    });

    test('a trap in the core becomes an "internal" SwitchyardError and retires the instance', async () => {
      const fresh = await build.load();  // this instance is sacrificed
      const raw = fresh.exports;
      const exports = { ...raw };
      // A handle pointer far outside memory: the core's read of it traps (out of bounds).
      exports.sy_router_providers = () => raw.sy_router_providers(0xfffffff0);
      const broken = bind(exports);
      const router = new broken.Router({ catalog: SMALL });
      expectError(() => router.providers(), 'internal', (e) => {
        assert.equal(e.httpStatus, 500);
        assert.ok(e.cause instanceof WebAssembly.RuntimeError);
      });
      assert.equal(broken.broken, true);
      expectError(() => new broken.Router(), 'internal');
      router.free();  // still safe
    });
  });
}

// The browser loader's path (fetch + instantiateStreaming, or bytes when the server sends
// another content type), exercised over loopback HTTP in Node.
test('browser loader: fetches the .wasm by URL', async (t) => {
  const build = BUILDS[0];
  const why = missing(build);
  if (why) assert.fail(why);
  const bytes = readFileSync(build.wasm);
  const server = createServer((req, res) => {
    const type = req.url.includes('plain') ? 'application/octet-stream' : 'application/wasm';
    if (!req.url.endsWith('.wasm')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': type }).end(bytes);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${server.address().port}`;
  const factory = (await import(pathToFileURL(build.files[1]).href)).default;
  for (const path of ['/switchyard.wasm', '/plain/switchyard.wasm']) {
    const sy = await loadBrowser({ factory, wasm: new URL(path, base) });
    const router = new sy.Router({ catalog: SMALL });
    assert.equal(router.providers().data.length, 5);
    router.free();
  }
  await assert.rejects(loadBrowser({ factory, wasm: `${base}/missing` }), /HTTP 404/);
});
