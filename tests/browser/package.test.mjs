// The npm package in a real page: headless Chromium imports js/src/browser.js (the package's
// "browser" entry), which fetches js/dist/switchyard.wasm; the page lists models, plans a
// request and translates canned upstream responses (OpenAI and Anthropic, buffered and
// streamed, and a 429). The same calls in Node over the same dist/ must give the same answers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { load as loadNode } from '../../js/src/node.js';
import { openBrowser, requirePrerequisites } from './browser.mjs';

const NOW = 1_767_225_600_000;
const PLAN_OPENAI = {
  request: {
    model: 'openai/gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello' }],
    provider: { only: ['openai'] },
  },
  now_ms: NOW,
  seed: 7,
};
const PLAN_ANTHROPIC = {
  request: {
    model: 'anthropic/claude-haiku-4.5',
    messages: [{ role: 'user', content: 'Say hello' }],
    provider: { only: ['anthropic'] },
  },
  now_ms: NOW,
  seed: 7,
};
const OPENAI_BODY = JSON.stringify({
  id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from OpenAI' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
});
const ANTHROPIC_BODY = JSON.stringify({
  id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-haiku-4-5',
  content: [{ type: 'text', text: 'Hello from Claude' }], stop_reason: 'end_turn',
  usage: { input_tokens: 12, output_tokens: 5 },
});
const ANTHROPIC_429 = JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
const OPENAI_STREAM = ['Hel', 'lo'].map((content, i) => `data: ${JSON.stringify({
  id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini',
  choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content } : { content }, finish_reason: i === 1 ? 'stop' : null }],
})}\n\n`).join('') + 'data: [DONE]\n\n';

const CANNED = { PLAN_OPENAI, PLAN_ANTHROPIC, OPENAI_BODY, ANTHROPIC_BODY, ANTHROPIC_429, OPENAI_STREAM };

// Runs in the page (and, for comparison, in Node): every call the test checks, as plain data.
async function exercise(sy, c) {
  const out = {};
  const router = new sy.Router();
  const models = router.models().data;
  out.modelCount = models.length;
  out.hasLlama = models.some((m) => m.id === 'meta-llama/llama-3.3-70b-instruct');

  const plan = router.plan(c.PLAN_OPENAI);
  out.plan = plan.result;
  plan.free();
  // One request's life, as a host drives it: the session hands out the attempt, takes the
  // upstream's answer and gives the client's.
  const t = c.PLAN_OPENAI.now_ms;
  const json = { 'content-type': 'application/json' };
  const answer = (input, head, body) => {
    const session = router.session(input);
    const step = session.next({ now_ms: t });
    const outcome = session.respond({ ...head, now_ms: t + 10 }, body).outcome;
    const final = session.next({ now_ms: t + 11 });
    session.free();
    return { step, outcome, status: final.status, headers: final.headers, body: JSON.parse(final.body) };
  };
  const openai = answer(c.PLAN_OPENAI, { status: 200, headers: json }, c.OPENAI_BODY);
  const upstream = openai.step.request;
  out.upstream = { method: upstream.method, url: upstream.url, model: JSON.parse(upstream.body).model };
  out.openai = { outcome: openai.outcome, status: openai.status, body: openai.body };

  const streamed = router.session({ ...c.PLAN_OPENAI, request: { ...c.PLAN_OPENAI.request, stream: true } });
  streamed.next({ now_ms: t });
  streamed.streamOpen({ status: 200, headers: { 'content-type': 'text/event-stream' }, now_ms: t + 5 });
  const bytes = new TextEncoder().encode(c.OPENAI_STREAM);
  const decoder = new TextDecoder();
  let client = '';
  for (let i = 0; i < bytes.length; i += 7) client += decoder.decode(streamed.streamFeed(bytes.subarray(i, i + 7)), { stream: true });
  client += decoder.decode(streamed.streamFinish({ now_ms: t + 20 }));
  const end = streamed.next({ now_ms: t + 21, committed: true });
  out.stream = { client, step: end.step, settled: end.settle !== null };
  streamed.free();

  const claude = answer(c.PLAN_ANTHROPIC, { status: 200, headers: json }, c.ANTHROPIC_BODY);
  out.anthropicUrl = claude.step.request.url;
  out.anthropic = { outcome: claude.outcome, status: claude.status, body: claude.body };
  const limited = answer(c.PLAN_ANTHROPIC, { status: 429, headers: { 'retry-after': '7' } }, c.ANTHROPIC_429);
  out.anthropic429 = { outcome: limited.outcome, status: limited.status, headers: limited.headers, body: limited.body };

  try {
    router.endpoints('no/such-model', c.PLAN_OPENAI.now_ms);
    out.notFound = null;
  } catch (e) {
    out.notFound = { name: e.name, code: e.code, httpStatus: e.httpStatus, isSwitchyardError: e instanceof sy.SwitchyardError };
  }
  router.free();
  return out;
}

