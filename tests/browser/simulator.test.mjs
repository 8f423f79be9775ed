// The simulator page (examples/simulator/) in headless Chromium: it loads the package, runs the
// default scenario in its Web Worker and shows a report whose numbers agree with each other and
// with the same simulation run in Node; its charts are drawn; bad JSON and a scenario the core
// refuses show an error in the page.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { loadSimulator as loadSimulatorNode } from '../../js/src/node.js';
import { ROOT, openSimulatorPage } from './browser.mjs';

const DEFAULT_SCENARIO = readFileSync(join(ROOT, 'examples/simulator/scenario.json'), 'utf8');
const RUN_TIMEOUT = 40_000;

let browser;
let page;

before(async () => {
  browser = await openSimulatorPage();
  page = browser.page;
});

after(async () => {
  await browser?.close();
});

// Everything the report shows, as the raw values the page put in data-value.
function readReport() {
  const value = (id) => document.getElementById(id).dataset.value;
  const text = (id) => document.getElementById(id).textContent.trim();
  const rows = (selector) => [...document.querySelectorAll(selector)].map((row) => {
    const cells = {};
    for (const cell of row.querySelectorAll('[data-key]')) cells[cell.dataset.key] = cell.dataset.value;
    return { ...row.dataset, cells };
  });
  const totals = {};
  for (const id of ['requests', 'success-rate', 'succeeded', 'failed', 'no-route', 'attempts', 'fallbacks',
    'fallback-rate', 'cost', 'p50', 'p99']) {
    totals[id] = { value: value(`total-${id}`), text: text(`total-${id}`) };
  }
  const failures = {};
  for (const kind of ['429', '5xx', '4xx', 'timeout', 'connection']) failures[kind] = Number(value(`failures-${kind}`));
  return {
    totals,
    failures,
    providers: rows('#providers tbody tr'),
    providerFooter: rows('#providers tfoot tr')[0],
    classes: rows('#classes tbody tr'),
    samples: [...document.querySelectorAll('#samples tbody tr')].map((row) => ({
      outcome: row.dataset.outcome,
      attempts: [...row.querySelectorAll('.attempt')].map((a) => ({ provider: a.dataset.provider, result: a.dataset.result })),
    })),
    reportHidden: document.getElementById('report').hidden,
    status: text('status'),
  };
}

// Presses Run and waits for that run to end; returns the page's state then ("done" or "error").
async function runAndWait() {
  const runs = await page.evaluate(() => Number(document.body.dataset.runs ?? 0));
  await page.click('#run');
  await page.waitForFunction((before) => Number(document.body.dataset.runs ?? 0) > before, runs, { timeout: RUN_TIMEOUT });
  return page.evaluate(() => document.body.dataset.state);
}

const sum = (values) => values.reduce((a, b) => a + b, 0);

test('the page shows the default scenario, ready to run', async () => {
  assert.equal(await page.inputValue('#scenario'), DEFAULT_SCENARIO);
  assert.equal(await page.isEnabled('#run'), true);
  assert.equal(await page.isHidden('#error'), true);
  assert.deepEqual(browser.errors, []);
});

test('running the default scenario shows a consistent report, the one Node computes', { timeout: 60_000 }, async () => {
  const state = await runAndWait();
  const shown = await page.evaluate(readReport);
  assert.equal(state, 'done', `the run ended in "${state}": ${await page.textContent('#error')}`);
  assert.equal(shown.reportHidden, false);
  const n = (x) => Number(x.value);
  const { totals } = shown;

  // The totals agree with one another and with what they display.
  assert.ok(n(totals.requests) > 1000, `${totals.requests.value} requests`);
  assert.equal(n(totals.succeeded) + n(totals.failed), n(totals.requests));
  const rate = n(totals.succeeded) / n(totals.requests);
  assert.ok(Math.abs(n(totals['success-rate']) - rate) < 1e-12);
  assert.equal(totals['success-rate'].text, `${(rate * 100).toFixed(1)}%`);
  assert.equal(totals.requests.text, n(totals.requests).toLocaleString('en-US'));
  assert.ok(n(totals.fallbacks) > 0, 'the outage and the rate limit make requests fall back');
  assert.ok(shown.failures['429'] > 0, 'nebius is rate limited in the default scenario');
  assert.ok(shown.failures['5xx'] > 0, 'deepinfra has an outage in the default scenario');
  assert.equal(sum(Object.values(shown.failures)), n(totals.attempts) - n(totals.succeeded));
  assert.match(totals.cost.text, /^\$\d+\.\d{2,6}$/);
  assert.ok(n(totals.p50) > 0 && n(totals.p50) <= n(totals.p99));

  // The provider table adds up to the totals, row by row and in its footer.
  const column = (rows, key) => sum(rows.map((r) => Number(r.cells[key])));
  assert.ok(shown.providers.length >= 4, `${shown.providers.length} providers`);
  assert.equal(column(shown.providers, 'attempts'), n(totals.attempts));
  assert.equal(column(shown.providers, 'succeeded'), n(totals.succeeded));
  assert.equal(column(shown.providers, 'failed'), n(totals.attempts) - n(totals.succeeded));
  assert.equal(Number(shown.providerFooter.cells.attempts), n(totals.attempts));
  assert.ok(Math.abs(column(shown.providers, 'share') - 1) < 1e-9);
  for (const row of shown.providers) {
    assert.equal(Number(row.cells.succeeded) + Number(row.cells.failed), Number(row.cells.attempts), row.provider);
  }
  const providers = shown.providers.map((r) => r.provider);
  for (const slug of ['deepinfra', 'nebius']) assert.ok(providers.includes(slug), `${slug} is not in the table`);

  // The classes partition the requests.
  assert.deepEqual(shown.classes.map((c) => c.class), JSON.parse(DEFAULT_SCENARIO).traffic.map((t) => t.name));
  assert.equal(column(shown.classes, 'requests'), n(totals.requests));

  // The first requests, each with the attempts that explain it.
  assert.equal(shown.samples.length, 50);
  for (const s of shown.samples) {
    if (s.outcome === 'ok') assert.equal(s.attempts.at(-1).result, 'ok');
    if (s.outcome === 'failed') assert.ok(s.attempts.length > 0 && s.attempts.every((a) => a.result !== 'ok'));
  }

  // The page shows what the core computes: the same scenario in Node, over the same dist/.
  const sy = await loadSimulatorNode();
  const router = new sy.Router();
  const report = router.simulate(DEFAULT_SCENARIO);
  router.free();
  assert.equal(n(totals.requests), report.requests);
  assert.equal(n(totals.attempts), report.attempts);
  assert.equal(n(totals.fallbacks), report.fallbacks);
  assert.equal(totals.cost.value, report.cost_usd);
  assert.deepEqual(providers, report.providers.map((p) => p.provider));
  // The support chat's conversations come back to their endpoint: cache hits, shown per class.
  assert.ok(report.cache_hits > 0, 'the example has conversations with cached prompts');
  assert.equal(column(shown.classes, 'cache_hits'), report.cache_hits);
  assert.match(shown.status, new RegExp(`${report.requests.toLocaleString('en-US')} requests`));
  assert.deepEqual(browser.errors, []);
});

