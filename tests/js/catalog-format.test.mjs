// Invariants of the generated catalog (core/data/catalog.json, format in core/data/FORMAT.md).
// Run from the repository root: node --test tests/js/catalog-format.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CATALOG = path.join(ROOT, 'core/data/catalog.json');
const SCRIPT = path.join(ROOT, 'scripts/gen-catalog.mjs');
const DATA = path.resolve(ROOT, '../shared/data');
const INPUTS = [path.join(DATA, 'models-dev-providers.json'), path.join(DATA, 'openrouter-models-2026-05.json')];

const text = fs.readFileSync(CATALOG, 'utf8');
const cat = JSON.parse(text);
// Each distinct supported_parameters list is written once (parameter_sets); models and endpoints
// name theirs by index. Every set is used, sorted and without repeats, and no two are the same.
assert.ok(Array.isArray(cat.parameter_sets) && cat.parameter_sets.length > 0, 'parameter_sets');
const setUses = new Array(cat.parameter_sets.length).fill(0);
for (const x of [...cat.models, ...cat.endpoints]) {
  const where = x.id ?? `${x.model}@${x.tag ?? x.provider}`;
  assert.ok(!('supported_parameters' in x), `${where}: supported_parameters given by index`);
  assert.ok(Number.isInteger(x.params) && x.params >= 0 && x.params < cat.parameter_sets.length, `${where}: params index`);
  setUses[x.params]++;
  x.supported_parameters = cat.parameter_sets[x.params];
}
assert.ok(setUses.every((n) => n > 0), 'every parameter set is used');
assert.equal(new Set(cat.parameter_sets.map((l) => JSON.stringify(l))).size, cat.parameter_sets.length, 'sets are distinct');
for (const l of cat.parameter_sets) {
  assert.deepEqual(l, [...new Set(l)].sort(), `parameter set sorted and unique: ${JSON.stringify(l)}`);
}
// Fields left out take their FORMAT.md defaults (the generator omits them when equal).
for (const m of cat.models) m.canonical_slug ??= m.id;
const omittedWhenDefault = { max_completion_tokens: null, quantization: 'unknown', zdr: null, training: null };
for (const e of cat.endpoints) {
  for (const [k, v] of Object.entries(omittedWhenDefault)) {
    assert.ok(e[k] !== v, `${e.model}@${e.tag ?? e.provider}: ${k} ${JSON.stringify(v)} is the default: left out`);
    e[k] ??= v;
  }
  assert.ok(!('free' in e), 'free is derived from the prices: left out');
  e.free = e.pricing.prompt === '0' && e.pricing.completion === '0';
  e.tag ??= e.provider;
  e.upstream_model ??= e.model;
}

const DEC = /^(0|[1-9]\d*)(\.\d*[1-9])?$/;
const TOKEN_KEYS = ['prompt', 'completion', 'input_cache_read', 'input_cache_write', 'input_cache_write_1h', 'internal_reasoning'];
const OTHER_KEYS = ['request', 'image'];
const WIRES = new Set(['openai', 'anthropic', 'gemini']);
const QUANTS = new Set(['int4', 'int8', 'fp4', 'fp6', 'fp8', 'fp16', 'bf16', 'fp32', 'unknown']);
const GROUPS = new Set(['anthropic', 'openai', 'google', 'xai', 'other']);

const providers = new Map(cat.providers.map((p) => [p.slug, p]));
const models = new Map(cat.models.map((m) => [m.id, m]));
const decimals = (s) => (s.includes('.') ? s.split('.')[1].length : 0);

function checkPricing(p, where) {
  assert.equal(typeof p, 'object', `${where}: pricing object`);
  assert.ok('prompt' in p && 'completion' in p, `${where}: prompt and completion present`);
  for (const [k, v] of Object.entries(p)) {
    assert.ok(TOKEN_KEYS.includes(k) || OTHER_KEYS.includes(k), `${where}: unknown price key ${k}`);
    assert.equal(typeof v, 'string', `${where}.${k} is a string`);
    assert.match(v, DEC, `${where}.${k}=${v} is a plain decimal`);
    assert.ok(decimals(v) <= (TOKEN_KEYS.includes(k) ? 6 : 12), `${where}.${k}=${v} has too many decimals`);
  }
}