let browser;
let pageResult;
let wasmResponses = [];

before(async () => {
  browser = await openBrowser();
  const { page, origin } = browser;
  page.on('response', (r) => {
    if (r.url().endsWith('.wasm')) wasmResponses.push({ url: r.url(), status: r.status(), type: r.headers()['content-type'] });
  });
  // An empty page on the server's origin, so that the package's module URLs resolve there.
  await page.route(`${origin}/package-test.html`, (route) => route.fulfill({
    contentType: 'text/html', body: '<!doctype html><title>switchyard package test</title>',
  }));
  await page.goto(`${origin}/package-test.html`);
  pageResult = await page.evaluate(async ({ source, canned }) => {
    const { load } = await import('/js/src/browser.js');
    const sy = await load();
    const run = new Function(`return (${source})`)();
    return { abiVersion: sy.abiVersion, hasSimulator: sy.hasSimulator, ...(await run(sy, canned)) };
  }, { source: exercise.toString(), canned: CANNED });
});

after(async () => {
  await browser?.close();
});

test('the page loads the package: the .wasm comes as application/wasm from js/dist', () => {
  assert.equal(pageResult.abiVersion, 2);
  assert.equal(wasmResponses.length, 1, JSON.stringify(wasmResponses));
  assert.match(wasmResponses[0].url, /\/js\/dist\/switchyard\.wasm$/);
  assert.equal(wasmResponses[0].status, 200);
  assert.equal(wasmResponses[0].type, 'application/wasm');
  assert.deepEqual(browser.errors, []);
});

test('Router.models() in the page: the default catalog', () => {
  assert.ok(pageResult.modelCount > 300, `${pageResult.modelCount} models`);
  assert.equal(pageResult.hasLlama, true);
});

test('Router.plan() in the page, and the upstream request of its first attempt', () => {
  const { plan, upstream } = pageResult;
  assert.equal(plan.model, 'openai/gpt-4o-mini');
  assert.deepEqual(plan.attempts.map((a) => a.provider), ['openai']);
  assert.equal(upstream.method, 'POST');
  assert.equal(upstream.url, 'https://api.openai.com/v1/chat/completions');
  assert.equal(upstream.model, 'gpt-4o-mini');
});

test('a session in the page translates canned upstream responses', () => {
  const { openai, anthropic, anthropic429, anthropicUrl } = pageResult;
  assert.equal(openai.outcome, 'done');
  assert.equal(openai.status, 200);
  assert.equal(openai.body.choices[0].message.content, 'Hello from OpenAI');
  assert.equal(openai.body.model, 'openai/gpt-4o-mini');
  assert.equal(openai.body.usage.total_tokens, 13);

  assert.equal(anthropicUrl, 'https://api.anthropic.com/v1/messages');
  assert.equal(anthropic.outcome, 'done');
  assert.equal(anthropic.body.object, 'chat.completion', 'Anthropic Messages became OpenAI chat');
  assert.equal(anthropic.body.choices[0].message.content, 'Hello from Claude');
  assert.equal(anthropic.body.choices[0].finish_reason, 'stop');
  assert.equal(anthropic.body.usage.prompt_tokens, 12);
  assert.equal(anthropic.body.usage.completion_tokens, 5);
  assert.ok(anthropic.body.usage.cost > 0);

  assert.equal(anthropic429.outcome, 'retry');
  assert.equal(anthropic429.status, 429);
  assert.equal(anthropic429.headers['retry-after'], '7');
  assert.equal(anthropic429.body.error.code, 429);
});

test('a stream in the page: any split of the upstream bytes, one client stream', () => {
  const { client, step, settled } = pageResult.stream;
  const contents = [...client.matchAll(/^data: (\{.*\})$/gm)]
    .map((m) => JSON.parse(m[1]).choices?.[0]?.delta?.content ?? '').join('');
  assert.equal(contents, 'Hello');
  assert.match(client, /data: \[DONE\]\n\n$/);
  assert.equal(step, 'end');
  assert.ok(settled, 'a served stream is settled');
});

test('errors in the page are SwitchyardErrors', () => {
  assert.deepEqual(pageResult.notFound, { name: 'SwitchyardError', code: 'not_found', httpStatus: 404, isSwitchyardError: true });
});

test('the page and Node give the same answers from the same dist/', async () => {
  requirePrerequisites();
  const sy = await loadNode();
  const inNode = await exercise(sy, CANNED);
  const { abiVersion, hasSimulator, ...inPage } = pageResult;
  assert.equal(hasSimulator, sy.hasSimulator);
  assert.equal(abiVersion, sy.abiVersion);
  assert.deepEqual(inPage, inNode);
});
