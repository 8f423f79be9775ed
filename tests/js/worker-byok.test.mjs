// BYOK through the edge worker: an account stores its own provider keys (PUT/GET/DELETE
// /api/v1/byok), encrypted at rest in its Durable Object; requests routed to that provider go out
// with the user's key and are charged only the 5% BYOK fee; without a key (deleted) the operator's
// key and the full price apply again. Also: validation, who may call it, a key the provider
// rejects, no secret configured (503, requests unaffected) and a rotated secret (the stored key
// must be entered again).
// Run: node --test tests/js/worker-byok.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import { ROOT, startStack } from '../../scripts/run.mjs';
import { keyLabel, keyProblem, openKeys, sealKey } from '../../js/src/worker/byok.js';
import { ADMIN_KEY, DEMO_KEY, picos, startWorker, user } from './worker-harness.mjs';

const SECRET = 'byok-test-secret-0123456789abcdef0123456789abcdef';
const MODEL = 'openai/gpt-4o-mini';
const ONLY = { only: ['openai'] };
const USER_KEY = 'sk-user-own-openai-key-Zq7Xw3Kp9Lm2Nb4V';
const sha = (s) => createHash('sha256').update(s).digest('hex');

// The openai endpoint's list prices (USD per million tokens in the catalog) in picodollars/token.
const catalog = JSON.parse(await readFile(join(ROOT, 'core/data/catalog.json'), 'utf8'));
const price = catalog.endpoints.find((e) => e.model === MODEL && e.provider === 'openai').pricing;
const PER_TOKEN = { prompt: picos(price.prompt) / 1_000_000n, completion: picos(price.completion) / 1_000_000n };
assert.equal(PER_TOKEN.prompt * 1_000_000n, picos(price.prompt), 'whole picodollars per token');
const listCost = (u) => BigInt(u.prompt_tokens) * PER_TOKEN.prompt + BigInt(u.completion_tokens) * PER_TOKEN.completion;
// The BYOK fee: 5% of the list cost, rounded half up once.
const byokFee = (list) => (list * 50_000n + 500_000n) / 1_000_000n;

let w;
let acct; // {mgmt, app: inference key, id}
const restarted = []; // workerd processes started on w's storage after w's own one stopped

before(async () => {
  w = await startWorker({ env: { SWITCHYARD_BYOK_SECRET: SECRET } });
  const mgmt = await w.adminKey({ management: true, name: 'byok owner' });
  await w.grant(mgmt.account_id, '5');
  const app = await w.json('/keys', { method: 'POST', key: mgmt.key, body: { name: 'app' } });
  assert.equal(app.status, 201);
  acct = { mgmt: mgmt.key, app: app.body.key, id: mgmt.account_id };
});
after(async () => {
  for (const s of restarted) await s.stop();
  await w?.close();
});

async function settled(accountId, base = w) {
  for (let i = 0; i < 100; i++) {
    const b = await base.balance(accountId);
    if (b.open_reservations === 0 && b.held === '0') return b;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('settlement timed out');
}

/** The sandbox's record of the upstream call whose prompt contains `marker`. */
function upstream(slug, marker) {
  const recs = w.fleet.requests(slug).filter((r) => JSON.stringify(r.body).includes(marker));
  assert.equal(recs.length, 1, `one ${slug} request carrying ${marker}`);
  return recs[0];
}

/** Every file under `dir` (recursively), as bytes. */
async function filesUnder(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push({ path: join(e.parentPath ?? e.path, e.name), bytes: await readFile(join(e.parentPath ?? e.path, e.name)) });
  }
  return out;
}

