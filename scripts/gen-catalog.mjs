#!/usr/bin/env node
// Switchyard catalog generator.
//
//   node scripts/gen-catalog.mjs [models-dev-providers.json] [openrouter-models.json]
//        [--out FILE] [--quiet] [--report] [--or-date YYYY-MM-DD]
//
// Inputs default to ../shared/data/ relative to the repository root. Output defaults to
// core/data/catalog.json. The output format is described in core/data/FORMAT.md.
//
// The script only copies facts (ids, names, prices, limits, capabilities) out of the two
// snapshots; descriptions are generated here from those facts. Output is deterministic:
// everything is sorted, no timestamps are taken from the clock, and numbers are handled as
// exact decimals (BigInt), so running it twice on the same inputs gives identical bytes.
//
// --report prints the mapping decisions (unmatched entries, duplicates, suspicious prices)
// to stderr; use it when updating the alias tables below.
//
// Node 20+, no dependencies.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ───────────────────────────── exact decimals ─────────────────────────────
// Prices are held as BigInt in units of 1e-24 (of whatever unit: USD per 1M tokens for token
// prices). Sources never carry more than 24 significant decimals that matter.
const SCALE = 24;

/** Parse a JS number or a decimal string (possibly with exponent) into BigInt units of 1e-24. */
function dec(x) {
  if (x === null || x === undefined || x === '') return null;
  let s = typeof x === 'number' ? (Number.isFinite(x) ? String(x) : null) : String(x).trim();
  if (s === null) return null;
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const neg = m[1] === '-';
  let digits = (m[2] || '') + (m[3] || '');
  let exp = (m[4] ? parseInt(m[4], 10) : 0) - (m[3] || '').length; // value = digits * 10^exp
  let shift = exp + SCALE;
  let v;
  if (shift >= 0) {
    v = BigInt(digits || '0') * 10n ** BigInt(shift);
  } else {
    // more than 24 decimals: round half-up
    const cut = -shift;
    const keep = digits.length > cut ? digits.slice(0, digits.length - cut) : '0';
    const rest = digits.length > cut ? digits.slice(digits.length - cut) : digits.padStart(cut, '0');
    v = BigInt(keep || '0') + (rest[0] >= '5' ? 1n : 0n);
  }
  return neg ? -v : v;
}

/** Format BigInt units (1e-24) as a plain decimal string, rounded half-up to `places`. */
function fmt(v, places = 6) {
  if (v === null) return null;
  if (v < 0n) throw new Error('negative price');
  const q = 10n ** BigInt(SCALE - places);
  let r = v / q;
  if ((v % q) * 2n >= q) r += 1n;
  let s = r.toString().padStart(places + 1, '0');
  let int = s.slice(0, s.length - places);
  let frac = s.slice(s.length - places).replace(/0+$/, '');
  return frac ? `${int}.${frac}` : int;
}

const MILLION = 1000000n;

// ───────────────────────────── hand tables ─────────────────────────────

// models.dev providers we do not carry, with the reason. Everything else is kept when it has a
// wire format we speak and a usable https base URL (see resolveProvider()).
const EXCLUDED_PROVIDERS = {
  // Resellers / API gateways that front other vendors' models (a router in front of a router);
  // OpenRouter itself is kept on purpose (REFERENCE §6 lists it as an upstream).
  '302ai': 'gateway', abacus: 'gateway', aihubmix: 'gateway', anyapi: 'gateway', auriko: 'gateway',
  'cloudflare-ai-gateway': 'gateway', fastrouter: 'gateway', frogbot: 'gateway', helicone: 'gateway',
  jiekou: 'gateway', kilo: 'gateway', llmgateway: 'gateway', 'merge-gateway': 'gateway',
  'nano-gpt': 'gateway', opencode: 'gateway', orcarouter: 'gateway', poe: 'gateway',
  'qihang-ai': 'gateway', requesty: 'gateway', 'routing-run': 'gateway', vercel: 'gateway',
  vivgrid: 'gateway', zenmux: 'gateway', freemodel: 'gateway', databricks: 'gateway',
  neon: 'gateway', 'sap-ai-core': 'gateway', gitlab: 'gateway', 'perplexity-agent': 'responses-api gateway',
  xpersona: 'gateway', claudinio: 'gateway', cortecs: 'gateway (EU router)',
  // Subscription / coding plans: the per-token prices are nominal, billing is a flat fee.
  'alibaba-coding-plan': 'plan', 'alibaba-coding-plan-cn': 'plan', 'alibaba-token-plan': 'plan',
  'alibaba-token-plan-cn': 'plan', 'github-copilot': 'plan', 'kimi-for-coding': 'plan',
  'kuae-cloud-coding-plan': 'plan', 'minimax-coding-plan': 'plan', 'minimax-cn-coding-plan': 'plan',
  'opencode-go': 'plan', 'stepfun-ai': 'plan', 'tencent-coding-plan': 'plan',
  'umans-ai-coding-plan': 'plan', 'xiaomi-token-plan-ams': 'plan', 'xiaomi-token-plan-cn': 'plan',
  'xiaomi-token-plan-sgp': 'plan', 'zai-coding-plan': 'plan', 'zhipuai-coding-plan': 'plan',
  // Need cloud-specific auth (SigV4, OAuth, api-key header on per-resource hosts).
  'amazon-bedrock': 'auth', azure: 'auth', 'azure-cognitive-services': 'auth', 'google-vertex': 'auth',
  'google-vertex-anthropic': 'auth', 'snowflake-cortex': 'auth',
  // Vercel v0 is a product API, not a model host.
  v0: 'product api',
  // Prices not in USD per token (or not credible against every other host).
  llmtr: 'prices',
  // China-region twins of a vendor whose international endpoint is kept (separate accounts, same
  // models); left out to keep the embedded catalog small.
  'alibaba-cn': 'region twin of alibaba', 'siliconflow-cn': 'region twin of siliconflow',
  'moonshotai-cn': 'region twin of moonshotai', 'minimax-cn': 'region twin of minimax',
  zhipuai: 'region twin of zai',
};

// Hand table: first-party and well-known providers. Fields override models.dev.
//   slug: our slug (OpenRouter-style where models.dev differs)     wire/base_url: see FORMAT.md
const PROVIDER_TABLE = {
  anthropic: { wire: 'anthropic', base_url: 'https://api.anthropic.com/v1', api_key_env: 'ANTHROPIC_API_KEY' },
  google: { name: 'Google AI Studio', wire: 'gemini', base_url: 'https://generativelanguage.googleapis.com/v1beta', api_key_env: 'GEMINI_API_KEY' },
  openai: { wire: 'openai', base_url: 'https://api.openai.com/v1', api_key_env: 'OPENAI_API_KEY' },
  xai: { wire: 'openai', base_url: 'https://api.x.ai/v1', api_key_env: 'XAI_API_KEY' },
  mistral: { wire: 'openai', base_url: 'https://api.mistral.ai/v1' },
  groq: { wire: 'openai', base_url: 'https://api.groq.com/openai/v1' },
  cerebras: { wire: 'openai', base_url: 'https://api.cerebras.ai/v1' },
  deepinfra: { name: 'DeepInfra', wire: 'openai', base_url: 'https://api.deepinfra.com/v1/openai' },
  togetherai: { slug: 'together', wire: 'openai', base_url: 'https://api.together.xyz/v1' },
  'fireworks-ai': { slug: 'fireworks', wire: 'openai' },
  'novita-ai': { slug: 'novita' },
  'wafer.ai': { slug: 'wafer' },
  perplexity: { wire: 'openai', base_url: 'https://api.perplexity.ai' },
  // Cohere's OpenAI-compatible "Compatibility API".
  cohere: { wire: 'openai', base_url: 'https://api.cohere.ai/compatibility/v1' },
  venice: { wire: 'openai', base_url: 'https://api.venice.ai/api/v1' },
  deepseek: { base_url: 'https://api.deepseek.com/v1' },
  openrouter: { wire: 'openai', base_url: 'https://openrouter.ai/api/v1' },
};

// Privacy policy URLs we are confident about; null elsewhere.
const PRIVACY_URLS = {
  openai: 'https://openai.com/policies/privacy-policy/',
  anthropic: 'https://www.anthropic.com/legal/privacy',
  google: 'https://policies.google.com/privacy',
  openrouter: 'https://openrouter.ai/privacy',
  xai: 'https://x.ai/legal/privacy-policy',
  mistral: 'https://mistral.ai/terms#privacy-policy',
  deepseek: 'https://cdn.deepseek.com/policies/en-US/deepseek-privacy-policy.html',
  groq: 'https://groq.com/privacy-policy/',
  togetherai: 'https://www.together.ai/privacy',
  'fireworks-ai': 'https://fireworks.ai/privacy-policy',
  deepinfra: 'https://deepinfra.com/privacy',
};

