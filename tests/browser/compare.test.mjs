// Variant B on the simulator page (examples/simulator/variant.js, simulator.js): a JSON merge
// patch over the scenario A; Run simulates both with the same seed and shows them side by side.
// The merge and the arithmetic of the differences are checked in Node; in headless Chromium, the
// comparison table shows what Node computes for the same two scenarios, errors in B are B's, and
// clearing B brings back the single view.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { EXAMPLES, applyVariant, compareReports, mergePatch, picosToUsd, usdToPicos } from '../../examples/simulator/variant.js';
import { loadSimulator as loadSimulatorNode } from '../../js/src/node.js';
import { ROOT, openSimulatorPage } from './browser.mjs';

const DEFAULT_SCENARIO = readFileSync(join(ROOT, 'examples/simulator/scenario.json'), 'utf8');
const RUN_TIMEOUT = 20_000;

let browser;
let page;
let router;

before(async () => {
  router = new (await loadSimulatorNode()).Router();
  browser = await openSimulatorPage();
  page = browser.page;
});

after(async () => {
  router?.free();
  await browser?.close();
});

// The same simulation in Node, over the same dist/.
const simulate = (scenario) => router.simulate(typeof scenario === 'string' ? scenario : JSON.stringify(scenario));

// Presses Run and waits for that run to end; returns the page's state then ("done" or "error").
async function runAndWait() {
  const runs = await page.evaluate(() => Number(document.body.dataset.runs ?? 0));
  await page.click('#run');
  await page.waitForFunction((before) => Number(document.body.dataset.runs ?? 0) > before, runs, { timeout: RUN_TIMEOUT });
  return page.evaluate(() => document.body.dataset.state);
}

// The comparison table as rendered: {metric or "share:<slug>": {a, b, diff, pct (raw values),
// text: {a, b, diff, pct}, verdict}}, and the page's view around it.
function readComparison() {
  const rows = {};
  for (const row of document.querySelectorAll('#comparison-table tbody tr[data-metric]')) {
    const key = row.dataset.metric === 'share' ? `share:${row.dataset.provider}` : row.dataset.metric;
    const entry = { text: {} };
    for (const cell of row.querySelectorAll('[data-key]')) {
      entry[cell.dataset.key] = cell.dataset.value;
      entry.text[cell.dataset.key] = cell.textContent;
      if (cell.dataset.key === 'diff') entry.verdict = ['better', 'worse'].find((c) => cell.classList.contains(c)) ?? null;
    }
    rows[key] = entry;
  }
  const legend = (id) => [...document.querySelectorAll(`#${id} .u-legend .u-label`)].map((l) => l.textContent);
  const title = (id) => document.querySelector(`#${id} .u-title`)?.textContent ?? null;
  return {
    rows,
    view: document.body.dataset.view,
    comparisonHidden: document.getElementById('comparison').hidden,
    chartBHidden: document.getElementById('chart-attempts-b').hidden,
    seedNote: document.getElementById('comparison-seed').textContent,
    reportHeading: document.getElementById('report-heading').textContent,
    totalRequests: Number(document.getElementById('total-requests').dataset.value),
    totalCost: document.getElementById('total-cost').dataset.value,
    titles: { a: title('chart-attempts'), b: title('chart-attempts-b'), cost: title('chart-cost') },
    legends: { a: legend('chart-attempts'), b: legend('chart-attempts-b') },
    status: document.getElementById('status').textContent,
    runLabel: document.getElementById('run').textContent,
    error: document.getElementById('error').hidden ? null : document.getElementById('error').textContent,
    invalid: {
      a: document.getElementById('scenario').getAttribute('aria-invalid') === 'true',
      b: document.getElementById('variant').getAttribute('aria-invalid') === 'true',
    },
  };
}

// Painted pixels of a chart's canvas: a chart that is there and drawn.
const painted = (id) => page.evaluate((target) => {
  const canvas = document.querySelector(`#${target} canvas`);
  if (!canvas || !canvas.width) return 0;
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let n = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
  return n;
}, id);

