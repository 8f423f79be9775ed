// Tests of the sandbox provider fleet (tests/sandbox/fleet.mjs), driven by the official SDKs.
// Run: node --test tests/js/sandbox.test.mjs
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI, ApiError } from '@google/genai';
import { startFleet, parseFaultSpec, parseDirectives, sampleFromSchema } from '../sandbox/fleet.mjs';

let fleet;
before(async () => { fleet = await startFleet({ port: 0 }); });
after(async () => { await fleet?.close(); });
beforeEach(() => fleet.reset());

const oa = (slug = 'oa', opts = {}) =>
  new OpenAI({ apiKey: 'sk-test', baseURL: `${fleet.url}/${slug}/v1`, maxRetries: 0, timeout: 5000, logLevel: 'off', ...opts });
const an = (slug = 'an', opts = {}) =>
  new Anthropic({ apiKey: 'sk-ant-test', baseURL: `${fleet.url}/${slug}`, maxRetries: 0, timeout: 5000, logLevel: 'off', ...opts });
const gg = (slug = 'gg', opts = {}) =>
  new GoogleGenAI({ apiKey: opts.apiKey ?? 'g-test', httpOptions: { baseUrl: `${fleet.url}/${slug}`, timeout: opts.timeout ?? 5000 } });
const user = (content) => [{ role: 'user', content }];

const WEATHER_SCHEMA = {
  type: 'object',
  properties: {
    city: { type: 'string' }, days: { type: 'integer' }, metric: { type: 'boolean' },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, note: { type: 'string' },
  },
  required: ['city', 'days', 'metric', 'unit'],
};
const WEATHER_ARGS = { city: 'sandbox', days: 1, metric: true, unit: 'celsius' };

async function collect(stream) {
  const out = [];
  for await (const c of stream) out.push(c);
  return out;
}

/** Raw SSE events of a response body: [{event, data}] (data parsed when JSON). */
async function rawEvents(res) {
  const text = await res.text();
  return text.split(/\r?\n\r?\n/).filter((b) => b.trim()).map((block) => {
    const ev = {};
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event: ')) ev.event = line.slice(7);
      else if (line.startsWith('data: ')) ev.raw = line.slice(6);
    }
    try { ev.data = JSON.parse(ev.raw); } catch { ev.data = undefined; }
    return ev;
  });
}