describe('the cipher (js/src/worker/byok.js, in node)', () => {
  test('a sealed key opens only for its account, provider and secret', async () => {
    const sealed = await sealKey(SECRET, 'acct1', 'openai', USER_KEY);
    assert.equal(sealed.iv.byteLength, 12);
    assert.ok(!Buffer.from(sealed.ciphertext).includes(USER_KEY));
    const row = (over = {}) => [{ provider: 'openai', ...sealed, ...over }];
    assert.deepEqual(await openKeys(SECRET, 'acct1', row()), new Map([['openai', { key: USER_KEY }]]));
    // Another account or provider: the associated data (and the account's derived key) differ.
    assert.match((await openKeys(SECRET, 'acct2', row())).get('openai').error, /could not be decrypted/);
    const moved = await openKeys(SECRET, 'acct1', [{ provider: 'groq', ...sealed }]);
    assert.match(moved.get('groq').error, /could not be decrypted/);
    // Another secret: recognised by the fingerprint, with a message to enter the key again.
    assert.match((await openKeys(SECRET + 'x', 'acct1', row())).get('openai').error, /previous SWITCHYARD_BYOK_SECRET.*PUT \/api\/v1\/byok\/openai/);
    assert.match((await openKeys(null, 'acct1', row())).get('openai').error, /SWITCHYARD_BYOK_SECRET/);
    // Two seals of one key differ (random IV).
    const again = await sealKey(SECRET, 'acct1', 'openai', USER_KEY);
    assert.notDeepEqual(Buffer.from(again.ciphertext), Buffer.from(sealed.ciphertext));
  });

  test('labels and key checks', () => {
    assert.equal(keyLabel(USER_KEY), 'sk-...Nb4V');
    assert.equal(keyLabel('short-key1'), '...y1');
    assert.equal(keyProblem('sk-ok'), null);
    for (const bad of ['', ' sk', 'sk ', 'sk\t1', 'k\u00e9y', 'x'.repeat(4097), null, 7]) assert.ok(keyProblem(bad), JSON.stringify(bad));
  });
});

