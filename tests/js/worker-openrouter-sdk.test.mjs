// OpenRouter's own TypeScript SDK (@openrouter/sdk, pinned in package.json) against the edge
// worker under real workerd: every SDK method whose endpoint Switchyard serves. The SDK checks
// each response against its zod schemas and throws "Response validation failed" on any missing
// or mistyped field, so a passing call is the contract as OpenRouter's client states it; the
// assertions check the values too (ids, exact costs, counts).
// Run: node --test tests/js/worker-openrouter-sdk.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OpenRouter } from '@openrouter/sdk';
import * as errors from '@openrouter/sdk/models/errors';
import { ADMIN_KEY, picos, startWorker, user } from './worker-harness.mjs';

const MODEL = 'openai/gpt-4o-mini';
const ONLY = { only: ['openai'], allowFallbacks: false }; // $0.15 / $0.60 per million tokens
const PROMPT_PICOS = 150_000n; // per token
const COMPLETION_PICOS = 600_000n;

let w;
let mgmt; // {key, hash, account_id}: the account's management key, made by the operator
const state = {}; // shared between the ordered tests below

/** An SDK client on the worker; no retries, so a failure shows as it happened. */
function client(apiKey) {
  return new OpenRouter({ apiKey, serverURL: w.base, retryConfig: { strategy: 'none' }, timeoutMs: 20_000 });
}

/** The exact charge of `usage` at gpt-4o-mini's OpenAI prices, in picodollars. */
function expectedPicos(usage) {
  return BigInt(usage.promptTokens) * PROMPT_PICOS + BigInt(usage.completionTokens) * COMPLETION_PICOS;
}

/** Runs `fn`, turning the SDK's validation failure into a readable assertion message. */
async function valid(fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof errors.ResponseValidationError) assert.fail(e.pretty());
    throw e;
  }
}

before(async () => {
  w = await startWorker();
  mgmt = await w.adminKey({ management: true, name: 'sdk-ops' });
  await w.grant(mgmt.account_id, '5', 'sdk-grant-1');
});
after(async () => { await w?.close(); });

describe('@openrouter/sdk: keys (management key)', { timeout: 30_000 }, () => {
  test('apiKeys.create returns the secret once and the record', async () => {
    const r = await valid(() => client(mgmt.key).apiKeys.create({ requestBody: { name: 'sdk-app', limit: 2, limitReset: 'daily' } }));
    assert.match(r.key, new RegExp(`^sk-sy-v1-${mgmt.account_id}-`));
    assert.match(r.data.hash, /^[0-9a-f]{64}$/);
    assert.equal(r.data.name, 'sdk-app');
    assert.equal(r.data.limit, 2);
    assert.equal(r.data.limitRemaining, 2);
    assert.equal(r.data.limitReset, 'daily');
    assert.equal(r.data.usage, 0);
    assert.equal(r.data.disabled, false);
    assert.equal(r.data.workspaceId, ''); // outside every workspace
    assert.equal(r.data.creatorUserId, null);
    assert.equal(r.data.externalUser, null);
    assert.equal(r.data.updatedAt, null);
    state.key = r.key;
    state.hash = r.data.hash;
  });

  test('apiKeys.list and apiKeys.get show it', async () => {
    const list = await valid(() => client(mgmt.key).apiKeys.list());
    const mine = list.data.find((k) => k.hash === state.hash);
    assert.ok(mine, 'the new key is listed');
    assert.equal(mine.name, 'sdk-app');
    assert.ok(list.data.some((k) => k.hash === mgmt.hash), 'and the management key');
    const one = await valid(() => client(mgmt.key).apiKeys.get({ hash: state.hash }));
    assert.equal(one.data.hash, state.hash);
    assert.equal(one.data.limit, 2);
  });

  test('apiKeys.update renames it and changes its limit', async () => {
    const r = await valid(() => client(mgmt.key).apiKeys.update({ hash: state.hash, requestBody: { name: 'sdk-app-2', limit: 3 } }));
    assert.equal(r.data.name, 'sdk-app-2');
    assert.equal(r.data.limit, 3);
    assert.equal(typeof r.data.updatedAt, 'string');
    assert.equal(r.data.workspaceId, '');
  });

  test('credits.getCredits: the grant, nothing spent yet', async () => {
    const r = await valid(() => client(mgmt.key).credits.getCredits());
    assert.equal(r.data.totalCredits, 5);
    assert.equal(r.data.totalUsage, 0);
  });
});