// Data policies. Default (unknown) is the conservative one: may train, retains prompts, unknown
// retention, no ZDR. Only providers whose public API terms say otherwise are listed (checked
// against the providers' docs; re-check before relying on them):
//   openai     — API data not used for training by default (since 2023-03-01); inputs/outputs kept
//                up to 30 days for abuse monitoring; ZDR only by separate agreement.
//   anthropic  — commercial terms: no training on API data; inputs/outputs deleted within 30 days
//                (privacy.anthropic.com; longer if flagged for usage-policy violations); ZDR only by
//                agreement.
//   google     — Gemini API *paid* tier: prompts/responses not used to improve products; logged for
//                a limited period for abuse monitoring. (The free tier may train; the catalog's
//                prices are the paid tier's.)
//   fireworks  — docs.fireworks.ai "Zero Data Retention": open models' prompts and generations are
//                not logged or stored by default; no training.
//   deepinfra  — docs.deepinfra.com "Data privacy": inputs/outputs only in memory, no training (its
//                Google/Anthropic proxies follow those vendors; none are in this catalog).
//   together   — training on customer data is opt-in, off by default; prompt storage is on unless
//                the organisation enables ZDR.
//   groq       — no training; inference data normally not retained, but may be kept up to 30 days
//                for reliability/abuse investigation; ZDR is an account setting.
const DEFAULT_POLICY = { training: true, retains_prompts: true, retention_days: null, zdr: false };
const DATA_POLICY = {
  openai: { training: false, retains_prompts: true, retention_days: 30, zdr: false },
  anthropic: { training: false, retains_prompts: true, retention_days: 30, zdr: false },
  google: { training: false, retains_prompts: true, retention_days: null, zdr: false },
  'fireworks-ai': { training: false, retains_prompts: false, retention_days: 0, zdr: true },
  deepinfra: { training: false, retains_prompts: false, retention_days: 0, zdr: true },
  togetherai: { training: false, retains_prompts: true, retention_days: null, zdr: false },
  groq: { training: false, retains_prompts: true, retention_days: 30, zdr: false },
};

// Providers that are the model author's own API: models they serve that OpenRouter does not list
// become new catalog models "<author>/<slug>". `only` filters out other vendors' models they host.
const FIRST_PARTY = {
  anthropic: { author: 'anthropic' },
  openai: { author: 'openai' },
  google: { author: 'google', only: /^(gemini|gemma)/ },
  xai: { author: 'x-ai', only: /^grok/ },
  mistral: { author: 'mistralai' },
  deepseek: { author: 'deepseek', only: /^deepseek/ },
  cohere: { author: 'cohere', only: /^(command|c4ai-aya|north)/ },
  alibaba: { author: 'qwen', only: /^(qwen|qwq)/ },
  moonshotai: { author: 'moonshotai', only: /^kimi/ },
  zai: { author: 'z-ai', only: /^glm/ },
  minimax: { author: 'minimax', only: /^minimax/i },
  xiaomi: { author: 'xiaomi', only: /^mimo/ },
  stepfun: { author: 'stepfun', only: /^step/ },
  inception: { author: 'inception', only: /^mercury/ },
  morph: { author: 'morph', only: /^morph/ },
  poolside: { author: 'poolside' },
  upstage: { author: 'upstage', only: /^solar/ },
  perplexity: { author: 'perplexity', only: /^sonar/ },
  nova: { author: 'amazon', only: /^nova/ },
  llama: { author: 'meta-llama', only: /^llama/ },
  'tencent-tokenhub': { author: 'tencent', only: /^hy/ },
};

// models.dev author (in `base_model`) → [OpenRouter author, models.dev first-party provider]
const MD_AUTHOR = {
  alibaba: ['qwen', 'alibaba'], anthropic: ['anthropic', 'anthropic'], cohere: ['cohere', 'cohere'],
  deepseek: ['deepseek', 'deepseek'], google: ['google', 'google'], meta: ['meta-llama', 'llama'],
  minimax: ['minimax', 'minimax'], mistral: ['mistralai', 'mistral'], moonshotai: ['moonshotai', 'moonshotai'],
  nvidia: ['nvidia', 'nvidia'], openai: ['openai', 'openai'], perplexity: ['perplexity', 'perplexity'],
  sakana: ['sakana', 'sakana'], sarvam: ['sarvam', 'sarvam'], stepfun: ['stepfun', 'stepfun'],
  tencent: ['tencent', 'tencent-tokenhub'], xai: ['x-ai', 'xai'], xiaomi: ['xiaomi', 'xiaomi'],
  zhipuai: ['z-ai', 'zai'],
};

// Author hints found in provider model ids (HF-style "Org/Model") → OpenRouter author.
const AUTHOR_HINTS = {
  'meta-llama': 'meta-llama', meta: 'meta-llama', qwen: 'qwen', alibaba: 'qwen', 'deepseek-ai': 'deepseek',
  deepseek: 'deepseek', mistralai: 'mistralai', mistral: 'mistralai', google: 'google', openai: 'openai',
  moonshotai: 'moonshotai', moonshot: 'moonshotai', 'zai-org': 'z-ai', zai: 'z-ai', zhipuai: 'z-ai',
  thudm: 'z-ai', minimaxai: 'minimax', minimax: 'minimax', xiaomimimo: 'xiaomi', xiaomi: 'xiaomi',
  nvidia: 'nvidia', microsoft: 'microsoft', anthropic: 'anthropic', xai: 'x-ai', 'x-ai': 'x-ai',
  'ibm-granite': 'ibm-granite', baidu: 'baidu', tencent: 'tencent', 'stepfun-ai': 'stepfun',
  stepfun: 'stepfun', liquidai: 'liquid', 'arcee-ai': 'arcee-ai', arcee_ai: 'arcee-ai',
  nousresearch: 'nousresearch', cohere: 'cohere', essentialai: 'essentialai', deepcogito: 'deepcogito',
  'inclusionai': 'inclusionai', 'bytedance-seed': 'bytedance-seed', allenai: 'allenai',
};

// Display names of authors for generated names/descriptions when OpenRouter has none.
const AUTHOR_DISPLAY = {
  anthropic: 'Anthropic', openai: 'OpenAI', google: 'Google', 'x-ai': 'xAI', mistralai: 'Mistral',
  deepseek: 'DeepSeek', cohere: 'Cohere', qwen: 'Qwen', moonshotai: 'MoonshotAI', 'z-ai': 'Z.ai',
  minimax: 'MiniMax', xiaomi: 'Xiaomi', stepfun: 'StepFun', inception: 'Inception', morph: 'Morph',
  poolside: 'Poolside', upstage: 'Upstage', perplexity: 'Perplexity', amazon: 'Amazon',
  'meta-llama': 'Meta', tencent: 'Tencent', nvidia: 'NVIDIA', alibaba: 'Alibaba', 'anthracite-org': 'Anthracite',
  undi95: 'Undi95', gryphe: 'Gryphe', switchpoint: 'Switchpoint',
};

const TOKENIZER_BY_AUTHOR = {
  anthropic: 'Claude', openai: 'GPT', google: 'Gemini', 'x-ai': 'Grok', mistralai: 'Mistral',
  deepseek: 'DeepSeek', qwen: 'Qwen3', 'meta-llama': 'Llama3', cohere: 'Cohere', amazon: 'Nova',
};

