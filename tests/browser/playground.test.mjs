// The playground page (examples/playground/) in headless Chromium, served as `make run` serves it
// (examples/simulator/serve.mjs with the playground's config), against the edge worker under
// workerd and its sandbox fleet: a chat streams through the router in the page, the attempt
// trace shows a fallback after an injected 500, pasted keys appear only in requests to their own
// provider (from the browser's network log), and the toggle sends the same chat through the
// local edge worker, with its record and cost.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startSimulatorServer } from '../../examples/simulator/serve.mjs';
import { startWorker } from '../js/worker-harness.mjs';
import { openBrowser } from './browser.mjs';

let browser;
let worker;
let site;
const requests = [];

before(async () => {
  worker = await startWorker();
  site = await startSimulatorServer({
    port: 0, playground: { sandboxUrl: worker.fleet.url, workerUrl: worker.url, demoKey: worker.demoKey },
  });
  browser = await openBrowser();
  browser.page.on('request', (r) => requests.push({ url: r.url(), headers: r.headers(), body: r.postData() ?? '' }));
  await browser.page.goto(new URL('/examples/playground/', site.url).href);
  await browser.page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
  assert.equal(await browser.page.evaluate(() => document.body.dataset.state), 'ready', await browser.page.innerText('#status'));
});

after(async () => {
  await browser?.close();
  await site?.close();
  await worker?.close();
});

/** Sends `message` with the form as it is; returns the new turn's text, rows and cost. */
async function chat(message) {
  const { page } = browser;
  const before = await page.locator('#log .turn').count();
  await page.fill('#message', message);
  await page.click('#send');
  await page.waitForFunction((n) => {
    const turns = document.querySelectorAll('#log .turn');
    return turns.length > n && turns[0].dataset.state !== 'running';
  }, before);
  return page.evaluate(() => {
    const turn = document.querySelector('#log .turn');
    const rows = (sel) => [...turn.querySelectorAll(`${sel} tbody tr`)].map((tr) => ({ className: tr.className, cells: [...tr.cells].map((c) => c.textContent) }));
    return {
      state: turn.dataset.state, answer: turn.querySelector('.answer').textContent, plan: rows('.plan'),
      attempts: rows('.attempts'), cost: Number(turn.dataset.cost), error: turn.querySelector('.error')?.textContent ?? null,
    };
  });
}

test('no keys: the sandbox answers a streamed chat; an injected 500 shows as a failed attempt before the one that served', async () => {
  const { page } = browser;
  await page.fill('#order', 'groq, deepinfra');
  worker.fleet.pushFault('groq', { status: 500 });
  const t = await chat('Hello from the playground');
  assert.equal(t.state, 'done', t.error);
  assert.ok(t.answer.split(' ').length >= 5, t.answer);
  assert.deepEqual(t.plan.slice(0, 2).map((r) => r.cells[1]), ['Groq', 'DeepInfra']);
  assert.deepEqual(t.attempts.map((r) => [r.cells[0], r.className]), [['Groq', 'failed'], ['DeepInfra', 'served']]);
  assert.ok(t.attempts[0].cells[1].startsWith('5'));
  assert.ok(t.cost > 0);
});

test('pasted keys go only to their own provider', async () => {
  const { page } = browser;
  const keys = { groq: 'pg-key-groq-7f3a91', deepinfra: 'pg-key-deepinfra-c0ffee' };
  await page.fill('#keys', Object.entries(keys).map(([s, k]) => `${s}=${k}`).join('\n'));
  worker.fleet.pushFault('groq', { status: 500 });
  const from = requests.length;
  const t = await chat('with my own keys');
  assert.equal(t.state, 'done', t.error);
  assert.deepEqual(t.attempts.map((r) => r.cells[0]), ['Groq', 'DeepInfra']);
  const mine = requests.slice(from);
  for (const [slug, key] of Object.entries(keys)) {
    const carrying = mine.filter((r) => `${r.url} ${JSON.stringify(r.headers)} ${r.body}`.includes(key));
    assert.ok(carrying.length >= 1, `the ${slug} key was never sent`);
    for (const r of carrying) assert.ok(r.url.startsWith(`${worker.fleet.url}/${slug}/`), `the ${slug} key went to ${r.url}`);
  }
  await page.fill('#keys', '');
});

test('the toggle sends the same chat through the local edge worker, with its record and cost', async () => {
  const { page } = browser;
  await page.fill('#order', 'deepinfra');
  const local = await chat('compare both paths');
  await page.check('#via-worker');
  const from = requests.length;
  const viaWorker = await chat('compare both paths');
  await page.uncheck('#via-worker');
  assert.equal(viaWorker.state, 'done', viaWorker.error);
  assert.ok(requests.slice(from).some((r) => r.url.startsWith(`${worker.url}/api/v1/chat/completions`)));
  assert.deepEqual(viaWorker.attempts.map((r) => r.cells[0]), ['DeepInfra']);
  // Both show a priced record (the two prompts differ by the history, so the costs do; equal
  // costs for the same request are tests/js/client.test.mjs's).
  assert.ok(viaWorker.cost > 0 && local.cost > 0);
  assert.deepEqual(browser.errors.filter((e) => !/status of 500/.test(e)), []);
});