const close = (actual, expected, message, tolerance = 1e-9) =>
  assert.ok(Math.abs(Number(actual) - expected) <= tolerance, `${message}: ${actual} ≠ ${expected}`);

// Every row of the page's table against two reports computed in Node.
function assertTableMatches(rows, a, b) {
  const ints = { requests: (r) => r.requests, fallbacks: (r) => r.fallbacks };
  for (const [metric, of] of Object.entries(ints)) {
    assert.equal(Number(rows[metric].a), of(a), `${metric} A`);
    assert.equal(Number(rows[metric].b), of(b), `${metric} B`);
    assert.equal(Number(rows[metric].diff), of(b) - of(a), `${metric} B − A`);
    assert.equal(rows[metric].pct, '', `${metric} has no % change`);
  }
  close(rows.success_rate.a, a.succeeded / a.requests, 'success rate A', 1e-15);
  close(rows.success_rate.b, b.succeeded / b.requests, 'success rate B', 1e-15);
  close(rows.success_rate.diff, b.succeeded / b.requests - a.succeeded / a.requests, 'success rate B − A', 1e-15);
  assert.equal(rows.cost.a, a.cost_usd);
  assert.equal(rows.cost.b, b.cost_usd);
  close(rows.cost.diff, Number(b.cost_usd) - Number(a.cost_usd), 'cost B − A', 1e-9);
  close(rows.cost.pct, (Number(b.cost_usd) - Number(a.cost_usd)) / Number(a.cost_usd), 'cost % change', 1e-12);
  for (const p of ['p50', 'p90', 'p99']) {
    const row = rows[`latency_${p}`];
    assert.equal(Number(row.a), a.latency_ms[p], `${p} A`);
    assert.equal(Number(row.b), b.latency_ms[p], `${p} B`);
    assert.equal(Number(row.diff), b.latency_ms[p] - a.latency_ms[p], `${p} B − A`);
    close(row.pct, (b.latency_ms[p] - a.latency_ms[p]) / a.latency_ms[p], `${p} % change`, 1e-12);
  }
  // One share row per provider of A or B, A's first; a provider absent from a report has 0.
  const slugs = [...new Set([...a.providers, ...b.providers].map((p) => p.provider))];
  assert.deepEqual(Object.keys(rows).filter((k) => k.startsWith('share:')), slugs.map((s) => `share:${s}`));
  const share = (r, slug) => r.providers.find((p) => p.provider === slug)?.share ?? 0;
  for (const slug of slugs) {
    const row = rows[`share:${slug}`];
    close(row.a, share(a, slug), `${slug} share A`, 1e-15);
    close(row.b, share(b, slug), `${slug} share B`, 1e-15);
    close(row.diff, share(b, slug) - share(a, slug), `${slug} share B − A`, 1e-15);
  }
}

// ---- in Node: the merge, the arithmetic ------------------------------------------------------

