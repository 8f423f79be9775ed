// Router.simulate() over the simulator's module (the routing simulator of simulate.h / c_sim.h,
// its own Emscripten module), and its absence from the two router modules. A simulator module
// without sy_router_simulate fails here, it is not skipped.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { BUILDS, SIMULATOR_BUILD, expectError, missing } from './wasm-builds.mjs';

const [BROWSER, WORKER] = BUILDS;
const SIMULATOR = SIMULATOR_BUILD;

const LLAMA = 'meta-llama/llama-3.3-70b-instruct';
// Three paid providers of LLAMA in the default catalog, cheapest first (input $0.10, $0.13,
// $0.135 per million tokens): with sort "price" deepinfra is everyone's first choice.
const CHEAPEST = 'deepinfra';
const OTHERS = ['nebius', 'novita'];
const MESSAGES = [{ role: 'user', content: 'Summarise this ticket in one line.' }];
const NOW = 1_767_225_600_000;

/** Two classes on real catalog models; errors and a rate limit so that every counter moves. */
function mixedScenario(seed = 7) {
  return {
    seed,
    duration_ms: 120_000,
    bucket_ms: 10_000,
    traffic: [
      {
        name: 'chat', rate_per_s: 10, prompt_tokens: 800, completion_tokens: 200,
        request: { model: LLAMA, messages: MESSAGES, provider: { sort: 'price', only: [CHEAPEST, ...OTHERS] } },
      },
      {
        name: 'mini', rate_per_s: 4, completion_tokens: 100, conversations: 20,
        request: { model: 'openai/gpt-4o-mini', messages: MESSAGES, provider: { only: ['openai', 'digitalocean'] } },
      },
    ],
    providers: {
      '*': { latency_ms: 300, error_rate: 0.05 },
      [CHEAPEST]: { capacity_rps: 6, retry_after_ms: 2000 },
      openai: { timeout_rate: 0.05 },
    },
  };
}

/** One class on LLAMA, no random failures; the cheapest provider down from 60 s to 120 s. */
function outageScenario() {
  return {
    seed: 3,
    duration_ms: 300_000,
    bucket_ms: 10_000,
    traffic: [{
      name: 'chat', rate_per_s: 10,
      request: { model: LLAMA, messages: MESSAGES, provider: { sort: 'price', only: [CHEAPEST, ...OTHERS] } },
    }],
    providers: { [CHEAPEST]: { outages: [{ start_ms: 60_000, end_ms: 120_000, status: 503 }] } },
  };
}

const sum = (values) => values.reduce((a, b) => a + b, 0);

