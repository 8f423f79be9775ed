// What a generation is charged is what it reported, end to end under real workerd. An upstream
// emulator of our own plays OpenAI, Anthropic and Gemini (each provider's base URL points at it)
// and reports random exact token counts in each provider's native shape: cache reads, 5-minute
// and 1-hour cache writes (Anthropic), reasoning (OpenAI, Gemini), long prompts in Gemini 2.5
// Pro's 200k tier, zero completions. A mixed batch, buffered and streamed, then:
//   Σ usage.cost (what the clients were told)
//   == Σ /generation total_cost == the account's total_usage (exact) == /credits total_usage
//   == GET /key usage
//   == an independent recomputation from the native counts at the prices /endpoints publishes.
// Before the one priced usage, the ledger re-priced the client-shaped usage and charged 1-hour
// writes at the 5-minute price.
// Run: node --test tests/js/worker-charges.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { picos, startWorker, user } from './worker-harness.mjs';

// ---- the emulator ---------------------------------------------------------------------------------

function rng(seed) {
  let s = BigInt(seed) | 1n;
  return (n) => {
    s ^= s << 13n; s &= (1n << 64n) - 1n;
    s ^= s >> 7n;
    s ^= s << 17n; s &= (1n << 64n) - 1n;
    return Number(s % BigInt(Math.max(1, n)));
  };
}

