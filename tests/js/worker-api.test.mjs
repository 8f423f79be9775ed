// The edge worker's read API and HTTP surface: /models (+ filters), /models/{id}/endpoints with
// live health, /providers, the /v1 alias, 404s in the documented shape, CORS for browsers,
// X-Generation-Id on every response.
// Run: node --test tests/js/worker-api.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, user } from './worker-harness.mjs';

let w;
before(async () => { w = await startWorker(); });
after(async () => { await w?.close(); });

describe('catalog endpoints', { timeout: 30_000 }, () => {
  test('GET /models lists models in OpenRouter\'s shape, filterable', async () => {
    const all = await w.json('/models', { key: null });
    assert.equal(all.status, 200);
    assert.ok(all.body.data.length > 100);
    const m = all.body.data.find((x) => x.id === 'openai/gpt-4o-mini');
    assert.ok(m);
    assert.equal(typeof m.pricing.prompt, 'string');
    assert.ok(m.context_length > 0);
    assert.ok(Array.isArray(m.supported_parameters));
    const tools = await w.json('/models?supported_parameters=tools', { key: null });
    assert.ok(tools.body.data.length > 0 && tools.body.data.length < all.body.data.length);
    assert.ok(tools.body.data.every((x) => x.supported_parameters.includes('tools')));
  });

  test('GET /models/{author}/{slug}/endpoints carries live stats from health', async () => {
    const client = w.openai();
    for (let i = 0; i < 3; i++) {
      await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: user(`stats ${i}`), provider: { only: ['openai'] } });
    }
    const r = await w.json('/models/openai/gpt-4o-mini/endpoints', { key: null });
    assert.equal(r.status, 200);
    assert.equal(r.body.data.id, 'openai/gpt-4o-mini');
    const openai = r.body.data.endpoints.find((e) => e.tag === 'openai');
    assert.ok(openai, 'the openai endpoint');
    assert.equal(openai.uptime_last_30m, 100, 'three successes: 100% uptime');
    assert.ok(openai.latency_last_30m && typeof openai.latency_last_30m.p50 === 'number', 'latency percentiles after traffic');
    const unknown = await w.json('/models/nobody/nothing/endpoints', { key: null });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 404);
  });

  test('GET /providers', async () => {
    const r = await w.json('/providers', { key: null });
    assert.equal(r.status, 200);
    assert.ok(r.body.data.some((p) => p.slug === 'anthropic' && p.name === 'Anthropic'));
  });

  test('/v1 is an alias of /api/v1', async () => {
    const r = await fetch(`${w.url}/v1/models`);
    assert.equal(r.status, 200);
    const chat = await fetch(`${w.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.demoKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: user('x') }),
    });
    assert.equal(chat.status, 200);
  });
});

describe('HTTP surface', { timeout: 20_000 }, () => {
  test('everything else is a 404 in the documented shape, with X-Generation-Id', async () => {
    for (const path of ['/', '/api/v2/models', '/api/v1/nope', '/api/v1/chat/completions/extra']) {
      const r = await fetch(w.url + path);
      assert.equal(r.status, 404, path);
      const body = await r.json();
      assert.equal(body.error.code, 404);
      assert.equal(typeof body.error.message, 'string');
      assert.match(r.headers.get('x-generation-id') ?? '', /^gen-/);
    }
  });

  test('CORS: preflight answered, X-Generation-Id exposed to the page', async () => {
    const pre = await fetch(`${w.base}/chat/completions`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, x-stainless-os',
      },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
    assert.match(pre.headers.get('access-control-allow-headers'), /authorization/);
    assert.match(pre.headers.get('access-control-allow-headers'), /x-stainless-os/);
    const r = await fetch(`${w.base}/chat/completions`, {
      method: 'POST',
      headers: { origin: 'https://app.example', authorization: `Bearer ${w.demoKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: user('x') }),
    });
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.match(r.headers.get('access-control-expose-headers'), /X-Generation-Id/i);
    const err = await fetch(`${w.base}/key`, { headers: { origin: 'https://app.example' } });
    assert.equal(err.status, 401);
    assert.equal(err.headers.get('access-control-allow-origin'), '*', 'errors are readable by the page too');
  });

  test('wrong method on a known route: 405 in the documented shape', async () => {
    const r = await fetch(`${w.base}/chat/completions`);
    assert.equal(r.status, 405);
    assert.equal((await r.json()).error.code, 405);
  });
});