const post = (path, body, headers = {}) =>
  fetch(fleet.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

// ---------------------------------------------------------------------------------------------

describe('grammar helpers', () => {
  test('fault specs parse into fault objects', () => {
    assert.deepEqual(parseFaultSpec('status:429,retry_after:2'), { status: 429, retry_after: '2' });
    assert.deepEqual(parseFaultSpec('cut:3'), { cut_after_chunks: 3 });
    assert.deepEqual(parseFaultSpec('error200:429,after:2'), { error_in_200: 429, after_chunks: 2 });
    assert.deepEqual(parseFaultSpec('drip:50'), { drip_tps: 50 });
    assert.equal(parseFaultSpec('none'), null);
    assert.equal(parseFaultSpec('bogus'), undefined);
  });
  test('directives: generic, scoped, several per message', () => {
    const text = 'hi [[sandbox:fault=status:503]] and [[sandbox:b:fault=none]] [[sandbox:ttft=20;tokens=5]]';
    assert.deepEqual(parseDirectives(text, 'a'), { fault: { status: 503 }, ttft_ms: 20, reply_tokens: 5 });
    assert.deepEqual(parseDirectives(text, 'b'), { fault: null, ttft_ms: 20, reply_tokens: 5 });
    assert.equal(parseDirectives('nothing here', 'a'), null);
  });
  test('schema sampling fills required properties only', () => {
    assert.deepEqual(sampleFromSchema(WEATHER_SCHEMA), WEATHER_ARGS);
    assert.deepEqual(sampleFromSchema({ type: 'OBJECT', properties: { xs: { type: 'ARRAY', items: { type: 'NUMBER' } } }, required: ['xs'] }), { xs: [1] });
  });
});

describe('OpenAI wire', () => {
  test('buffered text: deterministic content and usage', async () => {
    const client = oa();
    const messages = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello there' }];
    const a = await client.chat.completions.create({ model: 'gpt-x', messages });
    const b = await client.chat.completions.create({ model: 'gpt-x', messages });
    assert.equal(a.object, 'chat.completion');
    assert.equal(a.model, 'gpt-x');
    assert.equal(a.choices[0].finish_reason, 'stop');
    assert.equal(a.choices[0].message.role, 'assistant');
    assert.equal(a.choices[0].message.content.split(' ').length, 12);
    assert.equal(a.choices[0].message.content, b.choices[0].message.content, 'same input → same reply');
    assert.notEqual(a.id, b.id);
    assert.match(a.id, /^chatcmpl-sbx\d+$/);
    // ceil((9 + 11) / 4) + 2 * 4 = 13
    assert.deepEqual(a.usage, {
      prompt_tokens: 13, completion_tokens: 12, total_tokens: 25,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });
    const other = await oa('oa2').chat.completions.create({ model: 'gpt-x', messages });
    assert.notEqual(other.choices[0].message.content, a.choices[0].message.content, 'reply depends on the provider');
  });

  test('streamed text equals buffered; usage chunk only with include_usage', async () => {
    const client = oa();
    const buffered = await client.chat.completions.create({ model: 'm', messages: user('stream me') });
    const chunks = await collect(await client.chat.completions.create({
      model: 'm', messages: user('stream me'), stream: true, stream_options: { include_usage: true },
    }));
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk'));
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    assert.equal(text, buffered.choices[0].message.content);
    const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
    assert.equal(finish.length, 1);
    assert.equal(finish[0].choices[0].finish_reason, 'stop');
    const last = chunks.at(-1);
    assert.deepEqual(last.choices, []);
    assert.deepEqual(last.usage, buffered.usage);
    assert.ok(chunks.slice(0, -1).every((c) => c.usage === null));

    const noUsage = await collect(await client.chat.completions.create({ model: 'm', messages: user('stream me'), stream: true }));
    assert.ok(noUsage.every((c) => c.choices.length === 1 && !('usage' in c)));

    const raw = await rawEvents(await post('/oa/v1/chat/completions', { model: 'm', stream: true, messages: user('x') }, { authorization: 'Bearer k' }));
    assert.equal(raw.at(-1).raw, '[DONE]');
  });

  test('max_tokens truncates with finish_reason length; stop sequences cut the text', async () => {
    const client = oa();
    const r = await client.chat.completions.create({ model: 'm', messages: user('long'), max_tokens: 3 });
    assert.equal(r.choices[0].finish_reason, 'length');
    assert.equal(r.choices[0].message.content.split(' ').length, 3);
    assert.equal(r.usage.completion_tokens, 3);
    const full = await client.chat.completions.create({ model: 'm', messages: user('long') });
    const third = full.choices[0].message.content.split(' ')[2];
    const s = await client.chat.completions.create({ model: 'm', messages: user('long'), stop: [' ' + third] });
    assert.equal(s.choices[0].finish_reason, 'stop');
    assert.ok(full.choices[0].message.content.startsWith(s.choices[0].message.content));
    assert.ok(!s.choices[0].message.content.includes(third) || full.choices[0].message.content.split(' ').slice(0, 2).includes(third));
  });

  test('tool call: schema-built arguments, streamed in fragments, text after the tool result', async () => {
    const client = oa();
    const tools = [
      { type: 'function', function: { name: 'get_weather', parameters: WEATHER_SCHEMA } },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] } } },
    ];
    const r = await client.chat.completions.create({ model: 'm', messages: user('weather?'), tools });
    const call = r.choices[0].message.tool_calls[0];
    assert.equal(r.choices[0].finish_reason, 'tool_calls');
    assert.equal(r.choices[0].message.content, null);
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), WEATHER_ARGS);

    const forced = await client.chat.completions.create({ model: 'm', messages: user('time?'), tools, tool_choice: { type: 'function', function: { name: 'get_time' } } });
    assert.deepEqual(JSON.parse(forced.choices[0].message.tool_calls[0].function.arguments), { tz: 'sandbox' });
    const none = await client.chat.completions.create({ model: 'm', messages: user('weather?'), tools, tool_choice: 'none' });
    assert.equal(none.choices[0].message.tool_calls, undefined);

    const chunks = await collect(await client.chat.completions.create({ model: 'm', messages: user('weather?'), tools, stream: true }));
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    assert.match(deltas[0].id, /^call_sbx\d+_0$/);
    assert.equal(deltas[0].type, 'function');
    assert.equal(deltas[0].function.name, 'get_weather');
    const argFragments = deltas.map((d) => d.function?.arguments ?? '').filter(Boolean);
    assert.ok(argFragments.length >= 2, 'arguments arrive in 2+ fragments');
    assert.deepEqual(JSON.parse(argFragments.join('')), WEATHER_ARGS);
    assert.ok(deltas.every((d) => d.index === 0));
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'tool_calls');

    const after = await client.chat.completions.create({
      model: 'm', tools,
      messages: [...user('weather?'), r.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'sunny' }],
    });
    assert.equal(after.choices[0].finish_reason, 'stop');
    assert.equal(typeof after.choices[0].message.content, 'string');
  });

  test('reasoning: message.reasoning, delta.reasoning and reasoning_tokens', async () => {
    const client = oa();
    const r = await client.chat.completions.create({ model: 'm', messages: user('think'), reasoning_effort: 'high' });
    assert.equal(r.choices[0].message.reasoning.split(' ').length, 8);
    assert.equal(r.usage.completion_tokens_details.reasoning_tokens, 8);
    assert.equal(r.usage.completion_tokens, 20);
    const chunks = await collect(await client.chat.completions.create({
      model: 'm', messages: user('think'), reasoning: { effort: 'high' }, stream: true, stream_options: { include_usage: true },
    }));
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.reasoning ?? '').join(''), r.choices[0].message.reasoning);
    assert.equal(chunks.at(-1).usage.completion_tokens_details.reasoning_tokens, 8);
    const hidden = await client.chat.completions.create({ model: 'm', messages: user('think'), reasoning: { exclude: true } });
    assert.equal(hidden.choices[0].message.reasoning, undefined);
    assert.equal(hidden.usage.completion_tokens_details.reasoning_tokens, 8);
  });

  test('cached tokens are part of prompt_tokens', async () => {
    fleet.configure('oa', { cached_tokens: 4 });
    const r = await oa().chat.completions.create({ model: 'm', messages: user('a'.repeat(40)) });
    assert.equal(r.usage.prompt_tokens, 14);
    assert.equal(r.usage.prompt_tokens_details.cached_tokens, 4);
  });

  test('models list and auth errors', async () => {
    const models = [];
    for await (const m of oa().models.list()) models.push(m.id);
    assert.deepEqual(models, ['sandbox-fast', 'sandbox-smart']);
    await assert.rejects(oa('oa', { apiKey: 'bad-key' }).chat.completions.create({ model: 'm', messages: user('x') }),
      (e) => e instanceof OpenAI.AuthenticationError && e.status === 401 && e.code === 'invalid_api_key');
    const res = await post('/oa/v1/chat/completions', { model: 'm', messages: user('x') });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.type, 'invalid_request_error');
    const bad = await post('/oa/v1/chat/completions', { messages: user('x') }, { authorization: 'Bearer k' });
    assert.equal(bad.status, 400);
  });
});