test('header', () => {
  assert.equal(cat.format, 'switchyard-catalog');
  assert.equal(cat.version, 1);
  assert.ok(Array.isArray(cat.sources) && cat.sources.length >= 2);
  for (const s of cat.sources) assert.ok(s.name && typeof s.date === 'string');
  assert.ok(text.endsWith('\n'));
  assert.ok(!/^\s+"/m.test(text), 'no indentation');
  assert.ok(text.length < 1024 * 1024, `catalog is ${text.length} bytes; keep it compact (target ~900 KB)`);
});

test('counts', () => {
  assert.ok(cat.models.length >= 300, `${cat.models.length} models`);
  assert.ok(cat.providers.length >= 40, `${cat.providers.length} providers`);
  assert.ok(cat.endpoints.length >= 1000, `${cat.endpoints.length} endpoints`);
});

test('sorted and unique', () => {
  const sorted = (xs) => xs.every((x, i) => i === 0 || xs[i - 1] < x);
  assert.ok(sorted(cat.providers.map((p) => p.slug)), 'providers sorted by unique slug');
  assert.ok(sorted(cat.models.map((m) => m.id)), 'models sorted by unique id');
  const keys = cat.endpoints.map((e) => `${e.model}\u0000${e.tag}`);
  assert.equal(new Set(keys).size, keys.length, '(model, tag) unique');
  assert.ok(sorted(keys), 'endpoints sorted by (model, tag)');
});

test('providers', () => {
  for (const p of cat.providers) {
    assert.match(p.slug, /^[a-z0-9][a-z0-9-]*$/);
    assert.ok(p.name, `${p.slug}: name`);
    assert.ok(WIRES.has(p.wire), `${p.slug}: wire ${p.wire}`);
    assert.match(p.base_url, /^https:\/\/[^\s$]+[^/]$/, `${p.slug}: base_url ${p.base_url}`);
    assert.ok(p.api_key_env === null || /^[A-Z0-9_]+$/.test(p.api_key_env), `${p.slug}: api_key_env`);
    assert.ok(p.privacy_policy_url === null || p.privacy_policy_url.startsWith('https://'), `${p.slug}: privacy url`);
    const d = p.data_policy;
    assert.equal(typeof d.training, 'boolean');
    assert.equal(typeof d.retains_prompts, 'boolean');
    assert.ok(d.retention_days === null || Number.isInteger(d.retention_days));
    assert.equal(typeof d.zdr, 'boolean');
    if (d.zdr) assert.equal(d.retains_prompts, false, `${p.slug}: zdr implies no retention`);
    assert.ok(['max_tokens', 'max_completion_tokens'].includes(p.max_tokens_param));
  }
});

test('models', () => {
  const ctx = new Map();
  for (const e of cat.endpoints) ctx.set(e.model, Math.max(ctx.get(e.model) ?? 0, e.context_length));
  for (const m of cat.models) {
    assert.match(m.id, /^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/, `model id ${m.id}`);
    assert.ok(m.canonical_slug && m.name && m.description, `${m.id}: names`);
    assert.ok(Number.isInteger(m.created) && m.created >= 0, `${m.id}: created`);
    assert.ok(ctx.has(m.id), `${m.id}: has endpoints`);
    assert.equal(m.context_length, ctx.get(m.id), `${m.id}: context_length = max over endpoints`);
    assert.ok(m.input_modalities.includes('text') || m.input_modalities.length > 0);
    assert.ok(Array.isArray(m.output_modalities) && m.output_modalities.length > 0);
    assert.ok(Array.isArray(m.supported_parameters));
    assert.equal(typeof m.is_moderated, 'boolean');
    assert.ok(GROUPS.has(m.model_group), `${m.id}: model_group`);
  }
  assert.equal(models.get('anthropic/claude-sonnet-4')?.model_group, 'anthropic');
  assert.equal(models.get('openai/gpt-4o-mini')?.model_group, 'openai');
  assert.equal(models.get('google/gemini-2.5-flash')?.model_group, 'google');
});

test('endpoints', () => {
  for (const e of cat.endpoints) {
    const where = `${e.model}@${e.tag}`;
    assert.ok(models.has(e.model), `${where}: model exists`);
    assert.ok(providers.has(e.provider), `${where}: provider exists`);
    assert.ok(e.tag === e.provider || e.tag.startsWith(e.provider + '/'), `${where}: tag`);
    assert.ok(typeof e.upstream_model === 'string' && e.upstream_model.length > 0);
    assert.ok(Number.isInteger(e.context_length) && e.context_length > 0, `${where}: context_length`);
    assert.ok(e.max_completion_tokens === null || (Number.isInteger(e.max_completion_tokens) && e.max_completion_tokens > 0
      && e.max_completion_tokens <= e.context_length), `${where}: max_completion_tokens`);
    assert.ok(QUANTS.has(e.quantization), `${where}: quantization ${e.quantization}`);
    checkPricing(e.pricing, where);
    if ('tiers' in e) {
      assert.ok(Array.isArray(e.tiers) && e.tiers.length > 0, `${where}: tiers omitted when empty`);
      let last = 0;
      for (const t of e.tiers) {
        assert.ok(Number.isInteger(t.min_prompt_tokens) && t.min_prompt_tokens > last, `${where}: tiers ascending`);
        last = t.min_prompt_tokens;
        checkPricing(t.pricing, `${where} tier ${t.min_prompt_tokens}`);
      }
    }
    assert.ok(Array.isArray(e.supported_parameters));
    assert.ok(e.zdr === null || typeof e.zdr === 'boolean');
    assert.ok(e.training === null || typeof e.training === 'boolean');
    assert.ok(e.wire === undefined || (WIRES.has(e.wire) || e.wire === 'openai-responses'), `${where}: wire ${e.wire}`);
  }
  // OpenAI's Responses-only models are reached on its Responses API; its other models are not.
  const wireOf = (model, tag) => cat.endpoints.find((e) => e.model === model && e.tag === tag)?.wire;
  for (const model of ['openai/o3-pro', 'openai/o1-pro', 'openai/gpt-5-pro', 'openai/gpt-5-codex']) {
    assert.equal(wireOf(model, 'openai'), 'openai-responses', `${model} on openai`);
  }
  assert.equal(wireOf('openai/gpt-4o-mini', 'openai'), undefined);
  assert.equal(wireOf('openai/o3-pro', 'openrouter'), undefined);
});

test('well-known models and endpoints', () => {
  const on = (model, provider) => cat.endpoints.some((e) => e.model === model && e.provider === provider);
  for (const [model, provider] of [
    ['openai/gpt-4o', 'openai'], ['openai/gpt-4o-mini', 'openai'],
    ['anthropic/claude-sonnet-4', 'anthropic'], ['google/gemini-2.5-flash', 'google'],
  ]) assert.ok(on(model, provider), `${model} on ${provider}`);
  for (const slug of ['openai', 'anthropic', 'google', 'deepseek', 'mistral', 'xai', 'groq', 'together', 'fireworks', 'deepinfra', 'cerebras']) {
    assert.ok(providers.has(slug), `provider ${slug}`);
    assert.ok(cat.endpoints.some((e) => e.provider === slug), `provider ${slug} has endpoints`);
  }
  assert.equal(providers.get('anthropic').wire, 'anthropic');
  assert.equal(providers.get('google').wire, 'gemini');
  assert.equal(providers.get('openai').wire, 'openai');
  assert.equal(providers.get('openai').max_tokens_param, 'max_completion_tokens');
  const llama = new Set(cat.endpoints.filter((e) => e.model === 'meta-llama/llama-3.3-70b-instruct').map((e) => e.provider));
  assert.ok(llama.size >= 3, `llama-3.3-70b-instruct on ${llama.size} providers`);
  assert.ok(cat.endpoints.some((e) => e.model === 'meta-llama/llama-3.3-70b-instruct' && e.free), 'a free llama endpoint');
  // Anthropic pricing: 1h cache write = 2x input where the 5m write is 1.25x.
  const sonnet = cat.endpoints.find((e) => e.model === 'anthropic/claude-sonnet-4' && e.tag === 'anthropic');
  assert.equal(sonnet.pricing.prompt, '3');
  assert.equal(sonnet.pricing.input_cache_write, '3.75');
  assert.equal(sonnet.pricing.input_cache_write_1h, '6');
});

test('generator is deterministic and the committed catalog is current', (t) => {
  if (!INPUTS.every((f) => fs.existsSync(f))) {
    t.skip('../shared/data not present');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-'));
  try {
    const outs = [path.join(dir, 'a.json'), path.join(dir, 'b.json')];
    for (const out of outs) execFileSync(process.execPath, [SCRIPT, ...INPUTS, '--out', out, '--quiet'], { stdio: 'pipe' });
    const [a, b] = outs.map((f) => fs.readFileSync(f));
    assert.ok(a.equals(b), 'two runs give identical bytes');
    assert.ok(a.equals(fs.readFileSync(CATALOG)), 'core/data/catalog.json is up to date (run node scripts/gen-catalog.mjs)');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
