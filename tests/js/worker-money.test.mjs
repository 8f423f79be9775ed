// Money through the edge worker: keys (hashed, in the account's Durable Object), credits,
// reservations, key limits, the management API round trip, /key, /credits, /generation, and the
// concurrency proof: 200 concurrent requests against a key whose limit allows 50.
// Run: node --test tests/js/worker-money.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { ADMIN_KEY, picos, startWorker, until, user } from './worker-harness.mjs';

const MODEL = 'openai/gpt-4o-mini';
const ONLY = { only: ['openai'] }; // $0.15 / $0.60 per million tokens
let w;

before(async () => { w = await startWorker(); });
after(async () => { await w?.close(); });

const usd = (p) => {
  const neg = p < 0n;
  const a = neg ? -p : p;
  const s = `${a / 10n ** 12n}.${(a % 10n ** 12n).toString().padStart(12, '0')}`.replace(/\.?0+$/, '');
  return (neg ? '-' : '') + s;
};

describe('keys and credits', { timeout: 30_000 }, () => {
  test('the demo key: seeded with credits, /key and /auth/key describe it', async () => {
    const r = await w.json('/key');
    assert.equal(r.status, 200);
    assert.equal(r.body.data.is_management_key, false);
    assert.match(r.body.data.label, /^sk-sy-v1-demo-.{3}\.\.\..{3}$/);
    const legacy = await w.json('/auth/key');
    assert.deepEqual(legacy.body.data.label, r.body.data.label);
    const bal = await w.balance('demo');
    assert.equal(bal.granted, '100');
  });

  test('purchases carry the platform fee; /credits needs a management key', async () => {
    const mgmt = await w.adminKey({ management: true, name: 'ops' });
    await w.grant(mgmt.account_id, '10', 'pay-1', 'purchase');
    // Idempotent: the same id again changes nothing.
    await w.grant(mgmt.account_id, '10', 'pay-1', 'purchase');
    const c = await w.json('/credits', { key: mgmt.key });
    assert.equal(c.status, 200);
    assert.equal(c.body.data.total_credits, 9.2); // $10 − max(5.5%, $0.80)
    assert.equal(c.body.data.total_usage, 0);
    const inference = await w.adminKey({ account_id: mgmt.account_id, name: 'app' });
    const denied = await w.json('/credits', { key: inference.key });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 403);
    // A management key may not call inference.
    await assert.rejects(w.openai(mgmt.key).chat.completions.create({ model: MODEL, messages: user('x'), provider: ONLY }),
      (e) => e instanceof OpenAI.APIError && e.status === 403);
  });

  test('management API round trip: create, list, get, update, disable, delete', async () => {
    const mgmt = await w.adminKey({ management: true });
    await w.grant(mgmt.account_id, '5');
    const created = await w.json('/keys', { method: 'POST', key: mgmt.key, body: { name: 'ci', limit: 1, limit_reset: 'daily' } });
    assert.equal(created.status, 201);
    const { key, data } = created.body;
    assert.match(key, new RegExp(`^sk-sy-v1-${mgmt.account_id}-`));
    assert.match(data.hash, /^[0-9a-f]{64}$/);
    assert.equal(data.limit, 1);
    assert.equal(data.limit_reset, 'daily');
    assert.ok(!JSON.stringify(data).includes(key), 'the secret is returned once, beside the record');

    const list = await w.json('/keys', { key: mgmt.key });
    assert.ok(list.body.data.some((k) => k.hash === data.hash && k.name === 'ci'));
    const one = await w.json(`/keys/${data.hash}`, { key: mgmt.key });
    assert.equal(one.body.data.name, 'ci');

    // The new key works, and /key shows its limit.
    const ok = await w.openai(key).chat.completions.create({ model: MODEL, messages: user('x'), provider: ONLY });
    assert.ok(ok.usage.cost > 0);
    const info = await w.json('/key', { key });
    assert.equal(info.body.data.limit, 1);
    assert.ok(info.body.data.usage > 0 && info.body.data.usage_daily > 0);
    assert.ok(Math.abs(info.body.data.limit_remaining - (1 - info.body.data.usage)) < 1e-12);

    const renamed = await w.json(`/keys/${data.hash}`, { method: 'PATCH', key: mgmt.key, body: { name: 'ci-2', disabled: true } });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.data.name, 'ci-2');
    assert.equal(renamed.body.data.disabled, true);
    await assert.rejects(w.openai(key).chat.completions.create({ model: MODEL, messages: user('x'), provider: ONLY }),
      (e) => e instanceof OpenAI.AuthenticationError);
    await w.json(`/keys/${data.hash}`, { method: 'PATCH', key: mgmt.key, body: { disabled: false } });
    await w.openai(key).chat.completions.create({ model: MODEL, messages: user('x'), provider: ONLY });

    const del = await w.json(`/keys/${data.hash}`, { method: 'DELETE', key: mgmt.key });
    assert.equal(del.status, 200);
    assert.equal(del.body.deleted, true);
    await assert.rejects(w.openai(key).chat.completions.create({ model: MODEL, messages: user('x'), provider: ONLY }),
      (e) => e instanceof OpenAI.AuthenticationError);
    const gone = await w.json(`/keys/${data.hash}`, { key: mgmt.key });
    assert.equal(gone.status, 404);
    // An inference key cannot manage keys; another account's management key cannot see this one.
    const other = await w.adminKey({ management: true });
    const foreign = await w.json(`/keys/${mgmt.data.hash}`, { key: other.key });
    assert.equal(foreign.status, 404);
  });

  test('/generation returns what the response reported', async () => {
    const { data, response } = await w.openai().chat.completions
      .create({ model: MODEL, messages: user('record me'), provider: ONLY, user: 'alice@example.com' },
        { headers: { 'HTTP-Referer': 'https://app.example', 'X-Title': 'Example App' } })
      .withResponse();
    const id = response.headers.get('x-generation-id');
    const g = await w.generation(id);
    assert.equal(g.status, 200);
    const r = g.body.data;
    assert.equal(r.id, data.id);
    assert.equal(r.model, data.model);
    assert.equal(r.provider_name, data.provider);
    assert.equal(r.total_cost, data.usage.cost);
    assert.equal(r.tokens_prompt, data.usage.prompt_tokens);
    assert.equal(r.tokens_completion, data.usage.completion_tokens);
    assert.equal(r.finish_reason, 'stop');
    assert.equal(r.streamed, false);
    assert.equal(r.http_referer, 'https://app.example');
    assert.equal(r.external_user, 'alice@example.com');
    // `user` went upstream only hashed.
    const up = w.fleet.requests('openai').at(-1);
    assert.ok(up.body.user === undefined || (up.body.user !== 'alice@example.com' && !String(up.body.user).includes('alice')));
    // Another account cannot read it.
    const stranger = await w.adminKey({});
    assert.equal((await w.json(`/generation?id=${id}`, { key: stranger.key })).status, 404);
  });

  test('/generation after a burst: every record reaches SQLite, past the 64 the ledger keeps in memory', async () => {
    // 150 requests settle within a few flushes of 100 ms: most records are read back from the
    // generations table (written GENERATION_ROWS to a statement), not from the ledger.
    const mgmt = await w.adminKey({ management: true, name: 'burst-records' });
    await w.grant(mgmt.account_id, '5');
    const app = await w.adminKey({ account_id: mgmt.account_id, name: 'app' });
    const client = w.openai(app.key);
    const served = await Promise.all(Array.from({ length: 150 }, (_, i) => client.chat.completions
      .create({ model: MODEL, messages: user(`burst record ${i}`), max_tokens: 8, provider: ONLY }).withResponse()));
    const ids = served.map(({ response }) => response.headers.get('x-generation-id'));
    assert.equal(new Set(ids).size, 150);
    await new Promise((r) => setTimeout(r, 500)); // past the flush
    for (const [i, id] of ids.entries()) {
      const g = await w.json(`/generation?id=${id}`, { key: app.key });
      assert.equal(g.status, 200, `${id}: ${JSON.stringify(g.body)}`);
      assert.equal(g.body.data.id, id);
      assert.equal(g.body.data.total_cost, served[i].data.usage.cost);
    }
  });

  test('/generation: the session is the body\'s session_id, else the x-session-id header (the core reads both)', async () => {
    const ask = async (extra, headers) => {
      const { response } = await w.openai().chat.completions
        .create({ model: MODEL, messages: user('which session'), provider: ONLY, ...extra }, { headers })
        .withResponse();
      const g = await w.generation(response.headers.get('x-generation-id'));
      assert.equal(g.status, 200);
      return g.body.data;
    };
    assert.equal((await ask({}, { 'x-session-id': 'from-header' })).session_id, 'from-header');
    const both = await ask({ session_id: 'from-body', user: 'bob' }, { 'x-session-id': 'from-header' });
    assert.equal(both.session_id, 'from-body');
    assert.equal(both.external_user, 'bob');
    const none = await ask({}, {});
    assert.equal(none.session_id, null);
    assert.equal(none.external_user, null);
  });

  test('/generation keeps long multi-byte attribution, cut to 256 bytes at a character boundary', async () => {
    const long = 'é'.repeat(200); // 200 characters (the request's limit is 256), 400 bytes of UTF-8
    const session = 'ß'.repeat(100); // 200 bytes: kept whole
    const { response } = await w.openai().chat.completions
      .create({ model: MODEL, messages: user('attribute me'), provider: ONLY, user: long, session_id: session })
      .withResponse();
    const g = await w.generation(response.headers.get('x-generation-id'));
    assert.equal(g.status, 200);
    const r = g.body.data;
    // Cut, not dropped: the record keeps the first 128 characters (256 bytes), no broken character.
    assert.equal(r.external_user, 'é'.repeat(128));
    assert.equal(Buffer.byteLength(r.external_user), 256);
    assert.equal(r.session_id, session);
    assert.equal(r.model, MODEL);
  });
});