test('the charts are drawn', async () => {
  const charts = await page.evaluate(() => ['chart-attempts', 'chart-failures', 'chart-cost'].map((id) => {
    const canvas = document.querySelector(`#${id} canvas`);
    if (!canvas) return { id, canvas: false };
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
    return {
      id, canvas: true, width: canvas.width, height: canvas.height, painted,
      legend: [...document.querySelectorAll(`#${id} .u-legend .u-label`)].map((l) => l.textContent),
    };
  }));
  for (const c of charts) {
    assert.ok(c.canvas, `${c.id} has no canvas`);
    assert.ok(c.width > 300 && c.height > 100, `${c.id} is ${c.width}x${c.height}`);
    assert.ok(c.painted > 2000, `${c.id}: only ${c.painted} painted pixels`);
  }
  assert.ok(charts[0].legend.includes('deepinfra'), `attempts legend: ${charts[0].legend}`);
  assert.ok(charts[1].legend.includes('failed requests'));
  assert.ok(charts[2].legend.includes('running total'));
});

test('bad JSON in the editor shows an error in the page', async () => {
  await page.fill('#scenario', '{"duration_ms": 60000,\n  "traffic": [oops]}');
  assert.equal(await runAndWait(), 'error');
  assert.equal(await page.isVisible('#error'), true);
  const message = await page.textContent('#error');
  assert.match(message, /not valid JSON/);
  assert.equal(await page.isEnabled('#run'), true, 'the page can run again');
});

test('a scenario the core refuses shows its 400 and the field', async () => {
  const scenario = JSON.parse(DEFAULT_SCENARIO);
  scenario.traffic[0].rate_per_s = -1;
  await page.fill('#scenario', JSON.stringify(scenario, null, 2));
  assert.equal(await runAndWait(), 'error');
  const message = await page.textContent('#error');
  assert.match(message, /400 invalid_argument/);
  assert.match(message, /traffic\[0\]\.rate_per_s/);

  delete scenario.traffic[0].rate_per_s;
  scenario.traffic[0].rate = 5;  // a typo of a field name is refused, not ignored
  await page.fill('#scenario', JSON.stringify(scenario, null, 2));
  assert.equal(await runAndWait(), 'error');
  assert.match(await page.textContent('#error'), /traffic\[0\]/);
});

test('a long simulation runs off the main thread, and Stop abandons it', { timeout: 60_000 }, async () => {
  // A week at 5 requests/s: three million requests, minutes of work for the core.
  const long = { duration_ms: 7 * 24 * 3600 * 1000, traffic: JSON.parse(DEFAULT_SCENARIO).traffic.slice(0, 1) };
  long.traffic[0].rate_per_s = 5;
  await page.fill('#scenario', JSON.stringify(long));
  await page.click('#run');
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'running');
  assert.equal(await page.isVisible('#stop'), true);
  // The page keeps answering while the worker computes: the status line ticks.
  const first = await page.textContent('#status');
  await page.waitForFunction((before) => document.getElementById('status').textContent !== before, first, { timeout: 5000 });
  await page.click('#stop');
  await page.waitForSelector('body[data-state="ready"]', { timeout: 15_000 });
  assert.equal(await page.isHidden('#stop'), true);
  assert.equal(await page.isHidden('#error'), true);
});

test('Reset brings the example back, and it runs again', { timeout: 60_000 }, async () => {
  await page.click('#reset');
  assert.equal(await page.inputValue('#scenario'), DEFAULT_SCENARIO);
  assert.equal(await page.isHidden('#error'), true);
  assert.equal(await runAndWait(), 'done');
  assert.equal(await page.isHidden('#error'), true);
  assert.deepEqual(browser.errors, []);
});
