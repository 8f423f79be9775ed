// The sandbox fleet's OpenAI Responses API route (POST /<slug>/v1/responses), driven by the
// official openai SDK's `responses` client: buffered and streamed answers, reasoning, tool calls,
// the API's refusals of chat-only parameters, and the fault directives.
// Run: node --test tests/js/sandbox-responses.test.mjs
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFleet } from '../sandbox/fleet.mjs';

let fleet;
before(async () => { fleet = await startFleet({ port: 0 }); });
after(async () => { await fleet?.close(); });
beforeEach(() => fleet.reset());

const oa = (slug = 'rs') =>
  new OpenAI({ apiKey: 'sk-test', baseURL: `${fleet.url}/${slug}/v1`, maxRetries: 0, timeout: 5000, logLevel: 'off' });
const input = (text) => [{ type: 'message', role: 'user', content: text }];

async function events(stream) {
  const out = [];
  for await (const e of stream) out.push(e);
  return out;
}

describe('OpenAI Responses wire', () => {
  test('buffered: a response object with text, usage, and the request recorded', async () => {
    const r = await oa().responses.create({ model: 'o3-pro', input: input('hello'), instructions: 'Be brief.', store: false });
    assert.equal(r.object, 'response');
    assert.equal(r.status, 'completed');
    assert.match(r.output_text, /^\w+( \w+){11}$/, '12 words');
    assert.equal(r.usage.output_tokens, 12);
    assert.equal(r.usage.input_tokens, Math.ceil(('hello'.length + 'Be brief.'.length) / 4) + 8);
    const rec = fleet.requests('rs').at(-1);
    assert.equal(rec.wire, 'openai-responses');
    assert.equal(rec.path, '/rs/v1/responses');
    assert.equal(rec.auth.via, 'authorization');
  });

  test('streamed: typed events whose deltas make the buffered text; usage on response.completed', async () => {
    const buffered = await oa().responses.create({ model: 'o3-pro', input: input('same') });
    const evs = await events(await oa().responses.create({ model: 'o3-pro', input: input('same'), stream: true }));
    assert.equal(evs[0].type, 'response.created');
    assert.equal(evs.at(-1).type, 'response.completed');
    const text = evs.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
    assert.equal(text, buffered.output_text);
    assert.deepEqual(evs.at(-1).response.usage, buffered.usage);
    assert.deepEqual(evs.map((e) => e.sequence_number), evs.map((_, i) => i));
  });

  test('reasoning summary and encrypted content when asked; max_output_tokens truncates', async () => {
    const r = await oa().responses.create({
      model: 'o3-pro', input: input('think'), reasoning: { effort: 'high', summary: 'auto' }, include: ['reasoning.encrypted_content'],
    });
    const reasoning = r.output.find((o) => o.type === 'reasoning');
    assert.match(reasoning.summary[0].text, /\w+/);
    assert.equal(typeof reasoning.encrypted_content, 'string');
    assert.equal(r.usage.output_tokens_details.reasoning_tokens, 8);
    const short = await oa().responses.create({ model: 'o3-pro', input: input('long'), max_output_tokens: 16, reasoning: { effort: 'none' } });
    assert.equal(short.status, 'completed'); // 12 words fit
    const cut = await oa().responses.create({ model: 'o3-pro', input: input('long [[sandbox:tokens=40]]'), max_output_tokens: 16 });
    assert.equal(cut.status, 'incomplete');
    assert.deepEqual(cut.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(cut.usage.output_tokens, 16);
  });

  test('tool calls: a function_call item, streamed as argument deltas', async () => {
    const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: false }];
    const r = await oa().responses.create({ model: 'o3-pro', input: input('weather?'), tools });
    const call = r.output.find((o) => o.type === 'function_call');
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.arguments), { city: 'sandbox' });
    const evs = await events(await oa().responses.create({ model: 'o3-pro', input: input('weather?'), tools, stream: true }));
    const args = evs.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => e.delta);
    assert.equal(args.length, 3);
    assert.equal(args.join(''), call.arguments);
    // After the tool's output the answer is text.
    const next = await oa().responses.create({
      model: 'o3-pro', tools,
      input: [...input('weather?'), { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: '18C' }],
    });
    assert.match(next.output_text, /\w+/);
  });

  test('chat-only parameters and a too small max_output_tokens are refused, as upstream', async () => {
    for (const extra of [{ messages: [] }, { max_tokens: 5 }, { stop: ['x'] }, { response_format: { type: 'json_object' } }, { max_output_tokens: 4 }]) {
      await assert.rejects(oa().responses.create({ model: 'o3-pro', input: input('x'), ...extra }),
        (e) => e instanceof OpenAI.BadRequestError && e.error?.type === 'invalid_request_error', JSON.stringify(extra));
    }
    await assert.rejects(oa().responses.create({ model: 'o3-pro' }), OpenAI.BadRequestError);
  });

  test('faults: status, error inside 200 (a failed response / an error event), cut stream', async () => {
    await assert.rejects(oa().responses.create({ model: 'o3-pro', input: input('x [[sandbox:fault=status:429,retry_after:2]]') }),
      (e) => e instanceof OpenAI.RateLimitError && e.headers.get('retry-after') === '2');
    const failed = await oa().responses.create({ model: 'o3-pro', input: input('x [[sandbox:fault=error200]]') });
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error.code, 'server_error');
    const res = await fetch(`${fleet.url}/rs/v1/responses`, {
      method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'o3-pro', input: input('x [[sandbox:fault=error200,after:3]]'), stream: true }),
    });
    const body = await res.text();
    assert.match(body, /event: error\ndata: \{"type":"error","code":"server_error"/);
    assert.doesNotMatch(body, /response\.completed/);
    const cut = await fetch(`${fleet.url}/rs/v1/responses`, {
      method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'o3-pro', input: input('x [[sandbox:fault=cut:4]]'), stream: true }),
    });
    const cutText = await cut.text().catch(() => '');
    assert.doesNotMatch(cutText, /response\.completed/);
    const missingKey = await fetch(`${fleet.url}/rs/v1/responses`, { method: 'POST', body: '{}' });
    assert.equal(missingKey.status, 401);
    assert.equal((await missingKey.json()).error.type, 'invalid_request_error');
  });
});