test('B is A with an RFC 7386 merge patch (the RFC\'s examples), A unchanged', () => {
  // RFC 7386, Appendix A: [target, patch, result].
  const cases = [
    ['{"a":"b"}', '{"a":"c"}', '{"a":"c"}'],
    ['{"a":"b"}', '{"b":"c"}', '{"a":"b","b":"c"}'],
    ['{"a":"b"}', '{"a":null}', '{}'],
    ['{"a":"b","b":"c"}', '{"a":null}', '{"b":"c"}'],
    ['{"a":["b"]}', '{"a":"c"}', '{"a":"c"}'],
    ['{"a":"c"}', '{"a":["b"]}', '{"a":["b"]}'],
    ['{"a":{"b":"c"}}', '{"a":{"b":"d","c":null}}', '{"a":{"b":"d"}}'],
    ['{"a":[{"b":"c"}]}', '{"a":[1]}', '{"a":[1]}'],
    ['["a","b"]', '["c","d"]', '["c","d"]'],
    ['{"a":"b"}', '["c"]', '["c"]'],
    ['{"a":"foo"}', 'null', 'null'],
    ['{"a":"foo"}', '"bar"', '"bar"'],
    ['{"e":null}', '{"a":1}', '{"e":null,"a":1}'],
    ['[1,2]', '{"a":"b","c":null}', '{"a":"b"}'],
    ['{}', '{"a":{"bb":{"ccc":null}}}', '{"a":{"bb":{}}}'],
  ];
  for (const [target, patch, result] of cases) {
    const t = JSON.parse(target);
    assert.deepEqual(mergePatch(t, JSON.parse(patch)), JSON.parse(result), `${target} + ${patch}`);
    assert.deepEqual(t, JSON.parse(target), 'the target is not changed');
  }
  // "__proto__" is a key like any other, not the object's prototype.
  const merged = mergePatch(JSON.parse('{"__proto__":{"x":1}}'), JSON.parse('{"__proto__":{"y":2}}'));
  assert.equal(Object.getPrototypeOf(merged), Object.prototype);
  assert.equal(JSON.stringify(merged), '{"__proto__":{"x":1,"y":2}}');

  // On the default scenario: nested objects merge, the rest of A stays.
  const { scenario } = applyVariant(DEFAULT_SCENARIO, '{"providers": {"groq": {"capacity_rps": 20}, "nebius": null}, "seed": 7}');
  const a = JSON.parse(DEFAULT_SCENARIO);
  assert.deepEqual(scenario.providers.groq, { ...a.providers.groq, capacity_rps: 20 });
  assert.equal(scenario.providers.nebius, undefined);
  assert.deepEqual(scenario.traffic, a.traffic);
  assert.equal(scenario.seed, 7);
  assert.throws(() => applyVariant(DEFAULT_SCENARIO, '[1]'), (e) => e.where === 'B' && /JSON object/.test(e.message));
  assert.throws(() => applyVariant(DEFAULT_SCENARIO, '{"a" 1}'), (e) => e.where === 'B' && e.kind === 'json' && e.offset === 5);
  assert.throws(() => applyVariant('{', '{}'), (e) => e.where === 'A');
});

test('the differences: exact for cost, relative for cost and latency, shares over both reports', () => {
  assert.equal(usdToPicos('4.9114931'), 4_911_493_100_000n);
  assert.equal(picosToUsd(usdToPicos('7.8755045') - usdToPicos('4.9114931')), '2.9640114');
  assert.equal(picosToUsd(usdToPicos('0.1') - usdToPicos('0.3')), '-0.2');
  assert.equal(picosToUsd(usdToPicos('123456789.000000000001') * 2n), '246913578.000000000002');
  assert.equal(picosToUsd(0n), '0');

  const report = (over) => ({
    requests: 100, succeeded: 90, fallbacks: 10, cost_usd: '2', latency_ms: { p50: 100, p90: 200, p99: 400 },
    providers: [{ provider: 'x', name: 'X', share: 0.75 }, { provider: 'y', name: 'Y', share: 0.25 }], ...over,
  });
  const rows = compareReports(report(), report({
    requests: 110, succeeded: 110, fallbacks: 4, cost_usd: '2.5', latency_ms: { p50: 80, p90: 200, p99: null },
    providers: [{ provider: 'z', name: 'Z', share: 0.5 }, { provider: 'x', name: 'X', share: 0.5 }],
  }));
  const by = Object.fromEntries(rows.map((r) => [r.metric === 'share' ? `share:${r.provider}` : r.metric, r]));
  assert.deepEqual([by.requests.diff, by.requests.pct], [10, null]);
  assert.ok(Math.abs(by.success_rate.diff - 0.1) < 1e-15);
  assert.deepEqual([by.fallbacks.diff, by.cost.diff, by.cost.pct], [-6, '0.5', 0.25]);
  assert.deepEqual([by.latency_p50.diff, by.latency_p50.pct], [-20, -0.2]);
  assert.deepEqual([by.latency_p90.diff, by.latency_p90.pct], [0, 0]);
  assert.deepEqual([by.latency_p99.b, by.latency_p99.diff, by.latency_p99.pct], [null, null, null], 'no successes: no latency');
  assert.deepEqual(rows.filter((r) => r.metric === 'share').map((r) => [r.provider, r.a, r.b, r.diff]),
    [['x', 0.75, 0.5, -0.25], ['y', 0.25, 0, -0.25], ['z', 0, 0.5, 0.5]]);
  assert.equal(compareReports(report({ cost_usd: '0' }), report()).find((r) => r.metric === 'cost').pct, null);
});

