// The edge worker's completion routes under real workerd, driven by the official openai and
// @anthropic-ai/sdk clients (unchanged but for base URL, key and model), upstream the sandbox
// provider fleet: buffered, streamed, tool calls, typed errors, fallback on every retryable
// failure, in-band errors on cut streams, keep-alives, client disconnects.
// Run: node --test tests/js/worker-chat.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { parseSse, startWorker, user } from './worker-harness.mjs';

const MODEL = 'openai/gpt-4o-mini'; // served by openai, openrouter, digitalocean (github-models: its :free entry)
let w;
let client;

before(async () => {
  w = await startWorker({
    env: {
      SWITCHYARD_KEEPALIVE_MS: '250',
      SWITCHYARD_CONNECT_TIMEOUT_MS: '1200',
      SWITCHYARD_FIRST_TOKEN_TIMEOUT_MS: '1500',
      SWITCHYARD_TOTAL_TIMEOUT_MS: '2500',
      SWITCHYARD_MAX_BODY_BYTES: '65536',
    },
  });
  client = w.openai();
});
after(async () => { await w?.close(); });

// Two providers, tried in this order (each test uses its own pair so that one test's failures,
// which the router remembers as health, do not reorder another's attempts).
const pair = (a, b) => ({ order: [a, b], only: [a, b] });
const served = (slug) => w.fleet.requests(slug).filter((r) => r.kind !== 'models');