// Alias table for models.dev ids the normaliser can not (or must not) map by itself.
// Key "provider:rawId" (or "*:rawId" for any provider, "base:author/id" for a models.dev
// base_model). Value: an OpenRouter/catalog model id, or null to skip the entry.
const ALIASES = {
  // DeepSeek's API names are moving aliases of the V4 models (listed separately); OpenRouter's
  // "deepseek/deepseek-chat" is the 2024 V3 model, so they must not map there.
  'deepseek:deepseek-chat': null, 'deepseek:deepseek-reasoner': null,
  'base:deepseek/deepseek-chat': null, 'base:deepseek/deepseek-reasoner': null,
  // Mistral "-latest" aliases and renamed API ids.
  'mistral:codestral-latest': 'mistralai/codestral-2508', 'base:mistral/codestral-latest': 'mistralai/codestral-2508',
  'mistral:mistral-large-latest': 'mistralai/mistral-large-2512', 'base:mistral/mistral-large-latest': 'mistralai/mistral-large-2512',
  'mistral:mistral-small-latest': 'mistralai/mistral-small-2603', 'base:mistral/mistral-small-latest': 'mistralai/mistral-small-2603',
  'mistral:mistral-medium-latest': null, 'base:mistral/mistral-medium-latest': null,
  'mistral:devstral-latest': null, 'mistral:devstral-medium-latest': null, 'base:mistral/devstral-medium-latest': null,
  'mistral:magistral-medium-latest': null, 'base:mistral/magistral-medium-latest': null,
  'mistral:pixtral-large-latest': 'mistralai/pixtral-large-2411', 'base:mistral/pixtral-large-latest': 'mistralai/pixtral-large-2411',
  'mistral:ministral-3b-latest': null, 'mistral:ministral-8b-latest': null,
  'mistral:mistral-medium-2505': 'mistralai/mistral-medium-3', 'base:mistral/mistral-medium-2505': 'mistralai/mistral-medium-3',
  'mistral:mistral-medium-2508': 'mistralai/mistral-medium-3.1',
  'mistral:mistral-medium-2604': 'mistralai/mistral-medium-3-5', 'base:mistral/mistral-medium-2604': 'mistralai/mistral-medium-3-5',
  'mistral:mistral-small-2506': 'mistralai/mistral-small-3.2-24b-instruct', 'base:mistral/mistral-small-2506': 'mistralai/mistral-small-3.2-24b-instruct',
  'mistral:devstral-medium-2507': 'mistralai/devstral-medium', 'base:mistral/devstral-medium-2507': 'mistralai/devstral-medium',
  'mistral:devstral-small-2507': 'mistralai/devstral-small', 'base:mistral/devstral-small-2507': 'mistralai/devstral-small',
  'mistral:open-mistral-nemo': 'mistralai/mistral-nemo', 'mistral:open-mixtral-8x22b': 'mistralai/mixtral-8x22b-instruct',
  'mistral:open-mistral-7b': null, // v0.3 on La Plateforme; OpenRouter's id is v0.1
  // xAI: the reasoning and non-reasoning API ids are one OpenRouter model with a reasoning toggle.
  'xai:grok-4.20-0309-reasoning': 'x-ai/grok-4.20', 'base:xai/grok-4.20-0309-reasoning': 'x-ai/grok-4.20',
  'xai:grok-4.20-0309-non-reasoning': null, 'base:xai/grok-4.20-0309-non-reasoning': null,
  'xai:grok-4.20-multi-agent-0309': 'x-ai/grok-4.20-multi-agent',
  // Google "-latest" aliases move; the pinned ids are listed separately.
  'google:gemini-flash-latest': null, 'google:gemini-flash-lite-latest': null,
  'base:google/gemini-flash-latest': null, 'base:google/gemini-flash-lite-latest': null,
  // Moving "latest" aliases of OpenAI chat models map to OpenRouter's "-chat" ids.
  'openai:gpt-5-chat-latest': 'openai/gpt-5-chat', 'openai:gpt-5.1-chat-latest': 'openai/gpt-5.1-chat',
  'openai:gpt-5.2-chat-latest': 'openai/gpt-5.2-chat', 'openai:gpt-5.3-chat-latest': 'openai/gpt-5.3-chat',
  'base:openai/gpt-5-chat-latest': 'openai/gpt-5-chat', 'base:openai/gpt-5.1-chat-latest': 'openai/gpt-5.1-chat',
  'base:openai/gpt-5.2-chat-latest': 'openai/gpt-5.2-chat', 'base:openai/gpt-5.3-chat-latest': 'openai/gpt-5.3-chat',
  // Third-party ids that the normaliser can not see through.
  'novita-ai:sao10K/l3-8b-lunaris': 'sao10k/l3-lunaris-8b',
  'novita-ai:sao10K/l3-70b-euryale-v2.1': 'sao10k/l3-euryale-70b',
  'novita-ai:sao10K/l31-70b-euryale-v2.2': 'sao10k/l3.1-euryale-70b',
  'novita-ai:baidu/ernie-4.5-300b-a47b-paddle': 'baidu/ernie-4.5-300b-a47b',
  'nvidia:mistralai/mistral-large-3-675b-instruct-2512': 'mistralai/mistral-large-2512',
  'nvidia:mistralai/mistral-small-4-119b-2603': 'mistralai/mistral-small-2603',
  'regolo-ai:mistral-small-4-119b': 'mistralai/mistral-small-2603',
  'regolo-ai:mistral-small3.2': 'mistralai/mistral-small-3.2-24b-instruct',
  'regolo-ai:qwen3.5-122b': 'qwen/qwen3.5-122b-a10b',
  'berget:mistralai/Mistral-Medium-3.5-128B': 'mistralai/mistral-medium-3-5',
  'github-models:mistral-ai/mistral-medium-2505': 'mistralai/mistral-medium-3',
  'digitalocean:deepseek-3.2': 'deepseek/deepseek-v3.2',
  'wandb:OpenPipe/Qwen3-14B-Instruct': null, // a fine-tune, not Qwen3-14B itself
  // Anthropic "fast mode" is a separate OpenRouter model (…-fast) at a multiple of the price; never
  // fold it into the base model as a variant.
  'openrouter:anthropic/claude-opus-4.8-fast': null, 'venice:claude-opus-4-8-fast': null,
};

// Ids for new (not on OpenRouter) first-party models where the API name is not the usual one.
const NEW_MODEL_IDS = {
  'mistral:open-mixtral-8x7b': 'mistralai/mixtral-8x7b-instruct',
};

// Extra lookup names for OpenRouter ids whose slug differs from the common upstream name.
const OR_EXTRA_KEYS = {
  'deepseek/deepseek-chat': ['deepseek-v3'],
  'deepseek/deepseek-chat-v3-0324': ['deepseek-v3-0324'],
  'deepseek/deepseek-chat-v3.1': ['deepseek-v3.1', 'deepseek-v3-1'],
  'moonshotai/kimi-k2': ['kimi-k2-instruct', 'kimi-k2-0711', 'kimi-k2-0711-preview'],
  'moonshotai/kimi-k2-0905': ['kimi-k2-instruct-0905', 'kimi-k2-0905-preview'],
  'qwen/qwen3-coder': ['qwen3-coder-480b-a35b-instruct', 'qwen3-coder-480b-a35b'],
  'meta-llama/llama-4-maverick': ['llama-4-maverick-17b-128e-instruct', 'llama-4-maverick-17b-instruct', 'llama-4-maverick-17b'],
  'meta-llama/llama-4-scout': ['llama-4-scout-17b-16e-instruct', 'llama-4-scout-17b-instruct', 'llama-4-scout-17b'],
  'meta-llama/llama-3-70b-instruct': ['meta-llama-3-70b-instruct', 'llama3-70b'],
  'meta-llama/llama-3-8b-instruct': ['meta-llama-3-8b-instruct', 'llama3-8b'],
  'meta-llama/llama-3.1-8b-instruct': ['meta-llama-3.1-8b-instruct'],
  'meta-llama/llama-3.1-70b-instruct': ['meta-llama-3.1-70b-instruct'],
  'mistralai/mistral-nemo': ['mistral-nemo-instruct-2407', 'mistral-nemo-instruct'],
  'mistralai/mistral-small-3.2-24b-instruct': ['mistral-small-3.2-24b-instruct-2506', 'mistral-small-2506'],
  'mistralai/mistral-small-3.1-24b-instruct': ['mistral-small-3.1-24b-instruct-2503', 'mistral-small-2503'],
  'mistralai/mistral-small-24b-instruct-2501': ['mistral-small-2501'],
  'mistralai/mixtral-8x22b-instruct': ['mixtral-8x22b-instruct-v0.1'],
  'mistralai/mistral-7b-instruct-v0.1': [],
  'qwen/qwen2.5-vl-72b-instruct': ['qwen2-5-vl-72b-instruct'],
  'z-ai/glm-4.5': ['glm-4.5-fp8'],
  'openai/gpt-oss-120b': ['gpt-oss-120b-high-throughput'],
  'cohere/command-a': ['command-a-03-2025'],
  'x-ai/grok-4.20-multi-agent': ['grok-4.20-multi-agent-0309'],
  'nvidia/llama-3.3-nemotron-super-49b-v1.5': ['llama-3_3-nemotron-super-49b-v1_5'],
  'minimax/minimax-m2.5': ['minimax-m25'],
  'amazon/nova-2-lite-v1': ['nova-2-lite'],
};

// Suffix tokens that mark a deployment variant of the same model (tag "provider/<variant>").
const VARIANT_TOKENS = new Set(['turbo', 'fp8', 'fp4', 'nvfp4', 'int4', 'int8', 'bf16', 'fp16', 'awq',
  'fast', 'versatile', 'instant', 'tput', 'lightning', 'highspeed', 'throughput', 'high', 'free', 'flex',
  'short', 'serverless', 'maas', 'hf', 'tee', 'dynamic', 'ultraspeed']);
// Leading vendor prefixes that some hosts glue onto the model name.
const VENDOR_PREFIXES = ['anthropic-', 'alibaba-', 'google-', 'mistralai-', 'zai-', 'openai-', 'meta-',
  'cohere-', 'ai21-', 'deepseek-ai-', 'moonshotai-', 'moonshot-', 'nvidia-', 'xai-', 'microsoft-', 'qwen-qwen',
  'arcee-', 'aion-labs-', 'z-ai-', 'zai-org-'];