// ---- in the page -----------------------------------------------------------------------------

test('B empty: the single view, and Run says so', async () => {
  const shown = await page.evaluate(readComparison);
  assert.equal(await page.inputValue('#variant'), '');
  assert.equal(shown.view, 'single');
  assert.equal(shown.comparisonHidden, true);
  assert.equal(shown.chartBHidden, true);
  assert.equal(shown.runLabel, 'Run');
});

test('example B (ignore nebius): A and B side by side, the numbers Node computes', { timeout: 30_000 }, async () => {
  await page.click('#variant-example-ignore');
  assert.deepEqual(JSON.parse(await page.inputValue('#variant')), { context: { ignored_providers: ['nebius'] } });
  assert.match(await page.textContent('#variant-note'), /nebius/);
  assert.equal(await page.textContent('#run'), 'Run A and B');
  assert.equal(await runAndWait(), 'done', await page.textContent('#error'));
  const shown = await page.evaluate(readComparison);

  const a = simulate(DEFAULT_SCENARIO);
  const b = simulate({ ...JSON.parse(DEFAULT_SCENARIO), context: { ignored_providers: ['nebius'] } });
  assert.equal(shown.view, 'compare');
  assert.equal(shown.comparisonHidden, false);
  assertTableMatches(shown.rows, a, b);

  // A real difference: without the rate-limited provider, no 429s and far fewer fallbacks.
  assert.ok(a.failures.http_429 > 0 && b.failures.http_429 === 0);
  assert.ok(b.fallbacks < a.fallbacks / 2, `fallbacks ${a.fallbacks} → ${b.fallbacks}`);
  assert.ok(Number(shown.rows['share:nebius'].a) > 0);
  assert.equal(shown.rows['share:nebius'].b, '0');
  assert.equal(shown.rows.fallbacks.text.diff, `−${(a.fallbacks - b.fallbacks).toLocaleString('en-US')}`);
  assert.equal(shown.rows.fallbacks.verdict, 'better');
  const costPct = (Number(b.cost_usd) - Number(a.cost_usd)) / Number(a.cost_usd);
  assert.equal(shown.rows.cost.text.pct, `${costPct < 0 ? '−' : '+'}${(Math.abs(costPct) * 100).toFixed(1)}%`);
  assert.match(shown.seedNote, /same seed, 42/);
  // Like for like: the same seed and traffic give B exactly A's requests (the core draws arrivals
  // from a stream of their own), whatever B's providers do.
  assert.equal(b.requests, a.requests);
  assert.deepEqual(b.series.requests, a.series.requests);

  // The report below is A's, whole; B's attempts chart is under A's, without nebius.
  assert.equal(shown.totalRequests, a.requests);
  assert.equal(shown.totalCost, a.cost_usd);
  assert.match(shown.reportHeading, /Report — A/);
  assert.equal(shown.chartBHidden, false);
  assert.match(shown.titles.a, /^A: Attempts per provider/);
  assert.match(shown.titles.b, /^B: Attempts per provider/);
  assert.match(shown.titles.cost, /^A: Cost/);
  assert.ok(shown.legends.a.includes('nebius'), `A legend: ${shown.legends.a}`);
  assert.ok(!shown.legends.b.includes('nebius'), `B legend: ${shown.legends.b}`);
  assert.deepEqual(shown.legends.b.slice(1), b.providers.slice(0, 8).map((p) => p.provider));
  assert.ok(await painted('chart-attempts-b') > 2000, 'B\'s chart is drawn');
  assert.match(shown.status, new RegExp(`A ${a.requests.toLocaleString('en-US')} requests, B ${b.requests.toLocaleString('en-US')} requests`));
  assert.deepEqual(browser.errors, []);
});