describe(SIMULATOR.name, () => {
  const why = missing(SIMULATOR);
  if (why) {
    test('build present', () => assert.fail(why));
    return;
  }
  let shared;
  // One instance and one default-catalog router for the suite (the catalog takes ~25 ms to load).
  const setup = async () => {
    if (!shared) {
      const sy = await SIMULATOR.load();
      shared = { sy, router: new sy.Router() };
    }
    return shared;
  };

  test('the module has the simulator, and of the router only what a simulation needs', async () => {
    const { sy, router } = await setup();
    assert.equal(sy.hasSimulator, true, 'sy_router_simulate is not exported by the simulator module');
    assert.equal(typeof sy.exports.sy_router_simulate, 'function');
    assert.equal(sy.hasRouter, false);
    // A routing call is refused by name, and the refusal does not retire the instance.
    expectError(() => router.plan({ request: { model: LLAMA, messages: MESSAGES }, now_ms: NOW, seed: 1 }),
      'unavailable', (e) => {
        assert.match(e.message, /sy_router_plan is not in this Switchyard module/);
        assert.equal(e.httpStatus, 503);
      });
    expectError(() => new sy.Ledger(), 'unavailable', (e) => assert.match(e.message, /sy_ledger_new/));
    assert.equal(sy.broken, false);
    // The simulator module takes overlays, and a simulation sees them: the cheapest provider
    // made dear costs more.
    const custom = new sy.Router();
    custom.overlay({ prices: [{ model: LLAMA, tag: CHEAPEST, pricing: { prompt: '10', completion: '10' } }] });
    const base = router.simulate(outageScenario()).cost_picos;
    assert.ok(custom.simulate(outageScenario()).cost_picos > base, 'the overlay price did not reach the simulation');
    custom.free();
  });

  test("a report's counts add up", async () => {
    const { router } = await setup();
    const r = router.simulate(mixedScenario());
    // 14 requests/s for 120 s: a Poisson count within 5 sigma of 1,680.
    assert.ok(Math.abs(r.requests - 1680) < 5 * Math.sqrt(1680), `${r.requests} requests`);
    assert.equal(r.succeeded + r.failed, r.requests);
    assert.ok(r.failed > 0 && r.succeeded > 0, 'errors, timeouts and 429s make some requests fail');
    assert.ok(r.no_route <= r.failed);
    assert.ok(r.fallbacks > 0 && r.fallbacks <= r.requests);
    assert.ok(r.attempts >= r.requests - r.no_route + r.fallbacks);

    // Providers: every attempt is one provider's, every success one provider's.
    assert.equal(sum(r.providers.map((p) => p.attempts)), r.attempts);
    assert.equal(sum(r.providers.map((p) => p.succeeded)), r.succeeded);
    assert.equal(sum(r.providers.map((p) => p.failed)), r.attempts - r.succeeded);
    assert.equal(sum(Object.values(r.failures)), r.attempts - r.succeeded);
    assert.ok(r.failures.http_429 > 0, `${CHEAPEST} accepts 6 attempts/s of 10`);
    assert.ok(r.failures.http_5xx > 0 && r.failures.timeout > 0);
    const cheapest = r.providers.find((p) => p.provider === CHEAPEST);
    assert.ok(cheapest, `${CHEAPEST} is not in the report`);
    assert.equal(cheapest.rate_limited, r.failures.http_429);
    for (const p of r.providers) {
      assert.equal(p.succeeded + p.failed, p.attempts, p.provider);
      assert.ok(p.rate_limited <= p.failed, p.provider);
    }
    for (let i = 1; i < r.providers.length; i++) {
      const [a, b] = [r.providers[i - 1], r.providers[i]];
      assert.ok(a.attempts > b.attempts || (a.attempts === b.attempts && a.provider < b.provider),
        'providers are sorted by attempts, then slug');
    }
    assert.ok(Math.abs(sum(r.providers.map((p) => p.share)) - 1) < 1e-9, 'shares of the successes sum to 1');

    // Money: picodollars add up across providers, classes and buckets; USD is the same amount.
    assert.ok(r.cost_picos > 0);
    assert.equal(sum(r.providers.map((p) => p.cost_picos)), r.cost_picos);
    assert.equal(sum(r.classes.map((c) => c.cost_picos)), r.cost_picos);
    assert.equal(sum(r.series.cost_picos), r.cost_picos);
    assert.ok(Math.abs(Number(r.cost_usd) - r.cost_picos / 1e12) < 1e-9, `${r.cost_usd} vs ${r.cost_picos} ps`);

    // Classes and the series (by arrival) partition the requests.
    assert.deepEqual(r.classes.map((c) => c.name), ['chat', 'mini']);
    assert.equal(sum(r.classes.map((c) => c.requests)), r.requests);
    assert.equal(sum(r.classes.map((c) => c.succeeded)), r.succeeded);
    assert.equal(sum(r.classes.map((c) => c.fallbacks)), r.fallbacks);
    assert.equal(r.series.buckets, 12);
    assert.equal(r.series.bucket_ms, 10_000);
    for (const key of ['requests', 'succeeded', 'failed', 'cost_picos']) {
      assert.equal(r.series[key].length, 12, key);
    }
    assert.equal(sum(r.series.requests), r.requests);
    assert.equal(sum(r.series.succeeded), r.succeeded);
    assert.equal(sum(r.series.failed), r.failed);
    for (const p of r.providers) {
      const s = r.series.providers[p.provider];
      assert.ok(s, `no series for ${p.provider}`);
      assert.ok(sum(s.attempts) <= p.attempts && sum(s.attempts) >= p.attempts * 0.95, p.provider);
      assert.ok(sum(s.failed) <= p.failed, p.provider);
    }

    const { p50, p90, p99, max } = r.latency_ms;
    assert.ok(p50 > 0 && p50 <= p90 && p90 <= p99 && p99 <= max, JSON.stringify(r.latency_ms));

    // Samples: the first 50 requests in arrival order, each with the attempts that explain it.
    assert.equal(r.samples.length, 50);
    for (let i = 1; i < r.samples.length; i++) assert.ok(r.samples[i - 1].t_ms <= r.samples[i].t_ms);
    for (const s of r.samples) {
      assert.ok(['chat', 'mini'].includes(s.class));
      if (s.outcome === 'ok') {
        assert.equal(s.attempts.at(-1).result, 'ok');
        assert.ok(s.attempts.slice(0, -1).every((a) => a.result !== 'ok'));
        assert.ok(s.cost_picos > 0);
      } else {
        assert.ok(s.attempts.every((a) => a.result !== 'ok'));
        assert.equal(s.cost_picos, 0);
      }
      for (const a of s.attempts) assert.ok(a.start_ms <= a.end_ms && a.start_ms >= s.t_ms);
    }
    assert.ok(r.events >= r.requests);
  });

  test('the same seed gives the same report, another seed another; text or object alike', async () => {
    const { router } = await setup();
    const first = router.simulate(mixedScenario(11));
    assert.deepEqual(router.simulate(mixedScenario(11)), first);
    assert.deepEqual(router.simulate(JSON.stringify(mixedScenario(11))), first);
    const other = router.simulate(mixedScenario(12));
    assert.notDeepEqual(other, first);
    assert.notDeepEqual(other.series.requests, first.series.requests);
  });

  test("simulating leaves the router's own state alone", async () => {
    const { sy } = await setup();
    // A router that has just simulated an outage of the cheapest provider simulates the next
    // scenario exactly as a fresh router does: no health, breaker or stickiness carries over.
    const used = new sy.Router();
    const outage = used.simulate(outageScenario());
    assert.ok(outage.failures.http_5xx > 0, 'the outage scenario fails some attempts');
    const fresh = new sy.Router();
    assert.deepEqual(used.simulate(mixedScenario(5)), fresh.simulate(mixedScenario(5)));
    used.free();
    fresh.free();
  });

  test('an outage on the cheapest provider moves traffic to the others, then back', async () => {
    const { router } = await setup();
    const r = router.simulate(outageScenario());
    const series = r.series;
    assert.equal(series.buckets, 30);
    const attempts = (slug, b) => series.providers[slug]?.attempts[b] ?? 0;
    const others = (b) => sum(OTHERS.map((slug) => attempts(slug, b)));
    assert.equal(r.failed, 0, 'two healthy providers remain: every request succeeds');
    assert.ok(r.fallbacks > 0, 'requests that met the outage fell back');
    assert.ok(r.failures.http_5xx > 0, 'the outage answered 503');

    // Before the outage (0-60 s): only the cheapest provider is tried.
    for (let b = 0; b < 6; b++) {
      assert.ok(series.requests[b] > 0);
      assert.equal(attempts(CHEAPEST, b), series.requests[b], `bucket ${b}`);
      assert.equal(others(b), 0, `bucket ${b}`);
    }
    // Inside the outage, once health has seen it (70-120 s): the others serve nearly all of it.
    for (let b = 7; b < 12; b++) {
      assert.ok(others(b) >= 0.9 * series.requests[b], `bucket ${b}: others ${others(b)} of ${series.requests[b]}`);
      assert.ok(attempts(CHEAPEST, b) <= 0.1 * series.requests[b], `bucket ${b}: ${CHEAPEST} ${attempts(CHEAPEST, b)}`);
      assert.equal(series.failed[b], 0);
    }
    // Well after it (260-300 s, past the breaker's half-open trials): back to the cheapest.
    for (let b = 26; b < 30; b++) {
      assert.ok(attempts(CHEAPEST, b) >= 0.9 * series.requests[b], `bucket ${b}: ${CHEAPEST} ${attempts(CHEAPEST, b)}`);
    }
    // The failed attempts all belong to the provider that was down.
    const failedCheapest = sum(series.providers[CHEAPEST].failed);
    assert.ok(failedCheapest > 0);
    for (const slug of OTHERS) assert.equal(sum(series.providers[slug]?.failed ?? []), 0, slug);
    // The samples are the first 50 requests (the first ~5 s): one attempt each, at the cheapest.
    for (const s of r.samples) {
      assert.deepEqual(s.attempts.map((a) => [a.provider, a.status, a.result]), [[CHEAPEST, 200, 'ok']]);
    }
  });

  test('a bad scenario is a 400 naming the field; the router keeps working', async () => {
    const { router } = await setup();
    const base = outageScenario();
    expectError(() => router.simulate({ ...base, colour: 'blue' }), 'invalid_argument', (e) => {
      assert.equal(e.httpStatus, 400);
      assert.equal(e.metadata?.field, 'colour');
    });
    expectError(() => router.simulate({ ...base, traffic: [{ ...base.traffic[0], rate_per_s: -1 }] }),
      'invalid_argument', (e) => {
        assert.equal(e.httpStatus, 400);
        assert.equal(e.metadata?.field, 'traffic[0].rate_per_s');
      });
    expectError(() => router.simulate({ ...base, providers: { nebius: { latncy_ms: 5 } } }),
      'invalid_argument', (e) => assert.match(e.metadata?.field ?? '', /latncy_ms/));
    expectError(() => router.simulate({ ...base, providers: { 'no-such-provider': {} } }),
      'invalid_argument', (e) => assert.match(e.metadata?.field ?? '', /no-such-provider/));
    expectError(() => router.simulate({ ...base, duration_ms: undefined }), 'invalid_argument',
      (e) => assert.equal(e.metadata?.field, 'duration_ms'));
    expectError(() => router.simulate('{"duration_ms": 1000,'), 'invalid_argument');
    // 10 requests/s for 300 s is ~3,000 expected requests: over a ceiling of 100.
    expectError(() => router.simulate({ ...base, max_requests: 100 }), 'too_large',
      (e) => assert.equal(e.httpStatus, 413));
    // An outage must lie within the simulated time.
    expectError(() => router.simulate({ ...base, duration_ms: 30_000 }), 'invalid_argument',
      (e) => assert.equal(e.metadata?.field, `providers.${CHEAPEST}.outages[0].start_ms`));
    // After all these refusals, the same router still simulates.
    assert.equal(router.simulate({ ...base, providers: {}, duration_ms: 5000, bucket_ms: 1000 }).series.buckets, 5);
  });
});

for (const build of [BROWSER, WORKER]) {
  describe(build.name, () => {
    const why = missing(build);
    if (why) {
      test('build present', () => assert.fail(why));
      return;
    }

    test('a router module binds without the simulator, and simulate() says where it is', async () => {
      const sy = await build.load();
      assert.equal(sy.hasSimulator, false);
      assert.equal(sy.hasRouter, true);
      assert.equal('sy_router_simulate' in sy.exports, false);
      const router = new sy.Router();
      expectError(() => router.simulate(outageScenario()), 'unavailable', (e) => {
        assert.match(e.message, /routing simulator is in its own module: loadSimulator\(\)/);
        assert.equal(e.httpStatus, 503);
      });
      // Everything else works, and the refusal did not retire the instance.
      assert.equal(sy.broken, false);
      assert.ok(router.providers().data.length > 50);
      router.free();
    });
  });
}
