// OpenAI's Responses API as an upstream wire, under real workerd: a model OpenAI serves only on
// the Responses API (openai/o3-pro: the catalog's openai endpoint has wire "openai-responses")
// is reached through the sandbox fleet's POST /v1/responses, for chat-completions clients (the
// openai SDK) and Anthropic /messages clients (@anthropic-ai/sdk), buffered and streamed; what
// the client is told it cost equals /generation's record; a fault there falls back to another
// provider of the model.
// Run: node --test tests/js/worker-responses-upstream.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { parseSse, picos, startWorker, user } from './worker-harness.mjs';

const MODEL = 'openai/o3-pro'; // openai (Responses API) and openrouter (chat completions)
let w;
let client;

before(async () => {
  w = await startWorker({ env: { SWITCHYARD_FIRST_TOKEN_TIMEOUT_MS: '3000', SWITCHYARD_TOTAL_TIMEOUT_MS: '5000' } });
  client = w.openai();
});
after(async () => { await w?.close(); });

const served = (slug) => w.fleet.requests(slug).filter((r) => r.kind !== 'models');
const only = { only: ['openai'] };

// The usage object the client got against the generation record: tokens and cost to the picodollar.
async function expectRecorded(id, usage) {
  const g = await w.generation(id);
  assert.equal(g.status, 200, `generation ${id}`);
  const d = g.body.data;
  assert.equal(d.provider_name, 'OpenAI');
  assert.equal(d.tokens_prompt, usage.prompt_tokens);
  assert.equal(d.tokens_completion, usage.completion_tokens);
  assert.ok(usage.cost > 0, 'priced at the catalog price');
  assert.equal(picos(d.total_cost), picos(usage.cost), 'reported == recorded');
  return d;
}

describe('chat completions routed to a Responses-only model', { timeout: 60_000 }, () => {
  test('buffered: the upstream got a Responses request; answer, usage and cost match /generation', async () => {
    const r = await client.chat.completions.create({
      model: MODEL, messages: [{ role: 'system', content: 'Be brief.' }, ...user('Why is the sky blue?')],
      max_tokens: 500, reasoning: { effort: 'high' }, provider: only,
    });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.provider, 'OpenAI');
    assert.match(r.choices[0].message.content, /\w+/);
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.match(r.choices[0].message.reasoning, /\w+/, 'the reasoning summary');
    const details = r.choices[0].message.reasoning_details;
    assert.equal(details[0].type, 'reasoning.encrypted');
    assert.equal(details[0].format, 'openai-responses-v1');
    assert.ok(r.usage.completion_tokens_details.reasoning_tokens > 0);
    const up = served('openai').at(-1);
    assert.equal(up.wire, 'openai-responses');
    assert.equal(up.path, '/openai/v1/responses');
    assert.equal(up.body.model, 'o3-pro');
    assert.equal(up.body.instructions, 'Be brief.');
    assert.equal(up.body.store, false);
    assert.equal(up.body.max_output_tokens, 500);
    assert.deepEqual(up.body.reasoning, { effort: 'high', summary: 'auto' });
    assert.equal(up.body.messages, undefined);
    await expectRecorded(r.id, r.usage);
  });

  test('streamed: same text and usage as buffered, the final chunk cost equals /generation', async () => {
    const prompt = user('Tell me something deterministic');
    const buffered = await client.chat.completions.create({ model: MODEL, messages: prompt, provider: only });
    const stream = await client.chat.completions.create({ model: MODEL, messages: prompt, stream: true, provider: only });
    let text = '';
    let finish = null;
    let usageChunk = null;
    for await (const chunk of stream) {
      if (chunk.choices.length === 0 && chunk.usage) usageChunk = chunk;
      for (const c of chunk.choices) {
        text += c.delta?.content ?? '';
        if (c.finish_reason) finish = c.finish_reason;
      }
    }
    assert.equal(served('openai').at(-1).wire, 'openai-responses');
    assert.equal(served('openai').at(-1).stream, true);
    assert.equal(text, buffered.choices[0].message.content);
    assert.equal(finish, 'stop');
    assert.ok(usageChunk, 'a final usage chunk');
    assert.deepEqual(usageChunk.usage, buffered.usage);
    const d = await expectRecorded(usageChunk.id, usageChunk.usage);
    assert.equal(d.streamed, true);
  });

  test('tool calls and max_tokens, buffered and streamed', async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
    const body = { model: MODEL, messages: user('Weather in Paris?'), tools, provider: only };
    const r = await client.chat.completions.create(body);
    assert.equal(r.choices[0].finish_reason, 'tool_calls');
    assert.equal(r.choices[0].message.tool_calls[0].function.name, 'get_weather');
    assert.deepEqual(JSON.parse(r.choices[0].message.tool_calls[0].function.arguments), { city: 'sandbox' });
    assert.deepEqual(served('openai').at(-1).body.tools, [{ type: 'function', name: 'get_weather', parameters: tools[0].function.parameters, strict: false }]);
    const stream = await client.chat.completions.create({ ...body, stream: true });
    let args = '';
    let finish = null;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        for (const tc of c.delta?.tool_calls ?? []) args += tc.function?.arguments ?? '';
        if (c.finish_reason) finish = c.finish_reason;
      }
    }
    assert.equal(finish, 'tool_calls');
    assert.deepEqual(JSON.parse(args), { city: 'sandbox' });
    // A cap below the reply: incomplete upstream, `length` for the client.
    const short = await client.chat.completions.create({ model: MODEL, messages: user('long answer [[sandbox:tokens=40]]'), max_tokens: 20, provider: only });
    assert.equal(short.choices[0].finish_reason, 'length');
    assert.equal(short.usage.completion_tokens, 20);
  });
});