test('example B (latency, not price): the support chat moves to the fastest provider, at a cost', { timeout: 30_000 }, async () => {
  await page.click('#variant-example-latency');
  const patch = JSON.parse(await page.inputValue('#variant'));
  const expected = JSON.parse(DEFAULT_SCENARIO);
  expected.traffic[0].request.provider.sort = 'latency';
  assert.deepEqual(patch, { traffic: expected.traffic });
  assert.equal(await runAndWait(), 'done', await page.textContent('#error'));
  const shown = await page.evaluate(readComparison);
  const a = simulate(DEFAULT_SCENARIO);
  const b = simulate(expected);
  assertTableMatches(shown.rows, a, b);
  assert.ok(Number(shown.rows['share:groq'].b) > 0.3, `groq's share in B: ${shown.rows['share:groq'].b}`);
  assert.ok(Number(shown.rows.cost.pct) > 0.2, `cost change: ${shown.rows.cost.pct}`);
  assert.equal(shown.rows.cost.verdict, 'worse');
  assert.equal(shown.rows.latency_p50.verdict, 'better');
});

test('an empty patch is A again, seed included (even a uint64 beyond 2^53): every difference is 0', { timeout: 30_000 }, async () => {
  const seed = '18446744073709551615';
  const text = DEFAULT_SCENARIO.replace('"seed": 42', `"seed": ${seed}`);
  assert.notEqual(text, DEFAULT_SCENARIO);
  await page.fill('#scenario', text);
  await page.fill('#variant', '{}');
  assert.equal(await runAndWait(), 'done', await page.textContent('#error'));
  const shown = await page.evaluate(readComparison);
  const a = simulate(text);
  // The seed matters: the nearest double (what JSON.parse makes of it) is not a uint64 at all,
  // and the uint64 next to it gives another report.
  assert.notEqual(simulate(text.replace(seed, '18446744073709551614')).cost_usd, a.cost_usd);
  assertTableMatches(shown.rows, a, a);
  for (const [key, row] of Object.entries(shown.rows)) assert.equal(Number(row.diff), 0, `${key}: B − A = ${row.diff}`);
  assert.match(shown.seedNote, new RegExp(`same seed, ${seed}`));
  await page.click('#reset');
});

test('a bad B: its JSON, its shape, a field the core refuses: each error names B', { timeout: 30_000 }, async () => {
  await page.click('#reset');
  const a = simulate(DEFAULT_SCENARIO);

  await page.fill('#variant', '{"context": {},\n "providers": {groq: 1}}');
  assert.equal(await runAndWait(), 'error');
  let shown = await page.evaluate(readComparison);
  assert.match(shown.error, /Variant B is not valid JSON/);
  // Where JSON.parse stopped, in B's text, and the cursor there (when the engine says where).
  const where = await page.evaluate(() => {
    const b = document.getElementById('variant');
    return { focused: document.activeElement === b, at: b.selectionStart };
  });
  if (/position \d+/.test(shown.error)) {
    assert.match(shown.error, /line 2,? column 16/);
    assert.deepEqual(where, { focused: true, at: 31 });
  }
  assert.deepEqual(shown.invalid, { a: false, b: true });

  await page.fill('#variant', '["context"]');
  assert.equal(await runAndWait(), 'error');
  shown = await page.evaluate(readComparison);
  assert.match(shown.error, /Variant B is not a merge patch/);
  assert.deepEqual(shown.invalid, { a: false, b: true });

  // A typo in a field name: the core's 400 names it, and the page says it is B's. A ran.
  await page.fill('#variant', '{"providers": {"groq": {"capacity_rp": 20}}}');
  assert.equal(await runAndWait(), 'error');
  shown = await page.evaluate(readComparison);
  assert.match(shown.error, /The core refused variant B \(400 invalid_argument\)/);
  assert.match(shown.error, /field: providers\.groq\.capacity_rp/);
  assert.deepEqual(shown.invalid, { a: false, b: true });
  assert.equal(shown.view, 'single', 'no comparison without B');
  assert.equal(shown.comparisonHidden, true);
  assert.equal(shown.chartBHidden, true);
  assert.equal(shown.totalRequests, a.requests, 'A\'s report is shown');
  assert.match(shown.status, /B was refused/);

  // With B there, an error in A says it is A's.
  const badA = JSON.parse(DEFAULT_SCENARIO);
  badA.traffic[0].rate_per_s = -1;
  await page.fill('#scenario', JSON.stringify(badA, null, 2));
  await page.fill('#variant', '{}');
  assert.equal(await runAndWait(), 'error');
  shown = await page.evaluate(readComparison);
  assert.match(shown.error, /The core refused scenario A \(400 invalid_argument\)/);
  assert.match(shown.error, /traffic\[0\]\.rate_per_s/);
  assert.deepEqual(shown.invalid, { a: true, b: false });
  await page.click('#reset');
});