// OpenAI models served only on the Responses API (not chat completions): the openai provider's
// endpoints for them are written with `wire: "openai-responses"` (rule "responses-only"). No new
// model is created for one that OpenRouter does not list (pass 1 skips them).
const RESPONSES_ONLY = /^(o1-pro|o3-pro|o3-deep-research|o4-mini-deep-research|gpt-5(\.\d)?-pro|gpt-5(\.\d)?-codex.*|codex-.*|computer-use.*)$/;

// Parameters each wire can express (intersected with the model's list).
const ALL = null;
const WIRE_PARAMS = {
  openai: ALL,
  anthropic: new Set(['max_tokens', 'temperature', 'top_p', 'top_k', 'stop', 'tools', 'tool_choice',
    'reasoning', 'include_reasoning', 'response_format', 'structured_outputs', 'verbosity']),
  gemini: new Set(['max_tokens', 'temperature', 'top_p', 'top_k', 'stop', 'seed', 'frequency_penalty',
    'presence_penalty', 'tools', 'tool_choice', 'reasoning', 'include_reasoning', 'response_format',
    'structured_outputs']),
  // The Responses API has no stop, seed, penalties, logit_bias or top_k.
  'openai-responses': new Set(['max_tokens', 'temperature', 'top_p', 'tools', 'tool_choice',
    'parallel_tool_calls', 'reasoning', 'include_reasoning', 'response_format', 'structured_outputs',
    'verbosity']),
};
// Sampling set for models OpenRouter does not list.
const BASE_PARAMS = {
  openai: ['max_tokens', 'temperature', 'top_p', 'stop', 'seed', 'frequency_penalty', 'presence_penalty'],
  anthropic: ['max_tokens', 'temperature', 'top_p', 'top_k', 'stop'],
  gemini: ['max_tokens', 'temperature', 'top_p', 'top_k', 'stop', 'seed', 'frequency_penalty', 'presence_penalty'],
};
const SAMPLING = new Set(['temperature', 'top_p', 'top_k', 'min_p', 'top_a', 'frequency_penalty',
  'presence_penalty', 'repetition_penalty']);

// ───────────────────────────── arguments / IO ─────────────────────────────

function parseArgs(argv) {
  const a = { files: [], out: path.join(ROOT, 'core/data/catalog.json'), quiet: false, report: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--out') a.out = path.resolve(argv[++i]);
    else if (x === '--quiet') a.quiet = true;
    else if (x === '--report') a.report = true;
    else if (x === '--or-date') a.orDate = argv[++i];
    else a.files.push(path.resolve(x));
  }
  const dataDir = path.resolve(ROOT, '../shared/data');
  a.modelsDev = a.files[0] ?? path.join(dataDir, 'models-dev-providers.json');
  a.openrouter = a.files[1] ?? path.join(dataDir, 'openrouter-models-2026-05.json');
  return a;
}

const args = parseArgs(process.argv.slice(2));
const md = JSON.parse(fs.readFileSync(args.modelsDev, 'utf8'));
const orRaw = JSON.parse(fs.readFileSync(args.openrouter, 'utf8'));
const report = [];
const note = (...x) => { if (args.report) report.push(x.join(' ')); };

const byKey = (f) => (a, b) => (f(a) < f(b) ? -1 : f(a) > f(b) ? 1 : 0);
const sortedEntries = (o) => Object.entries(o || {}).sort(byKey((e) => e[0]));

// ───────────────────────────── normalisation ─────────────────────────────

const compress = (s) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const DATE_RE = /[-_@](20\d\d)-?(0[1-9]|1[0-2])-?([0-3]\d)$/;

/** Lookup keys for an OpenRouter-style slug: [key, penalty]. */
function slugKeys(slug) {
  const out = [];
  const push = (s, p) => { const k = compress(s); if (k) out.push([k, p]); };
  push(slug, 0);
  let s = slug.replace(/-0+1$/, ''); if (s !== slug) push(s, 1);          // gemini-2.0-flash-001
  s = slug.replace(/-v1$/, ''); if (s !== slug) push(s, 1);              // nova-pro-v1
  const noInstr = slug.replace(/-instruct\b|-it$|-chat$/g, '');
  if (noInstr !== slug) push(noInstr, 2);
  return out;
}

