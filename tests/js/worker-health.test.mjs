// Health is kept per isolate and shared through the HealthObject Durable Object: an outage one
// isolate sees steers another isolate's routing. workerd runs two copies of the worker (two
// isolates, two sockets) over the same Durable Objects, as Cloudflare runs many.
// Run: node --test tests/js/worker-health.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, user } from './worker-harness.mjs';

const LLAMA = 'meta-llama/llama-3.3-70b-instruct';
let w;
before(async () => { w = await startWorker({ isolates: 2, env: { SWITCHYARD_HEALTH_SYNC_MS: '150' } }); });
after(async () => { await w?.close(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const served = (slug) => w.fleet.requests(slug).length;

async function chat(base, content, provider) {
  const r = await fetch(`${base}/api/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${w.demoKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: LLAMA, messages: user(content), provider }),
  });
  assert.equal(r.status, 200, await r.clone().text());
  return r.json();
}

async function groqUptime(base) {
  const r = await fetch(`${base}/api/v1/models/${LLAMA}/endpoints`);
  const e = (await r.json()).data.endpoints.find((x) => x.tag === 'groq');
  return e.uptime_last_30m;
}

describe('health shared across isolates', { timeout: 30_000 }, () => {
  test('an outage seen by one isolate reorders the other isolate\'s attempts', async () => {
    const [a, b] = w.urls;
    assert.ok(a && b && a !== b, 'two isolates on two sockets');
    const order = { order: ['groq', 'together'], only: ['groq', 'together'] };

    // Isolate A: groq fails three times (an outage: ≥3 attempts, ≥ half failed within 30 s).
    for (let i = 0; i < 3; i++) {
      const r = await chat(a, `a${i} [[sandbox:groq:fault=status:503]]`, order);
      assert.equal(r.provider, 'Together AI');
    }
    assert.equal(served('groq'), 3);
    assert.ok((await groqUptime(a)) < 100, 'A has seen the failures');
    assert.equal(await groqUptime(b), null, 'B has its own health: nothing seen yet');

    // A pushes its events after its next request; B pulls after its next request.
    await sleep(200);
    await chat(a, 'push', { only: ['deepinfra'] });
    await sleep(200);
    await chat(b, 'pull', { only: ['deepinfra'] });
    for (let i = 0; i < 40 && (await groqUptime(b)) === null; i++) await sleep(25);
    assert.ok((await groqUptime(b)) < 100, 'B now knows about the outage');

    // B, asked for groq first and with no fault anywhere, goes to together: groq is in outage.
    const r = await chat(b, 'after the outage', order);
    assert.equal(r.provider, 'Together AI');
    assert.equal(served('groq'), 3, 'B did not try groq');
  });
});