describe('Anthropic /messages routed to a Responses-only model', { timeout: 60_000 }, () => {
  test('buffered and streamed, usage cost equal to /generation', async () => {
    const anthropic = new Anthropic({ apiKey: w.demoKey, baseURL: `${w.url}/api`, maxRetries: 0, timeout: 20_000, logLevel: 'off' });
    const req = { model: MODEL, max_tokens: 300, system: 'Be brief.', messages: [{ role: 'user', content: 'hello there' }], provider: only };
    const msg = await anthropic.messages.create(req);
    assert.equal(msg.type, 'message');
    assert.equal(msg.stop_reason, 'end_turn');
    assert.match(msg.content.at(-1).text, /\w+/);
    assert.equal(served('openai').at(-1).wire, 'openai-responses');
    assert.equal(served('openai').at(-1).body.instructions, 'Be brief.');
    const g = await w.generation(msg.id);
    assert.equal(g.status, 200);
    assert.equal(picos(g.body.data.total_cost), picos(msg.usage.cost));
    assert.equal(g.body.data.tokens_completion, msg.usage.output_tokens);

    const final = await anthropic.messages.stream(req).finalMessage();
    assert.equal(served('openai').at(-1).stream, true);
    assert.equal(final.content.at(-1).text, msg.content.at(-1).text);
    assert.equal(final.stop_reason, 'end_turn');

    // The raw events, for the cost the SDK does not keep: message_delta's usage.
    const res = await w.fetch('/messages', {
      method: 'POST',
      headers: { 'x-api-key': w.demoKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ ...req, stream: true }),
    });
    assert.equal(res.status, 200);
    const events = parseSse(await res.text());
    const id = events.find((e) => e.event === 'message_start').data.message.id;
    const text = events.filter((e) => e.data?.delta?.type === 'text_delta').map((e) => e.data.delta.text).join('');
    const usage = events.find((e) => e.event === 'message_delta').data.usage;
    assert.equal(text, msg.content.at(-1).text);
    assert.ok(usage.cost > 0);
    const gs = await w.generation(id);
    assert.equal(gs.status, 200);
    assert.equal(picos(gs.body.data.total_cost), picos(usage.cost));
    assert.equal(gs.body.data.tokens_completion, usage.output_tokens);
  });
});

describe('faults on the Responses endpoint fall back to another provider', { timeout: 60_000 }, () => {
  const pair = { order: ['openai', 'openrouter'], only: ['openai', 'openrouter'], allow_fallbacks: true };
  const post = (body) => w.fetch('/chat/completions', {
    method: 'POST', headers: { authorization: `Bearer ${w.demoKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });

  // First, while openai is healthy and so tried first.
  test('an error event after the first byte ends the stream with an in-band error, no fallback', async () => {
    const before = served('openrouter').length;
    const res = await post({ model: MODEL, messages: user('x [[sandbox:openai:fault=error200,after:8]]'), provider: pair, stream: true });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /"content":"\w+/, 'content reached the client first');
    assert.match(text, /"finish_reason":"error"/);
    assert.match(text, /data: \[DONE\]/);
    assert.equal(served('openai').at(-1).wire, 'openai-responses');
    assert.equal(served('openrouter').length, before);
  });

  for (const [fault, stream] of [['status:503', false], ['error200', false], ['error200', true], ['garbage', true], ['malformed', true]]) {
    test(`${fault}${stream ? ' (streamed)' : ''}: openrouter serves, both attempts recorded`, async () => {
      const before = served('openrouter').length;
      const res = await post({ model: MODEL, messages: user(`hi ${fault} ${stream} [[sandbox:openai:fault=${fault}]]`), provider: pair, stream });
      assert.equal(res.status, 200);
      const text = await res.text();
      let id;
      if (stream) {
        assert.doesNotMatch(text, /"finish_reason":"error"/);
        id = JSON.parse(text.split('\n').find((l) => l.startsWith('data: {')).slice(6)).id;
      } else {
        const j = JSON.parse(text);
        assert.equal(j.provider, 'OpenRouter');
        id = j.id;
      }
      assert.equal(served('openai').at(-1).wire, 'openai-responses');
      assert.equal(served('openrouter').length, before + 1);
      const g = await w.generation(id);
      assert.equal(g.status, 200);
      assert.deepEqual(g.body.data.provider_responses.map((p) => [p.provider_name, p.status === 200]), [['OpenAI', false], ['OpenRouter', true]]);
    });
  }
});