/** Clean a provider model id: → {author hint, slug, variant tokens stripped later}. */
function cleanId(provider, raw) {
  let s = raw.trim();
  s = s.replace(/^hf:/i, '').replace(/^@cf\//, '').replace(/^public\//, '').replace(/^pro\//i, '');
  s = s.replace(/^accounts\/[^/]+\/(models|routers)\//, '');
  s = s.replace(/^[^/]+\/[^/]+\/models\//, (m) => m.split('/')[0] + '/'); // clarifai org/app/models/x
  const parts = s.split('/');
  let slug = parts.pop().toLowerCase();
  const hint = parts.length ? parts[parts.length - 1].toLowerCase() : null;
  slug = slug.replace(/:free$/, '-free');
  if (provider === 'fireworks-ai') slug = slug.replace(/(\d)p(\d)/g, '$1.$2');
  slug = slug.replace(/(\d)_(\d)/g, '$1.$2').replace(/_/g, '-');
  return { hint, slug };
}

/** Candidate slugs for matching: [slug, penalty, variantTokens[]]. */
function slugCandidates(slug) {
  const out = [];
  const seen = new Set();
  const add = (s, p, v) => { const k = s + '|' + v.join('-'); if (!seen.has(k)) { seen.add(k); out.push([s, p, v]); } };
  const bases = [[slug, 0]];
  for (const pre of [...VENDOR_PREFIXES, ...PREFIX_VARIANTS.map((v) => v + '-')]) {
    if (slug.startsWith(pre) && slug.length > pre.length + 1) bases.push([pre === 'qwen-qwen' ? 'qwen' + slug.slice(pre.length) : slug.slice(pre.length), 1]);
  }
  for (const [b, p0] of bases.slice()) {
    // claude-4.5-sonnet / claude-4-5-sonnet → claude-sonnet-4.5 ; claude-4.0-opus → claude-opus-4
    const cm = /^claude-(\d+(?:[.-]\d+)?)-(opus|sonnet|haiku)(.*)$/.exec(b);
    if (cm) bases.push([`claude-${cm[2]}-${cm[1]}${cm[3]}`, p0 + 1]);
    // anthropic dashed versions: claude-opus-4-8 → claude-opus-4.8
    const dm = /^(claude-(?:opus|sonnet|haiku)-\d+)-(\d)(\b.*)$/.exec(b);
    if (dm && !/^-?\d{6,}/.test(dm[3])) bases.push([`${dm[1]}.${dm[2]}${dm[3]}`, p0]);
  }
  for (const [b, p0] of bases) {
    add(b, p0, []);
    // strip a date suffix
    let d = b.replace(DATE_RE, '');
    if (d !== b) add(d, p0 + 1, []);
    // "-0" / ".0" minor (claude-opus-4-0, claude-4.0-opus)
    for (const x of [b, d]) {
      const z = x.replace(/([a-z]-\d+)[.-]0(?=$|-)/, '$1');
      if (z !== x) add(z, p0 + 1, []);
    }
    // strip variant suffix tokens (repeatedly), and the date after them
    let cur = d, vars = [];
    for (;;) {
      const m = /^(.*?)[-.]([a-z0-9]+)$/.exec(cur);
      if (!m || !VARIANT_TOKENS.has(m[2])) break;
      cur = m[1]; vars = [m[2], ...vars];
      if (vars.length === 1 && m[2] === 'throughput' && cur.endsWith('-high')) { cur = cur.slice(0, -5); vars = ['high-throughput']; }
      add(cur, p0 + 3, vars.slice());
      const dd = cur.replace(DATE_RE, '');
      if (dd !== cur) add(dd, p0 + 4, vars.slice());
    }
  }
  return out;
}

function quantizationOf(raw) {
  const s = raw.toLowerCase();
  const m = /(?:^|[-_./:])(nvfp4|mxfp4|fp4|fp6|fp8|int4|int8|bf16|fp16|fp32|awq|gptq|w4a16|w8a8)(?=$|[-_./:])/.exec(s);
  if (!m) return 'unknown';
  return { nvfp4: 'fp4', mxfp4: 'fp4', awq: 'int4', gptq: 'int4', w4a16: 'int4', w8a8: 'int8' }[m[1]] ?? m[1];
}

// ───────────────────────────── providers ─────────────────────────────

const NPM_WIRE = {
  '@ai-sdk/anthropic': 'anthropic',
  '@ai-sdk/google': 'gemini',
  '@ai-sdk/openai-compatible': 'openai', '@ai-sdk/openai': 'openai', '@ai-sdk/deepinfra': 'openai',
  '@ai-sdk/togetherai': 'openai', '@ai-sdk/groq': 'openai', '@ai-sdk/cerebras': 'openai',
  '@ai-sdk/xai': 'openai', '@ai-sdk/mistral': 'openai', '@ai-sdk/perplexity': 'openai',
  '@ai-sdk/fireworks': 'openai', '@openrouter/ai-sdk-provider': 'openai', 'venice-ai-sdk-provider': 'openai',
};

function normBaseUrl(u) {
  if (!u) return null;
  let s = String(u).trim().replace(/\/+$/, '');
  s = s.replace(/\/chat\/completions$/, '');
  return s;
}

function resolveProvider(id, p) {
  if (EXCLUDED_PROVIDERS[id]) return { skip: EXCLUDED_PROVIDERS[id] };
  const t = PROVIDER_TABLE[id] || {};
  const wire = t.wire ?? NPM_WIRE[p.npm];
  if (!wire) return { skip: `no wire for npm ${p.npm}` };
  const base = normBaseUrl(t.base_url ?? p.api);
  if (!base) return { skip: 'no base url' };
  if (!/^https:\/\/[^$\s{}]+$/.test(base)) return { skip: `unusable base url ${base}` };
  const env = t.api_key_env ?? (p.env || []).find((e) => /(KEY|TOKEN|PAT)$/.test(e)) ?? (p.env || [])[0] ?? null;
  return {
    md_id: id,
    slug: t.slug ?? id,
    name: t.name ?? p.name ?? id,
    wire,
    base_url: base,
    api_key_env: env,
    privacy_policy_url: PRIVACY_URLS[id] ?? null,
    data_policy: { ...(DATA_POLICY[id] ?? DEFAULT_POLICY) },
    max_tokens_param: id === 'openai' || id === 'azure' ? 'max_completion_tokens' : 'max_tokens',
  };
}

// ───────────────────────────── OpenRouter models ─────────────────────────────

const orModels = new Map(); // id → {or, freeOnly}
for (const m of [...orRaw.data].sort(byKey((x) => x.id))) {
  const id = m.id;
  if (id.startsWith('~') || id.startsWith('openrouter/') || id === 'switchpoint/router') continue; // router pseudo-models
  const [base, suffix] = id.split(':');
  if (suffix && suffix !== 'free') continue; // ":thinking" etc. are request-time variants
  const cur = orModels.get(base);
  if (suffix === 'free') { if (!cur) orModels.set(base, { or: m, freeOnly: true }); }
  else orModels.set(base, { or: m, freeOnly: false });
}

// Index: compressed key → Set(model ids). Filled with OR models and then new first-party models.
const index = new Map();
function indexModel(id, extraSlugs = []) {
  const [, slug] = id.split('/');
  for (const s of [slug, ...extraSlugs]) {
    for (const [k, p] of slugKeys(s)) {
      if (!index.has(k)) index.set(k, new Map());
      const e = index.get(k);
      if (!e.has(id) || e.get(id) > p) e.set(id, p);
    }
  }
}
for (const id of orModels.keys()) indexModel(id, OR_EXTRA_KEYS[id] || []);

function lookup(slug, authorHint) {
  const hits = [];
  for (const [k, kp] of slugKeys(slug)) {
    const e = index.get(k);
    if (!e) continue;
    for (const [id, ip] of e) hits.push([id, kp + ip]);
  }
  if (!hits.length) return null;
  const best = Math.min(...hits.map((h) => h[1]));
  let ids = [...new Set(hits.filter((h) => h[1] === best).map((h) => h[0]))];
  if (ids.length > 1 && authorHint) {
    const f = ids.filter((id) => id.startsWith(authorHint + '/'));
    if (f.length) ids = f;
  }
  if (ids.length > 1) return { ambiguous: ids.sort() };
  return { id: ids[0], penalty: best };
}

/** Match a provider's model entry to a catalog model id. */
function matchEntry(provider, raw, m) {
  const ak = [`${provider}:${raw}`, `*:${raw}`].find((k) => Object.hasOwn(ALIASES, k));
  const direct = ak ? ALIASES[ak] : undefined;
  if (direct !== undefined) return direct ? { id: direct, q: 0, variant: [] } : { skip: 'alias:null' };
  if (newModelOf.has(`${provider}:${raw}`)) return { id: newModelOf.get(`${provider}:${raw}`), q: 0, variant: [] };
  if (orModels.has(raw.toLowerCase().replace(/:free$/, '')) && raw.includes('/')) {
    return { id: raw.toLowerCase().replace(/:free$/, ''), q: 0, variant: raw.endsWith(':free') ? ['free'] : [] };
  }
  const { hint, slug } = cleanId(provider, raw);
  const authorHint = hint ? AUTHOR_HINTS[hint] ?? null : FIRST_PARTY[provider]?.author ?? null;
  let best = null;
  if (m.base_model) {
    const b = Object.hasOwn(ALIASES, `base:${m.base_model}`) ? ALIASES[`base:${m.base_model}`] : undefined;
    if (b === null) return { skip: 'alias:null(base)' };
    if (b) best = { id: b, q: 1, variant: [] };
    else {
      const [a, s] = m.base_model.split('/');
      const bm = matchSlug(s.toLowerCase(), MD_AUTHOR[a]?.[0] ?? null, 1);
      if (bm && bm.id) best = bm;
    }
    if (best) {
      const own = matchSlug(slug, authorHint, 0);
      // The id that is actually served wins over the declared base model when it names a model
      // directly (e.g. "Qwen3-235B-A22B-Instruct-2507" whose base_model is the older hybrid).
      if (own && own.id && own.id !== best.id && !own.variant.length && own.q <= 2) return own;
      // the id's own variant suffix still names the deployment (e.g. "-fast")
      if (own && own.id === best.id && own.variant.length) best = { ...best, variant: own.variant };
      return { ...best, variant: [...(best.variant || []), ...(slugVariantPrefix(slug) ? [slugVariantPrefix(slug)] : [])] };
    }
  }
  const r = matchSlug(slug, authorHint, 0);
  if (r && r.id) {
    const pv = slugVariantPrefix(slug) || (/^pro\//i.test(raw) ? 'pro' : null);
    if (pv) r.variant = [pv, ...r.variant];
    return r;
  }
  return r && r.ambiguous ? { skip: 'unmatched', ambiguous: r.ambiguous } : { skip: 'unmatched' };
}

// Hosting-partner prefixes that mark a deployment variant ("cerebras-llama-4-scout-...").
const PREFIX_VARIANTS = ['cerebras', 'groq'];
function slugVariantPrefix(slug) {
  for (const v of PREFIX_VARIANTS) if (slug.startsWith(v + '-')) return v;
  return null;
}

function matchSlug(slug, authorHint, q0) {
  let best = null;
  for (const [s, p, v] of slugCandidates(slug)) {
    const r = lookup(s, authorHint);
    if (!r) continue;
    if (r.ambiguous) { if (!best) best = { ambiguous: r.ambiguous }; continue; }
    const q = q0 + p + r.penalty;
    if (!best || best.ambiguous || q < best.q) best = { id: r.id, q, variant: v };
  }
  return best;
}

// ───────────────────────────── models.dev entries ─────────────────────────────

const providers = new Map(); // md id → resolved provider
for (const [id, p] of sortedEntries(md.providers)) {
  const r = resolveProvider(id, p);
  if (r.skip) { note('provider skipped', id, '-', r.skip); continue; }
  providers.set(id, r);
}

// base_model inheritance: fields missing on an entry come first from the model author's own
// (first-party) entry, then — except for limits, where OpenRouter's figures are preferred — from
// the other hosts declaring the same base_model (most common value wins, ties → first by name).
const INHERITED = ['name', 'limit', 'modalities', 'tool_call', 'reasoning', 'structured_output', 'temperature', 'release_date', 'open_weights'];
const firstPartyInfo = new Map();
const hostInfo = new Map(); // base id → field → Map(json → count)
for (const [pid, p] of sortedEntries(md.providers)) {
  for (const [mid, m] of sortedEntries(p.models)) {
    for (const [a, [, fp]] of Object.entries(MD_AUTHOR)) if (fp === pid) firstPartyInfo.set(`${a}/${mid}`, m);
    if (!m.base_model) continue;
    if (!hostInfo.has(m.base_model)) hostInfo.set(m.base_model, {});
    const h = hostInfo.get(m.base_model);
    const vals = { ...m, 'limit.context': m.limit?.context, 'limit.output': m.limit?.output };
    for (const f of [...INHERITED, 'limit.context', 'limit.output']) {
      if (vals[f] === undefined || f === 'limit') continue;
      h[f] ??= new Map();
      const k = JSON.stringify(vals[f]);
      h[f].set(k, (h[f].get(k) || 0) + 1);
    }
  }
}
function mostCommon(counts) {
  let best = null, n = 0;
  for (const [k, c] of counts) if (c > n) { best = k; n = c; }
  return best === null ? undefined : JSON.parse(best);
}
function inherit(m) {
  if (!m.base_model) return m;
  const omit = new Set(m.base_model_omit || []);
  const out = { ...m };
  const fpe = firstPartyInfo.get(m.base_model);
  const h = hostInfo.get(m.base_model) || {};
  const own = fpe && fpe !== m ? fpe : {};
  for (const f of INHERITED) {
    if (f === 'limit' || out[f] !== undefined || omit.has(f)) continue;
    if (own[f] !== undefined) out[f] = own[f];
    else if (f !== 'name' && h[f]) out[f] = mostCommon(h[f]); // (variant names would leak; see nameOf())
  }
  // limits field by field: own, then first-party; hosts' values only as a fallback (see below)
  const context = m.limit?.context ?? own.limit?.context, output = m.limit?.output ?? own.limit?.output;
  out.limit = context || output ? { context, output } : undefined;
  out._hostLimit = { context: h['limit.context'] && mostCommon(h['limit.context']), output: h['limit.output'] && mostCommon(h['limit.output']) };
  return out;
}

function isChatModel(m, raw) {
  const inp = m.modalities?.input, outp = m.modalities?.output;
  if (inp && !inp.includes('text')) return false;
  if (outp && !outp.includes('text')) return false;
  if (/embed|rerank|tts|whisper|transcribe|moderation|guard|safety|image|imagine|ocr|voice|audio|realtime|search/i.test(raw)) return false;
  return true;
}

// Pass 1: first-party models OpenRouter does not list become new models.
const newModels = new Map(); // id → {provider, raw, m}
const newModelOf = new Map(); // "provider:raw" → id
for (const [pid, fp] of sortedEntries(FIRST_PARTY)) {
  const p = md.providers[pid];
  if (!p || !providers.has(pid)) continue;
  for (const [raw, m0] of sortedEntries(p.models)) {
    const m = inherit(m0);
    if (fp.only && !fp.only.test(raw)) continue;
    if (!m.cost || m.cost.input == null || m.cost.output == null) continue;
    if (m.status === 'deprecated' || /latest/.test(raw)) continue;
    if (!isChatModel(m, raw)) continue;
    if (pid === 'openai' && RESPONSES_ONLY.test(raw)) continue;
    const r = matchEntry(pid, raw, m0);
    if (r.id || r.skip === 'alias:null' || r.skip === 'alias:null(base)' || r.ambiguous) continue;
    let slug = cleanId(pid, raw).slug.replace(DATE_RE, '');
    if (pid === 'anthropic') slug = slug.replace(/^(claude-(?:opus|sonnet|haiku)-\d+)-(\d)$/, '$1.$2');
    if (pid === 'alibaba') slug = slug.replace(/^qwen(\d)-(\d)(?=-)/, 'qwen$1.$2');
    const id = NEW_MODEL_IDS[`${pid}:${raw}`] ?? `${fp.author}/${slug}`;
    if (orModels.has(id) || newModels.has(id)) continue;
    newModels.set(id, { provider: pid, raw, m });
    newModelOf.set(`${pid}:${raw}`, id);
    indexModel(id);
  }
}

// Pass 2: every provider entry → candidate endpoint.
const cands = new Map(); // `${model}\u0000${provider}` → [cand]
const unmatched = new Map();
for (const [pid, prov] of providers) {
  const p = md.providers[pid];
  for (const [raw, m0] of sortedEntries(p.models)) {
    const m = inherit(m0);
    const c = m.cost;
    if (!c || c.input == null || c.output == null) { note('no price', pid, raw); continue; }
    if (m0.provider) {
      const w = m0.provider.npm ? NPM_WIRE[m0.provider.npm] : prov.wire;
      const api = m0.provider.api ? normBaseUrl(m0.provider.api) : prov.base_url;
      if (w !== prov.wire || api !== prov.base_url || m0.provider.shape === 'responses') { note('other wire', pid, raw); continue; }
    }
    const wire = pid === 'openai' && RESPONSES_ONLY.test(raw) ? 'openai-responses' : null;
    if (wire) note('responses-only', pid, raw);
    const r = matchEntry(pid, raw, m0);
    if (!r.id) {
      if (r.skip === 'unmatched' || r.ambiguous) {
        if (!unmatched.has(pid)) unmatched.set(pid, []);
        unmatched.get(pid).push(raw + (r.ambiguous ? ` (ambiguous: ${r.ambiguous.join(',')})` : ''));
      } else note('skip', pid, raw, r.skip);
      continue;
    }
    note('map', pid, raw, '→', r.id, 'q' + r.q, r.variant?.join('-') || '');
    const key = `${r.id}\u0000${pid}`;
    if (!cands.has(key)) cands.set(key, []);
    cands.get(key).push({ model: r.id, pid, raw, m, q: r.q, variant: r.variant || [], wire });
  }
}
for (const [pid, list] of unmatched) note('unmatched', pid, `(${list.length}):`, list.join(' '));

// ───────────────────────────── pricing ─────────────────────────────

const PRICE_KEYS = ['prompt', 'completion', 'input_cache_read', 'input_cache_write', 'input_cache_write_1h', 'internal_reasoning'];

function pricingFrom(c, isAnthropicModel) {
  const prompt = dec(c.input), completion = dec(c.output);
  if (prompt === null || completion === null || prompt < 0n || completion < 0n) return null;
  const out = { prompt, completion };
  let read = dec(c.cache_read ?? c.cached_input ?? c.cache_input);
  let write = dec(c.cache_write ?? c.cached_write);
  const reasoning = dec(c.reasoning);
  // A 0 cache price on a paid model means "not applicable" in models.dev; omit it so the loader
  // falls back to the prompt price instead of billing cached tokens at zero.
  if (read !== null && (read > 0n || prompt === 0n)) out.input_cache_read = read;
  if (write !== null && (write > 0n || prompt === 0n)) out.input_cache_write = write;
  const w1h = dec(c.cache_write_1h);
  if (w1h !== null && w1h > 0n) out.input_cache_write_1h = w1h;
  else if (isAnthropicModel && out.input_cache_write !== undefined && out.input_cache_write * 4n === prompt * 5n && prompt > 0n) {
    out.input_cache_write_1h = prompt * 2n; // Anthropic: 1h write = 2× input when 5m write = 1.25×
  }
  if (reasoning !== null && reasoning >= 0n) out.internal_reasoning = reasoning;
  return out;
}

function pricingJson(p) {
  const o = {};
  for (const k of PRICE_KEYS) if (p[k] !== undefined) o[k] = fmt(p[k], 6);
  return o;
}

function tiersFrom(c, base, isAnthropicModel) {
  const tiers = [];
  for (const t of c.tiers || []) {
    const size = t.tier?.size;
    if (!Number.isInteger(size) || size <= 0) continue;
    if (t.tier.type && t.tier.type !== 'context') continue;
    const merged = { input: t.input ?? c.input, output: t.output ?? c.output, cache_read: t.cache_read, cache_write: t.cache_write, cache_write_1h: t.cache_write_1h };
    const p = pricingFrom(merged, isAnthropicModel);
    if (p) tiers.push({ min: size, p });
  }
  for (const [k, v] of Object.entries(c)) {
    const m = /^context_over_(\d+)k$/.exec(k);
    if (!m || !v || typeof v !== 'object') continue;
    const merged = { input: v.input ?? c.input, output: v.output ?? c.output, cache_read: v.cache_read, cache_write: v.cache_write };
    const p = pricingFrom(merged, isAnthropicModel);
    if (p && !tiers.some((t) => t.min === Number(m[1]) * 1000)) tiers.push({ min: Number(m[1]) * 1000, p });
  }
  tiers.sort(byKey((t) => t.min));
  return tiers.filter((t) => PRICE_KEYS.some((k) => t.p[k] !== undefined && t.p[k] !== base[k]));
}

// ───────────────────────────── endpoints ─────────────────────────────

function endpointParams(modelParams, m, wire) {
  const allow = WIRE_PARAMS[wire];
  let ps = modelParams.filter((x) => !allow || allow.has(x));
  if (m.tool_call === false) ps = ps.filter((x) => !['tools', 'tool_choice', 'parallel_tool_calls'].includes(x));
  if (m.reasoning === false) ps = ps.filter((x) => !['reasoning', 'include_reasoning', 'reasoning_effort'].includes(x));
  if (m.structured_output === false) ps = ps.filter((x) => !['response_format', 'structured_outputs'].includes(x));
  if (m.temperature === false) ps = ps.filter((x) => !SAMPLING.has(x));
  return [...new Set(ps)].sort();
}

function newModelParams(m, wire) {
  const ps = [...BASE_PARAMS[wire]];
  if (m.tool_call) ps.push('tools', 'tool_choice');
  if (m.reasoning) ps.push('reasoning', 'include_reasoning');
  if (m.structured_output) ps.push('response_format', 'structured_outputs');
  return endpointParams(ps, m, wire);
}

// Model-level parameter list: OpenRouter's, or for new models the first-party entry's flags.
function modelParamsOf(id) {
  if (orModels.has(id)) return orModels.get(id).or.supported_parameters;
  const nm = newModels.get(id);
  return newModelParams(nm.m, providers.get(nm.provider).wire);
}

// Last-resort limits for a model: the most common limit among the hosts that state one.
const limitByModel = new Map();
for (const [key, list] of [...cands.entries()].sort(byKey((e) => e[0]))) {
  const model = key.split('\u0000')[0];
  if (!limitByModel.has(model)) limitByModel.set(model, new Map());
  for (const c of list) if (c.m.limit?.context) {
    const k = JSON.stringify({ context: c.m.limit.context, output: c.m.limit.output ?? null });
    limitByModel.get(model).set(k, (limitByModel.get(model).get(k) || 0) + 1);
  }
}

const endpoints = [];
const candGroups = [...cands.entries()].sort(byKey((e) => e[0]));
for (const [, list] of candGroups) {
  list.sort((a, b) => a.q - b.q || a.variant.length - b.variant.length
    || (a.m.status === 'deprecated') - (b.m.status === 'deprecated') || (a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0));
  // Prefer a pinned (dated) upstream id over a moving alias of the same model and price.
  if (!DATE_RE.test(list[0].raw.toLowerCase())) {
    const i = list.findIndex((c) => DATE_RE.test(c.raw.toLowerCase()) && c.variant.join('-') === list[0].variant.join('-')
      && JSON.stringify(c.m.cost) === JSON.stringify(list[0].m.cost));
    if (i > 0) list.unshift(...list.splice(i, 1));
  }
  const used = new Set();
  for (const c of list) {
    const prov = providers.get(c.pid);
    let tag = prov.slug;
    if (used.size) {
      const v = c.variant.join('-');
      tag = v ? `${prov.slug}/${v}` : null;
      if (!tag || used.has(tag)) { note('duplicate', c.pid, c.raw, '→', c.model, `(kept ${list[0].raw})`); continue; }
    }
    used.add(tag);
    const author = c.model.split('/')[0];
    // Anthropic's 1h cache-write price (2× input) is implied only where Anthropic's own pricing
    // applies: Anthropic itself and pass-through hosts (anthropic wire, OpenRouter).
    const anthropicPricing = author === 'anthropic' && (prov.wire === 'anthropic' || c.pid === 'openrouter');
    const pricing = pricingFrom(c.m.cost, anthropicPricing);
    if (!pricing) { note('bad price', c.pid, c.raw); continue; }
    const tiers = tiersFrom(c.m.cost, pricing, anthropicPricing);
    const or = orModels.get(c.model)?.or;
    // limits: the entry's own (or its first-party base's), else OpenRouter's, else what the other
    // hosts of the same base model / catalog model most commonly state.
    const fallback = mostCommon(limitByModel.get(c.model)) || {};
    const ctx = c.m.limit?.context || or?.context_length || c.m._hostLimit?.context || fallback.context || null;
    if (!ctx) { note('no context', c.pid, c.raw); continue; }
    let maxOut = c.m.limit?.output || (c.pid === 'openrouter' ? or?.top_provider?.max_completion_tokens : null)
      || c.m._hostLimit?.output || fallback.output || or?.top_provider?.max_completion_tokens || null;
    if (maxOut && maxOut > ctx) maxOut = ctx;
    const params = endpointParams(modelParamsOf(c.model), c.m, c.wire ?? prov.wire);
    // price sanity vs OpenRouter's list price (report only)
    if (or && args.report) {
      const op = dec(or.pricing.prompt) * MILLION;
      if (op > 0n && (pricing.prompt * 10n < op || pricing.prompt > op * 10n)) note('price?', c.pid, c.raw, '→', c.model, fmt(pricing.prompt), 'vs OR', fmt(op));
    }
    endpoints.push({
      model: c.model, provider: prov.slug, tag, upstream_model: c.raw,
      context_length: ctx, max_completion_tokens: maxOut, quantization: quantizationOf(c.raw),
      pricing, tiers, supported_parameters: params,
      free: pricing.prompt === 0n && pricing.completion === 0n,
      zdr: null, training: null, wire: c.wire,
      _m: c.m,
    });
  }
}

// ───────────────────────────── embeddings models ─────────────────────────────
// Embeddings models (POST /embeddings) of providers we route that answer it: OpenAI-compatible
// `POST {base_url}/embeddings`, Google's `:batchEmbedContents`. The OpenRouter snapshot lists
// none, so the ids (OpenRouter's naming) and display names are this table's; price (input per
// token; output 0 whatever the data says) and context (per input) come from models.dev. Their
// output modality is "embeddings": GET /models lists them only for
// ?output_modalities=embeddings (or all), and the planner routes only embeddings requests to
// them and embeddings requests only to them.
const EMBEDDING_MODELS = [
  // [models.dev provider, upstream model, our model id, display name]
  ['openai', 'text-embedding-3-small', 'openai/text-embedding-3-small', 'Text Embedding 3 Small'],
  ['openai', 'text-embedding-3-large', 'openai/text-embedding-3-large', 'Text Embedding 3 Large'],
  ['openai', 'text-embedding-ada-002', 'openai/text-embedding-ada-002', 'Text Embedding Ada 002'],
  ['google', 'gemini-embedding-001', 'google/gemini-embedding-001', 'Gemini Embedding 001'],
  ['mistral', 'mistral-embed', 'mistralai/mistral-embed', 'Mistral Embed'],
  ['nebius', 'Qwen/Qwen3-Embedding-8B', 'qwen/qwen3-embedding-8b', 'Qwen3 Embedding 8B'],
  ['scaleway', 'qwen3-embedding-8b', 'qwen/qwen3-embedding-8b', 'Qwen3 Embedding 8B'],
];
const embeddingModels = new Map(); // id → {short, m}
for (const [pid, raw, id, short] of EMBEDDING_MODELS) {
  const prov = providers.get(pid);
  const m = md.providers[pid]?.models?.[raw];
  const pricing = m?.cost ? pricingFrom({ input: m.cost.input, output: 0 }, false) : null;
  const ctx = m?.limit?.context;
  if (!prov || !pricing || !ctx) { note('embeddings model left out', pid, raw); continue; }
  endpoints.push({
    model: id, provider: prov.slug, tag: prov.slug, upstream_model: raw,
    context_length: ctx, max_completion_tokens: null, quantization: quantizationOf(raw),
    pricing, tiers: [], supported_parameters: [], free: pricing.prompt === 0n,
    zdr: null, training: null, _m: m,
  });
  if (!embeddingModels.has(id)) embeddingModels.set(id, { short, m });
}

// ───────────────────────────── models ─────────────────────────────

const epsByModel = new Map();
for (const e of endpoints) {
  if (!epsByModel.has(e.model)) epsByModel.set(e.model, []);
  epsByModel.get(e.model).push(e);
}

// Name of a new model: the first-party entry's own name, else the most common name the hosts
// give it (ties → shortest, then alphabetical), else the slug.
function nameOf(id, m, eps) {
  if (m.name) return m.name.trim();
  const counts = new Map();
  for (const e of eps) if (e._m.name && e.tag === e.provider) counts.set(e._m.name.trim(), (counts.get(e._m.name.trim()) || 0) + 1);
  const names = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].length - b[0].length || (a[0] < b[0] ? -1 : 1));
  return names.length ? names[0][0] : id.split('/')[1];
}

function authorDisplayOf(author) {
  for (const [id, { or }] of orModels) {
    if (id.startsWith(author + '/') && or.name.includes(': ')) return or.name.split(': ')[0];
  }
  return AUTHOR_DISPLAY[author] ?? author;
}

function fmtCtx(n) {
  if (n % 1000000 === 0) return `${n / 1000000}M`;
  if (n % 1048576 === 0) return `${n / 1048576}M`; // binary sizes: 1048576 → 1M, 131072 → 128K
  if (n >= 1000000) return `${+(n / 1000000).toFixed(2)}M`;
  if (n % 1000 === 0) return `${n / 1000}K`;
  if (n % 1024 === 0) return `${n / 1024}K`;
  if (n >= 1000) return `${Math.round(n / 1000)}K`;
  return String(n);
}
function listText(xs) {
  if (xs.length <= 1) return xs.join('');
  return xs.slice(0, -1).join(', ') + ' and ' + xs[xs.length - 1];
}
function describe(shortName, authorDisp, ctx, inputs, outputs, params) {
  const caps = [];
  if (params.includes('tools')) caps.push('tools');
  if (params.includes('reasoning')) caps.push('reasoning');
  if (params.includes('structured_outputs') || params.includes('response_format')) caps.push('structured outputs');
  const order = ['text', 'image', 'file', 'audio', 'video'];
  const ins = [...inputs].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  let s = `${shortName} by ${authorDisp}. ${fmtCtx(ctx)} context; ${listText(ins)} input`;
  const outs = outputs.filter((x) => x !== 'text');
  if (outs.length) s += `; ${listText(outputs)} output`;
  if (caps.length) s += `; ${caps.join(', ')}`;
  return s + '.';
}
const mdModalities = (xs) => [...new Set((xs || ['text']).map((x) => (x === 'pdf' ? 'file' : x)))];
const groupOf = (author) => ({ anthropic: 'anthropic', openai: 'openai', google: 'google', 'x-ai': 'xai' })[author] ?? 'other';
function dateToUnix(d) {
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(d || '');
  return m ? Date.UTC(+m[1], +m[2] - 1, +(m[3] || 1)) / 1000 : 0;
}

const models = [];
for (const id of [...epsByModel.keys()].sort()) {
  const eps = epsByModel.get(id);
  const author = id.split('/')[0];
  const ctx = Math.max(...eps.map((e) => e.context_length));
  const o = orModels.get(id)?.or;
  let rec;
  if (embeddingModels.has(id)) {
    const { short, m } = embeddingModels.get(id);
    const disp = authorDisplayOf(author);
    rec = {
      id, canonical_slug: id, name: `${disp}: ${short}`, created: dateToUnix(m.release_date || m.last_updated),
      description: `${short} by ${disp}: text embeddings (POST /embeddings). ${fmtCtx(ctx)} tokens per input.`,
      context_length: ctx, input_modalities: ['text'], output_modalities: ['embeddings'],
      tokenizer: TOKENIZER_BY_AUTHOR[author] ?? 'Other', instruct_type: null,
      supported_parameters: [], is_moderated: false, model_group: groupOf(author),
    };
  } else if (o) {
    const name = orModels.get(id).freeOnly ? o.name.replace(/ \(free\)$/, '') : o.name;
    const short = name.includes(': ') ? name.split(': ').slice(1).join(': ') : name;
    const disp = name.includes(': ') ? name.split(': ')[0] : authorDisplayOf(author);
    rec = {
      id, canonical_slug: o.canonical_slug || id, name, created: o.created,
      description: describe(short, disp, ctx, o.architecture.input_modalities, o.architecture.output_modalities, o.supported_parameters),
      context_length: ctx,
      input_modalities: [...o.architecture.input_modalities].sort(),
      output_modalities: [...o.architecture.output_modalities].sort(),
      tokenizer: o.architecture.tokenizer ?? 'Other', instruct_type: o.architecture.instruct_type ?? null,
      supported_parameters: [...new Set(o.supported_parameters)].sort(),
      is_moderated: !!o.top_provider?.is_moderated,
      model_group: groupOf(author),
    };
  } else {
    const nm = newModels.get(id);
    const m = nm ? nm.m : eps[0]._m;
    const disp = authorDisplayOf(author);
    const short = nameOf(id, m, eps);
    const params = modelParamsOf(id);
    const ins = mdModalities(m.modalities?.input), outs = mdModalities(m.modalities?.output);
    rec = {
      id, canonical_slug: id, name: `${disp}: ${short}`, created: dateToUnix(m.release_date || m.last_updated),
      description: describe(short, disp, ctx, ins, outs, params),
      context_length: ctx, input_modalities: ins.sort(), output_modalities: outs.sort(),
      tokenizer: TOKENIZER_BY_AUTHOR[author] ?? 'Other', instruct_type: null,
      supported_parameters: params, is_moderated: false, model_group: groupOf(author),
    };
  }
  models.push(rec);
}

// Providers that ended up with endpoints.
const usedProviders = new Set(endpoints.map((e) => e.provider));
const providerList = [...providers.values()].filter((p) => usedProviders.has(p.slug)).sort(byKey((p) => p.slug));
for (const p of providers.values()) if (!usedProviders.has(p.slug)) note('provider without endpoints', p.md_id);

endpoints.sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));