describe('@openrouter/sdk: chat', { timeout: 30_000 }, () => {
  test('chat.send, buffered: content, usage and its exact cost', async () => {
    const r = await valid(() => client(state.key).chat.send({ chatRequest: { model: MODEL, provider: ONLY, messages: user('Hello from the OpenRouter SDK') } }));
    assert.match(r.id, /^gen-/);
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.model, MODEL);
    assert.equal(r.systemFingerprint, null);
    assert.equal(r.choices.length, 1);
    assert.equal(r.choices[0].finishReason, 'stop');
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.ok(typeof r.choices[0].message.content === 'string' && r.choices[0].message.content.length > 0);
    assert.ok(r.usage.promptTokens > 0 && r.usage.completionTokens > 0);
    assert.equal(r.usage.totalTokens, r.usage.promptTokens + r.usage.completionTokens);
    assert.equal(picos(r.usage.cost), expectedPicos(r.usage));
    state.chat = r;
  });

  test('chat.send, streamed: one id, the text in deltas, usage with cost on the last chunk', async () => {
    const stream = await valid(() => client(state.key).chat.send({ chatRequest: { model: MODEL, provider: ONLY, messages: user('Stream to the OpenRouter SDK'), stream: true } }));
    const chunks = [];
    await valid(async () => { for await (const c of stream) chunks.push(c); });
    assert.ok(chunks.length > 2);
    const ids = new Set(chunks.map((c) => c.id));
    assert.equal(ids.size, 1);
    assert.match([...ids][0], /^gen-/);
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === MODEL));
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    assert.ok(text.length > 0);
    assert.equal(chunks.map((c) => c.choices[0]?.finishReason).filter(Boolean).at(-1), 'stop');
    const usage = chunks.at(-1).usage;
    assert.ok(usage && usage.completionTokens > 0);
    assert.equal(picos(usage.cost), expectedPicos(usage));
    state.streamed = { id: [...ids][0], usage };
  });

  test('chat.send with tools: a forced call comes back as toolCalls', async () => {
    const tools = [{
      type: 'function',
      function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    }];
    const r = await valid(() => client(state.key).chat.send({ chatRequest: { model: MODEL, provider: ONLY, messages: user('Weather in Paris?'), tools, toolChoice: 'required' } }));
    assert.equal(r.choices[0].finishReason, 'tool_calls');
    const call = r.choices[0].message.toolCalls?.[0];
    assert.ok(call, 'a tool call');
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.equal(typeof JSON.parse(call.function.arguments).city, 'string');
    assert.equal(picos(r.usage.cost), expectedPicos(r.usage));
  });

  test('errors come back as the SDK\'s typed errors', async () => {
    const sdk = client(state.key);
    await assert.rejects(valid(() => sdk.chat.send({ chatRequest: { model: 'nobody/nothing', messages: user('x') } })),
      (e) => e instanceof errors.NotFoundResponseError && e.statusCode === 404 && e.error.code === 404 && /nobody\/nothing/.test(e.error.message));
    await assert.rejects(valid(() => sdk.chat.send({ chatRequest: { model: MODEL, messages: [] } })),
      (e) => e instanceof errors.BadRequestResponseError && e.error.code === 400);
    await assert.rejects(valid(() => client('sk-sy-v1-nobody-0000').chat.send({ chatRequest: { model: MODEL, messages: user('x') } })),
      (e) => e instanceof errors.UnauthorizedResponseError && e.error.code === 401);
    // The only provider fails and no fallback is allowed: its 503 comes back as the router
    // classifies it, a 502 (upstream failure) with the provider's message.
    await assert.rejects(valid(() => sdk.chat.send({ chatRequest: { model: MODEL, provider: ONLY, messages: user('[[sandbox:fault=status:503]] fail') } })),
      (e) => e instanceof errors.BadGatewayResponseError && e.statusCode === 502 && e.error.code === 502 && e.error.message.length > 0);
  });

  test('a stream that fails after its first bytes ends with an error chunk the SDK parses', async () => {
    const stream = await valid(() => client(state.key).chat.send({ chatRequest: { model: MODEL, provider: ONLY, messages: user('[[sandbox:fault=error200,after:2]] break'), stream: true } }));
    const chunks = [];
    await valid(async () => { for await (const c of stream) chunks.push(c); });
    const failed = chunks.find((c) => c.error);
    assert.ok(failed, 'an error chunk');
    assert.equal(typeof failed.error.code, 'number');
    assert.ok(failed.error.message.length > 0);
    assert.equal(failed.choices[0].finishReason, 'error');
  });
});

