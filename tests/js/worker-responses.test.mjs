// POST /api/v1/responses (the OpenAI Responses API, stateless) on the edge worker under real
// workerd, driven by the official openai SDK (`client.responses.create`, streamed events and the
// `.stream()` helper), upstream the sandbox fleet in all three wire formats: text, instructions,
// function-call round trips (call_id → function_call_output), text.format json_schema, errors in
// the OpenAI shape, and a fallback across wire formats whose cost equals /generation's.
// Run: node --test tests/js/worker-responses.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { parseSse, startWorker } from './worker-harness.mjs';

const MODEL = 'openai/gpt-4o-mini';
const ONLY_OPENAI = { only: ['openai'] };
let w;
let client;

before(async () => {
  w = await startWorker();
  client = w.openai();
});
after(async () => { await w?.close(); });

const served = (slug) => w.fleet.requests(slug).filter((r) => r.kind !== 'models');

async function rawResponses(body, key = w.demoKey) {
  return w.fetch('/responses', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Every field the SDK's Response type requires, with the nullable ones allowed null. */
function assertResponseShape(r) {
  assert.equal(r.object, 'response');
  assert.match(r.id, /^gen-/);
  assert.equal(typeof r.created_at, 'number');
  assert.ok(['completed', 'incomplete', 'failed', 'in_progress'].includes(r.status));
  for (const k of ['error', 'incomplete_details', 'instructions', 'metadata', 'temperature', 'top_p', 'max_output_tokens', 'previous_response_id', 'reasoning']) {
    assert.ok(k in r, `${k} present`);
  }
  assert.ok(Array.isArray(r.output));
  assert.ok(Array.isArray(r.tools));
  assert.equal(typeof r.parallel_tool_calls, 'boolean');
  assert.ok(r.tool_choice !== undefined);
  assert.ok(r.text && r.text.format);
}

describe('openai SDK: responses.create', { timeout: 60_000 }, () => {
  test('buffered: output_text, instructions sent as system, usage with cost, x-generation-id', async () => {
    const { data: r, response } = await client.responses
      .create({ model: MODEL, instructions: 'Be terse.', input: 'Say hello', max_output_tokens: 300, metadata: { app: 'test' }, store: false, provider: ONLY_OPENAI })
      .withResponse();
    assertResponseShape(r);
    assert.equal(r.status, 'completed');
    assert.equal(r.model, MODEL);
    assert.equal(r.instructions, 'Be terse.');
    assert.equal(r.max_output_tokens, 300);
    assert.deepEqual(r.metadata, { app: 'test' });
    assert.equal(response.headers.get('x-generation-id'), r.id);
    assert.equal(r.output.length, 1);
    assert.equal(r.output[0].type, 'message');
    assert.equal(r.output[0].role, 'assistant');
    assert.equal(r.output[0].content[0].type, 'output_text');
    assert.match(r.output_text, /\w+/); // the SDK's own convenience, from output[]
    assert.ok(r.usage.input_tokens > 0 && r.usage.output_tokens > 0);
    assert.equal(r.usage.total_tokens, r.usage.input_tokens + r.usage.output_tokens);
    assert.equal(typeof r.usage.input_tokens_details.cached_tokens, 'number');
    assert.equal(typeof r.usage.output_tokens_details.reasoning_tokens, 'number');
    assert.ok(r.usage.cost > 0, 'priced');
    // The provider got a chat request: instructions as the system message, max_tokens mapped, no
    // metadata and none of our echo.
    const up = served('openai').at(-1);
    assert.equal(up.body.messages[0].role, 'system');
    assert.equal(up.body.messages[0].content, 'Be terse.');
    assert.equal(up.body.messages[1].content, 'Say hello');
    assert.equal(up.body.max_completion_tokens ?? up.body.max_tokens, 300);
    assert.equal(up.body.metadata, undefined);
    assert.equal(up.body.responses_echo, undefined);
    // Usage and cost as /generation records them.
    const g = await w.generation(r.id);
    assert.equal(g.status, 200);
    assert.equal(g.body.data.total_cost, r.usage.cost);
    assert.equal(g.body.data.tokens_prompt, r.usage.input_tokens);
    assert.equal(g.body.data.tokens_completion, r.usage.output_tokens);
  });

  test('streamed: the event sequence, same text, usage and cost as buffered, no [DONE]', async () => {
    const body = { model: MODEL, input: 'Tell me something deterministic', provider: ONLY_OPENAI };
    const buffered = await client.responses.create(body);
    const stream = await client.responses.create({ ...body, stream: true });
    const types = [];
    let text = '';
    let completed = null;
    let seq = -1;
    for await (const event of stream) {
      types.push(event.type);
      assert.equal(event.sequence_number, seq + 1, 'sequence numbers count up');
      seq = event.sequence_number;
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    assert.deepEqual(types.slice(0, 4), ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    assert.deepEqual(types.slice(-4), ['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    assert.equal(text, buffered.output_text);
    assert.ok(completed);
    assertResponseShape(completed);
    assert.equal(completed.output[0].content[0].text, text);
    assert.deepEqual(completed.usage, buffered.usage);
    // The raw bytes: named events, no [DONE].
    const res = await rawResponses({ ...body, stream: true });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /text\/event-stream/);
    const raw = await res.text();
    assert.ok(!raw.includes('[DONE]'));
    const events = parseSse(raw).filter((e) => e.data);
    for (const e of events) assert.equal(e.event, e.data.type);
    assert.equal(events.at(-1).event, 'response.completed');
  });

  test('.stream() helper: finalResponse equals the buffered one; Anthropic and Gemini upstreams too', async () => {
    for (const [model, slug] of [[MODEL, 'openai'], ['anthropic/claude-haiku-4.5', 'anthropic'], ['google/gemini-2.5-flash', 'google']]) {
      const body = { model, input: 'Same words twice', provider: { only: [slug] } };
      const buffered = await client.responses.create(body);
      const deltas = [];
      const final = await client.responses.stream(body).on('response.output_text.delta', (e) => deltas.push(e.delta)).finalResponse();
      assert.equal(final.status, 'completed', model);
      // (the helper's final response has no output_text convenience: read the message item)
      const finalText = final.output.filter((o) => o.type === 'message').flatMap((o) => o.content).map((c) => c.text).join('');
      assert.equal(finalText, buffered.output_text, model);
      assert.equal(deltas.join(''), buffered.output_text, model);
      assert.deepEqual(final.usage, buffered.usage, model);
      assert.equal(served(slug).at(-1).wire, slug === 'google' ? 'gemini' : slug);
    }
  });

  test('function call round trip: call_id → function_call_output, buffered and streamed', async () => {
    const tools = [{
      type: 'function', name: 'get_weather', description: 'Weather by city', strict: true,
      parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'], additionalProperties: false },
    }];
    const input = [{ role: 'user', content: 'Weather in Paris?' }];
    const r = await client.responses.create({ model: MODEL, input, tools, provider: ONLY_OPENAI });
    assert.equal(r.status, 'completed');
    const call = r.output.find((o) => o.type === 'function_call');
    assert.ok(call, 'a function_call item');
    assert.equal(call.name, 'get_weather');
    assert.match(call.call_id, /\S/);
    assert.deepEqual(JSON.parse(call.arguments), { city: 'sandbox', days: 1 });
    assert.deepEqual(r.tools, tools); // echoed as sent
    // Streamed: the arguments arrive as deltas and the done event has them whole.
    let args = '';
    let done = null;
    const stream = await client.responses.create({ model: MODEL, input, tools, provider: ONLY_OPENAI, stream: true });
    for await (const e of stream) {
      if (e.type === 'response.function_call_arguments.delta') args += e.delta;
      if (e.type === 'response.output_item.done' && e.item.type === 'function_call') done = e.item;
    }
    assert.deepEqual(JSON.parse(args), { city: 'sandbox', days: 1 });
    assert.equal(done.arguments, args);
    // Second turn: the call and its output go back; the provider sees tool_calls + a tool message.
    const next = await client.responses.create({
      model: MODEL, tools, provider: ONLY_OPENAI,
      input: [...input, call, { type: 'function_call_output', call_id: call.call_id, output: '{"temp_c":18}' }],
    });
    assert.equal(next.status, 'completed');
    assert.match(next.output_text, /\w+/);
    const up = served('openai').at(-1).body;
    const assistant = up.messages.find((m) => m.role === 'assistant');
    assert.equal(assistant.tool_calls[0].id, call.call_id);
    assert.equal(assistant.tool_calls[0].function.name, 'get_weather');
    const tool = up.messages.find((m) => m.role === 'tool');
    assert.equal(tool.tool_call_id, call.call_id);
    assert.equal(tool.content, '{"temp_c":18}');
  });

  test('text.format json_schema: response_format upstream, JSON text back, echoed', async () => {
    const format = {
      type: 'json_schema', name: 'person', strict: true,
      schema: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'], additionalProperties: false },
    };
    const r = await client.responses.create({ model: MODEL, input: 'A person', text: { format }, provider: ONLY_OPENAI });
    const parsed = JSON.parse(r.output_text);
    assert.equal(typeof parsed.name, 'string');
    assert.equal(typeof parsed.age, 'number');
    assert.deepEqual(r.text.format, format);
    const up = served('openai').at(-1).body;
    assert.equal(up.response_format.type, 'json_schema');
    assert.deepEqual(up.response_format.json_schema.schema, format.schema);
    assert.equal(up.response_format.json_schema.name, 'person');
  });

  test('errors in the OpenAI shape: stateless refusals (400), unknown model (404), bad key (401)', async () => {
    await assert.rejects(client.responses.create({ model: MODEL, input: 'x', store: true }),
      (e) => e instanceof OpenAI.BadRequestError && /store/.test(e.message) && /stateless/.test(e.message));
    await assert.rejects(client.responses.create({ model: MODEL, input: 'x', previous_response_id: 'resp_1' }),
      (e) => e instanceof OpenAI.BadRequestError && /previous_response_id/.test(e.message));
    await assert.rejects(client.responses.create({ model: MODEL, input: 'x', tools: [{ type: 'web_search_preview' }] }),
      (e) => e instanceof OpenAI.BadRequestError && /web_search_preview/.test(e.message));
    await assert.rejects(client.responses.create({ model: MODEL, input: [{ role: 'user', content: [{ type: 'input_audio' }] }] }),
      (e) => e instanceof OpenAI.BadRequestError && /input\[0\]\.content\[0\]\.type/.test(e.message));
    await assert.rejects(client.responses.create({ model: 'nobody/nothing', input: 'x' }),
      (e) => e instanceof OpenAI.NotFoundError);
    await assert.rejects(w.openai('sk-sy-v1-demo-ffffffffffffffffffffffff').responses.create({ model: MODEL, input: 'x' }),
      (e) => e instanceof OpenAI.AuthenticationError);
    const raw = await rawResponses({ model: MODEL, input: 'x', store: true });
    assert.equal(raw.status, 400);
    const body = await raw.json();
    assert.equal(body.error.code, 400);
    assert.match(body.error.message, /store/);
    // GET is not a route.
    const get = await w.fetch('/responses', { headers: { authorization: `Bearer ${w.demoKey}` } });
    assert.equal(get.status, 405);
  });

  test('models fallback across wire formats: Anthropic fails, Gemini serves; cost equals /generation', async () => {
    const body = {
      models: ['anthropic/claude-haiku-4.5', 'google/gemini-2.5-flash'],
      input: 'Hello there [[sandbox:anthropic:fault=status:503]]',
      provider: { only: ['anthropic', 'google'] },
    };
    const r = await client.responses.create(body);
    assert.equal(r.status, 'completed');
    assert.equal(r.model, 'google/gemini-2.5-flash');
    assert.match(r.output_text, /\w+/);
    const g = await w.generation(r.id);
    assert.equal(g.status, 200);
    assert.deepEqual(g.body.data.provider_responses.map((p) => p.status), [502, 200]);
    assert.equal(g.body.data.total_cost, r.usage.cost);
    assert.ok(r.usage.cost > 0);
    // Streamed: the failed attempt sent nothing, so the events are the Gemini answer's alone.
    const stream = await client.responses.create({ ...body, stream: true });
    let completed = null;
    let created = 0;
    let text = '';
    for await (const e of stream) {
      if (e.type === 'response.created') created++;
      if (e.type === 'response.output_text.delta') text += e.delta;
      if (e.type === 'response.completed') completed = e.response;
    }
    assert.equal(created, 1);
    assert.equal(completed.model, 'google/gemini-2.5-flash');
    assert.equal(text, r.output_text);
    const gs = await w.generation(completed.id);
    assert.equal(gs.body.data.streamed, true);
    assert.equal(gs.body.data.total_cost, completed.usage.cost);
    assert.deepEqual(completed.usage, r.usage);
  });
});