describe('Anthropic wire', () => {
  test('buffered and streamed text agree; raw event order is native', async () => {
    const client = an();
    const req = { model: 'claude-x', max_tokens: 100, system: 'Be brief.', messages: user('Hello there') };
    const m = await client.messages.create(req);
    assert.equal(m.type, 'message');
    assert.match(m.id, /^msg_sbx\d+$/);
    assert.equal(m.stop_reason, 'end_turn');
    assert.equal(m.content[0].type, 'text');
    assert.equal(m.content[0].text.split(' ').length, 12);
    assert.equal(m.usage.input_tokens, 13);
    assert.equal(m.usage.output_tokens, 12);
    const final = await client.messages.stream(req).finalMessage();
    assert.deepEqual(final.content, m.content);
    assert.equal(final.usage.output_tokens, 12);
    assert.equal(final.usage.input_tokens, 13);

    const raw = await rawEvents(await post('/an/v1/messages', { ...req, stream: true }, { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }));
    const names = raw.map((e) => e.event);
    assert.deepEqual(names.slice(0, 3), ['message_start', 'content_block_start', 'ping']);
    assert.deepEqual(names.slice(-4), ['content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    assert.ok(raw.every((e) => e.data.type === e.event), 'event: line matches data.type');
    assert.equal(raw.at(-2).data.delta.stop_reason, 'end_turn');
  });

  test('thinking + tool_use streamed; signatures are provider-bound', async () => {
    const client = an();
    const tools = [{ name: 'get_weather', input_schema: WEATHER_SCHEMA }];
    const req = { model: 'claude-x', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 1024 }, tools, messages: user('weather?') };
    const stream = client.messages.stream(req);
    const events = [];
    stream.on('streamEvent', (e) => events.push(e));
    const final = await stream.finalMessage();
    assert.deepEqual(final.content.map((b) => b.type), ['thinking', 'tool_use']);
    assert.equal(final.content[0].thinking.split(' ').length, 8);
    assert.ok(final.content[0].signature.length > 0);
    assert.deepEqual(final.content[1].input, WEATHER_ARGS);
    assert.equal(final.stop_reason, 'tool_use');
    const jsonDeltas = events.filter((e) => e.type === 'content_block_delta' && e.delta.type === 'input_json_delta' && e.delta.partial_json);
    assert.ok(jsonDeltas.length >= 2);
    assert.ok(events.some((e) => e.type === 'content_block_delta' && e.delta.type === 'signature_delta'));
    const buffered = await client.messages.create(req);
    assert.match(buffered.content[1].id, /^toolu_sbx\d+_0$/);
    assert.notEqual(buffered.content[1].id, final.content[1].id);
    assert.deepEqual(buffered.content.map(({ id, ...rest }) => rest), final.content.map(({ id, ...rest }) => rest));
    assert.equal(buffered.usage.output_tokens, 8 + Math.ceil(('get_weather'.length + JSON.stringify(WEATHER_ARGS).length) / 4));

    const toolUse = final.content[1];
    const next = (assistant, slug = 'an') => an(slug).messages.create({
      ...req,
      messages: [...user('weather?'), { role: 'assistant', content: assistant },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'sunny' }] }],
    });
    const answer = await next(final.content);
    assert.deepEqual(answer.content.map((b) => b.type), ['thinking', 'text']);
    assert.equal(answer.stop_reason, 'end_turn');
    await assert.rejects(next(final.content, 'an-other'), (e) => e instanceof Anthropic.BadRequestError && /signature/.test(e.message));
    const tampered = [{ ...final.content[0], thinking: 'edited' }, toolUse];
    await assert.rejects(next(tampered), (e) => e.status === 400);
    await assert.rejects(client.messages.create({ ...req, max_tokens: 1000 }), (e) => e.status === 400);
  });

  test('cache accounting: creation for cache_control blocks, reads excluded from input_tokens', async () => {
    const sys = [{ type: 'text', text: 'x'.repeat(400), cache_control: { type: 'ephemeral' } }];
    const m = await an().messages.create({ model: 'c', max_tokens: 50, system: sys, messages: user('hi') });
    // prompt = ceil(402/4) + 8 = 109; creation = 100
    assert.equal(m.usage.cache_creation_input_tokens, 100);
    assert.equal(m.usage.cache_read_input_tokens, 0);
    assert.equal(m.usage.input_tokens, 9);
    fleet.configure('an', { cached_tokens: 100 });
    const cached = await an().messages.stream({ model: 'c', max_tokens: 50, system: sys, messages: user('hi') }).finalMessage();
    assert.equal(cached.usage.cache_read_input_tokens, 100);
    assert.equal(cached.usage.cache_creation_input_tokens, 0);
    assert.equal(cached.usage.input_tokens, 9);
  });

  test('max_tokens and stop_sequence stop reasons', async () => {
    const client = an();
    const m = await client.messages.create({ model: 'c', max_tokens: 2, messages: user('q') });
    assert.equal(m.stop_reason, 'max_tokens');
    assert.equal(m.usage.output_tokens, 2);
    const full = await client.messages.create({ model: 'c', max_tokens: 100, messages: user('q') });
    const word = full.content[0].text.split(' ')[5];
    const s = await client.messages.create({ model: 'c', max_tokens: 100, messages: user('q'), stop_sequences: [word] });
    assert.equal(s.stop_reason, 'stop_sequence');
    assert.equal(s.stop_sequence, word);
    assert.ok(full.content[0].text.startsWith(s.content[0].text));
  });

  test('header errors: missing anthropic-version → 400, missing or bad key → 401', async () => {
    let res = await post('/an/v1/messages', { model: 'c', max_tokens: 5, messages: user('x') }, { 'x-api-key': 'k' });
    assert.equal(res.status, 400);
    assert.deepEqual((await res.json()).error.type, 'invalid_request_error');
    res = await post('/an/v1/messages', { model: 'c', max_tokens: 5, messages: user('x') }, { 'anthropic-version': '2023-06-01' });
    assert.equal(res.status, 401);
    const body = await res.json();
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'authentication_error');
    await assert.rejects(an('an', { apiKey: 'bad-key' }).messages.create({ model: 'c', max_tokens: 5, messages: user('x') }),
      (e) => e instanceof Anthropic.AuthenticationError && e.status === 401);
    await assert.rejects(an().messages.create({ model: 'c', messages: user('x') }), (e) => e.status === 400 && /max_tokens/.test(e.message));
  });
});