// ───────────────────────────── output ─────────────────────────────

function providerJson(p) {
  return {
    slug: p.slug, name: p.name, wire: p.wire, base_url: p.base_url, api_key_env: p.api_key_env,
    privacy_policy_url: p.privacy_policy_url, data_policy: p.data_policy, max_tokens_param: p.max_tokens_param,
  };
}
function endpointJson(e) {
  // Fields equal to their defaults (FORMAT.md) are left out: tag (provider), upstream_model
  // (model), max_completion_tokens (null), quantization ("unknown"), zdr and training (null:
  // the provider's), free (whether both token prices are 0, which is how it is derived here).
  const o = { model: e.model, provider: e.provider };
  if (e.tag !== e.provider) o.tag = e.tag;
  if (e.upstream_model !== e.model) o.upstream_model = e.upstream_model;
  o.context_length = e.context_length;
  if (e.max_completion_tokens != null) o.max_completion_tokens = e.max_completion_tokens;
  if (e.quantization !== 'unknown') o.quantization = e.quantization;
  o.pricing = pricingJson(e.pricing);
  if (e.tiers.length) o.tiers = e.tiers.map((t) => ({ min_prompt_tokens: t.min, pricing: pricingJson(t.p) }));
  o.supported_parameters = e.supported_parameters;
  if (e.zdr != null) o.zdr = e.zdr;
  if (e.training != null) o.training = e.training;
  if (e.wire) o.wire = e.wire;
  return o;
}