const sse = (obj, event) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(obj)}\n\n`;

/** Counts for one request on `wire`, recorded in `sent` in arrival order. */
function drawCounts(draw, wire) {
  const big = wire === 'gemini' && draw(3) === 0; // Gemini 2.5 Pro's tier from 200k prompt tokens
  const c = {
    uncached: big ? 190_000 + draw(40_000) : draw(20_000),
    read: draw(4) === 0 ? 0 : draw(30_000),
    write5: wire === 'anthropic' && draw(3) !== 0 ? draw(12_000) : 0,
    write1h: wire === 'anthropic' && draw(3) !== 0 ? draw(12_000) : 0,
    output: draw(8) === 0 ? 0 : 1 + draw(900),
    reasoning: 0,
  };
  if (wire !== 'anthropic' && c.output > 0) c.reasoning = draw(c.output + 1);
  c.prompt = c.uncached + c.read + c.write5 + c.write1h;
  return c;
}

function startEmulator() {
  const draw = rng(20261206);
  const sent = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const url = new URL(req.url, 'http://x');
      const json = JSON.parse(body || '{}');
      const wire = url.pathname.startsWith('/anthropic/') ? 'anthropic' : url.pathname.startsWith('/google/') ? 'gemini' : 'openai';
      const stream = wire === 'gemini' ? url.pathname.includes(':streamGenerateContent') : json.stream === true;
      const c = drawCounts(draw, wire);
      sent.push({ wire, stream, ...c });
      const text = c.output > 0 ? 'counted' : '';
      const finish = c.output > 0 ? 'stop' : 'length';
      if (wire === 'openai') {
        const usage = {
          prompt_tokens: c.prompt, completion_tokens: c.output, total_tokens: c.prompt + c.output,
          prompt_tokens_details: { cached_tokens: c.read }, completion_tokens_details: { reasoning_tokens: c.reasoning },
        };
        const base = { id: 'chatcmpl-e', created: 1, model: json.model };
        if (!stream) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finish }], usage }));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const chunk = (choices, extra = {}) => sse({ ...base, object: 'chat.completion.chunk', choices, ...extra });
        res.end(chunk([{ index: 0, delta: { role: 'assistant', content: text }, finish_reason: null }]) +
          chunk([{ index: 0, delta: {}, finish_reason: finish }]) + chunk([], { usage }) + 'data: [DONE]\n\n');
        return;
      }
      if (wire === 'anthropic') {
        const usage = {
          input_tokens: c.uncached, cache_read_input_tokens: c.read,
          cache_creation_input_tokens: c.write5 + c.write1h,
          cache_creation: { ephemeral_5m_input_tokens: c.write5, ephemeral_1h_input_tokens: c.write1h },
          output_tokens: c.output,
        };
        const stop = c.output > 0 ? 'end_turn' : 'max_tokens';
        const message = { id: 'msg_e', type: 'message', role: 'assistant', model: json.model };
        if (!stream) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ...message, content: [{ type: 'text', text }], stop_reason: stop, stop_sequence: null, usage }));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(sse({ type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: Math.min(1, c.output) } } }, 'message_start') +
          sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start') +
          sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }, 'content_block_delta') +
          sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop') +
          sse({ type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: c.output } }, 'message_delta') +
          sse({ type: 'message_stop' }, 'message_stop'));
        return;
      }
      const usageMetadata = {
        promptTokenCount: c.prompt, candidatesTokenCount: c.output - c.reasoning,
        thoughtsTokenCount: c.reasoning, cachedContentTokenCount: c.read, totalTokenCount: c.prompt + c.output,
      };
      const reply = {
        candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: c.output > 0 ? 'STOP' : 'MAX_TOKENS', index: 0 }],
        usageMetadata, modelVersion: 'gemini-2.5-pro',
      };
      if (!stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${JSON.stringify(reply)}\r\n\r\n`);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`, sent, close: () => new Promise((r) => server.close(r)),
  })));
}

// ---- the independent recomputation ---------------------------------------------------------------

/** Picodollars of one generation from its native counts and the /endpoints pricing. */
function expectedCharge(c, pricing) {
  let p = pricing;
  for (const t of pricing.tiers ?? []) if (c.prompt >= t.min_prompt_tokens) p = t.pricing;
  const per = (name, fallback) => picos(p[name] ?? fallback ?? '0');
  const prompt = per('prompt');
  const completion = per('completion');
  const parts = [
    BigInt(c.uncached) * prompt,
    BigInt(c.read) * per('input_cache_read', p.prompt),
    BigInt(c.write5) * per('input_cache_write', p.prompt),
    BigInt(c.write1h) * per('input_cache_write_1h', p.input_cache_write ?? p.prompt),
    BigInt(c.output - c.reasoning) * completion,
    BigInt(c.reasoning) * per('internal_reasoning', p.completion),
    per('request'),
  ];
  return parts.reduce((a, b) => a + b, 0n);
}

// ---- the batch ---------------------------------------------------------------------------------------

const MODELS = [
  { model: 'openai/gpt-5-mini', provider: 'openai', author: 'openai/gpt-5-mini' },
  { model: 'anthropic/claude-sonnet-4.5', provider: 'anthropic', author: 'anthropic/claude-sonnet-4.5' },
  { model: 'google/gemini-2.5-pro', provider: 'google', author: 'google/gemini-2.5-pro' },
];

let w;
let emu;

before(async () => {
  emu = await startEmulator();
  w = await startWorker({
    sandbox: false,
    env: {
      OPENAI_API_KEY: 'sk-emu-openai', OPENAI_BASE_URL: `${emu.url}/openai/v1`,
      ANTHROPIC_API_KEY: 'sk-emu-anthropic', ANTHROPIC_BASE_URL: `${emu.url}/anthropic/v1`,
      GEMINI_API_KEY: 'emu-gemini', GOOGLE_BASE_URL: `${emu.url}/google/v1beta`,
    },
  });
});
after(async () => {
  await w?.close();
  await emu?.close();
});

async function readStreamCost(res) {
  const text = await res.text();
  let cost = null;
  let id = null;
  for (const block of text.split('\n\n')) {
    const line = block.split('\n').find((l) => l.startsWith('data: '));
    if (!line || line === 'data: [DONE]') continue;
    const chunk = JSON.parse(line.slice(6));
    id ??= chunk.id;
    if (chunk.usage && chunk.usage.cost !== undefined) cost = chunk.usage.cost;
  }
  return { cost, id };
}

test('charged == reported == recorded == recomputed for a mixed batch (1-hour writes, tiers, reasoning)', { timeout: 120_000 }, async () => {
  const mgmt = await w.adminKey({ management: true, name: 'ops' });
  await w.grant(mgmt.account_id, '500');
  const inf = await w.adminKey({ account_id: mgmt.account_id, name: 'app' });

  const pricing = {};
  for (const m of MODELS) {
    const r = await w.json(`/models/${m.author}/endpoints`, { key: inf.key });
    assert.equal(r.status, 200);
    const e = r.body.data.endpoints.find((x) => x.tag === m.provider || x.provider_name.toLowerCase().includes(m.provider.slice(0, 5)));
    assert.ok(e, `an endpoint of ${m.provider} for ${m.model}`);
    pricing[m.provider] = e.pricing;
  }
  // /endpoints publishes every price that can apply: the 1-hour write, the tiers.
  assert.equal(pricing.anthropic.input_cache_write_1h, '0.000006');
  assert.equal(pricing.google.tiers[0].min_prompt_tokens, 200_000);

  const N = 48;
  let reportedSum = 0n;
  const ids = [];
  for (let i = 0; i < N; i++) {
    const m = MODELS[i % 3];
    const stream = Math.floor(i / 3) % 2 === 1;
    const body = { model: m.model, messages: user(`charge ${i}`), provider: { only: [m.provider] }, max_tokens: 1000, stream };
    const res = await fetch(`${w.base}/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${inf.key}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    if (res.status !== 200) assert.fail(`request ${i}: ${res.status} ${await res.text()}`);
    let cost;
    let id;
    if (stream) ({ cost, id } = await readStreamCost(res));
    else ({ usage: { cost }, id } = await res.json());
    assert.equal(typeof cost, 'number', `request ${i} reports usage.cost`);
    const sent = emu.sent[i];
    assert.equal(sent.wire, { openai: 'openai', anthropic: 'anthropic', google: 'gemini' }[m.provider]);
    const expected = expectedCharge(sent, pricing[m.provider]);
    assert.equal(picos(cost), expected, `request ${i} (${m.model}, ${stream ? 'streamed' : 'buffered'}): reported vs recomputed`);
    reportedSum += expected;
    ids.push({ id, expected, sent });
  }
  assert.ok(emu.sent.some((c) => c.write1h > 0), 'the batch has 1-hour cache writes');
  assert.ok(emu.sent.some((c) => c.prompt >= 200_000), 'the batch has long-context prompts');
  assert.ok(emu.sent.some((c) => c.output === 0), 'the batch has zero completions');

  // Recorded: each generation's total_cost and its components.
  let recordedSum = 0n;
  for (const { id, expected, sent } of ids) {
    const g = await w.generation(id, inf.key);
    assert.equal(g.status, 200, `generation ${id}`);
    assert.equal(picos(g.body.data.total_cost), expected, `generation ${id} total_cost`);
    assert.equal(picos(g.body.data.cost_components.charged), expected);
    assert.equal(g.body.data.native_tokens_cache_write_1h, sent.write1h);
    assert.deepEqual(g.body.data.pricing_tier, sent.prompt >= 200_000 && sent.wire === 'gemini' ? { min_prompt_tokens: 200_000 } : null);
    recordedSum += picos(g.body.data.total_cost);
  }
  assert.equal(recordedSum, reportedSum);

  // Charged: the account's exact total, /credits and the key's usage.
  const balance = await w.balance(mgmt.account_id);
  assert.equal(picos(balance.total_usage), reportedSum, 'the account was charged what the clients were told');
  const credits = await w.json('/credits', { key: mgmt.key });
  assert.equal(picos(credits.body.data.total_usage), reportedSum);
  const key = await w.json('/key', { key: inf.key });
  assert.equal(picos(key.body.data.usage), reportedSum);
});