describe('Gemini wire', () => {
  test('buffered and streamed text agree; usage on the last chunk', async () => {
    const ai = gg();
    const r = await ai.models.generateContent({ model: 'gemini-x', contents: 'Hello there', config: { systemInstruction: 'Be brief.' } });
    assert.equal(r.text.split(' ').length, 12);
    assert.equal(r.candidates[0].finishReason, 'STOP');
    assert.equal(r.usageMetadata.promptTokenCount, 13);
    assert.equal(r.usageMetadata.candidatesTokenCount, 12);
    assert.equal(r.usageMetadata.totalTokenCount, 25);
    assert.equal(r.modelVersion, 'gemini-x');
    const chunks = await collect(await ai.models.generateContentStream({ model: 'gemini-x', contents: 'Hello there', config: { systemInstruction: 'Be brief.' } }));
    assert.ok(chunks.length > 2);
    assert.equal(chunks.map((c) => c.text ?? '').join(''), r.text);
    assert.equal(chunks.at(-1).candidates[0].finishReason, 'STOP');
    assert.ok(chunks.slice(0, -1).every((c) => !c.candidates[0].finishReason));
    assert.deepEqual(chunks.at(-1).usageMetadata, r.usageMetadata);
    assert.equal(chunks.at(-1).responseId, chunks[0].responseId);
  });

  test('raw SSE uses CRLF framing; ?key= authenticates', async () => {
    const res = await post('/gg/v1beta/models/g:streamGenerateContent?alt=sse&key=abc', { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /text\/event-stream/);
    const text = await res.text();
    assert.ok(text.startsWith('data: {'));
    assert.ok(text.endsWith('}\r\n\r\n'));
    assert.equal(text.split('\r\n\r\n').filter(Boolean).length, 12);
    const rec = fleet.requests('gg').at(-1);
    assert.equal(rec.auth.via, 'query');
    assert.ok(!rec.path.includes('abc'));
    // Without alt=sse the stream is a JSON array of the same responses.
    const arr = await (await post('/gg/v1beta/models/g:streamGenerateContent', { contents: [{ parts: [{ text: 'hi' }] }] }, { 'x-goog-api-key': 'k' })).json();
    assert.equal(arr.length, 12);
    assert.equal(arr.at(-1).candidates[0].finishReason, 'STOP');
  });

  test('thinking, max tokens and function calls', async () => {
    const ai = gg();
    const r = await ai.models.generateContent({ model: 'g', contents: 'think', config: { maxOutputTokens: 4, thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 } } });
    const parts = r.candidates[0].content.parts;
    assert.equal(parts[0].thought, true);
    assert.equal(parts[0].text.split(' ').length, 8);
    assert.ok(parts[1].thoughtSignature);
    assert.equal(r.candidates[0].finishReason, 'MAX_TOKENS');
    assert.equal(r.usageMetadata.thoughtsTokenCount, 8);
    assert.equal(r.usageMetadata.candidatesTokenCount, 4);
    const silent = await ai.models.generateContent({ model: 'g', contents: 'think', config: { thinkingConfig: { thinkingBudget: 512 } } });
    assert.ok(silent.candidates[0].content.parts.every((p) => !p.thought));
    assert.equal(silent.usageMetadata.thoughtsTokenCount, 8);

    const tools = [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: WEATHER_SCHEMA }] }];
    const fc = await ai.models.generateContent({ model: 'g', contents: 'weather?', config: { tools } });
    assert.equal(fc.functionCalls[0].name, 'get_weather');
    assert.deepEqual(fc.functionCalls[0].args, WEATHER_ARGS);
    const streamed = await collect(await ai.models.generateContentStream({ model: 'g', contents: 'weather?', config: { tools } }));
    assert.deepEqual(streamed.flatMap((c) => c.functionCalls ?? []).map((f) => f.args), [WEATHER_ARGS]);
    const after = await ai.models.generateContent({
      model: 'g', config: { tools },
      contents: [
        { role: 'user', parts: [{ text: 'weather?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: WEATHER_ARGS } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { result: 'sunny' } } }] },
      ],
    });
    assert.equal(after.functionCalls, undefined);
    assert.equal(after.text.split(' ').length, 12);
    // The SDK strips additionalProperties itself, so send it raw: the API rejects the key.
    const res = await post('/gg/v1beta/models/g:generateContent', {
      contents: [{ parts: [{ text: 'x' }] }],
      tools: [{ functionDeclarations: [{ name: 'f', parameters: { type: 'OBJECT', properties: { a: { type: 'OBJECT', additionalProperties: false } } } }] }],
    }, { 'x-goog-api-key': 'k' });
    assert.equal(res.status, 400);
    const err = await res.json();
    assert.equal(err.error.status, 'INVALID_ARGUMENT');
    assert.match(err.error.message, /additionalProperties/);
  });

  test('cached tokens and auth errors', async () => {
    fleet.configure('gg', { cached_tokens: 3 });
    const r = await gg().models.generateContent({ model: 'g', contents: 'hello' });
    assert.equal(r.usageMetadata.cachedContentTokenCount, 3);
    assert.equal(r.usageMetadata.promptTokenCount, 6);
    await assert.rejects(gg('gg', { apiKey: 'bad-key' }).models.generateContent({ model: 'g', contents: 'x' }),
      (e) => e instanceof ApiError && e.status === 401 && /UNAUTHENTICATED/.test(e.message));
    const res = await post('/gg/v1beta/models/g:generateContent', { contents: [{ parts: [{ text: 'x' }] }] });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.code, 401);
  });
});