// The OpenRouter snapshot carries no date of its own; known snapshots are listed here, otherwise a
// date in the file name is used (or --or-date).
const OR_SNAPSHOT_DATES = { 'openrouter-models-2026-05.json': '2026-05-15' };
const orDate = args.orDate ?? OR_SNAPSHOT_DATES[path.basename(args.openrouter)]
  ?? (/(\d{4}-\d{2}-\d{2})/.exec(path.basename(args.openrouter)) || [])[1] ?? '';
const sources = [
  { name: 'models.dev', commit: String(md.commit ?? ''), date: String(md.date ?? '') },
  { name: 'openrouter-models', date: orDate },
];

// supported_parameters lists repeat (151 distinct among ~1,660): each is written once in
// parameter_sets, in order of first use, and models and endpoints name theirs by index ("params").
const parameterSets = new Map(); // JSON of the list → index
function withParamsIndex(o) {
  const out = {};
  for (const [k, v] of Object.entries(o)) {
    if (k !== 'supported_parameters') { out[k] = v; continue; }
    const key = JSON.stringify(v);
    if (!parameterSets.has(key)) parameterSets.set(key, parameterSets.size);
    out.params = parameterSets.get(key);
  }
  return out;
}
// canonical_slug is left out where it equals its default (id).
const modelLines = models.map(({ canonical_slug, ...m }) => JSON.stringify(withParamsIndex(
  canonical_slug === m.id ? m : { id: m.id, canonical_slug, ...m })));
