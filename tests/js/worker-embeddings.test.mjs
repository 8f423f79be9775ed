// POST /api/v1/embeddings through the edge worker under real workerd, driven by the official
// openai SDK (which asks for base64 by default and decodes it), upstream the sandbox fleet:
// vectors exact (float text and base64), dimensions, Gemini's batchEmbedContents, fallback after
// injected faults, billing (/generation's cost == usage.cost == the credit taken), the embeddings
// model list, and requests of the wrong kind refused.
// Run: node --test tests/js/worker-embeddings.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { embedVector } from '../sandbox/fleet.mjs';
import { picos, startWorker } from './worker-harness.mjs';

const SMALL = 'openai/text-embedding-3-small'; // $0.02 per million input tokens
let w;
let client;

before(async () => {
  w = await startWorker();
  client = w.openai();
});
after(async () => { await w?.close(); });

const served = (slug) => w.fleet.requests(slug).filter((r) => r.kind !== 'models');

async function post(body, key = w.demoKey) {
  const res = await w.fetch('/embeddings', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('POST /embeddings', { timeout: 60_000 }, () => {
  test('openai SDK, string input: the SDK asks for base64 and decodes the fleet\'s exact float32 vector', async () => {
    const text = 'The quick brown fox';
    const { data, response } = await client.embeddings
      .create({ model: SMALL, input: text, provider: { only: ['openai'] } })
      .withResponse();
    assert.equal(data.object, 'list');
    assert.equal(data.model, SMALL);
    assert.match(data.id, /^gen-/);
    assert.equal(response.headers.get('x-generation-id'), data.id);
    assert.equal(data.data.length, 1);
    const got = data.data[0].embedding;
    assert.ok(Array.isArray(got), 'the SDK decoded base64 into numbers');
    assert.deepEqual(got, embedVector(text, 1536));
    assert.ok(data.usage.prompt_tokens > 0 && data.usage.total_tokens === data.usage.prompt_tokens);
    assert.ok(data.usage.cost > 0);
    // Upstream: the provider's model id, floats asked for (base64 is made by the router).
    const up = served('openai').at(-1);
    assert.match(up.path, /\/openai\/v1\/embeddings$/);
    assert.equal(up.body.model, 'text-embedding-3-small');
    assert.equal(up.body.encoding_format, 'float');
  });

  test('array input, float: every number exactly as the provider wrote it, in order', async () => {
    const inputs = ['alpha', 'beta', 'gamma'];
    const r = await post({ model: SMALL, input: inputs, encoding_format: 'float', dimensions: 8, provider: { only: ['openai'] } });
    assert.equal(r.status, 200, r.text);
    const body = JSON.parse(r.text);
    assert.deepEqual(body.data.map((d) => d.index), [0, 1, 2]);
    for (const [i, t] of inputs.entries()) {
      const vec = embedVector(t, 8);
      assert.ok(r.text.includes(`"index":${i},"embedding":${JSON.stringify(vec)}`), `vector ${i} verbatim`);
      assert.deepEqual(body.data[i].embedding, vec);
    }
    assert.equal(served('openai').at(-1).body.dimensions, 8);
  });

  test('openai SDK: dimensions, token-id input, explicit float', async () => {
    const r = await client.embeddings.create({ model: SMALL, input: [[1, 2, 3], [4, 5]], dimensions: 16, encoding_format: 'float', provider: { only: ['openai'] } });
    assert.equal(r.data.length, 2);
    assert.equal(r.data[1].embedding.length, 16);
    assert.deepEqual(r.data[1].embedding, embedVector('4 5', 16));
    assert.deepEqual(served('openai').at(-1).body.input, [[1, 2, 3], [4, 5]]);
  });

  test('Gemini: batchEmbedContents upstream, usage estimated and flagged in /generation', async () => {
    const { data, response } = await client.embeddings
      .create({ model: 'google/gemini-embedding-001', input: ['one two', 'three'], dimensions: 4 })
      .withResponse();
    assert.equal(data.data.length, 2);
    assert.deepEqual(data.data[0].embedding, embedVector('one two', 4));
    const up = served('google').at(-1);
    assert.match(up.path, /\/models\/gemini-embedding-001:batchEmbedContents$/);
    assert.equal(up.body.requests[1].content.parts[0].text, 'three');
    assert.equal(up.body.requests[0].outputDimensionality, 4);
    assert.equal(data.usage.prompt_tokens, 4); // ceil(7/4) + ceil(5/4): the router's estimate
    const g = await w.generation(response.headers.get('x-generation-id'));
    assert.equal(g.status, 200);
    assert.equal(g.body.data.tokens_estimated, true);
    assert.equal(g.body.data.provider_name, 'Google AI Studio');
  });

  test('fallback after an injected 500 and after garbage, like chat', async () => {
    const order = { order: ['nebius', 'scaleway'], only: ['nebius', 'scaleway'] };
    for (const fault of ['status:500', 'garbage', 'status:429']) {
      const before = served('scaleway').length;
      const { data, response } = await client.embeddings
        .create({ model: 'qwen/qwen3-embedding-8b', input: `x [[sandbox:nebius:fault=${fault}]]`, provider: order })
        .withResponse();
      assert.equal(data.data.length, 1, fault);
      assert.equal(served('scaleway').length, before + 1, `${fault}: scaleway served`);
      const g = await w.generation(response.headers.get('x-generation-id'));
      assert.equal(g.body.data.provider_responses.length, 2, fault);
      assert.notEqual(g.body.data.provider_responses[0].status, 200);
      assert.equal(g.body.data.provider_responses[1].status, 200);
    }
  });

  test('billing: /generation total_cost == usage.cost == the credit taken', async () => {
    const k = await w.adminKey({});
    await w.grant(k.account_id, '1');
    const sdk = w.openai(k.key);
    const input = Array.from({ length: 50 }, (_, i) => `document number ${i} `.repeat(20));
    const { data, response } = await sdk.embeddings.create({ model: SMALL, input, provider: { only: ['openai'] } }).withResponse();
    const id = response.headers.get('x-generation-id');
    const g = await w.generation(id, k.key);
    assert.equal(g.status, 200);
    assert.equal(g.body.data.total_cost, data.usage.cost);
    assert.equal(g.body.data.api_type, 'embeddings');
    assert.equal(g.body.data.tokens_prompt, data.usage.prompt_tokens);
    assert.equal(g.body.data.tokens_completion, 0);
    // $0.02 per million prompt tokens, exactly.
    assert.equal(picos(data.usage.cost), BigInt(data.usage.prompt_tokens) * 20_000n);
    const bal = await w.balance(k.account_id);
    assert.equal(picos(bal.total_usage), picos(data.usage.cost));
  });

  test('/models?output_modalities=embeddings and /embeddings/models list the embeddings models only', async () => {
    const r = await w.json('/models?output_modalities=embeddings');
    assert.equal(r.status, 200);
    const ids = r.body.data.map((m) => m.id);
    for (const id of [SMALL, 'openai/text-embedding-3-large', 'google/gemini-embedding-001', 'mistralai/mistral-embed']) assert.ok(ids.includes(id), id);
    assert.ok(r.body.data.every((m) => m.architecture.output_modalities.includes('embeddings')));
    const chat = await w.json('/models');
    assert.ok(!chat.body.data.some((m) => m.id === SMALL), 'not in the default (text) list');
    const e = await w.json('/embeddings/models');
    assert.equal(e.status, 200);
    assert.deepEqual(e.body.data.map((m) => m.id), ids);
  });

  test('the wrong kind of model, streams and bad input are 400s in the error shape', async () => {
    const chatToEmbed = await client.chat.completions.create({ model: SMALL, messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    assert.ok(chatToEmbed instanceof OpenAI.BadRequestError, String(chatToEmbed));
    assert.match(chatToEmbed.message, /embeddings model/);
    const embedToChat = await client.embeddings.create({ model: 'openai/gpt-4o-mini', input: 'hi' }).catch((e) => e);
    assert.ok(embedToChat instanceof OpenAI.BadRequestError, String(embedToChat));
    for (const [body, field] of [
      [{ model: SMALL, input: 'x', stream: true }, 'stream'],
      [{ model: SMALL, input: [] }, 'input'],
      [{ model: SMALL, input: ['a', 2] }, 'input[1]'],
      [{ model: SMALL, input: 'x', dimensions: 0 }, 'dimensions'],
      [{ model: SMALL, input: 'x', encoding_format: 'int8' }, 'encoding_format'],
    ]) {
      const r = await post(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      const e = JSON.parse(r.text).error;
      assert.equal(e.code, 400);
      assert.equal(e.metadata?.field, field, JSON.stringify(body));
    }
    // Token ids cannot go to Gemini: the only endpoint is skipped, the client is told why.
    const tokens = await post({ model: 'google/gemini-embedding-001', input: [1, 2, 3] });
    assert.equal(tokens.status, 400);
    assert.match(JSON.parse(tokens.text).error.message, /token-id/);
  });
});