describe('faults', () => {
  test('status faults: native errors, typed SDK errors, Retry-After', async () => {
    await assert.rejects(oa().chat.completions.create({ model: 'm', messages: user('x [[sandbox:fault=status:429,retry_after:2]]') }),
      (e) => e instanceof OpenAI.RateLimitError && e.status === 429 && e.headers.get('retry-after') === '2' && e.code === 'rate_limit_exceeded');
    await assert.rejects(oa().chat.completions.create({ model: 'm', messages: user('x [[sandbox:fault=status:503]]'), stream: true }),
      (e) => e instanceof OpenAI.InternalServerError && e.status === 503);
    await assert.rejects(an().messages.create({ model: 'c', max_tokens: 5, messages: user('x [[sandbox:fault=status:529]]') }),
      (e) => e instanceof Anthropic.APIError && e.status === 529 && e.error.error.type === 'overloaded_error');
    await assert.rejects(an().messages.create({ model: 'c', max_tokens: 5, messages: user('x [[sandbox:fault=status:429,retry_after:7]]') }),
      (e) => e instanceof Anthropic.RateLimitError && e.headers.get('retry-after') === '7' && e.error.error.type === 'rate_limit_error');
    await assert.rejects(gg().models.generateContent({ model: 'g', contents: 'x [[sandbox:fault=status:429]]' }),
      (e) => e instanceof ApiError && e.status === 429 && /RESOURCE_EXHAUSTED/.test(e.message));
    await assert.rejects(gg().models.generateContentStream({ model: 'g', contents: 'x [[sandbox:fault=status:503]]' }),
      (e) => e instanceof ApiError && e.status === 503 && /UNAVAILABLE/.test(e.message));
  });

  test('hang times the client out; reset is a connection error', async () => {
    const t0 = Date.now();
    await assert.rejects(oa('oa', { timeout: 300 }).chat.completions.create({ model: 'm', messages: user('x [[sandbox:fault=hang]]') }),
      (e) => e instanceof OpenAI.APIConnectionTimeoutError);
    assert.ok(Date.now() - t0 >= 290);
    await assert.rejects(an('an', { timeout: 300 }).messages.create({ model: 'c', max_tokens: 5, messages: user('x [[sandbox:fault=hang]]') }),
      (e) => e instanceof Anthropic.APIConnectionTimeoutError);
    await assert.rejects(gg('gg', { timeout: 300 }).models.generateContent({ model: 'g', contents: 'x [[sandbox:fault=hang]]' }));
    await assert.rejects(oa().chat.completions.create({ model: 'm', messages: user('x [[sandbox:fault=reset]]') }),
      (e) => e instanceof OpenAI.APIConnectionError && !(e instanceof OpenAI.APIConnectionTimeoutError));
    await assert.rejects(an().messages.create({ model: 'c', max_tokens: 5, messages: user('x [[sandbox:fault=reset]]') }),
      (e) => e instanceof Anthropic.APIConnectionError);
    const health = await fetch(fleet.url + '/_control/health');
    assert.equal(health.status, 200);
  });

  test('cut: streams break after N chunks, buffered bodies are truncated', async () => {
    const s = await oa().chat.completions.create({ model: 'm', messages: user('x [[sandbox:fault=cut:3]]'), stream: true });
    const got = [];
    await assert.rejects(async () => { for await (const c of s) got.push(c); });
    assert.equal(got.length, 3);
    await assert.rejects(oa().chat.completions.create({ model: 'm', messages: user('x [[sandbox:fault=cut:1]]') }));
    await assert.rejects(an().messages.stream({ model: 'c', max_tokens: 50, messages: user('x [[sandbox:fault=cut:4]]') }).finalMessage());
    const gs = await gg().models.generateContentStream({ model: 'g', contents: 'x [[sandbox:fault=cut:2]]' });
    const gotG = [];
    await assert.rejects(async () => { for await (const c of gs) gotG.push(c); });
    assert.equal(gotG.length, 2);
  });

  test('malformed JSON', async () => {
    await assert.rejects(oa().chat.completions.create({ model: 'm', messages: user('x [[sandbox:fault=malformed]]') }), SyntaxError);
    const s = await oa().chat.completions.create({ model: 'm', messages: user('x [[sandbox:fault=malformed]]'), stream: true });
    await assert.rejects(collect(s), SyntaxError);
    await assert.rejects(an().messages.stream({ model: 'c', max_tokens: 50, messages: user('x [[sandbox:fault=malformed]]') }).finalMessage());
    await assert.rejects(collect(await gg().models.generateContentStream({ model: 'g', contents: 'x [[sandbox:fault=malformed]]' })), SyntaxError);
  });

  test('error inside a 200', async () => {
    const res = await post('/oa/v1/chat/completions', { model: 'm', messages: user('x [[sandbox:fault=error200]]') }, { authorization: 'Bearer k' });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).error.type, 'server_error');
    const ares = await post('/an/v1/messages', { model: 'c', max_tokens: 5, messages: user('x [[sandbox:fault=error200]]') }, { 'x-api-key': 'k', 'anthropic-version': '1' });
    assert.equal(ares.status, 200);
    assert.equal((await ares.json()).error.type, 'overloaded_error');

    const s = await oa().chat.completions.create({ model: 'm', messages: user('x [[sandbox:fault=error200,after:2]]'), stream: true });
    const got = [];
    await assert.rejects(async () => { for await (const c of s) got.push(c); }, (e) => e instanceof OpenAI.APIError && /overloaded/.test(e.message));
    assert.equal(got.length, 2);
    await assert.rejects(an().messages.stream({ model: 'c', max_tokens: 50, messages: user('x [[sandbox:fault=error200:429,after:3]]') }).finalMessage(),
      (e) => e instanceof Anthropic.APIError && e.error.error.type === 'rate_limit_error');
    const raw = await rawEvents(await post('/an/v1/messages', { model: 'c', max_tokens: 5, stream: true, messages: user('x [[sandbox:fault=error200,after:1]]') }, { 'x-api-key': 'k', 'anthropic-version': '1' }));
    assert.deepEqual(raw.map((e) => e.event), ['message_start', 'error']);
    await assert.rejects(collect(await gg().models.generateContentStream({ model: 'g', contents: 'x [[sandbox:fault=error200]]' })),
      (e) => e instanceof ApiError && e.status === 503);
  });

  test('ttft and drip pacing', async () => {
    const client = oa();
    let t0 = performance.now();
    const s = await client.chat.completions.create({ model: 'm', messages: user('x [[sandbox:ttft=150;tokens=3]]'), stream: true });
    let first = 0;
    for await (const c of s) if (!first && c.choices[0]?.delta?.content) first = performance.now() - t0;
    assert.ok(first >= 140, `first content after ${first} ms`);
    t0 = performance.now();
    const chunks = await collect(await client.chat.completions.create({ model: 'm', messages: user('x [[sandbox:fault=drip:50]] [[sandbox:tokens=6]]'), stream: true }));
    const elapsed = performance.now() - t0;
    assert.equal(chunks.filter((c) => c.choices[0]?.delta?.content).length, 6);
    assert.ok(elapsed >= 95 && elapsed < 1000, `6 tokens at 50/s took ${elapsed} ms`);
    fleet.configure('oa', { ttft_ms: 120 });
    t0 = performance.now();
    await client.chat.completions.create({ model: 'm', messages: user('buffered') });
    assert.ok(performance.now() - t0 >= 110);
    fleet.configure('oa', { ttft_ms: 2000 });
    t0 = performance.now();
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: user('x [[sandbox:fault=status:500]]') }), (e) => e.status === 500);
    assert.ok(performance.now() - t0 < 1000, 'errors are not delayed by the provider TTFT');
    t0 = performance.now();
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: user('x [[sandbox:fault=status:500,ttft:150]]') }), (e) => e.status === 500);
    assert.ok(performance.now() - t0 >= 140, 'a delayed status fault waits');
  });

  test('one-shot fault queue is consumed in order; persistent fault until cleared', async () => {
    fleet.pushFault('oa', [{ status: 500 }, 'status:429']);
    const client = oa();
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: user('1') }), (e) => e.status === 500);
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: user('2') }), (e) => e.status === 429);
    assert.equal((await client.chat.completions.create({ model: 'm', messages: user('3') })).choices[0].finish_reason, 'stop');

    let r = await post('/_control/providers/an/faults', { fault: 'status:503' });
    assert.deepEqual(await r.json(), { provider: 'an', queued: 1 });
    await assert.rejects(an().messages.create({ model: 'c', max_tokens: 5, messages: user('x') }), (e) => e.status === 503);
    r = await post('/_control/providers/an', { fault: { status: 502 }, reply_tokens: 3 });
    assert.equal((await r.json()).config.reply_tokens, 3);
    await assert.rejects(an().messages.create({ model: 'c', max_tokens: 5, messages: user('x') }), (e) => e.status === 502);
    await assert.rejects(an().messages.create({ model: 'c', max_tokens: 5, messages: user('y') }), (e) => e.status === 502);
    await post('/_control/providers/an', { fault: null });
    const ok = await an().messages.create({ model: 'c', max_tokens: 5, messages: user('x') });
    assert.equal(ok.usage.output_tokens, 3);
  });

  test('provider-scoped directives only fire on their provider', async () => {
    const text = 'hello [[sandbox:primary:fault=status:503]]';
    await assert.rejects(oa('primary').chat.completions.create({ model: 'm', messages: user(text) }), (e) => e.status === 503);
    const ok = await oa('fallback').chat.completions.create({ model: 'm', messages: user(text) });
    assert.equal(ok.choices[0].finish_reason, 'stop');
    const override = await oa('fallback').chat.completions.create({ model: 'm', messages: user('[[sandbox:fault=status:500]] [[sandbox:fallback:fault=none]]') });
    assert.equal(override.choices[0].finish_reason, 'stop');
    assert.deepEqual(fleet.requests('primary').map((r) => [r.status, r.fault]), [[503, 'status:503']]);
  });

  test('hostile-upstream faults: echo, html, garbage, huge, stall, gzip', async () => {
    const chat = (fault, stream = false, key = 'sk-the-key-0123') => post('/oa/v1/chat/completions',
      { model: 'm', stream, messages: user(`x [[sandbox:fault=${fault}]]`) }, { authorization: `Bearer ${key}` });
    let r = await chat('echo');
    assert.equal(r.status, 401);
    assert.equal((await r.json()).error.message, 'Incorrect API key provided: Bearer sk-the-key-0123');
    r = await chat('error200,message:revoked {key} here', true);
    assert.match(await r.text(), /^data: \{"error":\{"message":"revoked sk-the-key-0123 here"/);
    r = await chat('html:503,echo');
    assert.equal(r.status, 503);
    assert.match(r.headers.get('content-type'), /text\/html/);
    assert.match(await r.text(), /<h1>503 [^<]*<\/h1>[\s\S]*Bearer sk-the-key-0123/);
    for (const stream of [false, true]) {
      r = await chat('garbage', stream);
      assert.equal(r.status, 200);
      const junk = Buffer.from(await r.arrayBuffer()).toString('latin1');
      assert.throws(() => JSON.parse(junk));
    }
    r = await chat('huge:300000');
    const big = await r.json();
    assert.equal(big.sandbox_padding.length, 300000);
    assert.match(big.choices[0].message.content, /\w+/);
    r = await chat('huge:300000', true);
    const first = (await r.text()).split('\n\n')[0];
    assert.ok(first.length > 300000 && first.startsWith('data: {"sandbox_padding":"'));
    // Stall: the stream pauses after N events, then resumes; buffered: half, pause, rest.
    for (const stream of [false, true]) {
      const t0 = performance.now();
      r = await chat('stall:300,after:2', stream);
      const text = await r.text();
      assert.ok(performance.now() - t0 >= 290, 'paused');
      if (stream) assert.match(text, /data: \[DONE\]/); else assert.equal(JSON.parse(text).object, 'chat.completion');
    }
    // gzip: fetch decodes it; the content is the normal answer.
    r = await chat('gzip');
    assert.equal(r.headers.get('content-encoding'), 'gzip');
    const unzipped = await r.json();
    assert.equal(unzipped.choices[0].finish_reason, 'stop');
    assert.equal(unzipped.choices[0].message.content.split(' ').length, 12);
    r = await chat('gzip', true);
    assert.match(await r.text(), /data: \[DONE\]/);
    assert.deepEqual(parseFaultSpec('stall:0,after:3'), { stall_ms: 0, after_chunks: 3 });
    assert.deepEqual(parseFaultSpec('html'), { html: true });
  });
});