const endpointLines = endpoints.map((e) => JSON.stringify(withParamsIndex(endpointJson(e))));

const lines = [];
lines.push(`{"format":"switchyard-catalog","version":1,`);
lines.push(`"sources":${JSON.stringify(sources)},`);
lines.push(`"parameter_sets":[`);
lines.push([...parameterSets.keys()].join(',\n'));
lines.push(`],`);
lines.push(`"providers":[`);
lines.push(providerList.map((p) => JSON.stringify(providerJson(p))).join(',\n'));
lines.push(`],`);
lines.push(`"models":[`);
lines.push(modelLines.join(',\n'));
lines.push(`],`);
lines.push(`"endpoints":[`);
lines.push(endpointLines.join(',\n'));
lines.push(`]}`);
const text = lines.join('\n') + '\n';
JSON.parse(text); // self-check

fs.mkdirSync(path.dirname(args.out), { recursive: true });
fs.writeFileSync(args.out, text);

if (args.report) process.stderr.write(report.join('\n') + '\n');
if (!args.quiet) {
  const perWire = {};
  for (const p of providerList) {
    perWire[p.wire] ??= { providers: 0, endpoints: 0 };
    perWire[p.wire].providers++;
  }
  const wireOf = new Map(providerList.map((p) => [p.slug, p.wire]));
  for (const e of endpoints) perWire[wireOf.get(e.provider)].endpoints++;
  const rel = path.relative(process.cwd(), args.out) || args.out;
  console.log(`catalog: ${models.length} models (${newModels.size} not on OpenRouter), ${providerList.length} providers, ${endpoints.length} endpoints (${endpoints.filter((e) => e.free).length} free), ${text.length} bytes → ${rel}`);
  for (const [w, c] of Object.entries(perWire).sort()) console.log(`  wire ${w}: ${c.providers} providers, ${c.endpoints} endpoints`);
}