test('clearing B returns to the single view, at once and on the next run', { timeout: 30_000 }, async () => {
  await page.click('#reset');
  await page.click('#variant-example-ignore');
  assert.equal(await runAndWait(), 'done');
  assert.equal((await page.evaluate(readComparison)).view, 'compare');

  await page.click('#variant-clear');
  let shown = await page.evaluate(readComparison);
  const a = simulate(DEFAULT_SCENARIO);
  assert.equal(await page.inputValue('#variant'), '');
  assert.equal(shown.view, 'single');
  assert.equal(shown.comparisonHidden, true);
  assert.equal(shown.chartBHidden, true);
  assert.equal(shown.reportHeading, 'Report');
  assert.match(shown.titles.a, /^Attempts per provider/, 'A\'s charts lose their "A:"');
  assert.equal(shown.titles.b, null, 'B\'s chart is gone');
  assert.equal(shown.runLabel, 'Run');
  assert.equal(shown.totalRequests, a.requests);

  assert.equal(await runAndWait(), 'done');
  shown = await page.evaluate(readComparison);
  assert.equal(shown.view, 'single');
  assert.doesNotMatch(shown.status, /B /);
  assert.match(shown.status, new RegExp(`done: ${a.requests.toLocaleString('en-US')} requests`));

  // Emptying the editor by hand does the same on the next Run.
  await page.click('#variant-example-ignore');
  assert.equal(await runAndWait(), 'done');
  assert.equal((await page.evaluate(readComparison)).view, 'compare');
  await page.fill('#variant', '  \n');
  assert.equal(await runAndWait(), 'done');
  shown = await page.evaluate(readComparison);
  assert.equal(shown.view, 'single');
  assert.equal(shown.comparisonHidden, true);
  assert.equal(shown.chartBHidden, true);
  assert.deepEqual(browser.errors, []);
});

test('the examples and the preview: "B in full" shows the scenario B runs', async () => {
  await page.click('#reset');
  await page.click('#variant-example-ignore');
  await page.click('#variant-full summary');
  await page.waitForFunction(() => document.querySelector('#variant-full pre').textContent !== '');
  const full = JSON.parse(await page.textContent('#variant-full pre'));
  assert.deepEqual(full, { ...JSON.parse(DEFAULT_SCENARIO), context: { ignored_providers: ['nebius'] } });
  // An A without a class sorted by price: the latency example says it does not apply.
  await page.fill('#scenario', '{"duration_ms": 1000, "traffic": []}');
  await page.click('#variant-example-latency');
  assert.match(await page.textContent('#variant-note'), /does not apply.*sorts by price/);
  assert.equal(EXAMPLES.latency.label, await page.textContent('#variant-example-latency'));
  await page.click('#variant-clear');
  await page.click('#reset');
});