describe('control plane, recording, CORS', () => {
  test('requests are recorded without secret values', async () => {
    await oa('rec').chat.completions.create({ model: 'm', messages: user('record me') });
    await an('rec').messages.create({ model: 'c', max_tokens: 5, messages: user('and me') });
    const recs = fleet.requests('rec');
    assert.equal(recs.length, 2);
    assert.deepEqual(recs.map((r) => r.wire), ['openai', 'anthropic']);
    assert.equal(recs[0].headers.authorization, '<present>');
    assert.ok(!JSON.stringify(recs).includes('sk-test') && !JSON.stringify(recs).includes('sk-ant-test'));
    // The key shows only as its SHA-256: enough to tell which key arrived.
    assert.deepEqual(recs[0].auth, { present: true, via: 'authorization', sha256: createHash('sha256').update('sk-test').digest('hex') });
    // This Anthropic SDK sends its key as a Bearer token; x-api-key is accepted too.
    assert.equal(recs[1].headers[recs[1].auth.via], '<present>');
    assert.ok(recs[1].headers['anthropic-version']);
    assert.equal(recs[0].body.messages[0].content, 'record me');
    assert.equal(recs[0].model, 'm');
    assert.equal(recs[0].path, '/rec/v1/chat/completions');
    assert.ok(recs[0].time > 0 && recs[0].status === 200);
    const viaHttp = await (await fetch(`${fleet.url}/_control/requests?provider=rec`)).json();
    assert.deepEqual(viaHttp.requests, recs);
    assert.equal((await (await fetch(`${fleet.url}/_control/requests`)).json()).requests.length, 2);
    await post('/_control/reset', {});
    assert.equal(fleet.requests().length, 0);
    const health = await (await fetch(`${fleet.url}/_control/health`)).json();
    assert.equal(health.ok, true);
  });

  test('CORS preflight and response headers', async () => {
    const pre = await fetch(`${fleet.url}/an/v1/messages`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173', 'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-api-key,anthropic-version,anthropic-dangerous-direct-browser-access,content-type,x-stainless-os',
      },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.match(pre.headers.get('access-control-allow-headers'), /anthropic-dangerous-direct-browser-access/);
    assert.match(pre.headers.get('access-control-allow-headers'), /x-stainless-os/);
    assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
    const plain = await fetch(`${fleet.url}/oa/v1/models`, { method: 'OPTIONS' });
    assert.match(plain.headers.get('access-control-allow-headers'), /authorization/);
    assert.match(plain.headers.get('access-control-allow-headers'), /x-goog-api-key/);
    const res = await post('/oa/v1/chat/completions', { model: 'm', messages: user('x [[sandbox:fault=status:429,retry_after:1]]') }, { authorization: 'Bearer k' });
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-expose-headers'), /retry-after/);
    assert.equal(fleet.requests().filter((r) => r.method === 'OPTIONS').length, 0);
  });

  test('ids are deterministic per request counter', async () => {
    const a = await oa().chat.completions.create({ model: 'm', messages: user('x') });
    const b = await an().messages.create({ model: 'c', max_tokens: 5, messages: user('x') });
    const c = await gg().models.generateContent({ model: 'g', contents: 'x' });
    assert.deepEqual([a.id, b.id, c.responseId], ['chatcmpl-sbx1', 'msg_sbx2', 'sbx3']);
  });
});