describe('stored keys are used, billed at the BYOK fee, and never shown', { timeout: 20_000 }, () => {
  test('PUT a key, then a completion goes out with it and costs 5% of the list price', async () => {
    const put = await w.json('/byok/openai', { method: 'PUT', key: acct.mgmt, body: { key: USER_KEY } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const e = put.body.data;
    assert.equal(e.provider, 'openai');
    assert.equal(e.label, 'sk-...Nb4V');
    assert.equal(e.usable, true);
    assert.match(e.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(e.updated_at, e.created_at);
    assert.ok(!JSON.stringify(put.body).includes(USER_KEY));

    const before = await settled(acct.id);
    const { data, response } = await w.openai(acct.app).chat.completions
      .create({ model: MODEL, messages: user('byok-buffered'), provider: ONLY }).withResponse();
    const rec = upstream('openai', 'byok-buffered');
    assert.equal(rec.auth.via, 'authorization');
    assert.equal(rec.auth.sha256, sha(USER_KEY), 'the provider received the user\'s key');

    const list = listCost(data.usage);
    assert.ok(list > 0n);
    assert.equal(data.usage.is_byok, true);
    assert.equal(picos(data.usage.cost), byokFee(list), 'charged exactly the 5% fee');
    assert.equal(picos(data.usage.cost_details.upstream_inference_cost), list, 'the provider bills the user the list price');
    const after1 = await settled(acct.id);
    assert.equal(picos(after1.total_usage) - picos(before.total_usage), byokFee(list), 'the ledger charged the fee');

    const g = await w.generation(response.headers.get('x-generation-id'), acct.app);
    assert.equal(g.status, 200);
    assert.equal(g.body.data.is_byok, true);
    assert.equal(picos(g.body.data.total_cost), byokFee(list));
    assert.equal(picos(g.body.data.upstream_inference_cost), list);

    // Streamed: the same key, the same fee rule.
    const stream = await w.openai(acct.app).chat.completions.create({ model: MODEL, messages: user('byok-streamed'), provider: ONLY, stream: true });
    let usage = null;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    assert.equal(upstream('openai', 'byok-streamed').auth.sha256, sha(USER_KEY));
    assert.equal(usage.is_byok, true);
    assert.equal(picos(usage.cost), byokFee(listCost(usage)));
  });

  test('another wire format: the key goes in the header the provider\'s auth names (Anthropic: x-api-key)', async () => {
    const key = 'sk-ant-user-0123456789abcdefghij';
    assert.equal((await w.json('/byok/anthropic', { method: 'PUT', key: acct.mgmt, body: { key } })).status, 200);
    const r = await w.openai(acct.app).chat.completions.create({ model: 'anthropic/claude-3-haiku', messages: user('byok-anthropic'), provider: { only: ['anthropic'] } });
    assert.equal(r.usage.is_byok, true);
    const rec = upstream('anthropic', 'byok-anthropic');
    assert.equal(rec.auth.via, 'x-api-key');
    assert.equal(rec.auth.sha256, sha(key));
  });

  test('GET /byok lists labels, never keys; the key is not in plaintext anywhere on disk', async () => {
    const list = await w.json('/byok', { key: acct.mgmt });
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.data.map((e) => [e.provider, e.label, e.usable]), [['anthropic', 'sk-...ghij', true], ['openai', 'sk-...Nb4V', true]]);
    for (const e of list.body.data) assert.deepEqual(Object.keys(e).sort(), ['created_at', 'label', 'provider', 'updated_at', 'usable']);
    assert.ok(!JSON.stringify(list.body).includes(USER_KEY));

    const files = await filesUnder(w.dataDir);
    assert.ok(files.length > 0);
    assert.ok(files.some((f) => f.bytes.includes('sk-...Nb4V')), 'the account object\'s storage is among the files read');
    for (const f of files) {
      assert.ok(!f.bytes.includes(USER_KEY), `${f.path} holds the key in plaintext`);
      assert.ok(!f.bytes.includes(Buffer.from(USER_KEY, 'utf16le')), `${f.path} holds the key as UTF-16`);
    }
  });

  test('a key the provider refuses: the attempt falls back to another provider (operator key, full price), or the client is told its own key was rejected', async () => {
    assert.equal((await w.json('/byok/openai', { method: 'PUT', key: acct.mgmt, body: { key: 'bad-key' } })).status, 200);
    // Only openai: the provider's 401 reaches the client, naming the user's own key.
    const before = await settled(acct.id);
    await assert.rejects(
      w.openai(acct.app).chat.completions.create({ model: MODEL, messages: user('byok-rejected'), provider: ONLY }),
      (e) => e instanceof OpenAI.AuthenticationError && /rejected your own API key \(BYOK/.test(e.message) && e.error?.metadata?.error_type === 'authentication');
    assert.equal(upstream('openai', 'byok-rejected').auth.sha256, sha('bad-key'));
    await assert.rejects(
      w.openai(acct.app).chat.completions.create({ model: MODEL, messages: user('byok-rejected-stream'), provider: ONLY, stream: true }),
      (e) => e.status === 401 && /rejected your own API key \(BYOK/.test(e.message));
    assert.equal((await settled(acct.id)).total_usage, before.total_usage, 'nothing charged');
    // With another provider allowed (same list price): it serves the request with the operator's
    // key, at full price.
    const r = await w.openai(acct.app).chat.completions.create({ model: MODEL, messages: user('byok-fallback'), provider: { only: ['openai', 'digitalocean'] } });
    assert.equal(r.provider, 'DigitalOcean');
    assert.equal(r.usage.is_byok, false);
    assert.equal(picos(r.usage.cost), listCost(r.usage));
    assert.equal(upstream('openai', 'byok-fallback').auth.sha256, sha('bad-key'), 'the BYOK attempt used only the user\'s key');
    assert.equal(upstream('digitalocean', 'byok-fallback').auth.sha256, sha('sandbox'), 'the fallback used the operator\'s key');
    // Put the real one back.
    const again = await w.json('/byok/openai', { method: 'PUT', key: acct.mgmt, body: { key: USER_KEY } });
    assert.ok(again.body.data.updated_at >= again.body.data.created_at);
  });

  test('DELETE: the next request uses the operator key at full price', async () => {
    const del = await w.json('/byok/openai', { method: 'DELETE', key: acct.mgmt });
    assert.equal(del.status, 200);
    assert.equal(del.body.deleted, true);
    const r = await w.openai(acct.app).chat.completions.create({ model: MODEL, messages: user('byok-deleted'), provider: ONLY });
    assert.equal(upstream('openai', 'byok-deleted').auth.sha256, sha('sandbox'), 'the operator\'s (sandbox) key');
    assert.equal(r.usage.is_byok, false);
    assert.equal(picos(r.usage.cost), listCost(r.usage), 'full price');
    assert.deepEqual((await w.json('/byok', { key: acct.mgmt })).body.data.map((e) => e.provider), ['anthropic']);
    const again = await w.json('/byok/openai', { method: 'DELETE', key: acct.mgmt });
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, 404);
  });
});

describe('validation and access', { timeout: 10_000 }, () => {
  test('bad input: 400 naming the field; unknown routes and methods: 404/405', async () => {
    const put = (provider, body, raw) => w.fetch(`/byok/${provider}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${acct.mgmt}`, 'content-type': 'application/json' },
      body: raw ?? JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const cases = [
      ['no-such-provider', { key: 'k' }, undefined, 'provider'],
      ['openai', {}, undefined, 'key'],
      ['openai', { key: '' }, undefined, 'key'],
      ['openai', { key: 42 }, undefined, 'key'],
      ['openai', { key: 'sk-abc\ndef' }, undefined, 'key'],
      ['openai', { key: 'sk-abc\u0000def' }, undefined, 'key'],
      ['openai', { key: 'x'.repeat(4097) }, undefined, 'key'],
      ['openai', undefined, '{"key": ', undefined],
      ['openai', undefined, '["sk-x"]', undefined],
    ];
    for (const [provider, body, raw, field] of cases) {
      const r = await put(provider, body, raw);
      assert.equal(r.status, 400, `${provider} ${raw ?? JSON.stringify(body).slice(0, 40)}`);
      assert.equal(r.body.error.code, 400);
      if (field) assert.equal(r.body.error.metadata?.field, field, r.body.error.message);
    }
    assert.equal((await w.json('/byok/openai', { method: 'DELETE', key: acct.mgmt, headers: {} })).status, 404);
    assert.equal((await w.json('/byok', { method: 'POST', key: acct.mgmt, body: {} })).status, 405);
    assert.equal((await w.json('/byok/openai', { key: acct.mgmt })).status, 405);
    assert.equal((await w.json('/byok/openai/x', { method: 'PUT', key: acct.mgmt, body: { key: 'k' } })).status, 404);
    // The policy field is no longer settable directly: stored keys are the only source of truth.
    const patch = await w.json(`/admin/accounts/${acct.id}`, { method: 'PATCH', key: ADMIN_KEY, body: { byok_providers: ['openai'] } });
    assert.equal(patch.status, 400);
    assert.equal(patch.body.error.metadata.field, 'byok_providers');
    assert.match(patch.body.error.message, /\/byok\//);
  });

  test('a management key of the account only (401 without a key, 403 for an inference key); the operator per account', async () => {
    assert.equal((await w.json('/byok', { key: null })).status, 401);
    const inference = await w.json('/byok/openai', { method: 'PUT', key: acct.app, body: { key: USER_KEY } });
    assert.equal(inference.status, 403);
    assert.equal(inference.body.error.code, 403);
    assert.equal((await w.json('/byok', { key: acct.app })).status, 403);
    // Another account's management key sees its own (empty) list.
    const other = await w.adminKey({ management: true });
    assert.deepEqual((await w.json('/byok', { key: other.key })).body.data, []);
    // The operator: /admin/accounts/{id}/byok[/{provider}].
    const op = await w.json(`/admin/accounts/${other.account_id}/byok/groq`, { method: 'PUT', key: ADMIN_KEY, body: { key: 'gsk_operator_set_0123456789' } });
    assert.equal(op.status, 200, JSON.stringify(op.body));
    assert.equal(op.body.data.label, 'gsk...6789');
    assert.deepEqual((await w.json('/byok', { key: other.key })).body.data.map((e) => e.provider), ['groq']);
    assert.deepEqual((await w.json(`/admin/accounts/${other.account_id}/byok`, { key: ADMIN_KEY })).body.data.map((e) => e.provider), ['groq']);
    assert.equal((await w.json(`/admin/accounts/${other.account_id}/byok/groq`, { method: 'DELETE', key: ADMIN_KEY })).status, 200);
    assert.equal((await w.json(`/admin/accounts/${other.account_id}/byok`, { key: acct.mgmt })).status, 401);
    assert.equal((await w.json('/admin/accounts/nosuchaccount/byok', { key: ADMIN_KEY })).status, 404);
  });
});

describe('the secret: unset, then rotated (same storage, workerd restarted)', { timeout: 20_000 }, () => {
  /** Restarts workerd on the same Durable Object storage with `env`. */
  async function restart(env) {
    await (restarted.at(-1) ?? w.workerd).stop();
    const stack = await startStack({
      dataDir: w.dataDir, bundleDir: join(w.dir, 'bundle'), fleet: w.fleet, sandbox: true, inheritEnv: false,
      env: { PATH: process.env.PATH ?? '', ...env }, adminKey: ADMIN_KEY, demoKey: DEMO_KEY, logs: 'pipe',
    });
    restarted.push(stack);
    const base = `${stack.url}/api/v1`;
    const call = async (path, { method = 'GET', key, body } = {}) => {
      const r = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: r.status, body: await r.json() };
    };
    return { stack, call, openai: (key) => new OpenAI({ apiKey: key, baseURL: base, maxRetries: 0, timeout: 10_000, logLevel: 'off' }) };
  }

  test('no SWITCHYARD_BYOK_SECRET: the endpoints answer 503 saying so, requests still work, a stored key is not used', async () => {
    const s = await restart({});
    for (const [method, path, body] of [['PUT', '/byok/openai', { key: USER_KEY }], ['GET', '/byok'], ['DELETE', '/byok/anthropic']]) {
      const r = await s.call(path, { method, key: acct.mgmt, body });
      assert.equal(r.status, 503, `${method} ${path}`);
      assert.equal(r.body.error.code, 503);
      assert.match(r.body.error.message, /SWITCHYARD_BYOK_SECRET/);
    }
    const ok = await s.openai(DEMO_KEY).chat.completions.create({ model: MODEL, messages: user('no secret'), provider: ONLY });
    assert.equal(ok.usage.is_byok, false);
    // The account still has an anthropic key stored: its BYOK attempt fails without a call, and says why.
    const calls = w.fleet.requests('anthropic').length;
    await assert.rejects(
      s.openai(acct.app).chat.completions.create({ model: 'anthropic/claude-3-haiku', messages: user('x'), provider: { only: ['anthropic'] } }),
      (e) => e.status === 401 && /SWITCHYARD_BYOK_SECRET/.test(e.message));
    assert.equal(w.fleet.requests('anthropic').length, calls, 'the provider was not called');
  });

  test('a rotated secret: the stored key is shown unusable and the attempt asks to enter it again', async () => {
    const s = await restart({ SWITCHYARD_BYOK_SECRET: SECRET + '-rotated' });
    const list = await s.call('/byok', { key: acct.mgmt });
    assert.deepEqual(list.body.data.map((e) => [e.provider, e.usable]), [['anthropic', false]]);
    const calls = w.fleet.requests('anthropic').length;
    await assert.rejects(
      s.openai(acct.app).chat.completions.create({ model: 'anthropic/claude-3-haiku', messages: user('x'), provider: { only: ['anthropic'] } }),
      (e) => e.status === 401 && /previous SWITCHYARD_BYOK_SECRET/.test(e.message) && /PUT \/api\/v1\/byok\/anthropic/.test(e.message));
    assert.equal(w.fleet.requests('anthropic').length, calls, 'the provider was not called');
    // Entered again: usable, and used.
    const key = 'sk-ant-user-reentered-0123456789';
    assert.equal((await s.call('/byok/anthropic', { method: 'PUT', key: acct.mgmt, body: { key } })).body.data.usable, true);
    const r = await s.openai(acct.app).chat.completions.create({ model: 'anthropic/claude-3-haiku', messages: user('byok-reentered'), provider: { only: ['anthropic'] } });
    assert.equal(r.usage.is_byok, true);
    assert.equal(upstream('anthropic', 'byok-reentered').auth.sha256, sha(key));
  });
});

describe('a provider the operator has no key for is reachable with the account\'s own key', { timeout: 20_000 }, () => {
  let op;
  before(async () => {
    // No sandbox: the operator configured only OpenAI (key + URL). Anthropic has no operator key;
    // its catalog URL is pointed at the sandbox (a base_urls overlay) so the test stays offline.
    op = await startWorker({
      sandbox: false,
      env: (fleet) => ({
        SWITCHYARD_BYOK_SECRET: SECRET,
        OPENAI_API_KEY: 'sk-operator-openai-0123456789',
        OPENAI_BASE_URL: `${fleet.url}/openai/v1`,
        SWITCHYARD_CATALOG_OVERLAY: JSON.stringify({ base_urls: { anthropic: `${fleet.url}/anthropic/v1` } }),
      }),
    });
  });
  after(async () => { await op?.close(); });

  test('without a stored key the provider is not planned; with one, its attempts use it at the BYOK fee', async () => {
    const mgmt = await op.adminKey({ management: true, name: 'own anthropic' });
    await op.grant(mgmt.account_id, '1');
    const app = await op.json('/keys', { method: 'POST', key: mgmt.key, body: { name: 'app' } });
    assert.equal(app.status, 201);
    const ask = (marker) => op.openai(app.body.key).chat.completions.create({
      model: 'anthropic/claude-3-haiku', messages: user(marker), provider: { only: ['anthropic'] },
    });
    const calls = op.fleet.requests('anthropic').length;
    await assert.rejects(ask('byok-none'), (e) => e instanceof OpenAI.APIError && e.status >= 400 && e.status < 500 && e.status !== 401);
    assert.equal(op.fleet.requests('anthropic').length, calls, 'no call without a key of the account');
    // OpenAI (the operator's provider) still works for this account, at the full price.
    const plain = await op.openai(app.body.key).chat.completions.create({ model: MODEL, messages: user('operator-openai'), provider: ONLY });
    assert.equal(plain.usage.is_byok, false);

    const key = 'sk-ant-own-only-0123456789abcdef';
    assert.equal((await op.json('/byok/anthropic', { method: 'PUT', key: mgmt.key, body: { key } })).status, 200);
    const r = await ask('byok-own-provider');
    assert.equal(r.usage.is_byok, true);
    const rec = op.fleet.requests('anthropic').filter((x) => JSON.stringify(x.body).includes('byok-own-provider'));
    assert.equal(rec.length, 1);
    assert.equal(rec[0].auth.via, 'x-api-key');
    assert.equal(rec[0].auth.sha256, sha(key), 'the account\'s key, not the operator\'s (it has none)');
    // Another account of the same operator still cannot use Anthropic.
    const other = await op.adminKey({});
    await op.grant(other.account_id, '1');
    await assert.rejects(op.openai(other.key).chat.completions.create({
      model: 'anthropic/claude-3-haiku', messages: user('byok-other'), provider: { only: ['anthropic'] },
    }), (e) => e.status >= 400 && e.status !== 401);
    // Deleted: gone again (the isolate that took the DELETE forgets the account's cached logins).
    assert.equal((await op.json('/byok/anthropic', { method: 'DELETE', key: mgmt.key })).status, 200);
    await assert.rejects(ask('byok-deleted'), (e) => e.status >= 400 && e.status !== 401);
  });
});