describe('limits and concurrency', { timeout: 120_000 }, () => {
  test('402: no credits, and a key limit that is spent', async () => {
    const k = await w.adminKey({ name: 'empty' });
    await assert.rejects(w.openai(k.key).chat.completions.create({ model: MODEL, messages: user('x'), provider: ONLY }),
      (e) => e instanceof OpenAI.APIError && e.status === 402 && e.error?.code === 402);
    await w.grant(k.account_id, '1');
    const limited = await w.adminKey({ account_id: k.account_id, limit: 0.000001 });
    await assert.rejects(w.openai(limited.key).chat.completions.create({ model: MODEL, messages: user('x'), provider: ONLY, max_tokens: 100 }),
      (e) => e.status === 402 && /limit|credits/i.test(e.message));
    // The funded, unlimited key of the same account still works.
    const r = await w.openai(k.key).chat.completions.create({ model: MODEL, messages: user('x'), provider: ONLY });
    assert.equal(r.choices[0].finish_reason, 'stop');
  });

  test('200 concurrent requests against a key whose limit allows 50: at most the limit is spent, the rest get 402, the ledger balances to the cent', async (t) => {
    const mgmt = await w.adminKey({ management: true });
    const account = mgmt.account_id;
    await w.grant(account, '10');
    const created = await w.json('/keys', { method: 'POST', key: mgmt.key, body: { name: 'burst' } });
    const { key, data: { hash } } = created.body;
    const client = w.openai(key, { timeout: 60_000 });
    // Every request waits at the fleet behind a gate until the test opens it, so the holds
    // overlap because of events (all arrived), not because the upstream is slow enough.
    const gate = `burst-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const body = (i, g) => ({ model: MODEL, messages: user(`req ${i} [[sandbox:gate=${g}]]`), max_tokens: 20, provider: ONLY });
    const gateState = async (g) => (await fetch(`${w.fleet.url}/_control/gates/${g}`)).json();
    const openGate = (g) => fetch(`${w.fleet.url}/_control/gates/${g}`, { method: 'POST' });

    // One request while watching the account: the hold one such request takes. (A key's first
    // request never asks for a credit lease, so what is held is this request's hold alone.)
    const first = client.chat.completions.create(body(0, `${gate}-first`));
    await until(async () => (await gateState(`${gate}-first`)).waiting === 1, 'the first request at the upstream', 30_000);
    const b0 = await w.balance(account);
    assert.equal(b0.open_reservations, 1, 'one request is in flight');
    assert.notEqual(b0.held, '0');
    const held = b0.held;
    await openGate(`${gate}-first`);
    const c0 = await first;
    const hold = picos(held);
    assert.ok(hold > picos(c0.usage.cost), 'the hold is the worst case (max_tokens), above the actual cost');

    // Limit = what is spent + exactly 50 holds.
    const limit = picos(c0.usage.cost) + 50n * hold;
    const patched = await w.json(`/keys/${hash}`, { method: 'PATCH', key: mgmt.key, body: { limit: usd(limit) } });
    assert.equal(patched.status, 200);

    // 200 at once; the gate opens once each of them is either waiting at the upstream (served:
    // its hold is taken) or refused, so every hold is in place together.
    let refusedEarly = 0;
    const calls = Array.from({ length: 200 }, (_, i) => client.chat.completions.create(body(i + 1, gate))
      .catch((e) => { refusedEarly++; throw e; }));
    const settled = Promise.allSettled(calls); // handles the rejections as they come
    await until(async () => (await gateState(gate)).waiting + refusedEarly === 200,
      'every request at the upstream or refused', 60_000);
    await openGate(gate);
    const results = await settled;
    const ok = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    const refused = results.filter((r) => r.status === 'rejected');
    assert.ok(refused.every((r) => r.reason instanceof OpenAI.APIError && r.reason.status === 402),
      `only 402s: ${[...new Set(refused.map((r) => r.reason.status ?? r.reason.message))]}`);
    assert.equal(ok.length + refused.length, 200);
    t.diagnostic(`${ok.length} served, ${refused.length} refused with 402; hold ${usd(hold)} USD, limit ${usd(limit)} USD`);
    assert.ok(ok.length <= 50, `${ok.length} succeeded; the limit allows 50`);
    assert.ok(ok.length >= 45, `${ok.length} succeeded; the holds overlapped, so about 50 should`);

    // Settlement is asynchronous: wait until no hold is open.
    const bal = await until(async () => { const b = await w.balance(account); return b.open_reservations === 0 && b.held === '0' && b; }, 'settlement');
    const spent = ok.reduce((s, r) => s + picos(r.usage.cost), picos(c0.usage.cost));
    assert.equal(picos(bal.total_usage), spent, 'ledger usage = the sum of the costs the responses reported');
    assert.equal(picos(bal.balance), picos('10') - spent);
    assert.ok(spent <= limit, 'at most the limit is spent');
    const info = await w.json('/key', { key });
    assert.equal(picos(info.body.data.usage), spent);
  });
});

describe('admin API', { timeout: 10_000 }, () => {
  test('requires the admin key (compared in constant time)', async () => {
    const r = await w.json('/admin/credits', { method: 'POST', key: 'sy-admin-wrong', body: { account_id: 'demo', amount: 1, id: 'x' } });
    assert.equal(r.status, 401);
    const demo = await w.json('/admin/credits', { method: 'POST', key: w.demoKey, body: { account_id: 'demo', amount: 1, id: 'x' } });
    assert.equal(demo.status, 401);
    const bad = await w.json('/admin/credits', { method: 'POST', key: ADMIN_KEY, body: { account_id: 'Bad-Id', amount: 1, id: 'x' } });
    assert.equal(bad.status, 400);
    // A well-formed key of an account nobody created is simply unknown (and creates nothing).
    const ghost = await w.json('/key', { key: 'sk-sy-v1-nosuchaccount-0123456789abcdef0123' });
    assert.equal(ghost.status, 401);
    assert.equal((await w.json('/admin/accounts/nosuchaccount', { key: ADMIN_KEY })).status, 404);
  });
});