async function rawChat(body, headers = {}) {
  return w.fetch('/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${w.demoKey}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('openai SDK, buffered and streamed', { timeout: 50_000 }, () => {
  test('buffered completion: content, provider, usage with cost, X-Generation-Id', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: MODEL, messages: user('Say hello'), provider: { only: ['openai'] } })
      .withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.model, MODEL);
    assert.equal(data.provider, 'OpenAI');
    assert.match(data.choices[0].message.content, /\w+/);
    assert.equal(data.choices[0].finish_reason, 'stop');
    assert.ok(data.usage.prompt_tokens > 0 && data.usage.completion_tokens > 0);
    assert.ok(data.usage.cost > 0, 'priced at the catalog price');
    assert.equal(response.headers.get('x-generation-id'), data.id);
    assert.match(data.id, /^gen-/);
    // The upstream got the provider's own model id and never our key.
    const [up] = served('openai').slice(-1);
    assert.equal(up.body.model, 'gpt-4o-mini');
    assert.notEqual(up.headers.authorization, `Bearer ${w.demoKey}`);
  });

  test('streamed: same text, usage and cost as buffered (usage chunk before [DONE])', async () => {
    const prompt = user('Tell me something deterministic');
    const buffered = await client.chat.completions.create({ model: MODEL, messages: prompt, provider: { only: ['openai'] } });
    const stream = await client.chat.completions.create({ model: MODEL, messages: prompt, stream: true, provider: { only: ['openai'] } });
    let text = '';
    let usageChunk = null;
    let finish = null;
    let ids = new Set();
    for await (const chunk of stream) {
      ids.add(chunk.id);
      if (chunk.choices.length === 0 && chunk.usage) usageChunk = chunk;
      for (const c of chunk.choices) {
        text += c.delta?.content ?? '';
        if (c.finish_reason) finish = c.finish_reason;
      }
    }
    assert.equal(text, buffered.choices[0].message.content);
    assert.equal(finish, 'stop');
    assert.ok(usageChunk, 'a final usage chunk with empty choices');
    assert.equal(ids.size, 1);
    assert.deepEqual(usageChunk.usage, buffered.usage);
  });

  test('tool calls, buffered and streamed', async () => {
    const tools = [{
      type: 'function',
      function: {
        name: 'get_weather',
        parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'] },
      },
    }];
    const body = { model: MODEL, messages: user('Weather in Paris?'), tools, provider: { only: ['openai'] } };
    const r = await client.chat.completions.create(body);
    assert.equal(r.choices[0].finish_reason, 'tool_calls');
    const call = r.choices[0].message.tool_calls[0];
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'sandbox', days: 1 });

    const stream = await client.chat.completions.create({ ...body, stream: true });
    let args = '';
    let name = null;
    let finish = null;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        for (const tc of c.delta?.tool_calls ?? []) {
          if (tc.function?.name) name = tc.function.name;
          args += tc.function?.arguments ?? '';
        }
        if (c.finish_reason) finish = c.finish_reason;
      }
    }
    assert.equal(name, 'get_weather');
    assert.equal(finish, 'tool_calls');
    assert.deepEqual(JSON.parse(args), { city: 'sandbox', days: 1 });
  });

  test('Anthropic and Gemini providers behind the same OpenAI surface', async () => {
    const a = await client.chat.completions.create({ model: 'anthropic/claude-haiku-4.5', messages: user('hi'), provider: { only: ['anthropic'] } });
    assert.equal(a.provider, 'Anthropic');
    assert.equal(a.choices[0].finish_reason, 'stop');
    assert.equal(served('anthropic').at(-1).wire, 'anthropic');
    const g = await client.chat.completions.create({ model: 'google/gemini-2.5-flash', messages: user('hi'), provider: { only: ['google'] } });
    assert.equal(g.choices[0].finish_reason, 'stop');
    assert.equal(served('google').at(-1).wire, 'gemini');
  });

  test('POST /messages with the Anthropic SDK, buffered and streamed', async () => {
    const anthropic = new Anthropic({ apiKey: w.demoKey, baseURL: `${w.url}/api`, maxRetries: 0, timeout: 20_000, logLevel: 'off' });
    const msg = await anthropic.messages.create({
      model: 'anthropic/claude-haiku-4.5', max_tokens: 200, messages: [{ role: 'user', content: 'hello' }],
      provider: { only: ['anthropic'] },
    });
    assert.equal(msg.type, 'message');
    assert.equal(msg.stop_reason, 'end_turn');
    assert.match(msg.content[0].text, /\w+/);
    const stream = anthropic.messages.stream({
      model: 'anthropic/claude-haiku-4.5', max_tokens: 200, messages: [{ role: 'user', content: 'hello' }],
      provider: { only: ['anthropic'] },
    });
    const final = await stream.finalMessage();
    assert.equal(final.content[0].text, msg.content[0].text);
    assert.equal(final.stop_reason, 'end_turn');
    // Errors come in Anthropic's shape, so the SDK raises its own typed errors.
    const bad = new Anthropic({ apiKey: 'sk-sy-v1-demo-ffffffffffffffffffffffff', baseURL: `${w.url}/api`, maxRetries: 0, logLevel: 'off' });
    await assert.rejects(bad.messages.create({ model: 'anthropic/claude-haiku-4.5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (e) => e instanceof Anthropic.AuthenticationError && e.error?.type === 'error' && e.error?.error?.type === 'authentication_error');
    await assert.rejects(anthropic.messages.create({ model: 'nobody/nothing', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (e) => e instanceof Anthropic.NotFoundError);
  });
});

// Failure tests use their own providers of a widely served model, so that the health each one
// leaves behind (outages, cooldowns) cannot reorder another test's attempts.
const LLAMA = 'meta-llama/llama-3.3-70b-instruct';
let names;
const nameOf = async (slug) => {
  names ??= new Map((await w.json('/providers')).body.data.map((p) => [p.slug, p.name]));
  return names.get(slug);
};

describe('context compression (middle-out) through the worker', { timeout: 50_000 }, () => {
  // gryphe/mythomax-l2-13b has a 4,096-token context: compression is on for it by default. Its
  // openrouter endpoint serves here (novita's requests are counted by a fallback test below).
  const SMALL = 'gryphe/mythomax-l2-13b';
  const conversation = (n, size) => [
    { role: 'system', content: 'You are terse.' },
    ...Array.from({ length: n }, (_, i) => ({
      role: i % 2 ? 'assistant' : 'user', content: `[msg${String(i).padStart(2, '0')}] ${'x'.repeat(size)}`,
    })),
  ];

  test('a conversation past the context is cut to fit; transforms [] refuses it; past twice the context the 400 says why', async () => {
    const messages = conversation(31, 1000); // ~7,800 tokens by the estimate: under twice 4,096
    const before = served('openrouter').length;
    const r = await client.chat.completions.create({ model: SMALL, messages, provider: { only: ['openrouter'] } });
    assert.equal(r.choices[0].finish_reason, 'stop');
    const sent = served('openrouter').slice(before).at(-1).body.messages;
    assert.ok(sent.length < messages.length, `${sent.length} of ${messages.length} messages sent`);
    assert.equal(sent[0].content, 'You are terse.');                 // the system message
    assert.match(sent[1].content, /^\[msg00\]/);                     // the conversation's opening
    assert.match(sent.at(-1).content, /^\[msg30\]/);                 // and its latest turn
    const chars = sent.map((m) => m.content).join('').length;
    assert.ok(chars / 4 < 4096, `the cut prompt fits the context by the estimate: ${chars} characters`);

    // Turned off: the prompt is too long, a 400 naming the context.
    await assert.rejects(
      client.chat.completions.create({ model: SMALL, messages, transforms: [], provider: { only: ['openrouter'] } }),
      (e) => e.status === 400 && /longer than the context length/.test(e.message) && !/middle-out/.test(e.message));
    // More than twice the context: compression was on and says why it could not help.
    await assert.rejects(
      client.chat.completions.create({ model: SMALL, messages: conversation(31, 2000), provider: { only: ['openrouter'] } }),
      (e) => e.status === 400 && /context compression \(middle-out\) was on/.test(e.message));
  });
});

describe('fallback before the first byte', { timeout: 50_000 }, () => {
  test('5xx: the next provider serves; both attempts are in the generation record', async () => {
    const r = await client.chat.completions.create({
      model: LLAMA, messages: user('hi [[sandbox:groq:fault=status:503]]'), provider: pair('groq', 'together'),
    });
    assert.equal(r.provider, await nameOf('together'));
    const g = await w.generation(r.id);
    assert.equal(g.status, 200);
    // Each attempt as the router decided it: the upstream's 503 became a 502 (provider
    // overloaded), the second attempt served.
    assert.deepEqual(g.body.data.provider_responses.map((p) => [p.provider_name, p.status, p.error_type ?? null]),
      [[await nameOf('groq'), 502, 'provider_overloaded'], [await nameOf('together'), 200, null]]);
  });

  test('429 with Retry-After: fallback now, and the provider cools down for later requests', async () => {
    const r1 = await client.chat.completions.create({
      model: LLAMA, messages: user('a [[sandbox:nebius:fault=status:429,retry_after:30]]'), provider: pair('nebius', 'novita'),
    });
    assert.equal(r1.provider, await nameOf('novita'));
    // Same order requested again, no fault: the cooling endpoint is tried last, not first.
    const r2 = await client.chat.completions.create({ model: LLAMA, messages: user('b'), provider: pair('nebius', 'novita') });
    assert.equal(r2.provider, await nameOf('novita'));
    assert.equal(served('nebius').length, 1);
    assert.equal(served('novita').length, 2);
  });

  test('timeouts: a hanging provider is abandoned (buffered and streamed)', async () => {
    const t0 = Date.now();
    const r = await client.chat.completions.create({
      model: LLAMA, messages: user('x [[sandbox:deepinfra:fault=hang]]'), provider: pair('deepinfra', 'stackit'),
    });
    assert.equal(r.provider, await nameOf('stackit'));
    // A buffered attempt's head is its first token: abandoned at that deadline (1500 ms), not
    // after the whole attempt's (2500 ms).
    const waited = Date.now() - t0;
    assert.ok(waited >= 1450 && waited < 2400, `abandoned at the first-token deadline (${waited} ms)`);
    const t1 = Date.now();
    const stream = await client.chat.completions.create({
      model: LLAMA, stream: true, messages: user('y [[sandbox:scaleway:fault=hang]]'), provider: pair('scaleway', 'ovhcloud'),
    });
    let text = '';
    let provider = null;
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? '';
      provider ??= c.provider;
    }
    assert.ok(text.length > 0);
    assert.equal(provider, await nameOf('ovhcloud'));
    assert.ok(Date.now() - t1 >= 1100 && Date.now() - t1 < 2400, 'abandoned at the connect timeout');
  });

  test('connection resets and errors inside a 200 fall back', async () => {
    const reset = await client.chat.completions.create({
      model: LLAMA, messages: user('x [[sandbox:berget:fault=reset]]'), provider: pair('berget', 'wandb'),
    });
    assert.equal(reset.provider, await nameOf('wandb'));
    const e200 = await client.chat.completions.create({
      model: LLAMA, messages: user('x [[sandbox:venice:fault=error200]]'), provider: pair('venice', 'tinfoil'),
    });
    assert.equal(e200.provider, await nameOf('tinfoil'));
    // Streamed error event before any content: still a fallback, the client sees only the answer.
    const res = await rawChat({ model: LLAMA, stream: true, messages: user('x [[sandbox:evroc:fault=error200]]'), provider: pair('evroc', 'huggingface') });
    const events = parseSse(await res.text());
    assert.equal(res.status, 200);
    assert.ok(events.every((e) => !e.data?.error), 'no in-band error');
    const hf = await nameOf('huggingface');
    assert.ok(events.some((e) => e.data?.provider === hf));
    assert.equal(events.at(-1).raw, '[DONE]');
    assert.equal(served('evroc').length, 1);
  });

  test('`models`: the next model serves when the first one fails', async () => {
    const r = await client.chat.completions.create({
      model: 'anthropic/claude-haiku-4.5',
      models: ['anthropic/claude-haiku-4.5', MODEL],
      messages: user('x [[sandbox:nearai:fault=status:503]]'),
      provider: { only: ['nearai', 'openai'] },
    });
    assert.equal(r.model, MODEL);
    assert.equal(r.provider, 'OpenAI');
  });

  test('allow_fallbacks:false returns the upstream error as a typed SDK error', async () => {
    const regolo = await nameOf('regolo-ai');
    await assert.rejects(
      client.chat.completions.create({
        model: LLAMA, messages: user('x [[sandbox:regolo-ai:fault=status:503]]'),
        provider: { order: ['regolo-ai'], allow_fallbacks: false },
      }),
      (e) => e instanceof OpenAI.InternalServerError && e.status === 502 && e.error?.metadata?.provider_name === regolo,
    );
    assert.equal(served('regolo-ai').length, 1);
  });

  test('a failure before the first byte of a stream is an HTTP error, not an in-band one', async () => {
    const res = await rawChat({
      model: LLAMA, stream: true, messages: user('x [[sandbox:fault=status:429,retry_after:3]]'),
      provider: { order: ['cloudferro-sherlock'], allow_fallbacks: false },
    });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '3');
    const body = await res.json();
    assert.equal(body.error.code, 429);
    assert.ok(res.headers.get('x-generation-id'));
  });
});

describe('streams after the first byte', { timeout: 50_000 }, () => {
  test('a stream cut after N chunks ends with an in-band error and is settled', async () => {
    const res = await rawChat({
      model: LLAMA, stream: true, messages: user('x [[sandbox:fault=cut:3]]'), provider: pair('io-net', 'meganova'),
    });
    assert.equal(res.status, 200);
    const id = res.headers.get('x-generation-id');
    const events = parseSse(await res.text());
    const data = events.filter((e) => e.data);
    const content = data.filter((e) => e.data.choices?.[0]?.delta?.content).length;
    assert.ok(content >= 1, 'content reached the client before the cut');
    const err = data.find((e) => e.data.error);
    assert.ok(err, 'an in-band error chunk');
    assert.equal(err.data.choices[0].finish_reason, 'error');
    assert.equal(typeof err.data.error.message, 'string');
    assert.equal(events.at(-1).raw, '[DONE]');
    assert.equal(served('io-net').length, 1);
    assert.equal(served('meganova').length, 0, 'no fallback after the first byte');
    const g = await w.generation(id);
    assert.equal(g.status, 200);
    assert.equal(g.body.data.streamed, true);
    assert.equal(g.body.data.finish_reason, 'error');
    // The provider never reported usage: what reached the client is estimated and billed.
    assert.ok(g.body.data.tokens_completion >= 1, 'billed for the tokens generated before the cut');
  });

  test('the SDK surfaces a cut stream as a typed error', async () => {
    const stream = await client.chat.completions.create({
      model: `${LLAMA}:free`, stream: true, messages: user('y [[sandbox:fault=cut:2]]'), provider: { only: ['nvidia'] },
    });
    await assert.rejects(async () => { for await (const _ of stream) { /* drain */ } }, OpenAI.APIError);
  });

  test('after keep-alives went out, a failure of every attempt is an in-band error', async () => {
    const res = await rawChat({
      model: LLAMA, stream: true, messages: user('x [[sandbox:fault=status:503,ttft:700]]'),
      provider: { only: ['berget'] },
    });
    assert.equal(res.status, 200, 'the head was committed by the first keep-alive');
    const events = parseSse(await res.text());
    assert.equal(events[0].comment, 'OPENROUTER PROCESSING');
    const err = events.find((e) => e.data?.error);
    assert.ok(err, 'an in-band error chunk');
    assert.equal(err.data.choices[0].finish_reason, 'error');
    assert.equal(err.data.error.metadata.provider_name, await nameOf('berget'));
    assert.equal(events.at(-1).raw, '[DONE]');
  });

  test('keep-alive comments while waiting for the first token', async () => {
    const res = await rawChat({
      model: MODEL, stream: true, messages: user('x [[sandbox:ttft=900]]'), provider: { only: ['openai'] },
    });
    const events = parseSse(await res.text());
    const firstData = events.findIndex((e) => e.raw !== undefined);
    const keepalives = events.slice(0, firstData).filter((e) => e.comment === 'OPENROUTER PROCESSING');
    assert.ok(keepalives.length >= 2, `keep-alives before the first token (got ${keepalives.length})`);
    assert.equal(events.at(-1).raw, '[DONE]');
  });

  test('a client that disconnects cancels the upstream call and is charged for what was generated', async () => {
    // Watch the upstream side of the call: when its response closes, and whether it finished.
    let upstream = null;
    const watch = (req, res) => {
      if (!req.url.includes('/v1/chat/completions')) return;
      upstream = { finished: false, closedAt: 0 };
      res.on('finish', () => { upstream.finished = true; });
      res.on('close', () => { upstream.closedAt = Date.now(); });
    };
    w.fleet.server.on('request', watch);
    try {
      const res = await rawChat({
        model: `${LLAMA}:free`, stream: true, messages: user('x [[sandbox:tokens=200;tps=20]]'), provider: { only: ['llama'] },
      });
      const id = res.headers.get('x-generation-id');
      const reader = res.body.getReader();
      let got = '';
      while (!got.includes('"content"')) {
        const { done, value } = await reader.read();
        assert.ok(!done, `the stream ended before any content: ${got}`);
        got += new TextDecoder().decode(value);
      }
      const cancelledAt = Date.now();
      await reader.cancel();
      const g = await w.generation(id);
      assert.equal(g.status, 200);
      assert.equal(g.body.data.cancelled, true);
      assert.equal(g.body.data.streamed, true);
      assert.ok(g.body.data.tokens_completion < 200, 'not charged for the whole answer');
      for (let i = 0; i < 40 && !upstream?.closedAt; i++) await new Promise((r) => setTimeout(r, 25));
      assert.ok(upstream?.closedAt, 'the upstream connection was closed');
      assert.equal(upstream.finished, false, 'before the provider finished its 10 s answer');
      assert.ok(upstream.closedAt - cancelledAt < 1500);
    } finally {
      w.fleet.server.off('request', watch);
    }
  });
});

describe('errors in the documented shape, as the SDK\'s typed errors', { timeout: 30_000 }, () => {
  test('400: invalid request field and non-JSON body', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages: 'not an array' }),
      (e) => e instanceof OpenAI.BadRequestError && e.error?.metadata?.field === 'messages',
    );
    const res = await w.fetch('/chat/completions', {
      method: 'POST', headers: { authorization: `Bearer ${w.demoKey}`, 'content-type': 'application/json' }, body: '{not json',
    });
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.error.code, 400);
    assert.match(body.error.message, /JSON/);
  });

  test('401: missing, malformed and unknown keys', async () => {
    await assert.rejects(w.openai('sk-sy-v1-demo-ffffffffffffffffffffffffffff').chat.completions.create({ model: MODEL, messages: user('x') }),
      (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
    await assert.rejects(w.openai('sk-or-v1-whatever').chat.completions.create({ model: MODEL, messages: user('x') }),
      OpenAI.AuthenticationError);
    const res = await w.fetch('/chat/completions', { method: 'POST', body: '{}' });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.code, 401);
  });

  test('404: unknown model; 400: the request\'s own requirements leave no endpoint (not a retried 503)', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'nobody/no-such-model', messages: user('x') }),
      (e) => e instanceof OpenAI.NotFoundError && /no-such-model/.test(e.message));
    await assert.rejects(client.chat.completions.create({
      model: MODEL, messages: user('x'), provider: { only: ['openai'], max_price: { prompt: 0.01 } },
    }), (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && /max_price\.prompt \$0\.01\/M/.test(e.message)
      && e.error?.metadata?.field === 'provider.max_price.prompt' && Array.isArray(e.error?.metadata?.reasons));
  });

  test('413: a body over the limit, declared or streamed (chunked)', async () => {
    await assert.rejects(client.chat.completions.create({ model: MODEL, messages: user('x'.repeat(70_000)) }),
      (e) => e instanceof OpenAI.APIError && e.status === 413);
    // Chunked: no Content-Length, so the limit is enforced while reading. node:http delivers the
    // early answer even though the upload is cut short.
    const res = await new Promise((resolve, reject) => {
      const req = httpRequest(`${w.base}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${w.demoKey}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      }, (r) => {
        let text = '';
        r.on('data', (d) => { text += d; });
        r.on('end', () => resolve({ status: r.statusCode, json: async () => JSON.parse(text) }));
      });
      // The server answers and stops reading at the limit: our unfinished upload may fail.
      req.on('error', (e) => { if (e.code !== 'EPIPE' && e.code !== 'ECONNRESET') reject(e); });
      const chunk = 'x'.repeat(16_384);
      let sent = 0;
      const pump = () => { while (sent < 8) { sent++; if (!req.write(chunk)) return req.once('drain', pump); } req.end(); };
      pump();
    });
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error.code, 413);
  });

  test('402: an account without credits', async () => {
    const k = await w.adminKey({ name: 'broke' });
    await assert.rejects(w.openai(k.key).chat.completions.create({ model: MODEL, messages: user('x'), provider: { only: ['openai'] } }),
      (e) => e instanceof OpenAI.APIError && e.status === 402);
  });
});
