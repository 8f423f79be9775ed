// playground.js: a chat page over the Switchyard client (js/src/client.js) running in the page,
// or — with the toggle — over the local edge worker of `make run`, so both paths can be compared.
//
// Settings come from the form; keys are read from it for each Switchyard and never stored. One
// Switchyard is kept while the keys and the upstream choice stay the same, so its health and
// prompt-cache stickiness carry from one call to the next, as in an app. config.json (served by
// `make run` beside the page) gives the sandbox fleet's URL and the local worker's URL and demo
// key; without it only real providers can be used.
import { Switchyard, load } from '../../js/src/browser.js';

const $ = (id) => document.getElementById(id);
const state = { core: null, config: null, slugs: [], client: null, clientKey: '', history: [], controller: null };

// The sandbox fleet routes a provider by slug and wire; in the catalog, Google AI Studio is the
// only Gemini-wire provider (its path is /v1beta).
const sandboxBase = (url, slug) => `${url}/${slug}/${slug === 'google' ? 'v1beta' : 'v1'}`;

function status(text) { $('status').textContent = text; }

function parseKeys(text) {
  const keys = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at <= 0) continue;
    const slug = line.slice(0, at).trim();
    const key = line.slice(at + 1).trim();
    if (slug && key) keys[slug] = key;
  }
  return keys;
}

/** The Switchyard for the current settings (a new one when keys or upstream changed). */
async function client() {
  const pasted = parseKeys($('keys').value);
  const sandbox = $('upstream').value === 'sandbox';
  if (sandbox && !state.config?.sandboxUrl) throw new Error('no sandbox fleet is running (start the page with make run), or pick the real providers');
  const id = JSON.stringify([pasted, sandbox]);
  if (state.client && state.clientKey === id) return state.client;
  state.client?.close();
  state.client = null;
  // No keys and the sandbox: every provider, with a placeholder key the fleet accepts.
  const keys = Object.keys(pasted).length ? pasted : sandbox ? Object.fromEntries(state.slugs.map((s) => [s, 'sandbox'])) : {};
  if (!Object.keys(keys).length) throw new Error('paste at least one provider key');
  const baseUrls = sandbox ? Object.fromEntries(Object.keys(keys).map((s) => [s, sandboxBase(state.config.sandboxUrl, s)])) : {};
  state.client = await Switchyard.create({ core: state.core, keys, baseUrls, record: { app_title: 'Switchyard playground' } });
  state.clientKey = id;
  return state.client;
}

function requestBody(messages, stream) {
  const body = { model: $('model').value.trim(), messages, stream };
  const models = $('models').value.split(',').map((s) => s.trim()).filter(Boolean);
  if (models.length) body.models = models;
  const provider = {};
  if ($('sort').value) provider.sort = $('sort').value;
  const order = $('order').value.split(',').map((s) => s.trim()).filter(Boolean);
  if (order.length) provider.order = order;
  if (Object.keys(provider).length) body.provider = provider;
  return body;
}

// ---- rendering one turn ----------------------------------------------------------------------

function newTurn(text, via) {
  const turn = document.createElement('div');
  turn.className = 'turn';
  turn.dataset.state = 'running';
  turn.innerHTML = '<div class="user"></div><div class="answer"></div><div class="plan"></div><div class="attempts"></div><div class="cost muted"></div>';
  turn.querySelector('.user').textContent = `you (${via}): ${text}`;
  $('log').prepend(turn);
  return turn;
}

function table(headers, rows) {
  const t = document.createElement('table');
  const head = t.createTHead().insertRow();
  for (const h of headers) head.insertCell().outerHTML = `<th>${h}</th>`;
  const body = t.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    if (r.className) tr.className = r.className;
    for (const c of r.cells) tr.insertCell().textContent = c;
  }
  return t;
}

function showPlan(turn, plan) {
  const box = turn.querySelector('.plan');
  box.replaceChildren(Object.assign(document.createElement('div'), { textContent: `plan: ${plan.attempts.length} attempt(s) for ${plan.model}` }),
    table(['#', 'provider', 'model', 'why'], plan.attempts.map((a, i) => ({ cells: [String(i + 1), a.provider_name, a.model, a.reason ?? ''] }))));
}

function showRecord(turn, record, usage) {
  const rows = (record?.provider_responses ?? []).map((p) => ({
    className: p.status >= 200 && p.status < 300 ? 'served' : 'failed',
    cells: [p.provider_name, String(p.status), `${p.latency} ms`, p.error_type ?? ''],
  }));
  turn.querySelector('.attempts').replaceChildren(
    Object.assign(document.createElement('div'), { textContent: 'attempts:' }),
    table(['provider', 'status', 'latency', 'error'], rows));
  const cost = usage?.cost ?? record?.total_cost;
  turn.querySelector('.cost').textContent = `cost $${cost} · ${usage?.prompt_tokens ?? record?.tokens_prompt} prompt + ${usage?.completion_tokens ?? record?.tokens_completion} completion tokens · ${record?.provider_name ?? ''}`;
  turn.dataset.cost = String(cost);
}

