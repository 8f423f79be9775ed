// The package's Switchyard client (js/src/client.js) in Node, against the sandbox provider fleet:
// each provider the test holds a key for points at the fleet through baseUrls, exactly as a web
// app would point one at a proxy. Every upstream call goes through a logging fetch, so each test
// can say which origins were called with which key. Covered: buffered, streamed (the last chunk
// carries usage.cost, equal to the buffered cost), tools, fallback across providers after an
// injected 500, across models (models[]) and across wire formats (an Anthropic-wire provider
// serving a chat request, messages.create and responses.create), abort by AbortSignal (the upstream call is
// cancelled, the record says cancelled, what was generated is billed), the budget (402 before any
// call, again once spending has used it up, and never passed by concurrent requests), an
// in-band error after the first byte, providers without a key never called, a key never sent to
// another origin, a clear error naming the missing keys, both wasm builds giving the same answer,
// and the cost the edge worker charges for the same request under workerd.
//
// Run: node --test tests/js/client.test.mjs   (needs `make js`: js/dist)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { Switchyard, SwitchyardError } from '../../js/src/node.js';
import { startFleet } from '../sandbox/fleet.mjs';
import { BUILDS, ROOT, missing } from './wasm-builds.mjs';

// The catalog's wire of each provider, for the fleet's route (gemini: /v1beta).
const WIRES = Object.fromEntries(JSON.parse(readFileSync(`${ROOT}/core/data/catalog.json`, 'utf8')).providers.map((p) => [p.slug, p.wire]));
const LLAMA = 'meta-llama/llama-3.3-70b-instruct';
const HAIKU = 'anthropic/claude-haiku-4.5';
const user = (content) => [{ role: 'user', content }];

let fleet;
let other; // a second fleet on another origin (localhost vs 127.0.0.1)
before(async () => {
  fleet = await startFleet({ port: 0, host: '127.0.0.1' });
  other = await startFleet({ port: 0, host: '127.0.0.1' });
});
after(async () => {
  await fleet?.close();
  await other?.close();
});

const baseFor = (url, slug) => `${url}/${slug}/${WIRES[slug] === 'gemini' ? 'v1beta' : 'v1'}`;
const keyOf = (slug) => `key-${slug}-0123456789`;

/**
 * A Switchyard holding keys for `slugs`, each provider pointed at the fleet; `calls` logs every
 * upstream call {url, origin, slug, key, signal}.
 */
async function client(slugs, { budget, baseUrls = {}, fetchImpl } = {}) {
  const calls = [];
  const keys = Object.fromEntries(slugs.map((s) => [s, keyOf(s)]));
  const sy = await Switchyard.create({
    keys,
    baseUrls: { ...Object.fromEntries(slugs.map((s) => [s, baseFor(fleet.url, s)])), ...baseUrls },
    budget,
    fetch(url, init) {
      const u = new URL(url);
      calls.push({
        url, origin: u.origin, slug: u.pathname.split('/')[1], signal: init.signal,
        key: init.headers.get('authorization')?.replace(/^Bearer /, '') ?? init.headers.get('x-api-key') ?? init.headers.get('x-goog-api-key'),
        headers: Object.fromEntries(init.headers),
      });
      return (fetchImpl ?? fetch)(url, init);
    },
  });
  return { sy, calls, keys };
}

/** Every call went to a keyed provider, with that provider's key and no other. */
function assertKeysStayHome(calls, keys) {
  const all = Object.values(keys);
  for (const c of calls) {
    assert.ok(c.slug in keys, `a provider without a key was called: ${c.url}`);
    assert.equal(c.key, keys[c.slug], `${c.url} got the key of another provider`);
    for (const [name, v] of Object.entries(c.headers)) {
      for (const k of all) if (k !== keys[c.slug]) assert.ok(!String(v).includes(k), `${c.url} header ${name} carries another provider's key`);
    }
  }
}

