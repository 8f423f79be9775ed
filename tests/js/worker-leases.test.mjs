// Credit leases end to end: two isolates (two copies of the worker in one workerd, each on its own
// socket, sharing the account's Durable Object, as Cloudflare runs many) race one key whose
// limit allows a few dozen requests. Each isolate reserves locally against the leases the
// account object grants it; the key's limit is never passed, the ledger balances to the
// picodollar, and every lease goes back (or expires) so nothing stays held.
// Run: node --test tests/js/worker-leases.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { picos, startWorker, until, user } from './worker-harness.mjs';

const MODEL = 'openai/gpt-4o-mini';
const ONLY = { only: ['openai'] };
let w;

before(async () => { w = await startWorker({ isolates: 2 }); });
after(async () => { await w?.close(); });

const usd = (p) => `${p / 10n ** 12n}.${(p % 10n ** 12n).toString().padStart(12, '0')}`.replace(/\.?0+$/, '');

describe('credit leases across isolates', { timeout: 90_000 }, () => {
  test('two isolates racing one key: leases are granted and used, the limit holds, the ledger balances', async (t) => {
    const [a, b] = w.urls;
    assert.ok(a && b && a !== b, 'two isolates on two sockets');
    const mgmt = await w.adminKey({ management: true });
    const account = mgmt.account_id;
    await w.grant(account, '10');
    const created = await w.json('/keys', { method: 'POST', key: mgmt.key, body: { name: 'race' } });
    const { key, data: { hash } } = created.body;
    const clients = [a, b].map((u) => new OpenAI({ apiKey: key, baseURL: `${u}/api/v1`, maxRetries: 0, timeout: 30_000 }));
    const body = (i) => ({ model: MODEL, messages: user(`race ${i} [[sandbox:ttft=30]]`), max_tokens: 20, provider: ONLY });

    // One request measures a hold (a single request asks no lease: it reserves at the account).
    const first = clients[0].chat.completions.create(body(0));
    const held = await until(async () => { const x = await w.balance(account); return x.held !== '0' && x.held; }, 'a hold');
    const c0 = await first;
    const hold = picos(held);
    await until(async () => (await w.balance(account)).held === '0', 'the first settles');
    // Limit: what is spent plus 80 holds. Waves of 40 concurrent requests per isolate: the first
    // waves fit, leases are granted to both isolates, the later waves run into the limit.
    const limit = picos(c0.usage.cost) + 80n * hold;
    assert.equal((await w.json(`/keys/${hash}`, { method: 'PATCH', key: mgmt.key, body: { limit: usd(limit) } })).status, 200);

    const ok = [];
    const refused = [];
    let n = 1;
    for (let wave = 0; wave < 6; wave++) {
      const results = await Promise.allSettled(clients.flatMap((c) => Array.from({ length: 40 }, () => c.chat.completions.create(body(n++)))));
      for (const r of results) (r.status === 'fulfilled' ? ok : refused).push(r.status === 'fulfilled' ? r.value : r.reason);
    }
    assert.ok(refused.every((e) => e instanceof OpenAI.APIError && e.status === 402),
      `only 402s: ${[...new Set(refused.map((e) => e.status ?? e.message))]}`);
    const spent = ok.reduce((s, r) => s + picos(r.usage.cost), picos(c0.usage.cost));
    t.diagnostic(`${ok.length} served, ${refused.length} refused; spent ${usd(spent)} of the limit ${usd(limit)} USD`);
    assert.ok(ok.length >= 60, `most of what the limit allows is served: ${ok.length}`);
    assert.ok(refused.length > 0, 'the limit was reached');

    // Everything settles and every lease goes back (returned when idle, or expired): nothing held.
    const bal = await until(async () => { const x = await w.balance(account); return x.open_reservations === 0 && x.held === '0' && x; }, 'settlement and lease returns', 20_000);
    assert.ok(bal.leases_granted >= 2, `leases were granted (${bal.leases_granted})`);
    assert.equal(picos(bal.total_usage), spent, 'ledger usage = the sum of the costs the responses reported');
    assert.equal(picos(bal.balance), picos('10') - spent);
    assert.ok(spent <= limit, `at most the limit is spent (${usd(spent)} ≤ ${usd(limit)})`);
    const info = await w.json('/key', { key });
    assert.equal(picos(info.body.data.usage), spent);
  });
});