function fail(turn, e) {
  const div = document.createElement('div');
  div.className = 'error';
  div.textContent = `${e.name === 'SwitchyardError' ? `error ${e.status} (${e.code})` : e.name}: ${e.message}`;
  turn.append(div);
  turn.dataset.state = 'error';
}

// ---- the two paths ---------------------------------------------------------------------------

async function viaPage(turn, body, signal) {
  const sy = await client();
  const answer = turn.querySelector('.answer');
  const onPlan = (plan) => showPlan(turn, plan);
  let text = '';
  let usage = null;
  let id;
  try {
    if (body.stream) {
      const stream = await sy.chat.completions.create(body, { signal, onPlan });
      id = stream.generationId;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        answer.textContent = text;
        if (chunk.usage) usage = chunk.usage;
      }
    } else {
      const r = await sy.chat.completions.create(body, { signal, onPlan });
      id = r.id;
      text = r.choices[0]?.message?.content ?? '';
      answer.textContent = text;
      usage = r.usage;
    }
  } finally {
    if (id) {
      try { showRecord(turn, sy.generations.get(id), usage); } catch { /* nothing was settled */ }
    }
  }
  return text;
}

async function viaWorker(turn, body, signal) {
  const { workerUrl, demoKey } = state.config ?? {};
  if (!workerUrl) throw new Error('no local edge worker (start the page with make run)');
  const base = `${workerUrl}/api/v1`;
  const headers = { authorization: `Bearer ${demoKey}`, 'content-type': 'application/json' };
  turn.querySelector('.plan').textContent = 'plan: decided by the edge worker';
  const res = await fetch(`${base}/chat/completions`, { method: 'POST', headers, body: JSON.stringify(body), signal });
  const answer = turn.querySelector('.answer');
  let text = '';
  let usage = null;
  let id = res.headers.get('x-generation-id');
  if (!res.ok) {
    const err = await res.json().catch(() => ({}));
    throw Object.assign(new Error(err.error?.message ?? `HTTP ${res.status}`), { name: 'SwitchyardError', status: res.status, code: err.error?.code });
  }
  if (body.stream) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let at;
      while ((at = buffer.indexOf('\n\n')) >= 0) {
        const data = buffer.slice(0, at).split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('');
        buffer = buffer.slice(at + 2);
        if (!data || data === '[DONE]') continue;
        const chunk = JSON.parse(data);
        id ??= chunk.id;
        text += chunk.choices?.[0]?.delta?.content ?? '';
        answer.textContent = text;
        if (chunk.usage) usage = chunk.usage;
      }
    }
  } else {
    const r = await res.json();
    id ??= r.id;
    text = r.choices?.[0]?.message?.content ?? '';
    answer.textContent = text;
    usage = r.usage;
  }
  // The worker settles after answering: the record appears shortly.
  for (let i = 0; i < 20; i++) {
    const g = await fetch(`${base}/generation?id=${encodeURIComponent(id)}`, { headers });
    if (g.ok) {
      showRecord(turn, (await g.json()).data, usage);
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return text;
}

async function send(event) {
  event.preventDefault();
  const message = $('message').value.trim();
  if (!message) return;
  const worker = $('via-worker').checked;
  const turn = newTurn(message, worker ? 'edge worker' : 'this page');
  const messages = [...state.history, { role: 'user', content: message }];
  const body = requestBody(messages, $('stream').checked);
  state.controller = new AbortController();
  $('send').disabled = true;
  $('stop').disabled = false;
  try {
    const text = await (worker ? viaWorker : viaPage)(turn, body, state.controller.signal);
    state.history = [...messages, { role: 'assistant', content: text }];
    turn.dataset.state = 'done';
  } catch (e) {
    fail(turn, e);
  } finally {
    $('send').disabled = false;
    $('stop').disabled = true;
    state.controller = null;
  }
}

async function main() {
  try {
    state.config = await fetch('config.json').then((r) => (r.ok ? r.json() : null), () => null);
    state.core = await load();
    const router = new state.core.Router();
    state.slugs = router.providers().data.map((p) => p.slug);
    router.free();
    if (!state.config?.sandboxUrl) $('upstream').value = 'real';
    $('via-worker').disabled = !state.config?.workerUrl;
    $('chat').addEventListener('submit', send);
    $('stop').addEventListener('click', () => state.controller?.abort());
    $('send').disabled = false;
    status(state.config?.sandboxUrl ? `sandbox fleet at ${state.config.sandboxUrl}` : 'no sandbox fleet: paste keys for real providers');
    document.body.dataset.state = 'ready';
  } catch (e) {
    status(`could not start: ${e.message}`);
    document.body.dataset.state = 'error';
  }
}

main();