async function collect(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

describe('Switchyard against the sandbox fleet', () => {
  test('embeddings.create: OpenAI-compatible and Gemini, base64, fallback, usage.cost and the record', async () => {
    fleet.reset();
    const { sy, calls, keys } = await client(['openai', 'google', 'nebius', 'scaleway']);
    const r = await sy.embeddings.create({ model: 'openai/text-embedding-3-small', input: ['a', 'b'], dimensions: 4 });
    assert.equal(r.object, 'list');
    assert.deepEqual(r.data.map((d) => d.embedding.length), [4, 4]);
    assert.ok(r.usage.cost > 0);
    assert.equal(calls.at(-1).url, `${fleet.url}/openai/v1/embeddings`);
    assert.equal(sy.generations.get(r.id).total_cost, r.usage.cost);
    const b = await sy.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'a', dimensions: 4, encoding_format: 'base64' });
    const bytes = Buffer.from(b.data[0].embedding, 'base64');
    assert.deepEqual([...new Float32Array(bytes.buffer, bytes.byteOffset, 4)], r.data[0].embedding);
    const g = await sy.embeddings.create({ model: 'google/gemini-embedding-001', input: 'a', dimensions: 4 });
    assert.deepEqual(g.data[0].embedding, r.data[0].embedding); // the fleet's vector of 'a'
    assert.match(calls.at(-1).url, /\/google\/v1beta\/models\/gemini-embedding-001:batchEmbedContents$/);
    const f = await sy.embeddings.create({ model: 'qwen/qwen3-embedding-8b', input: 'x [[sandbox:nebius:fault=status:503]]',
      provider: { order: ['nebius', 'scaleway'] } });
    assert.deepEqual(sy.generations.get(f.id).provider_responses.map((p) => p.status), [502, 200]); // the router's status for nebius's 503
    await assert.rejects(sy.embeddings.create({ model: 'openai/text-embedding-3-small', input: [] }),
      (e) => e instanceof SwitchyardError && e.status === 400);
    assertKeysStayHome(calls, keys);
    sy.close();
  });

  test('buffered: OpenRouter shape, usage.cost, the /generation record; only keyed providers called', async () => {
    fleet.reset();
    const { sy, calls, keys } = await client(['groq', 'deepinfra']);
    const r = await sy.chat.completions.create({ model: LLAMA, messages: user('hello buffered'), provider: { order: ['groq'] } });
    assert.match(r.id, /^gen-\d+-[0-9a-f]{20}$/);
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.model, LLAMA);
    assert.equal(r.provider, 'Groq');
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.ok(r.choices[0].message.content.length > 0);
    assert.ok(r.usage.cost > 0, JSON.stringify(r.usage));
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].url, `${fleet.url}/groq/v1/chat/completions`);
    const g = sy.generations.get(r.id);
    assert.equal(g.id, r.id);
    assert.equal(g.total_cost, r.usage.cost);
    assert.equal(g.provider_name, 'Groq');
    assert.equal(g.streamed, false);
    assert.equal(g.cancelled, false);
    assert.deepEqual(g.provider_responses.map((p) => [p.provider_name, p.status]), [['Groq', 200]]);
    assertKeysStayHome(calls, keys);
    sy.close();
  });

  test('streamed: chunk objects; the last carries usage with the same cost as the buffered call', async () => {
    fleet.reset();
    const { sy, calls, keys } = await client(['groq']);
    const body = { model: LLAMA, messages: user('same prompt twice') };
    const buffered = await sy.chat.completions.create(body);
    const stream = await sy.chat.completions.create({ ...body, stream: true });
    assert.match(stream.generationId, /^gen-/);
    const chunks = await collect(stream);
    assert.ok(chunks.length > 3);
    for (const c of chunks) assert.equal(c.object, 'chat.completion.chunk');
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    assert.equal(text, buffered.choices[0].message.content);
    const last = chunks.at(-1);
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage.cost, buffered.usage.cost);
    assert.equal(last.usage.completion_tokens, buffered.usage.completion_tokens);
    assert.equal(last.usage.prompt_tokens, buffered.usage.prompt_tokens);
    assert.equal(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason, 'stop');
    const g = sy.generations.get(stream.generationId);
    assert.equal(g.streamed, true);
    assert.equal(g.total_cost, last.usage.cost);
    assert.equal(calls.length, 2);
    assertKeysStayHome(calls, keys);
    sy.close();
  });

  test('tools: a tool call comes back, buffered and streamed', async () => {
    fleet.reset();
    const { sy } = await client(['groq']);
    const tools = [{
      type: 'function',
      function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    }];
    const body = { model: LLAMA, messages: user('weather in Paris?'), tools, provider: { only: ['groq'] } };
    const r = await sy.chat.completions.create(body);
    assert.equal(r.choices[0].finish_reason, 'tool_calls');
    const call = r.choices[0].message.tool_calls[0];
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'sandbox' });
    const chunks = await collect(await sy.chat.completions.create({ ...body, stream: true }));
    const args = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []).map((t) => t.function?.arguments ?? '').join('');
    assert.deepEqual(JSON.parse(args), { city: 'sandbox' });
    assert.equal(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason, 'tool_calls');
    assert.ok(chunks.at(-1).usage.cost > 0);
    sy.close();
  });

  test('fallback across providers: an injected 500 moves to the next provider; the record keeps the failure', async () => {
    fleet.reset();
    const { sy, calls, keys } = await client(['groq', 'deepinfra']);
    fleet.pushFault('groq', { status: 500 });
    const r = await sy.chat.completions.create({ model: LLAMA, messages: user('fall back'), provider: { order: ['groq', 'deepinfra'] } });
    assert.equal(r.provider, 'DeepInfra');
    assert.deepEqual(calls.map((c) => c.slug), ['groq', 'deepinfra']);
    const g = sy.generations.get(r.id);
    // The failed attempt as the client would have seen it (the core reports an upstream 5xx as 502).
    assert.deepEqual(g.provider_responses.map((p) => [p.provider_name, p.status]), [['Groq', 502], ['DeepInfra', 200]]);
    assert.equal(g.total_cost, r.usage.cost);
    // Streamed too: the failure happens before the first byte, so the client never sees it.
    fleet.pushFault('groq', { status: 500 });
    const chunks = await collect(await sy.chat.completions.create({ model: LLAMA, stream: true, messages: user('fall back'), provider: { order: ['groq', 'deepinfra'] } }));
    assert.equal(chunks[0].provider, 'DeepInfra');
    assert.ok(chunks.at(-1).usage.cost > 0);
    assertKeysStayHome(calls, keys);
    sy.close();
  });

  test('fallback across models and wire formats: models[] moves to an Anthropic-wire provider serving a chat request', async () => {
    fleet.reset();
    const { sy, calls, keys } = await client(['groq', 'anthropic']);
    fleet.configure('groq', { fault: { status: 500 } });
    try {
      const r = await sy.chat.completions.create({ model: LLAMA, models: [HAIKU], messages: user('skip the model') });
      assert.equal(r.object, 'chat.completion');
      assert.equal(r.model, HAIKU);
      assert.equal(r.provider, 'Anthropic');
      assert.ok(r.choices[0].message.content.length > 0);
      assert.ok(r.usage.cost > 0);
      assert.equal(calls.at(-1).url, `${fleet.url}/anthropic/v1/messages`);
      assert.equal(calls.at(-1).headers['anthropic-dangerous-direct-browser-access'], 'true');
      assert.ok(calls.slice(0, -1).every((c) => c.slug === 'groq'));
      const g = sy.generations.get(r.id);
      assert.equal(g.model, HAIKU);
      assert.deepEqual(g.provider_responses.at(-1), { ...g.provider_responses.at(-1), provider_name: 'Anthropic', status: 200 });
      assert.ok(g.provider_responses.some((p) => p.provider_name === 'Groq' && p.status >= 500));
    } finally {
      fleet.configure('groq', { fault: null });
    }
    assertKeysStayHome(calls, keys);
    sy.close();
  });

  test('messages.create: Anthropic Messages in, an OpenAI-wire provider out, buffered and streamed', async () => {
    fleet.reset();
    const { sy, calls } = await client(['groq']);
    const m = await sy.messages.create({ model: LLAMA, max_tokens: 64, messages: user('messages in') });
    assert.equal(m.type, 'message');
    assert.equal(m.content[0].type, 'text');
    assert.ok(m.usage.cost > 0);
    assert.equal(calls[0].url, `${fleet.url}/groq/v1/chat/completions`);
    const events = await collect(await sy.messages.create({ model: LLAMA, max_tokens: 64, stream: true, messages: user('messages in') }));
    assert.equal(events[0].type, 'message_start');
    assert.equal(events.at(-1).type, 'message_stop');
    const delta = events.find((e) => e.type === 'message_delta');
    assert.equal(delta.usage.cost, m.usage.cost);
    sy.close();
  });

  test('responses.create: the Responses API in, an Anthropic-wire provider out, buffered and streamed', async () => {
    fleet.reset();
    const { sy, calls } = await client(['anthropic']);
    const r = await sy.responses.create({ model: HAIKU, instructions: 'Be brief.', input: 'responses in' });
    assert.equal(r.object, 'response');
    assert.equal(r.status, 'completed');
    assert.equal(r.instructions, 'Be brief.');
    assert.equal(r.output[0].type, 'message');
    assert.match(r.output[0].content[0].text, /\w+/);
    assert.ok(r.usage.cost > 0);
    assert.equal(calls[0].url, `${fleet.url}/anthropic/v1/messages`);
    const events = await collect(await sy.responses.create({ model: HAIKU, instructions: 'Be brief.', input: 'responses in', stream: true }));
    assert.equal(events[0].type, 'response.created');
    assert.equal(events.at(-1).type, 'response.completed');
    const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
    assert.equal(text, r.output[0].content[0].text);
    assert.deepEqual(events.at(-1).response.usage, r.usage);
    await assert.rejects(sy.responses.create({ model: HAIKU, input: 'x', store: true }),
      (e) => e instanceof SwitchyardError && e.status === 400 && /store/.test(e.message));
    sy.close();
  });

  test('abort: a stream cut by an AbortSignal cancels the upstream call; the record is cancelled and billed', async () => {
    fleet.reset();
    const { sy, calls } = await client(['groq']);
    fleet.configure('groq', { tokens_per_sec: 20, reply_tokens: 200 });
    try {
      const controller = new AbortController();
      const stream = await sy.chat.completions.create({ model: LLAMA, stream: true, messages: user('a long one') }, { signal: controller.signal });
      let n = 0;
      await assert.rejects(async () => {
        for await (const c of stream) {
          if (c.choices[0]?.delta?.content && ++n === 3) controller.abort();
        }
      }, (e) => e.name === 'AbortError');
      assert.equal(calls.length, 1);
      assert.equal(calls[0].signal.aborted, true, 'the upstream fetch was not aborted');
      const g = sy.generations.get(stream.generationId);
      assert.equal(g.cancelled, true);
      assert.ok(g.tokens_completion >= 2 && g.tokens_completion < 200, JSON.stringify(g));
      assert.ok(g.total_cost > 0);
      assert.ok(sy.budget().usage > 0);

      // Leaving the loop early (break) is the same as aborting.
      const s2 = await sy.chat.completions.create({ model: LLAMA, stream: true, messages: user('another long one') });
      for await (const c of s2) if (c.choices[0]?.delta?.content) break;
      assert.equal(calls[1].signal.aborted, true);
      assert.equal(sy.generations.get(s2.generationId).cancelled, true);

      // A buffered call aborted before its answer rejects with the signal's reason; nothing is billed.
      const before = sy.budget().usage;
      const c3 = new AbortController();
      const pending = sy.chat.completions.create({ model: LLAMA, messages: user('buffered abort') }, { signal: c3.signal });
      setTimeout(() => c3.abort(), 100);
      await assert.rejects(pending, (e) => e.name === 'AbortError');
      assert.equal(calls[2].signal.aborted, true);
      assert.equal(sy.budget().usage, before);
    } finally {
      fleet.configure('groq', { tokens_per_sec: null, reply_tokens: null });
    }
    sy.close();
  });

  test('budget: a worst case beyond the budget is a 402 before any call; spending uses it up', async () => {
    fleet.reset();
    const { sy, calls } = await client(['deepinfra'], { budget: { limit_usd: '0.00001' } });
    await assert.rejects(
      sy.chat.completions.create({ model: LLAMA, max_tokens: 1000, messages: user('too dear') }),
      (e) => e instanceof SwitchyardError && e.status === 402 && e.code === 'payment_required' &&
        /^The budget does not cover this request: raise it, or ask for fewer max_tokens\. You requested up to 1000 tokens, but can only afford \d+\.$/.test(e.message) &&
        e.metadata.requested_tokens === 1000 && e.metadata.affordable_tokens < 1000);
    assert.equal(calls.length, 0);
    // Worst case of 20 tokens fits; its charge leaves less than another worst case.
    const r = await sy.chat.completions.create({ model: LLAMA, max_tokens: 20, messages: user('cheap') });
    assert.ok(r.usage.cost > 0);
    assert.equal(sy.budget().usage, r.usage.cost);
    await assert.rejects(
      sy.chat.completions.create({ model: LLAMA, max_tokens: 20, messages: user('cheap') }),
      (e) => e instanceof SwitchyardError && e.status === 402 && !/key|credits/i.test(e.message) && /budget/.test(e.message));
    assert.equal(calls.length, 1);
    sy.close();
  });

  test('the ledger carries over: exportLedger() into a new Switchyard keeps spend and records', async () => {
    fleet.reset();
    const { sy } = await client(['groq'], { budget: { limit_usd: '1' } });
    const r = await sy.chat.completions.create({ model: LLAMA, messages: user('keep me') });
    const state = JSON.parse(JSON.stringify(sy.exportLedger())); // as an app would store it
    sy.close();
    const again = await Switchyard.create({ keys: { groq: 'k' }, baseUrls: { groq: baseFor(fleet.url, 'groq') }, budget: { limit_usd: '2' }, ledger: state });
    assert.equal(again.budget().usage, r.usage.cost);
    assert.equal(again.budget().limit, 2);
    assert.equal(again.generations.get(r.id).total_cost, r.usage.cost);
    again.close();
  });

  test('concurrent requests cannot spend past the budget: the worst case is held before each call', async () => {
    fleet.reset();
    const { sy, calls } = await client(['deepinfra'], { budget: { limit_usd: '0.00003' } });
    const settled = await Promise.allSettled(Array.from({ length: 10 }, (_, i) =>
      sy.chat.completions.create({ model: LLAMA, max_tokens: 20, messages: user(`concurrent ${i}`) })));
    const served = settled.filter((r) => r.status === 'fulfilled');
    const refused = settled.filter((r) => r.status === 'rejected');
    assert.ok(served.length >= 1 && refused.length >= 1, `${served.length} served, ${refused.length} refused`);
    for (const r of refused) assert.equal(r.reason.status, 402);
    assert.equal(calls.length, served.length);
    const b = sy.budget();
    assert.ok(b.usage <= 0.00003, JSON.stringify(b));
    sy.close();
  });

  test('an error after the first byte arrives in-band: the chunks so far, the error chunk, then a SwitchyardError', async () => {
    fleet.reset();
    const { sy } = await client(['groq']);
    fleet.pushFault('groq', { error_in_200: true, after_chunks: 3 });
    const stream = await sy.chat.completions.create({ model: LLAMA, stream: true, messages: user('in-band'), provider: { only: ['groq'] } });
    const seen = [];
    await assert.rejects(async () => { for await (const c of stream) seen.push(c); },
      (e) => e instanceof SwitchyardError && e.status >= 500 && e.generationId === stream.generationId);
    assert.ok(seen.some((c) => c.choices[0]?.delta?.content), 'no content before the error');
    assert.ok(seen.some((c) => c.error), 'no error chunk');
    sy.close();
  });

  test('no provider with a key serves the model: 404 naming the missing keys, nothing called', async () => {
    const { sy, calls } = await client(['groq']);
    await assert.rejects(sy.chat.completions.create({ model: HAIKU, messages: user('hi') }), (e) => {
      assert.ok(e instanceof SwitchyardError);
      assert.equal(e.status, 404);
      assert.deepEqual(e.metadata.missing_keys.includes('anthropic'), true);
      assert.match(e.message, /anthropic/);
      return true;
    });
    // A provider in provider.order without a key is skipped, not called.
    const r = await sy.chat.completions.create({ model: LLAMA, messages: user('hi'), provider: { order: ['deepinfra', 'groq'] } });
    assert.equal(r.provider, 'Groq');
    assert.deepEqual(calls.map((c) => c.slug), ['groq']);
    sy.close();
  });

  test('a key goes only to its provider\'s configured origin', async () => {
    fleet.reset();
    other.reset();
    const otherUrl = other.url.replace('127.0.0.1', 'localhost'); // another origin
    const { sy, calls, keys } = await client(['groq', 'deepinfra'], { baseUrls: { deepinfra: baseFor(otherUrl, 'deepinfra') } });
    fleet.pushFault('groq', { status: 500 });
    const r = await sy.chat.completions.create({ model: LLAMA, messages: user('two origins'), provider: { order: ['groq', 'deepinfra'] } });
    assert.equal(r.provider, 'DeepInfra');
    assert.deepEqual(calls.map((c) => [c.origin, c.key]), [
      [new URL(fleet.url).origin, keys.groq],
      [new URL(otherUrl).origin, keys.deepinfra],
    ]);
    assert.equal(fleet.requests('deepinfra').length, 0);
    assertKeysStayHome(calls, keys);
    sy.close();
  });

  test('configuration errors are named', async () => {
    await assert.rejects(Switchyard.create({ keys: { nosuch: 'k' } }), /keys\.nosuch: no provider "nosuch"/);
    await assert.rejects(Switchyard.create({ keys: { groq: '' } }), /keys\.groq must be a non-empty string/);
    await assert.rejects(Switchyard.create({ keys: { groq: 'k' }, baseUrls: { groq: 'ftp://x' } }), /must be http/);
  });
});