describe('@openrouter/sdk: responses (POST /responses)', { timeout: 30_000 }, () => {
  test('beta.responses.send, buffered: the SDK\'s schema holds; text, usage and its exact cost', async () => {
    const r = await valid(() => client(state.key).beta.responses.send({ responsesRequest: {
      model: MODEL, provider: ONLY, instructions: 'Be brief.', input: 'Hello from the Responses API', maxOutputTokens: 200,
    } }));
    assert.match(r.id, /^gen-/);
    assert.equal(r.object, 'response');
    assert.equal(r.status, 'completed');
    assert.equal(r.model, MODEL);
    assert.equal(r.instructions, 'Be brief.');
    assert.equal(r.maxOutputTokens, 200);
    assert.equal(r.error, null);
    assert.equal(r.output.length, 1);
    const message = r.output[0];
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.equal(message.content[0].type, 'output_text');
    assert.ok(message.content[0].text.length > 0);
    assert.ok(r.usage.inputTokens > 0 && r.usage.outputTokens > 0);
    assert.equal(r.usage.totalTokens, r.usage.inputTokens + r.usage.outputTokens);
    assert.equal(picos(r.usage.cost), BigInt(r.usage.inputTokens) * PROMPT_PICOS + BigInt(r.usage.outputTokens) * COMPLETION_PICOS);
    assert.equal(r.usage.costDetails.upstreamInferenceInputCost + r.usage.costDetails.upstreamInferenceOutputCost, r.usage.cost);
  });

  test('beta.responses.send, streamed: every event passes the SDK\'s schema; the text and the completed response agree', async () => {
    const stream = await valid(() => client(state.key).beta.responses.send({ responsesRequest: {
      model: MODEL, provider: ONLY, input: 'Stream the Responses API', stream: true,
    } }));
    const events = [];
    await valid(async () => { for await (const e of stream) events.push(e); });
    assert.equal(events[0].type, 'response.created');
    assert.equal(events.at(-1).type, 'response.completed');
    assert.deepEqual(events.map((e) => e.sequenceNumber), events.map((_, i) => i));
    const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
    assert.ok(text.length > 0);
    const done = events.at(-1).response;
    assert.equal(done.output[0].content[0].text, text);
    assert.equal(picos(done.usage.cost), BigInt(done.usage.inputTokens) * PROMPT_PICOS + BigInt(done.usage.outputTokens) * COMPLETION_PICOS);
  });

  test('beta.responses.send with a function tool: a function_call item, and the refusals are typed errors', async () => {
    const tools = [{ type: 'function', name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
    const r = await valid(() => client(state.key).beta.responses.send({ responsesRequest: {
      model: MODEL, provider: ONLY, input: 'Weather in Paris?', tools, toolChoice: 'required',
    } }));
    const call = r.output.find((o) => o.type === 'function_call');
    assert.ok(call, 'a function_call item');
    assert.equal(call.name, 'get_weather');
    assert.equal(typeof JSON.parse(call.arguments).city, 'string');
    assert.match(call.callId, /\S/);
    await assert.rejects(valid(() => client(state.key).beta.responses.send({ responsesRequest: { model: MODEL, input: 'x', previousResponseId: 'resp_1' } })),
      (e) => e instanceof errors.BadRequestResponseError && e.error.code === 400 && /previous_response_id/.test(e.error.message));
    await assert.rejects(valid(() => client(state.key).beta.responses.send({ responsesRequest: { model: 'nobody/nothing', input: 'x' } })),
      (e) => e instanceof errors.NotFoundResponseError && e.statusCode === 404);
  });
});

describe('@openrouter/sdk: the caller\'s records', { timeout: 30_000 }, () => {
  test('generations.getGeneration: the buffered chat as recorded, at the same cost', async () => {
    const id = state.chat.id;
    assert.equal((await w.generation(id, state.key)).status, 200, 'settled');
    const g = (await valid(() => client(state.key).generations.getGeneration({ id }))).data;
    assert.equal(g.id, id);
    assert.equal(g.model, MODEL);
    assert.equal(g.providerName, 'OpenAI');
    assert.equal(g.apiType, 'completions');
    assert.equal(g.dataRegion, 'global');
    assert.equal(g.streamed, false);
    assert.equal(g.isByok, false);
    assert.equal(g.finishReason, 'stop');
    assert.equal(g.tokensPrompt, state.chat.usage.promptTokens);
    assert.equal(g.tokensCompletion, state.chat.usage.completionTokens);
    assert.equal(picos(g.totalCost), picos(state.chat.usage.cost));
    assert.equal(g.usage, g.totalCost);
    assert.equal(g.providerResponses.length, 1);
    assert.equal(g.providerResponses[0].status, 200);
    for (const none of ['router', 'upstreamId', 'serviceTier', 'userAgent', 'presetId']) assert.equal(g[none], null, none);
  });

  test('generations.getGeneration: the streamed chat', async () => {
    const { id, usage } = state.streamed;
    assert.equal((await w.generation(id, state.key)).status, 200, 'settled');
    const g = (await valid(() => client(state.key).generations.getGeneration({ id }))).data;
    assert.equal(g.streamed, true);
    assert.equal(picos(g.totalCost), picos(usage.cost));
  });

  test('apiKeys.getCurrentKeyMetadata: the key\'s limit and what it spent', async () => {
    const d = (await valid(() => client(state.key).apiKeys.getCurrentKeyMetadata())).data;
    assert.equal(d.isManagementKey, false);
    assert.equal(d.isProvisioningKey, false);
    assert.equal(d.limit, 3);
    assert.equal(d.limitReset, 'daily');
    assert.ok(d.usage > 0);
    assert.equal(d.usageDaily, d.usage);
    assert.ok(Math.abs(d.limitRemaining - (3 - d.usage)) < 1e-12);
    assert.equal(d.workspaceId, null);
    assert.deepEqual(d.allowedDataRegions, ['global']);
    assert.equal(d.creatorUserId, null);
    assert.equal(d.organizationId, null);
    assert.equal(d.rateLimit.requests, -1);
    const m = (await valid(() => client(mgmt.key).apiKeys.getCurrentKeyMetadata())).data;
    assert.equal(m.isManagementKey, true);
    assert.equal(m.isProvisioningKey, true);
  });

  test('credits.getCredits: the spend of the calls above', async () => {
    const d = (await valid(() => client(mgmt.key).credits.getCredits())).data;
    assert.equal(d.totalCredits, 5);
    const key = (await valid(() => client(mgmt.key).apiKeys.get({ hash: state.hash }))).data;
    assert.ok(d.totalUsage > 0);
    assert.equal(picos(d.totalUsage), picos(key.usage));
  });

  test('apiKeys.delete, then the key is gone', async () => {
    const r = await valid(() => client(mgmt.key).apiKeys.delete({ hash: state.hash }));
    assert.equal(r.deleted, true);
    await assert.rejects(valid(() => client(mgmt.key).apiKeys.get({ hash: state.hash })),
      (e) => e instanceof errors.NotFoundResponseError && e.statusCode === 404);
  });
});

describe('@openrouter/sdk: catalog', { timeout: 30_000 }, () => {
  test('models.list: every model, total_count, no next page; paged with limit it is the same list', async () => {
    const sdk = client(w.demoKey);
    const all = (await valid(() => sdk.models.list())).result;
    assert.ok(all.data.length > 100);
    assert.equal(all.totalCount, all.data.length);
    assert.equal(all.links.next, null);
    const mini = all.data.find((m) => m.id === MODEL);
    assert.ok(mini);
    assert.equal(mini.pricing.prompt, '0.00000015');
    assert.equal(mini.pricing.completion, '0.0000006');
    assert.ok(mini.contextLength > 0);
    assert.ok(mini.supportedParameters.includes('tools'));
    assert.equal(mini.links.details, `/api/v1/models/${mini.canonicalSlug}/endpoints`);

    const ids = [];
    let pages = 0;
    for await (const page of await valid(() => sdk.models.list({ limit: 100 }))) {
      pages++;
      assert.equal(page.result.totalCount, all.totalCount);
      ids.push(...page.result.data.map((m) => m.id));
      if (ids.length < all.totalCount) assert.match(page.result.links.next, /[?&]offset=\d+/);
      else assert.equal(page.result.links.next, null);
    }
    assert.equal(pages, Math.ceil(all.totalCount / 100));
    assert.deepEqual(ids, all.data.map((m) => m.id));
  });

  test('models.count agrees with models.list', async () => {
    const sdk = client(w.demoKey);
    const all = (await valid(() => sdk.models.list())).result;
    const n = await valid(() => sdk.models.count());
    assert.equal(n.data.count, all.totalCount);
    const every = await valid(() => sdk.models.count({ outputModalities: 'all' }));
    assert.ok(every.data.count >= n.data.count);
  });

  test('endpoints.list: the model\'s endpoints, prices and tool_choice support', async () => {
    const r = (await valid(() => client(w.demoKey).endpoints.list({ author: 'openai', slug: 'gpt-4o-mini' }))).data;
    assert.equal(r.id, MODEL);
    const openai = r.endpoints.find((e) => e.tag === 'openai');
    assert.ok(openai, 'the openai endpoint');
    assert.equal(openai.providerName, 'OpenAI');
    assert.equal(openai.pricing.prompt, '0.00000015');
    assert.ok(openai.contextLength > 0);
    const takes = openai.supportedParameters.includes('tool_choice');
    assert.deepEqual(openai.supportsToolChoice, { auto: takes, function: takes, none: takes, required: takes });
    // After the chats above, the endpoint has live stats.
    assert.ok(typeof openai.uptimeLast30m === 'number' && openai.uptimeLast30m > 0);
    await assert.rejects(valid(() => client(w.demoKey).endpoints.list({ author: 'nobody', slug: 'nothing' })),
      (e) => e instanceof errors.NotFoundResponseError);
  });

  test('models.get: one entry of models.list, by id; an unknown one is the SDK\'s NotFound', async () => {
    const sdk = client(w.demoKey);
    const all = (await valid(() => sdk.models.list())).result.data;
    const listed = all.find((m) => m.id === MODEL);
    const one = (await valid(() => sdk.models.get({ author: 'openai', slug: 'gpt-4o-mini' }))).data;
    assert.deepEqual(one, listed);
    const free = all.find((m) => m.id.endsWith(':free'));
    assert.ok(free, 'the catalog has a free entry');
    const [author, slug] = free.id.split('/');
    assert.equal((await valid(() => sdk.models.get({ author, slug }))).data.id, free.id);
    await assert.rejects(() => sdk.models.get({ author: 'nobody', slug: 'nothing' }),
      (e) => e instanceof errors.NotFoundResponseError && e.statusCode === 404);
  });

  test('endpoints.listZdrEndpoints: exactly the zero-retention providers\' endpoints, as endpoints.list shows them', async () => {
    // The catalog's own statement of which providers retain nothing, read independently.
    const doc = JSON.parse(readFileSync(new URL('../../core/data/catalog.json', import.meta.url), 'utf8'));
    const zdrNames = new Set(doc.providers.filter((p) => p.data_policy?.zdr === true).map((p) => p.name));
    assert.ok(zdrNames.size > 0, 'the catalog names zero-retention providers');
    const sdk = client(w.demoKey);
    const data = (await valid(() => sdk.endpoints.listZdrEndpoints())).data;
    assert.ok(data.length > 0);
    for (const e of data) assert.ok(zdrNames.has(e.providerName), `${e.name} is not a zero-retention provider's`);
    const providers = new Set(data.map((e) => e.providerName));
    assert.deepEqual([...providers].sort(), [...zdrNames].sort(), 'every zero-retention provider has endpoints listed');
    // An entry equals the model's own endpoint list's entry (live fields aside: none yet here).
    const sample = data.find((e) => !e.name.endsWith(':free')) ?? data[0];
    const [author, slug] = sample.name.split(' | ')[1].split('/');
    const own = (await valid(() => sdk.endpoints.list({ author, slug }))).data.endpoints;
    assert.deepEqual(own.find((e) => e.tag === sample.tag && e.providerName === sample.providerName), sample);
  });

  test('models.listForUser: the entries the account policy admits (zero retention and an ignored provider here)', async () => {
    const doc = JSON.parse(readFileSync(new URL('../../core/data/catalog.json', import.meta.url), 'utf8'));
    const zdrSlugs = new Set(doc.providers.filter((p) => p.data_policy?.zdr === true).map((p) => p.slug));
    const ignored = [...zdrSlugs][0];
    const k = await w.adminKey({ name: 'zdr-only' });
    const patched = await w.json(`/admin/accounts/${k.account_id}`, { method: 'PATCH', key: ADMIN_KEY, body: { zdr: true, ignored_providers: [ignored] } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const sdk = client(k.key);
    const ids = [];
    for await (const page of await valid(() => sdk.models.listForUser({ bearer: k.key }, { limit: 100 }))) {
      ids.push(...page.result.data.map((m) => m.id));
      assert.ok(page.result.totalCount >= ids.length);
    }
    // By another path: the entries /endpoints/zdr names, less the ignored provider's endpoints.
    const ignoredName = doc.providers.find((p) => p.slug === ignored).name;
    const expected = new Set((await valid(() => sdk.endpoints.listZdrEndpoints())).data
      .filter((e) => e.providerName !== ignoredName).map((e) => e.name.split(' | ')[1]));
    const textOnly = new Set((await valid(() => client(w.demoKey).models.list())).result.data.map((m) => m.id));
    assert.ok(ids.length > 0);
    assert.deepEqual(new Set(ids), new Set([...expected].filter((id) => textOnly.has(id))));
    // The demo key's account has no policy: every entry /models lists.
    const every = [];
    for await (const page of await valid(() => client(w.demoKey).models.listForUser({ bearer: w.demoKey }, { limit: 500 }))) every.push(...page.result.data.map((m) => m.id));
    assert.deepEqual(new Set(every), textOnly);
    await assert.rejects(() => client('sk-sy-v1-nobody-0000').models.listForUser({ bearer: 'sk-sy-v1-nobody-0000' }, {}),
      (e) => e instanceof errors.UnauthorizedResponseError && e.statusCode === 401);
  });

  test('providers.list', async () => {
    const r = await valid(() => client(w.demoKey).providers.list());
    assert.ok(r.data.length > 10);
    const openai = r.data.find((p) => p.slug === 'openai');
    assert.equal(openai?.name, 'OpenAI');
  });
});

describe('@openrouter/sdk: embeddings', { timeout: 30_000 }, () => {
  test('embeddings.generate: float and base64, usage with cost, passing the SDK\'s validation', async () => {
    const sdk = client(w.demoKey);
    const r = await valid(() => sdk.embeddings.generate({
      requestBody: { model: 'openai/text-embedding-3-small', input: ['hello', 'world'], dimensions: 8, provider: { only: ['openai'] } },
    }));
    assert.equal(typeof r, 'object');
    assert.equal(r.object, 'list');
    assert.equal(r.model, 'openai/text-embedding-3-small');
    assert.match(r.id, /^gen-/);
    assert.equal(r.data.length, 2);
    assert.equal(r.data[1].index, 1);
    assert.equal(r.data[1].embedding.length, 8);
    assert.ok(r.usage.promptTokens > 0 && r.usage.cost > 0);
    const b = await valid(() => sdk.embeddings.generate({
      requestBody: { model: 'openai/text-embedding-3-small', input: 'hello', dimensions: 8, encodingFormat: 'base64' },
    }));
    const bytes = Buffer.from(b.data[0].embedding, 'base64');
    assert.equal(bytes.length, 8 * 4);
    assert.deepEqual([...new Float32Array(bytes.buffer, bytes.byteOffset, 8)], r.data[0].embedding);
  });

  test('embeddings.listModels: the embeddings models', async () => {
    const sdk = client(w.demoKey);
    const page = await valid(() => sdk.embeddings.listModels());
    const ids = page.result.data.map((m) => m.id);
    assert.ok(ids.includes('openai/text-embedding-3-small') && ids.includes('google/gemini-embedding-001'));
    assert.ok(!ids.includes(MODEL));
  });
});