// The client runs on either wasm build (the package entries load the Emscripten one; `core`
// takes any loaded instance): the same answer and cost from both.
describe('either wasm build', () => {
  const results = [];
  for (const build of BUILDS) {
    test(build.name, async () => {
      assert.equal(missing(build), null, missing(build));
      fleet.reset();
      const sy = await Switchyard.create({ core: await build.load(), keys: { groq: 'k' }, baseUrls: { groq: baseFor(fleet.url, 'groq') } });
      const body = { model: LLAMA, messages: user('either build') };
      const r = await sy.chat.completions.create(body);
      const last = (await collect(await sy.chat.completions.create({ ...body, stream: true }))).at(-1);
      assert.equal(last.usage.cost, r.usage.cost);
      results.push([r.choices[0].message.content, r.usage]);
      if (results.length === 2) assert.deepEqual(results[0], results[1]);
      sy.close();
    });
  }
});

// The same request through the edge worker (under workerd, with its sandbox fleet) and through
// the client pointed at that fleet: the same provider answers the same words, so the client's
// usage and cost must equal the worker's charge to the cent — buffered and streamed.
describe('the cost equals what the edge worker charges', () => {
  let worker;
  before(async () => {
    const { startWorker } = await import('./worker-harness.mjs');
    worker = await startWorker();
  });
  after(async () => { await worker?.close(); });

  for (const stream of [false, true]) {
    test(stream ? 'streamed' : 'buffered', async () => {
      const body = { model: LLAMA, messages: user('what does it cost?'), provider: { only: ['deepinfra'] } };
      const viaWorker = await worker.json('/chat/completions', { method: 'POST', body: { ...body, stream } });
      assert.equal(viaWorker.status, 200, JSON.stringify(viaWorker.body));
      let workerUsage;
      let workerId;
      if (stream) {
        const { parseSse } = await import('./worker-harness.mjs');
        const events = parseSse(viaWorker.body).filter((e) => e.data);
        workerUsage = events.at(-1).data.usage;
        workerId = events[0].data.id;
      } else {
        workerUsage = viaWorker.body.usage;
        workerId = viaWorker.body.id;
      }
      const charged = await worker.generation(workerId);
      assert.equal(charged.status, 200);

      const sy = await Switchyard.create({ keys: { deepinfra: 'k' }, baseUrls: { deepinfra: baseFor(worker.fleet.url, 'deepinfra') } });
      let usage;
      if (stream) usage = (await collect(await sy.chat.completions.create({ ...body, stream: true }))).at(-1).usage;
      else usage = (await sy.chat.completions.create(body)).usage;
      assert.deepEqual(usage, workerUsage);
      assert.equal(usage.cost, charged.body.data.total_cost);
      sy.close();
    });
  }
});
