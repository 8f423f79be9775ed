// Switchyard sandbox provider fleet.
//
// One loopback HTTP server that plays any number of LLM providers. The first path segment is the
// provider slug (any slug is accepted); the rest of the path picks the wire format:
//   POST /<slug>/v1/chat/completions                        OpenAI chat completions
//   POST /<slug>/v1/messages                                Anthropic Messages
//   POST /<slug>/v1beta/models/<model>:generateContent      Google Gemini
//   POST /<slug>/v1beta/models/<model>:streamGenerateContent[?alt=sse]
//   POST /<slug>/v1/embeddings                              OpenAI embeddings
//   POST /<slug>/v1beta/models/<model>:batchEmbedContents   Google Gemini embeddings
// plus a control API under /_control/. See README.md next to this file for the full contract.
//
// Only node: built-ins. Everything on the request path is kept cheap: no sync I/O, no logging,
// responses are assembled from pre-built string prefixes, and unpaced streams are written in one
// corked batch.

import { createHash } from 'node:crypto';
import http from 'node:http';
import { createGzip, gzipSync } from 'node:zlib';

// ---------------------------------------------------------------------------------------------
// Defaults and small helpers
// ---------------------------------------------------------------------------------------------

export const DEFAULT_CONFIG = Object.freeze({
  ttft_ms: 0, // delay before the first content chunk (whole response when buffered)
  tokens_per_sec: 0, // pacing of the following chunks; 0 = instant
  reply_tokens: 12, // words in the reply (1 word = 1 completion token)
  cached_tokens: 0, // prompt tokens reported as served from cache
  reasoning_tokens: 8, // words of reasoning when the request asks for reasoning
  fault: null, // persistent fault applied to every request (see README)
  models: ['sandbox-fast', 'sandbox-smart'], // what GET /v1/models lists (any model is accepted)
  strict: true, // Anthropic signature checks, Gemini schema-key checks
});

const CONFIG_KEYS = new Set(Object.keys(DEFAULT_CONFIG));

const VOCAB = [
  'alpha', 'amber', 'anchor', 'apple', 'arrow', 'aurora', 'autumn', 'badge', 'basil', 'beacon',
  'birch', 'blossom', 'breeze', 'bridge', 'canyon', 'cedar', 'cinder', 'clover', 'comet', 'copper',
  'coral', 'crystal', 'delta', 'desert', 'ember', 'falcon', 'fern', 'harbor', 'hazel', 'horizon',
  'island', 'jasper', 'juniper', 'lantern', 'lemon', 'maple', 'meadow', 'meteor', 'mint', 'nectar',
  'nova', 'oak', 'ocean', 'orbit', 'pebble', 'pine', 'plum', 'prairie', 'quartz', 'raven',
  'river', 'saffron', 'sierra', 'signal', 'silver', 'spruce', 'summit', 'thistle', 'timber',
  'tulip', 'velvet', 'willow', 'zephyr', 'zinc',
];

const SECRET_HEADERS = new Set([
  'authorization', 'x-api-key', 'x-goog-api-key', 'proxy-authorization', 'cookie', 'api-key',
]);

const DEFAULT_ALLOW_HEADERS = [
  'authorization', 'content-type', 'x-api-key', 'anthropic-version', 'anthropic-beta',
  'anthropic-dangerous-direct-browser-access', 'x-goog-api-key', 'x-goog-api-client',
  'x-stainless-lang', 'x-stainless-package-version', 'x-stainless-os', 'x-stainless-arch',
  'x-stainless-runtime', 'x-stainless-runtime-version', 'x-stainless-retry-count',
  'x-stainless-timeout', 'x-stainless-helper-method', 'openai-organization', 'openai-project',
  'http-referer', 'x-title', 'x-session-id', 'user-agent', 'x-server-timeout',
].join(', ');

const EXPOSE_HEADERS =
  'retry-after, x-request-id, request-id, content-type, x-sandbox-provider, x-sandbox-seq';

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': EXPOSE_HEADERS,
};

/** 32-bit FNV-1a over UTF-16 code units. */
function fnv1a(str, h = 0x811c9dc5) {
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Deterministic word list from a 32-bit seed (mulberry32). */
function words(seed, n) {
  const out = new Array(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = VOCAB[((t ^ (t >>> 14)) >>> 0) % VOCAB.length];
  }
  return out;
}

/** Words → stream pieces whose concatenation is the text (" word" after the first). */
function toPieces(ws) {
  const p = new Array(ws.length);
  for (let i = 0; i < ws.length; i++) p[i] = i === 0 ? ws[i] : ' ' + ws[i];
  return p;
}

/** Splits a string into `parts` (≥2 when possible) non-empty fragments. */
function fragments(s, parts) {
  if (s.length < 2) return [s];
  const k = Math.max(2, Math.min(parts, s.length));
  const out = [];
  let start = 0;
  for (let i = 1; i <= k; i++) {
    const end = i === k ? s.length : Math.round((s.length * i) / k);
    if (end > start) out.push(s.slice(start, end));
    start = end;
  }
  return out;
}

function chunkString(s, size) {
  if (s.length <= size) return [s];
  const out = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

// ---------------------------------------------------------------------------------------------
// Fault grammar
// ---------------------------------------------------------------------------------------------

/**
 * Parses a fault spec string into a fault object.
 *   status:503 | status:429,retry_after:2 | hang | reset | cut:3 | malformed[,after:N]
 *   error200[:STATUS][,after:N] | drip:50 | ttft:200 | stall:MS[,after:N] | garbage
 *   html[:STATUS] | huge:BYTES | gzip | echo | none
 * Returns null for "none"/empty, undefined for an unknown kind.
 */
export function parseFaultSpec(spec) {
  if (spec == null) return null;
  if (typeof spec === 'object') return normalizeFault(spec);
  const s = String(spec).trim();
  if (s === '' || s === 'none' || s === 'off') return null;
  const parts = s.split(',');
  const f = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i].trim();
    const c = p.indexOf(':');
    const k = (c < 0 ? p : p.slice(0, c)).trim().toLowerCase();
    const v = c < 0 ? '' : p.slice(c + 1).trim();
    const n = v === '' ? undefined : Number(v);
    switch (k) {
      case 'status': f.status = n; break;
      case 'retry_after': case 'retry-after': f.retry_after = v; break;
      case 'hang': f.hang = true; break;
      case 'reset': f.reset = true; break;
      case 'cut': f.cut_after_chunks = n ?? 0; break;
      case 'malformed': f.malformed = true; break;
      case 'error200': case 'error_in_200': f.error_in_200 = n ?? true; break;
      case 'after': f.after_chunks = n ?? 0; break;
      case 'drip': f.drip_tps = n; break;
      case 'ttft': case 'ttft_ms': f.ttft_ms = n; break;
      case 'message': f.message = v; break;
      case 'stall': f.stall_ms = n ?? 0; break;
      case 'garbage': f.garbage = true; break;
      case 'html': f.html = n ?? true; break;
      case 'huge': f.huge_bytes = n ?? 1 << 20; break;
      case 'gzip': f.gzip = true; break;
      case 'echo': case 'echo_key': f.echo_key = true; break;
      default:
        if (i === 0) return undefined;
    }
  }
  return normalizeFault(f);
}

function normalizeFault(f) {
  if (f == null) return null;
  if (typeof f !== 'object') return parseFaultSpec(f);
  const out = {};
  if (num(f.status) && f.status >= 100) out.status = Math.trunc(f.status);
  if (f.retry_after != null && f.retry_after !== '') out.retry_after = String(f.retry_after);
  if (f.hang) out.hang = true;
  if (f.reset) out.reset = true;
  if (num(f.cut_after_chunks) !== undefined) out.cut_after_chunks = Math.max(0, Math.trunc(f.cut_after_chunks));
  if (f.malformed) out.malformed = true;
  if (f.error_in_200) out.error_in_200 = num(f.error_in_200) ?? true;
  if (num(f.after_chunks) !== undefined) out.after_chunks = Math.max(0, Math.trunc(f.after_chunks));
  if (num(f.drip_tps) && f.drip_tps > 0) out.drip_tps = f.drip_tps;
  if (num(f.ttft_ms) !== undefined) out.ttft_ms = Math.max(0, f.ttft_ms);
  if (typeof f.message === 'string') out.message = f.message;
  if (num(f.stall_ms) !== undefined) out.stall_ms = Math.max(0, f.stall_ms);
  if (f.garbage) out.garbage = true;
  if (f.html) out.html = num(f.html) ?? true;
  if (num(f.huge_bytes) !== undefined) out.huge_bytes = Math.max(1, Math.trunc(f.huge_bytes));
  if (f.gzip) out.gzip = true;
  if (f.echo_key) out.echo_key = true;
  return out;
}

function describeFault(f) {
  if (!f) return null;
  if (f.hang) return 'hang';
  if (f.reset) return 'reset';
  if (f.html) return 'html';
  if (f.echo_key && !f.error_in_200) return 'echo';
  if (f.status) return 'status:' + f.status;
  if (f.garbage) return 'garbage';
  if (f.huge_bytes) return 'huge:' + f.huge_bytes;
  if (f.stall_ms !== undefined) return 'stall:' + f.stall_ms;
  if (f.gzip) return 'gzip';
  if (f.cut_after_chunks !== undefined) return 'cut:' + f.cut_after_chunks;
  if (f.malformed) return 'malformed';
  if (f.error_in_200) return 'error200';
  if (f.drip_tps) return 'drip:' + f.drip_tps;
  if (f.ttft_ms !== undefined) return 'ttft:' + f.ttft_ms;
  return null;
}

const DIRECTIVE_RE = /\[\[sandbox:([^\]]*)\]\]/g;

/**
 * Extracts `[[sandbox:...]]` directives from text for the provider `slug`.
 * Keys: fault, ttft, tokens, tps, cached, reasoning. A `<slug>:` prefix scopes a setting to one
 * provider; scoped settings override unscoped ones. Returns null when there are none.
 */
export function parseDirectives(text, slug) {
  if (!text || text.indexOf('[[sandbox:') < 0) return null;
  const generic = {};
  const scoped = {};
  DIRECTIVE_RE.lastIndex = 0;
  let m;
  while ((m = DIRECTIVE_RE.exec(text)) !== null) {
    for (const part of m[1].split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      let key = part.slice(0, eq).trim();
      const val = part.slice(eq + 1).trim();
      let target = generic;
      const colon = key.lastIndexOf(':');
      if (colon >= 0) {
        if (key.slice(0, colon) !== slug) continue;
        key = key.slice(colon + 1);
        target = scoped;
      }
      switch (key) {
        case 'fault': { const f = parseFaultSpec(val); if (f !== undefined) target.fault = f; break; }
        case 'ttft': target.ttft_ms = Number(val); break;
        case 'tokens': target.reply_tokens = Number(val); break;
        case 'tps': target.tokens_per_sec = Number(val); break;
        case 'cached': target.cached_tokens = Number(val); break;
        case 'reasoning': target.reasoning_tokens = Number(val); break;
        case 'gate': if (val) target.gate = val; break;
        default: break;
      }
    }
  }
  const out = Object.assign(generic, scoped);
  for (const k of Object.keys(out)) if (k !== 'fault' && k !== 'gate' && !Number.isFinite(out[k])) delete out[k];
  return Object.keys(out).length ? out : null;
}

// ---------------------------------------------------------------------------------------------
// Error shapes
// ---------------------------------------------------------------------------------------------

const ANTHROPIC_TYPES = {
  400: 'invalid_request_error', 401: 'authentication_error', 402: 'billing_error',
  403: 'permission_error', 404: 'not_found_error', 413: 'request_too_large',
  429: 'rate_limit_error', 500: 'api_error', 503: 'overloaded_error', 504: 'timeout_error',
  529: 'overloaded_error',
};
const GEMINI_STATUS = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND',
  409: 'ABORTED', 413: 'INVALID_ARGUMENT', 429: 'RESOURCE_EXHAUSTED', 499: 'CANCELLED',
  500: 'INTERNAL', 501: 'UNIMPLEMENTED', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED',
  529: 'UNAVAILABLE',
};
const DEFAULT_MESSAGES = {
  400: 'Bad request', 401: 'Invalid authentication', 402: 'Insufficient credits',
  403: 'Forbidden', 404: 'Not found', 408: 'Request timeout', 413: 'Request too large',
  429: 'Rate limit exceeded, please retry later', 500: 'Internal server error',
  502: 'Bad gateway', 503: 'The model is overloaded, please try again later',
  504: 'Deadline exceeded', 529: 'Overloaded',
};

function openaiErrorType(status) {
  if (status === 429) return ['requests', 'rate_limit_exceeded'];
  if (status === 401) return ['invalid_request_error', 'invalid_api_key'];
  if (status === 403) return ['permission_error', 'unsupported_country_region_territory'];
  if (status === 404) return ['invalid_request_error', 'model_not_found'];
  if (status >= 500) return ['server_error', 'server_error'];
  return ['invalid_request_error', null];
}

/** The native error object of `wire` for an HTTP status (also used for errors inside a 200). */
export function errorBody(wire, status, message, requestId) {
  const msg = message || DEFAULT_MESSAGES[status] || 'Error ' + status;
  if (wire === 'anthropic') {
    const type = ANTHROPIC_TYPES[status] || (status >= 500 ? 'api_error' : 'invalid_request_error');
    const body = { type: 'error', error: { type, message: msg } };
    if (requestId) body.request_id = requestId;
    return body;
  }
  if (wire === 'gemini') {
    return {
      error: {
        code: status,
        message: msg,
        status: GEMINI_STATUS[status] || (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION'),
      },
    };
  }
  const [type, code] = openaiErrorType(status);
  return { error: { message: msg, type, param: null, code } };
}

// ---------------------------------------------------------------------------------------------
// Request → wire-neutral job
// ---------------------------------------------------------------------------------------------

class RequestError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

function openaiContentText(c) {
  if (typeof c === 'string') return c;
  if (!Array.isArray(c)) return '';
  let s = '';
  for (const p of c) if (p && typeof p.text === 'string') s += p.text;
  return s;
}

function anthropicBlocksText(c) {
  if (typeof c === 'string') return c;
  if (!Array.isArray(c)) return '';
  let s = '';
  for (const b of c) {
    if (!b) continue;
    if (b.type === 'text' && typeof b.text === 'string') s += b.text;
    else if (b.type === 'tool_result') s += anthropicBlocksText(b.content);
  }
  return s;
}

function anthropicUserText(c) {
  if (typeof c === 'string') return c;
  if (!Array.isArray(c)) return '';
  let s = '';
  for (const b of c) if (b && b.type === 'text' && typeof b.text === 'string') s += b.text;
  return s;
}

function geminiPartsText(parts, withFunctionResponses) {
  if (!Array.isArray(parts)) return '';
  let s = '';
  for (const p of parts) {
    if (!p) continue;
    if (typeof p.text === 'string' && !p.thought) s += p.text;
    else if (withFunctionResponses && p.functionResponse) s += JSON.stringify(p.functionResponse.response ?? {});
  }
  return s;
}

const promptTokens = (chars, messages) => Math.ceil(chars / 4) + 4 * messages;

function stopList(v) {
  if (typeof v === 'string') return v ? [v] : null;
  if (Array.isArray(v)) {
    const a = v.filter((s) => typeof s === 'string' && s);
    return a.length ? a : null;
  }
  return null;
}

function parseOpenAI(b) {
  if (typeof b.model !== 'string' || !b.model) throw new RequestError(400, 'you must provide a model parameter');
  if (!Array.isArray(b.messages) || b.messages.length === 0) {
    throw new RequestError(400, "Invalid 'messages': empty array. Expected an array with minimum length 1.");
  }
  let chars = 0;
  let lastText = '';
  for (const m of b.messages) {
    if (!m || typeof m !== 'object') throw new RequestError(400, "Invalid 'messages': each message must be an object");
    const t = openaiContentText(m.content);
    chars += t.length;
    if (m.role === 'user') lastText = t;
  }
  const last = b.messages[b.messages.length - 1];
  let reasoning = null;
  const r = b.reasoning;
  if (r && typeof r === 'object') {
    if (r.enabled !== false && r.effort !== 'none') {
      reasoning = { visible: r.exclude !== true, budget: num(r.max_tokens) ?? Infinity };
    }
  } else if (typeof b.reasoning_effort === 'string' && b.reasoning_effort !== 'none') {
    reasoning = { visible: true, budget: Infinity };
  }
  let tool = null;
  const tools = Array.isArray(b.tools) ? b.tools.filter((t) => t && t.function && t.function.name) : [];
  if (tools.length && b.tool_choice !== 'none' && last.role === 'user') {
    let chosen = tools[0];
    const tc = b.tool_choice;
    if (tc && typeof tc === 'object' && tc.function && tc.function.name) {
      chosen = tools.find((t) => t.function.name === tc.function.name);
      if (!chosen) throw new RequestError(400, `Invalid 'tool_choice': function '${tc.function.name}' not found in 'tools'`);
    }
    tool = { name: chosen.function.name, schema: chosen.function.parameters };
  }
  let jsonSchema;
  const rf = b.response_format;
  if (rf && rf.type === 'json_schema') jsonSchema = (rf.json_schema && rf.json_schema.schema) || {};
  else if (rf && rf.type === 'json_object') jsonSchema = null;
  const max = num(b.max_completion_tokens) ?? num(b.max_tokens);
  return {
    model: b.model,
    stream: b.stream === true,
    includeUsage: !!(b.stream_options && b.stream_options.include_usage),
    lastText,
    promptTokens: promptTokens(chars, b.messages.length),
    cacheMarked: 0,
    maxTokens: max ?? Infinity,
    stops: stopList(b.stop),
    reasoning,
    tool,
    jsonSchema,
  };
}

function cacheMarkedTokens(blocks) {
  let t = 0;
  if (!Array.isArray(blocks)) return 0;
  for (const b of blocks) {
    if (b && b.cache_control) {
      const s = b.type === 'text' ? b.text || '' : b.type === 'tool_result' ? anthropicBlocksText(b.content) : '';
      t += Math.ceil(s.length / 4);
    }
  }
  return t;
}

function verifySignature(sig, thinking, slug) {
  if (typeof sig !== 'string') return false;
  let decoded;
  try { decoded = Buffer.from(sig, 'base64').toString('utf8'); } catch { return false; }
  return decoded === signaturePayload(slug, thinking || '');
}

function signaturePayload(slug, thinking) {
  return `sbx1|${slug}|${fnv1a(thinking).toString(16)}`;
}

function makeSignature(slug, thinking) {
  return Buffer.from(signaturePayload(slug, thinking)).toString('base64');
}

function parseAnthropic(b, slug, strict) {
  if (typeof b.model !== 'string' || !b.model) throw new RequestError(400, 'model: Field required');
  if (num(b.max_tokens) === undefined) throw new RequestError(400, 'max_tokens: Field required');
  if (!Array.isArray(b.messages) || b.messages.length === 0) throw new RequestError(400, 'messages: Field required');
  let chars = 0;
  let msgs = b.messages.length;
  let cacheMarked = 0;
  if (typeof b.system === 'string') { chars += b.system.length; msgs++; }
  else if (Array.isArray(b.system)) {
    chars += anthropicBlocksText(b.system).length;
    msgs++;
    cacheMarked += cacheMarkedTokens(b.system);
  }
  let lastText = '';
  for (let i = 0; i < b.messages.length; i++) {
    const m = b.messages[i];
    if (!m || (m.role !== 'user' && m.role !== 'assistant')) {
      throw new RequestError(400, `messages.${i}.role: Input should be 'user' or 'assistant'`);
    }
    chars += anthropicBlocksText(m.content).length;
    if (Array.isArray(m.content)) {
      cacheMarked += cacheMarkedTokens(m.content);
      if (strict && m.role === 'assistant') {
        for (let j = 0; j < m.content.length; j++) {
          const blk = m.content[j];
          if (blk && blk.type === 'thinking' && !verifySignature(blk.signature, blk.thinking, slug)) {
            throw new RequestError(400, `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`);
          }
        }
      }
    }
    if (m.role === 'user') {
      const t = anthropicUserText(m.content);
      if (t) lastText = t;
    }
  }
  const last = b.messages[b.messages.length - 1];
  const lastIsToolResult = Array.isArray(last.content) && last.content.some((x) => x && x.type === 'tool_result');
  let reasoning = null;
  const th = b.thinking;
  if (th && (th.type === 'enabled' || th.type === 'adaptive')) {
    if (th.type === 'enabled') {
      const budget = num(th.budget_tokens);
      if (budget === undefined) throw new RequestError(400, 'thinking.enabled.budget_tokens: Field required');
      if (budget < 1024) throw new RequestError(400, 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
      if (b.max_tokens <= budget) throw new RequestError(400, '`max_tokens` must be greater than `thinking.budget_tokens`');
      reasoning = { visible: true, budget };
    } else {
      reasoning = { visible: true, budget: Infinity };
    }
  }
  let tool = null;
  const tools = Array.isArray(b.tools)
    ? b.tools.filter((t) => t && t.name && (t.input_schema || !t.type || t.type === 'custom'))
    : [];
  const tc = b.tool_choice;
  if (tools.length && !(tc && tc.type === 'none') && last.role === 'user' && !lastIsToolResult) {
    let chosen = tools[0];
    if (tc && tc.type === 'tool') {
      chosen = tools.find((t) => t.name === tc.name);
      if (!chosen) throw new RequestError(400, `tool_choice: tool '${tc.name}' not found in tools`);
    }
    tool = { name: chosen.name, schema: chosen.input_schema };
  }
  let jsonSchema;
  const of = b.output_format;
  if (of && of.type === 'json_schema') jsonSchema = of.schema || {};
  return {
    model: b.model,
    stream: b.stream === true,
    includeUsage: true,
    lastText,
    promptTokens: promptTokens(chars, msgs),
    cacheMarked,
    maxTokens: b.max_tokens,
    stops: stopList(b.stop_sequences),
    reasoning,
    tool,
    jsonSchema,
  };
}

const GEMINI_REJECTED_KEYS = new Set(['additionalProperties', '$schema']);

function checkGeminiSchema(s, where) {
  if (!s || typeof s !== 'object') return;
  if (Array.isArray(s)) { s.forEach((x, i) => checkGeminiSchema(x, `${where}[${i}]`)); return; }
  for (const k of Object.keys(s)) {
    if (GEMINI_REJECTED_KEYS.has(k)) {
      throw new RequestError(400, `Invalid JSON payload received. Unknown name "${k}" at '${where}': Cannot find field.`);
    }
    if (k === 'properties' && s.properties && typeof s.properties === 'object') {
      for (const [pk, pv] of Object.entries(s.properties)) checkGeminiSchema(pv, `${where}.properties[${pk}].value`);
    } else if (typeof s[k] === 'object') {
      checkGeminiSchema(s[k], `${where}.${k}`);
    }
  }
}

function parseGemini(b, model, strict) {
  if (!Array.isArray(b.contents) || b.contents.length === 0) {
    throw new RequestError(400, '* GenerateContentRequest.contents: contents is not specified');
  }
  let chars = 0;
  let msgs = b.contents.length;
  const si = b.systemInstruction ?? b.system_instruction;
  if (si) {
    chars += typeof si === 'string' ? si.length : geminiPartsText(si.parts, false).length;
    msgs++;
  }
  let lastText = '';
  for (const c of b.contents) {
    if (!c || typeof c !== 'object') throw new RequestError(400, '* GenerateContentRequest.contents: invalid content');
    chars += geminiPartsText(c.parts, true).length;
    if (c.role === 'user' || c.role === undefined) {
      const t = geminiPartsText(c.parts, false);
      if (t) lastText = t;
    }
  }
  const last = b.contents[b.contents.length - 1];
  const lastIsToolResult = Array.isArray(last.parts) && last.parts.some((p) => p && p.functionResponse);
  const gc = b.generationConfig || b.generation_config || {};
  let reasoning = null;
  const tc = gc.thinkingConfig || gc.thinking_config;
  if (tc) {
    const budget = num(tc.thinkingBudget ?? tc.thinking_budget);
    const include = (tc.includeThoughts ?? tc.include_thoughts) === true;
    const level = tc.thinkingLevel ?? tc.thinking_level;
    if (include || (budget !== undefined && budget !== 0) || (level && level !== 'THINKING_LEVEL_UNSPECIFIED')) {
      reasoning = { visible: include, budget: budget !== undefined && budget > 0 ? budget : Infinity };
    }
  }
  let tool = null;
  const decls = [];
  if (Array.isArray(b.tools)) {
    b.tools.forEach((t, ti) => {
      const fds = t && (t.functionDeclarations || t.function_declarations);
      if (!Array.isArray(fds)) return;
      fds.forEach((fd, fi) => {
        if (!fd || !fd.name) return;
        if (strict && fd.parameters) checkGeminiSchema(fd.parameters, `tools[${ti}].function_declarations[${fi}].parameters`);
        decls.push(fd);
      });
    });
  }
  const fcc = (b.toolConfig || b.tool_config || {}).functionCallingConfig || {};
  if (decls.length && fcc.mode !== 'NONE' && (last.role === 'user' || last.role === undefined) && !lastIsToolResult) {
    let chosen = decls[0];
    const allowed = fcc.allowedFunctionNames || fcc.allowed_function_names;
    if (Array.isArray(allowed) && allowed.length) chosen = decls.find((d) => d.name === allowed[0]) || chosen;
    tool = { name: chosen.name, schema: chosen.parameters || chosen.parametersJsonSchema || chosen.parameters_json_schema };
  }
  let jsonSchema;
  if (gc.responseMimeType === 'application/json' || gc.response_mime_type === 'application/json') {
    jsonSchema = gc.responseJsonSchema || gc.responseSchema || gc.response_json_schema || gc.response_schema || null;
  }
  return {
    model,
    stream: false,
    includeUsage: true,
    lastText,
    promptTokens: promptTokens(chars, msgs),
    cacheMarked: 0,
    maxTokens: num(gc.maxOutputTokens ?? gc.max_output_tokens) ?? Infinity,
    stops: stopList(gc.stopSequences ?? gc.stop_sequences),
    reasoning,
    tool,
    jsonSchema,
  };
}

/** A value satisfying `schema`'s required properties: strings "sandbox", numbers 1, booleans true. */
// ---------------------------------------------------------------------------------------------
// Embeddings: POST /v1/embeddings (OpenAI) and :batchEmbedContents (Gemini). Each vector is
// derived from its text alone (a PRNG seeded by FNV-1a of the text, normalised to length 1,
// float32 values), so the same text gives the same vector on every provider and run; its
// length is `dimensions` / `outputDimensionality`, else the model's usual size. The fault
// directives of the last input's text apply as for chat.
// ---------------------------------------------------------------------------------------------

const EMBED_MAX_INPUTS = 2048;

function embedDefaultDims(model) {
  const m = String(model || '');
  if (/large|gemini|qwen3-embedding-8b/i.test(m)) return 3072;
  if (/mistral/i.test(m)) return 1024;
  return 1536;
}

function checkDims(v, name) {
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v) || v < 1 || v > 65536) throw new RequestError(400, `Invalid '${name}': expected an integer from 1 to 65536.`);
  return v;
}

function parseEmbeddings(wire, b, model) {
  let texts;
  let dims;
  if (wire === 'gemini') {
    if (!Array.isArray(b.requests) || b.requests.length === 0) throw new RequestError(400, '* BatchEmbedContentsRequest.requests: must not be empty');
    if (b.requests.length > EMBED_MAX_INPUTS) throw new RequestError(400, `* BatchEmbedContentsRequest.requests: at most ${EMBED_MAX_INPUTS} requests can be in one batch`);
    texts = b.requests.map((r, i) => {
      if (!r || r.model !== `models/${model}`) throw new RequestError(400, `* BatchEmbedContentsRequest.requests[${i}].model: must be models/${model}`);
      const parts = r.content?.parts;
      if (!Array.isArray(parts) || parts.length === 0 || parts.some((p) => typeof p?.text !== 'string')) {
        throw new RequestError(400, `* BatchEmbedContentsRequest.requests[${i}].content: text parts required`);
      }
      const d = checkDims(r.outputDimensionality, 'outputDimensionality');
      if (dims !== undefined && d !== dims) throw new RequestError(400, 'outputDimensionality must be the same for every request');
      dims = d;
      return parts.map((p) => p.text).join('');
    });
  } else {
    if (typeof b.model !== 'string' || !b.model) throw new RequestError(400, 'you must provide a model parameter');
    const input = b.input;
    const bad = () => new RequestError(400, "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.");
    if (typeof input === 'string') texts = [input];
    else if (Array.isArray(input) && input.length > 0 && typeof input[0] === 'number') texts = [input.join(' ')];
    else if (Array.isArray(input) && input.length > 0) texts = input.map((x) => (typeof x === 'string' ? x : Array.isArray(x) ? x.join(' ') : null));
    else throw bad();
    if (texts.length > EMBED_MAX_INPUTS) throw new RequestError(400, `'$.input' must have at most ${EMBED_MAX_INPUTS} items.`);
    if (texts.some((t) => t === null || t === '')) throw bad();
    if (b.encoding_format !== undefined && b.encoding_format !== 'float' && b.encoding_format !== 'base64') throw bad();
    dims = checkDims(b.dimensions, 'dimensions');
    model = b.model;
  }
  const chars = texts.reduce((n, t) => n + t.length, 0);
  return {
    embed: true, wire, model, texts, dims: dims ?? embedDefaultDims(model), base64: b.encoding_format === 'base64',
    lastText: texts[texts.length - 1], stream: false,
    promptTokens: texts.reduce((n, t) => n + Math.max(1, Math.ceil(t.length / 4)), 0), chars,
  };
}

/** The vector of `text`: `dims` float32 values of length 1 (mulberry32 seeded by FNV-1a). */
export function embedVector(text, dims) {
  const v = new Array(dims);
  let a = fnv1a(text);
  let sum = 0;
  for (let i = 0; i < dims; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const x = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
    v[i] = x;
    sum += x * x;
  }
  const norm = Math.sqrt(sum) || 1;
  for (let i = 0; i < dims; i++) v[i] = Math.fround(v[i] / norm);
  return v;
}

function embeddingsBody(job) {
  if (job.wire === 'gemini') return { embeddings: job.texts.map((t) => ({ values: embedVector(t, job.dims) })) };
  return {
    object: 'list',
    data: job.texts.map((t, index) => {
      const vec = embedVector(t, job.dims);
      return { object: 'embedding', index, embedding: job.base64 ? Buffer.from(new Float32Array(vec).buffer).toString('base64') : vec };
    }),
    model: job.model,
    usage: { prompt_tokens: job.promptTokens, total_tokens: job.promptTokens },
  };
}

export function sampleFromSchema(schema, depth = 0) {
  if (!schema || typeof schema !== 'object' || depth > 8) return 'sandbox';
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const alt = schema.anyOf || schema.oneOf;
  if (Array.isArray(alt) && alt.length) {
    const pick = alt.find((s) => s && s.type !== 'null') || alt[0];
    return sampleFromSchema(pick, depth + 1);
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length) return sampleFromSchema(Object.assign({}, ...schema.allOf), depth + 1);
  let t = schema.type;
  if (Array.isArray(t)) t = t.find((x) => x !== 'null') ?? t[0];
  t = typeof t === 'string' ? t.toLowerCase() : schema.properties ? 'object' : schema.items ? 'array' : 'string';
  switch (t) {
    case 'object': {
      const out = {};
      const props = schema.properties || {};
      if (Array.isArray(schema.required)) for (const k of schema.required) out[k] = sampleFromSchema(props[k], depth + 1);
      return out;
    }
    case 'array': return [sampleFromSchema(schema.items, depth + 1)];
    case 'number': case 'integer': return 1;
    case 'boolean': return true;
    case 'null': return null;
    default: return 'sandbox';
  }
}

// ---------------------------------------------------------------------------------------------
// Generation (wire-neutral)
// ---------------------------------------------------------------------------------------------

function generate(job, slug, seq, settings) {
  const g = {
    seq,
    pieces: [],
    text: '',
    finish: 'stop',
    stopSeq: null,
    reasoningPieces: null,
    reasoningText: '',
    reasoningVisible: false,
    R: 0,
    C: 0,
    tool: null,
    P: job.promptTokens,
    cached: 0,
    creation: 0,
  };
  const seed = fnv1a(slug + '\u0000' + job.model + '\u0000' + job.lastText);
  if (job.reasoning) {
    const n = Math.max(0, Math.min(settings.reasoning_tokens | 0, job.reasoning.budget));
    const rw = words(seed ^ 0x9e3779b9, n);
    g.R = n;
    g.reasoningText = rw.join(' ');
    g.reasoningVisible = job.reasoning.visible;
    g.reasoningPieces = toPieces(rw);
  }
  if (job.tool) {
    const args = sampleFromSchema(job.tool.schema && typeof job.tool.schema === 'object' ? job.tool.schema : { type: 'object' });
    const json = JSON.stringify(args);
    g.tool = { name: job.tool.name, args, json, frags: fragments(json, 3) };
    g.finish = 'tool';
    g.C = Math.ceil((job.tool.name.length + json.length) / 4);
  } else if (job.jsonSchema !== undefined) {
    const value = job.jsonSchema === null ? { reply: words(seed, 3).join(' ') } : sampleFromSchema(job.jsonSchema);
    g.text = JSON.stringify(value);
    g.pieces = chunkString(g.text, 8);
    g.C = g.pieces.length;
  } else {
    const want = Math.max(0, settings.reply_tokens | 0);
    let n = want;
    if (job.maxTokens < want) { n = Math.max(0, Math.floor(job.maxTokens)); g.finish = 'length'; }
    const ws = words(seed, n);
    let pieces = toPieces(ws);
    let text = ws.join(' ');
    if (job.stops) {
      let cut = -1;
      let which = null;
      for (const s of job.stops) {
        const i = text.indexOf(s);
        if (i >= 0 && (cut < 0 || i < cut)) { cut = i; which = s; }
      }
      if (cut >= 0) {
        text = text.slice(0, cut);
        const kept = [];
        let len = 0;
        for (const p of pieces) {
          if (len >= cut) break;
          kept.push(len + p.length <= cut ? p : p.slice(0, cut - len));
          len += p.length;
        }
        pieces = kept;
        g.finish = 'stop_sequence';
        g.stopSeq = which;
      }
    }
    g.pieces = pieces;
    g.text = text;
    g.C = pieces.length;
  }
  g.cached = Math.max(0, Math.min(settings.cached_tokens | 0, g.P));
  if (g.cached === 0 && job.cacheMarked > 0) g.creation = Math.min(job.cacheMarked, g.P);
  return g;
}

// ---------------------------------------------------------------------------------------------
// Rendering: OpenAI
// ---------------------------------------------------------------------------------------------

const OPENAI_FINISH = { stop: 'stop', length: 'length', stop_sequence: 'stop', tool: 'tool_calls' };
const ANTHROPIC_STOP = { stop: 'end_turn', length: 'max_tokens', stop_sequence: 'stop_sequence', tool: 'tool_use' };
const GEMINI_FINISH = { stop: 'STOP', length: 'MAX_TOKENS', stop_sequence: 'STOP', tool: 'STOP' };

function openaiUsage(g) {
  return {
    prompt_tokens: g.P,
    completion_tokens: g.C + g.R,
    total_tokens: g.P + g.C + g.R,
    prompt_tokens_details: { cached_tokens: g.cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: g.R, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0,
    },
  };
}

function openaiBuffered(g, job, created) {
  const message = { role: 'assistant', content: g.tool ? null : g.text, refusal: null, annotations: [] };
  if (g.reasoningVisible) message.reasoning = g.reasoningText;
  if (g.tool) {
    message.tool_calls = [{ id: `call_sbx${g.seq}_0`, type: 'function', function: { name: g.tool.name, arguments: g.tool.json } }];
  }
  return {
    id: `chatcmpl-sbx${g.seq}`,
    object: 'chat.completion',
    created,
    model: job.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: OPENAI_FINISH[g.finish] }],
    usage: openaiUsage(g),
    service_tier: 'default',
    system_fingerprint: 'fp_sandbox',
  };
}

/** Stream plan: events (SSE strings), units (cumulative content count per event), pre (events sent before TTFT). */
class Events {
  constructor() { this.list = []; this.units = []; this.n = 0; }
  push(s, unit) { if (unit) this.n++; this.list.push(s); this.units.push(this.n); }
}

function openaiStream(g, job, created) {
  const head = `data: {"id":"chatcmpl-sbx${g.seq}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(job.model)},"service_tier":"default","system_fingerprint":"fp_sandbox","choices":[{"index":0,"delta":`;
  const tail = `,"logprobs":null,"finish_reason":null}]${job.includeUsage ? ',"usage":null' : ''}}\n\n`;
  const ev = new Events();
  ev.push(head + (g.tool ? '{"role":"assistant","content":null,"refusal":null}' : '{"role":"assistant","content":"","refusal":null}') + tail, false);
  if (g.reasoningVisible) for (const p of g.reasoningPieces) ev.push(head + '{"reasoning":' + JSON.stringify(p) + '}' + tail, true);
  if (g.tool) {
    ev.push(head + `{"tool_calls":[{"index":0,"id":"call_sbx${g.seq}_0","type":"function","function":{"name":${JSON.stringify(g.tool.name)},"arguments":""}}]}` + tail, true);
    for (const f of g.tool.frags) ev.push(head + '{"tool_calls":[{"index":0,"function":{"arguments":' + JSON.stringify(f) + '}}]}' + tail, true);
  } else {
    for (const p of g.pieces) ev.push(head + '{"content":' + JSON.stringify(p) + '}' + tail, true);
  }
  ev.push(head + `{},"logprobs":null,"finish_reason":"${OPENAI_FINISH[g.finish]}"}]${job.includeUsage ? ',"usage":null' : ''}}\n\n`, false);
  if (job.includeUsage) {
    ev.push(`data: {"id":"chatcmpl-sbx${g.seq}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(job.model)},"service_tier":"default","system_fingerprint":"fp_sandbox","choices":[],"usage":${JSON.stringify(openaiUsage(g))}}\n\n`, false);
  }
  ev.push('data: [DONE]\n\n', false);
  ev.pre = 0;
  return ev;
}

// ---------------------------------------------------------------------------------------------
// Rendering: Anthropic
// ---------------------------------------------------------------------------------------------

function anthropicUsage(g) {
  return {
    input_tokens: Math.max(0, g.P - g.cached - g.creation),
    cache_creation_input_tokens: g.creation,
    cache_read_input_tokens: g.cached,
    output_tokens: g.C + g.R,
    service_tier: 'standard',
  };
}

function anthropicBuffered(g, job, slug) {
  const content = [];
  if (g.R > 0 || g.reasoningPieces) content.push({ type: 'thinking', thinking: g.reasoningText, signature: makeSignature(slug, g.reasoningText) });
  if (g.tool) content.push({ type: 'tool_use', id: `toolu_sbx${g.seq}_0`, name: g.tool.name, input: g.tool.args });
  else content.push({ type: 'text', text: g.text });
  return {
    id: `msg_sbx${g.seq}`,
    type: 'message',
    role: 'assistant',
    model: job.model,
    content,
    stop_reason: ANTHROPIC_STOP[g.finish],
    stop_sequence: g.stopSeq,
    usage: anthropicUsage(g),
  };
}

const aev = (name, json) => `event: ${name}\ndata: ${json}\n\n`;

function anthropicStream(g, job, slug) {
  const ev = new Events();
  const u = anthropicUsage(g);
  const startUsage = { ...u, output_tokens: Math.min(1, u.output_tokens) };
  ev.push(aev('message_start', JSON.stringify({
    type: 'message_start',
    message: {
      id: `msg_sbx${g.seq}`, type: 'message', role: 'assistant', model: job.model, content: [],
      stop_reason: null, stop_sequence: null, usage: startUsage,
    },
  })), false);
  let idx = 0;
  const start = (block) => {
    ev.push(aev('content_block_start', `{"type":"content_block_start","index":${idx},"content_block":${block}}`), false);
    if (idx === 0) ev.push(aev('ping', '{"type": "ping"}'), false);
  };
  const delta = (d, unit) => ev.push(aev('content_block_delta', `{"type":"content_block_delta","index":${idx},"delta":${d}}`), unit);
  const stop = () => { ev.push(aev('content_block_stop', `{"type":"content_block_stop","index":${idx}}`), false); idx++; };
  if (g.reasoningPieces) {
    start('{"type":"thinking","thinking":"","signature":""}');
    for (const p of g.reasoningPieces) delta('{"type":"thinking_delta","thinking":' + JSON.stringify(p) + '}', true);
    delta('{"type":"signature_delta","signature":' + JSON.stringify(makeSignature(slug, g.reasoningText)) + '}', false);
    stop();
  }
  if (g.tool) {
    start(`{"type":"tool_use","id":"toolu_sbx${g.seq}_0","name":${JSON.stringify(g.tool.name)},"input":{}}`);
    delta('{"type":"input_json_delta","partial_json":""}', false);
    for (const f of g.tool.frags) delta('{"type":"input_json_delta","partial_json":' + JSON.stringify(f) + '}', true);
    stop();
  } else {
    start('{"type":"text","text":""}');
    for (const p of g.pieces) delta('{"type":"text_delta","text":' + JSON.stringify(p) + '}', true);
    stop();
  }
  const du = { input_tokens: u.input_tokens, cache_creation_input_tokens: u.cache_creation_input_tokens, cache_read_input_tokens: u.cache_read_input_tokens, output_tokens: u.output_tokens };
  ev.push(aev('message_delta', `{"type":"message_delta","delta":{"stop_reason":"${ANTHROPIC_STOP[g.finish]}","stop_sequence":${JSON.stringify(g.stopSeq)}},"usage":${JSON.stringify(du)}}`), false);
  ev.push(aev('message_stop', '{"type":"message_stop"}'), false);
  ev.pre = 1;
  return ev;
}

// ---------------------------------------------------------------------------------------------
// Rendering: Gemini
// ---------------------------------------------------------------------------------------------

function geminiUsage(g, C, R) {
  const u = { promptTokenCount: g.P, candidatesTokenCount: C, totalTokenCount: g.P + C + R };
  if (g.cached > 0) u.cachedContentTokenCount = g.cached;
  u.promptTokensDetails = [{ modality: 'TEXT', tokenCount: g.P }];
  if (g.cached > 0) u.cacheTokensDetails = [{ modality: 'TEXT', tokenCount: g.cached }];
  if (R > 0) u.thoughtsTokenCount = R;
  return u;
}

function geminiFinalPart(g, slug) {
  const part = g.tool ? { functionCall: { name: g.tool.name, args: g.tool.args } } : { text: g.text };
  if (g.reasoningPieces) part.thoughtSignature = makeSignature(slug, g.reasoningText);
  return part;
}

function geminiBuffered(g, job, slug) {
  const parts = [];
  if (g.reasoningVisible) parts.push({ text: g.reasoningText, thought: true });
  parts.push(geminiFinalPart(g, slug));
  return {
    candidates: [{ content: { parts, role: 'model' }, finishReason: GEMINI_FINISH[g.finish], index: 0 }],
    usageMetadata: geminiUsage(g, g.C, g.R),
    modelVersion: job.model,
    responseId: `sbx${g.seq}`,
  };
}

function geminiStream(g, job, slug, sse) {
  const ev = new Events();
  const tailModel = `,"modelVersion":${JSON.stringify(job.model)},"responseId":"sbx${g.seq}"}`;
  const chunks = [];
  const add = (part, C, R, finish, unit) => {
    const cand = { content: { parts: [part], role: 'model' } };
    if (finish) cand.finishReason = finish;
    cand.index = 0;
    chunks.push(['{"candidates":[' + JSON.stringify(cand) + '],"usageMetadata":' + JSON.stringify(geminiUsage(g, C, R)) + tailModel, unit]);
  };
  let R = 0;
  if (g.reasoningVisible) for (const p of g.reasoningPieces) add({ text: p, thought: true }, 0, ++R, null, true);
  R = g.R;
  const finish = GEMINI_FINISH[g.finish];
  if (g.tool) {
    add(geminiFinalPart(g, slug), g.C, R, finish, true);
  } else {
    const n = g.pieces.length;
    if (n === 0) add({ text: '' }, 0, R, finish, true);
    for (let i = 0; i < n; i++) {
      const part = { text: g.pieces[i] };
      if (i === 0 && g.reasoningPieces) part.thoughtSignature = makeSignature(slug, g.reasoningText);
      add(part, i + 1, R, i === n - 1 ? finish : null, true);
    }
  }
  for (let i = 0; i < chunks.length; i++) {
    const [c, unit] = chunks[i];
    if (sse) ev.push('data: ' + c + '\r\n\r\n', unit);
    else ev.push((i === 0 ? '[' : ',\r\n') + c + (i === chunks.length - 1 ? ']' : ''), unit);
  }
  ev.pre = 0;
  return ev;
}

// ---------------------------------------------------------------------------------------------
// OpenAI Responses API (POST /v1/responses): request parsing, rendering, fault events
// ---------------------------------------------------------------------------------------------

// Chat-completions parameters the Responses API refuses ("Unsupported parameter"), so a router
// that sends one is caught here as it would be upstream.
const RESPONSES_REJECTED = ['messages', 'max_tokens', 'max_completion_tokens', 'stop', 'seed',
  'stream_options', 'reasoning_effort', 'response_format', 'frequency_penalty', 'presence_penalty'];
const RESPONSES_MIN_OUTPUT = 16;

function responsesItemText(item) {
  if (!item || typeof item !== 'object') return '';
  if (item.type === 'function_call_output') return typeof item.output === 'string' ? item.output : '';
  return openaiContentText(item.content);
}

function parseResponses(b) {
  if (typeof b.model !== 'string' || !b.model) throw new RequestError(400, "Missing required parameter: 'model'.");
  for (const k of RESPONSES_REJECTED) {
    if (k in b) throw new RequestError(400, `Unsupported parameter: '${k}'.`);
  }
  const input = typeof b.input === 'string' ? [{ type: 'message', role: 'user', content: b.input }] : b.input;
  if (!Array.isArray(input) || input.length === 0) throw new RequestError(400, "Missing required parameter: 'input'.");
  let chars = typeof b.instructions === 'string' ? b.instructions.length : 0;
  let lastText = '';
  for (const item of input) {
    if (!item || typeof item !== 'object') throw new RequestError(400, "Invalid 'input': each item must be an object");
    const t = responsesItemText(item);
    chars += t.length;
    if (item.role === 'user') lastText = t;
  }
  const last = input[input.length - 1];
  const max = num(b.max_output_tokens);
  if (max !== undefined && max < RESPONSES_MIN_OUTPUT) {
    throw new RequestError(400, `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= ${RESPONSES_MIN_OUTPUT}, but got ${max} instead.`);
  }
  let reasoning = null;
  const r = b.reasoning;
  if (r && typeof r === 'object' && r.effort !== 'none') {
    reasoning = { visible: typeof r.summary === 'string', budget: Infinity };
  }
  let tool = null;
  const tools = Array.isArray(b.tools) ? b.tools.filter((t) => t && t.type === 'function' && t.name) : [];
  if (tools.length && b.tool_choice !== 'none' && last.role === 'user') {
    let chosen = tools[0];
    const tc = b.tool_choice;
    if (tc && typeof tc === 'object' && tc.name) {
      chosen = tools.find((t) => t.name === tc.name);
      if (!chosen) throw new RequestError(400, `Invalid 'tool_choice': function '${tc.name}' not found in 'tools'`);
    }
    tool = { name: chosen.name, schema: chosen.parameters };
  }
  let jsonSchema;
  const format = b.text && b.text.format;
  if (format && format.type === 'json_schema') jsonSchema = format.schema || {};
  else if (format && format.type === 'json_object') jsonSchema = null;
  return {
    model: b.model,
    stream: b.stream === true,
    lastText,
    promptTokens: promptTokens(chars, input.length + (b.instructions ? 1 : 0)),
    cacheMarked: 0,
    maxTokens: max ?? Infinity,
    stops: null,
    reasoning,
    tool,
    jsonSchema,
    encrypted: Array.isArray(b.include) && b.include.includes('reasoning.encrypted_content'),
  };
}

function responsesUsage(g) {
  return {
    input_tokens: g.P,
    input_tokens_details: { cached_tokens: g.cached },
    output_tokens: g.C + g.R,
    output_tokens_details: { reasoning_tokens: g.R },
    total_tokens: g.P + g.C + g.R,
  };
}

// The finished output items; `encrypted_content` is an opaque token bound to the slug.
function responsesItems(g, job, slug) {
  const items = [];
  if (job.reasoning) {
    const item = { id: `rs_sbx${g.seq}`, type: 'reasoning', summary: g.reasoningVisible ? [{ type: 'summary_text', text: g.reasoningText }] : [] };
    if (job.encrypted) item.encrypted_content = Buffer.from(`sandbox-reasoning:${slug}:${g.seq}`).toString('base64');
    items.push(item);
  }
  if (g.tool) {
    items.push({ id: `fc_sbx${g.seq}_0`, type: 'function_call', status: 'completed', arguments: g.tool.json, call_id: `call_sbx${g.seq}_0`, name: g.tool.name });
  } else {
    items.push({
      id: `msg_sbx${g.seq}`, type: 'message', status: g.finish === 'length' ? 'incomplete' : 'completed', role: 'assistant',
      content: [{ type: 'output_text', annotations: [], logprobs: [], text: g.text }],
    });
  }
  return items;
}

function responsesObject(g, job, created, status, output, extra) {
  return {
    id: `resp_sbx${g.seq}`, object: 'response', created_at: created, status,
    background: false, error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: null, max_output_tokens: Number.isFinite(job.maxTokens) ? job.maxTokens : null,
    model: job.model, output, parallel_tool_calls: true, store: false, text: { format: { type: 'text' } },
    usage: status === 'in_progress' ? null : responsesUsage(g),
    ...extra,
  };
}

const responsesStatus = (g) => (g.finish === 'length' ? 'incomplete' : 'completed');

function responsesBuffered(g, job, slug, created) {
  return responsesObject(g, job, created, responsesStatus(g), responsesItems(g, job, slug));
}

/** A 200 answer that failed: the response object with status "failed" and its error. */
function responsesFailed(status, message, seq, created) {
  const [, code] = openaiErrorType(status);
  return {
    id: `resp_sbx${seq}`, object: 'response', created_at: created, status: 'failed',
    error: { code: code ?? 'server_error', message: message || DEFAULT_MESSAGES[status] || 'Error ' + status },
    incomplete_details: null, output: [], usage: null,
  };
}

/** The stream's `error` event (a fault inside a 200 stream). */
function responsesErrorEvent(status, message) {
  const [, code] = openaiErrorType(status);
  return aev('error', JSON.stringify({ type: 'error', code: code ?? 'server_error', message: message || DEFAULT_MESSAGES[status] || 'Error ' + status, param: null, sequence_number: 0 }));
}
const RESPONSES_MALFORMED = 'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"unterminated\n\n';

function responsesStream(g, job, slug, created) {
  const ev = new Events();
  let n = 0;
  const push = (type, obj, unit) => ev.push(aev(type, JSON.stringify({ type, sequence_number: n++, ...obj })), unit);
  push('response.created', { response: responsesObject(g, job, created, 'in_progress', []) }, false);
  push('response.in_progress', { response: responsesObject(g, job, created, 'in_progress', []) }, false);
  const items = responsesItems(g, job, slug);
  items.forEach((item, output_index) => {
    const item_id = item.id;
    if (item.type === 'reasoning') {
      push('response.output_item.added', { output_index, item: { id: item_id, type: 'reasoning', summary: [] } }, false);
      if (g.reasoningVisible) {
        push('response.reasoning_summary_part.added', { item_id, output_index, summary_index: 0, part: { type: 'summary_text', text: '' } }, false);
        for (const p of g.reasoningPieces) push('response.reasoning_summary_text.delta', { item_id, output_index, summary_index: 0, delta: p }, true);
        push('response.reasoning_summary_text.done', { item_id, output_index, summary_index: 0, text: g.reasoningText }, false);
        push('response.reasoning_summary_part.done', { item_id, output_index, summary_index: 0, part: { type: 'summary_text', text: g.reasoningText } }, false);
      }
    } else if (item.type === 'function_call') {
      push('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } }, true);
      for (const f of g.tool.frags) push('response.function_call_arguments.delta', { item_id, output_index, delta: f }, true);
      push('response.function_call_arguments.done', { item_id, output_index, arguments: g.tool.json }, false);
    } else {
      push('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } }, false);
      push('response.content_part.added', { item_id, output_index, content_index: 0, part: { type: 'output_text', annotations: [], text: '' } }, false);
      for (const p of g.pieces) push('response.output_text.delta', { item_id, output_index, content_index: 0, delta: p, logprobs: [] }, true);
      push('response.output_text.done', { item_id, output_index, content_index: 0, text: g.text, logprobs: [] }, false);
      push('response.content_part.done', { item_id, output_index, content_index: 0, part: item.content[0] }, false);
    }
    push('response.output_item.done', { output_index, item }, false);
  });
  const status = responsesStatus(g);
  push(status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: responsesObject(g, job, created, status, items) }, false);
  ev.pre = 0;
  return ev;
}

// ---------------------------------------------------------------------------------------------
// The fleet
// ---------------------------------------------------------------------------------------------

// What a broken upstream sends instead of JSON or SSE.
const GARBAGE = Buffer.from('\u0000\u00ff<<sandbox garbage>> not json, not SSE \u00fe\n\n', 'latin1');
// stall:0 means the silence never ends (the longest timer Node allows).
const STALL_FOREVER = 2 ** 31 - 1;

/** An HTML error page as a CDN or load balancer in front of a provider sends it. */
function htmlPage(status, message) {
  const title = `${status} ${DEFAULT_MESSAGES[status] ?? 'Error'}`;
  const esc = (t) => t.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
  return `<!DOCTYPE html>\n<html><head><title>${esc(title)}</title></head><body>\n` +
    `<center><h1>${esc(title)}</h1></center>\n${message ? `<p>${esc(message)}</p>\n` : ''}<hr><center>sandbox-edge</center>\n</body></html>\n`;
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) { reject(new RequestError(413, 'Request too large')); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res, status, obj, extra) {
  const body = JSON.stringify(obj);
  const h = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...CORS_HEADERS,
  };
  if (extra) Object.assign(h, extra);
  res.writeHead(status, h);
  res.end(body);
}

function mergeConfig(base, patch) {
  const out = { ...base };
  if (!patch || typeof patch !== 'object') return out;
  for (const [k, v] of Object.entries(patch)) {
    if (!CONFIG_KEYS.has(k)) continue;
    if (v === null || v === undefined) { out[k] = DEFAULT_CONFIG[k]; continue; }
    if (k === 'fault') { out.fault = parseFaultSpec(v) ?? null; continue; }
    out[k] = v;
  }
  return out;
}

/**
 * Starts the fleet.
 * @param {object} [options]
 * @param {number} [options.port=0]  0 picks a free port
 * @param {string} [options.host='127.0.0.1']
 * @param {Record<string, object>} [options.providers]  initial per-provider config
 * @param {object} [options.defaults]  overrides of DEFAULT_CONFIG for every provider
 * @param {boolean} [options.record=true]  keep recorded requests
 * @param {number} [options.maxRecords=10000]  ring size of the request log
 * @param {number} [options.maxRecordBytes=268435456]  request-body bytes the log may hold
 * @param {number} [options.maxBodyBytes=33554432]
 */
export async function startFleet(options = {}) {
  const host = options.host ?? '127.0.0.1';
  const recordOn = options.record !== false;
  const maxRecords = options.maxRecords ?? 10000;
  const maxRecordBytes = options.maxRecordBytes ?? 256 * 1024 * 1024;
  const maxBody = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const baseDefaults = mergeConfig(DEFAULT_CONFIG, options.defaults);
  const initialProviders = options.providers || {};

  let providers; // slug -> merged config
  let queues; // slug -> fault[]
  let records;
  let recordBytes;
  let seq;
  const started = Date.now();
  // Gates (`[[sandbox:gate=NAME]]`): a request waits at its gate, before any answer, until the
  // gate is opened (POST /_control/gates/NAME); tests use them to hold requests in flight until
  // an event (every request arrived), instead of a delay. name → {open, waiting: Set, arrived}
  const gates = new Map();
  const gateOf = (name) => {
    let g = gates.get(name);
    if (!g) { g = { open: false, waiting: new Set(), arrived: 0 }; gates.set(name, g); }
    return g;
  };
  const openGate = (g) => {
    g.open = true;
    for (const release of g.waiting) release();
    g.waiting.clear();
  };

  function resetState() {
    for (const g of gates.values()) openGate(g);
    gates.clear();
    providers = new Map();
    for (const [slug, cfg] of Object.entries(initialProviders)) providers.set(slug, mergeConfig(baseDefaults, cfg));
    queues = new Map();
    records = [];
    recordBytes = 0;
    seq = 0;
  }
  resetState();

  const cfgFor = (slug) => providers.get(slug) || baseDefaults;

  function configure(slug, cfg) {
    const merged = mergeConfig(cfgFor(slug), cfg);
    providers.set(slug, merged);
    return merged;
  }

  function pushFault(slug, fault) {
    const list = Array.isArray(fault) ? fault : [fault];
    let q = queues.get(slug);
    if (!q) { q = []; queues.set(slug, q); }
    for (const f of list) {
      const nf = parseFaultSpec(f);
      if (nf === undefined) throw new RequestError(400, 'unknown fault: ' + JSON.stringify(f));
      q.push(nf);
    }
    return q.length;
  }

  // Records keep the raw header object and key; secrets are masked when records are read. The
  // key shows only as its SHA-256 (auth.sha256), so a test can tell which key arrived.
  function publicRecord(r) {
    if (!r.headers) r.headers = redactHeaders(r._h);
    if (r.auth.sha256 === undefined) r.auth.sha256 = r._k ? createHash('sha256').update(r._k).digest('hex') : null;
    const { _h, _n, _k, ...out } = r;
    return out;
  }

  function requests(slug) {
    const out = [];
    for (const r of records) if (!slug || r.provider === slug) out.push(publicRecord(r));
    return out;
  }

  // The log is bounded by count and by request-body bytes; the oldest records go first.
  function record(rec, bytes) {
    if (!recordOn) return;
    rec._n = bytes;
    recordBytes += bytes;
    records.push(rec);
    if (records.length > maxRecords + (maxRecords >> 2) || recordBytes > maxRecordBytes) {
      let drop = Math.max(0, records.length - maxRecords);
      let total = recordBytes;
      for (let i = 0; i < drop; i++) total -= records[i]._n;
      while (total > maxRecordBytes * 0.75 && drop < records.length - 1) total -= records[drop++]._n;
      records = records.slice(drop);
      recordBytes = total;
    }
  }

  function redactHeaders(h) {
    const out = {};
    for (const k in h) out[k] = SECRET_HEADERS.has(k) ? '<present>' : h[k];
    return out;
  }

  // --- control API ---------------------------------------------------------------------------

  async function control(req, res, path, query) {
    try {
      if (req.method === 'GET' && path === '/_control/health') {
        return sendJson(res, 200, { ok: true, uptime_ms: Date.now() - started, requests: seq });
      }
      if (req.method === 'GET' && path === '/_control/requests') {
        const p = new URLSearchParams(query).get('provider');
        return sendJson(res, 200, { requests: requests(p || undefined) });
      }
      if (req.method === 'POST' && path === '/_control/reset') {
        await readBody(req, maxBody);
        resetState();
        return sendJson(res, 200, { ok: true });
      }
      const gm = /^\/_control\/gates\/([^/]+)$/.exec(path);
      if (gm) {
        const g = gateOf(decodeURIComponent(gm[1]));
        if (req.method === 'POST') { await readBody(req, maxBody); openGate(g); }
        else if (req.method === 'DELETE') { openGate(g); gates.delete(decodeURIComponent(gm[1])); }
        else if (req.method !== 'GET') return sendJson(res, 405, { error: { message: 'GET, POST or DELETE' } });
        return sendJson(res, 200, { open: g.open, waiting: g.waiting.size, arrived: g.arrived });
      }
      const m = /^\/_control\/providers\/([^/]+)(\/faults)?$/.exec(path);
      if (m) {
        const slug = decodeURIComponent(m[1]);
        if (m[2]) {
          if (req.method === 'DELETE') { queues.delete(slug); return sendJson(res, 200, { provider: slug, queued: 0 }); }
          if (req.method === 'GET') return sendJson(res, 200, { provider: slug, faults: queues.get(slug) || [] });
          if (req.method === 'POST') {
            const body = parseControlBody(await readBody(req, maxBody));
            const queued = pushFault(slug, body && body.fault !== undefined && !Array.isArray(body) ? body.fault : body);
            return sendJson(res, 200, { provider: slug, queued });
          }
        } else {
          if (req.method === 'GET') return sendJson(res, 200, { provider: slug, config: cfgFor(slug) });
          if (req.method === 'POST') {
            const body = parseControlBody(await readBody(req, maxBody));
            return sendJson(res, 200, { provider: slug, config: configure(slug, body) });
          }
          if (req.method === 'DELETE') { providers.delete(slug); queues.delete(slug); return sendJson(res, 200, { provider: slug, config: cfgFor(slug) }); }
        }
      }
      return sendJson(res, 404, { error: { message: 'unknown control route ' + req.method + ' ' + path } });
    } catch (e) {
      return sendJson(res, e.status || 500, { error: { message: e.message } });
    }
  }

  function parseControlBody(buf) {
    if (!buf || buf.length === 0) return {};
    try { return JSON.parse(buf.toString('utf8')); } catch { throw new RequestError(400, 'invalid JSON body'); }
  }

  // --- provider routes -----------------------------------------------------------------------

  function routeOf(method, rest, h) {
    if (method === 'POST') {
      if (rest === '/v1/chat/completions') return { wire: 'openai', kind: 'generate' };
      if (rest === '/v1/responses') return { wire: 'openai-responses', kind: 'generate' };
      if (rest === '/v1/embeddings') return { wire: 'openai', kind: 'generate', embed: true };
      const em = /^\/(v1beta|v1)\/models\/([^/:]+):batchEmbedContents$/.exec(rest);
      if (em) {
        let model;
        try { model = decodeURIComponent(em[2]); } catch { model = em[2]; }
        return { wire: 'gemini', kind: 'generate', embed: true, model };
      }
      if (rest === '/v1/messages') return { wire: 'anthropic', kind: 'generate' };
      if (rest === '/v1/messages/count_tokens') return { wire: 'anthropic', kind: 'count' };
      const gm = /^\/(v1beta|v1|v1alpha)\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/.exec(rest);
      if (gm) {
        let model;
        try { model = decodeURIComponent(gm[2]); } catch { model = gm[2]; }
        return { wire: 'gemini', kind: gm[3] === 'countTokens' ? 'count' : 'generate', model, streamMethod: gm[3] === 'streamGenerateContent' };
      }
    } else if (method === 'GET') {
      if (rest === '/v1/models') {
        const anthropic = !!h['anthropic-version'] || (!!h['x-api-key'] && !h.authorization);
        return { wire: anthropic ? 'anthropic' : 'openai', kind: 'models' };
      }
      if (rest === '/v1beta/models') return { wire: 'gemini', kind: 'models' };
    }
    return null;
  }

  function extractKey(wire, req, query) {
    const h = req.headers;
    if (wire === 'openai' || wire === 'openai-responses') {
      const a = h.authorization;
      if (typeof a === 'string' && a.length > 7 && a.slice(0, 7).toLowerCase() === 'bearer ') return [a.slice(7).trim(), 'authorization'];
      return [null, null];
    }
    if (wire === 'anthropic') {
      if (h['x-api-key']) return [h['x-api-key'], 'x-api-key'];
      const a = h.authorization;
      if (typeof a === 'string' && a.slice(0, 7).toLowerCase() === 'bearer ') return [a.slice(7).trim(), 'authorization'];
      return [null, null];
    }
    if (h['x-goog-api-key']) return [h['x-goog-api-key'], 'x-goog-api-key'];
    if (query && query.indexOf('key=') >= 0) {
      const k = new URLSearchParams(query).get('key');
      if (k) return [k, 'query'];
    }
    return [null, null];
  }

  function authError(wire, missing) {
    if (wire === 'openai' || wire === 'openai-responses') {
      return missing
        ? { error: { message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", type: 'invalid_request_error', param: null, code: null } }
        : { error: { message: 'Incorrect API key provided: bad-key.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } };
    }
    if (wire === 'anthropic') return errorBody('anthropic', 401, missing ? 'x-api-key header is required' : 'invalid x-api-key');
    return errorBody('gemini', 401, missing
      ? 'Method doesn\'t allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.'
      : 'API key not valid. Please pass a valid API key.');
  }

  async function provider(req, res, path, query) {
    const slash = path.indexOf('/', 1);
    const slug = slash < 0 ? path.slice(1) : path.slice(1, slash);
    const rest = slash < 0 ? '' : path.slice(slash);
    const route = routeOf(req.method, rest, req.headers);
    if (!route || !slug) {
      if (req.method === 'POST') req.resume();
      return sendJson(res, 404, { error: { message: `sandbox: no route for ${req.method} ${path}`, type: 'invalid_request_error', code: 'not_found' } });
    }
    const wire = route.wire;
    let buf = null;
    if (req.method === 'POST') {
      try { buf = await readBody(req, maxBody); } catch (e) {
        if (e.status) return sendJson(res, e.status, errorBody(wire, e.status, e.message));
        return;
      }
    }
    let body;
    let bodyError = false;
    if (buf) {
      try { body = JSON.parse(buf.length ? buf.toString('utf8') : 'null'); } catch { bodyError = true; }
    }
    const [key, via] = extractKey(wire, req, query);
    const n = route.kind === 'generate' ? ++seq : seq;
    const rec = {
      seq: n,
      provider: slug,
      wire,
      kind: route.kind,
      method: req.method,
      path: query ? path + '?' + query.replace(/(^|&)key=[^&]*/, '$1key=<present>') : path,
      model: wire === 'gemini' ? route.model : body && typeof body === 'object' ? body.model : undefined,
      stream: route.embed ? false : wire === 'gemini' ? !!route.streamMethod : !!(body && body.stream === true),
      headers: null,
      _h: req.headers,
      _k: key,
      auth: { present: !!key, via },
      body: bodyError ? null : body,
      time: Date.now(),
      status: 0,
      fault: null,
    };
    record(rec, buf ? buf.length : 0);

    const requestId = `req_sbx${n}`;
    const idHeaders = wire === 'anthropic' ? { 'request-id': requestId } : wire === 'openai' || wire === 'openai-responses' ? { 'x-request-id': requestId } : null;
    const fail = (status, obj, extra) => {
      rec.status = status;
      sendJson(res, status, obj, extra ? { ...idHeaders, ...extra } : idHeaders);
    };

    if (!key) return fail(401, authError(wire, true));
    if (key === 'bad-key') return fail(401, authError(wire, false));
    if (wire === 'anthropic' && !req.headers['anthropic-version']) {
      return fail(400, errorBody('anthropic', 400, 'anthropic-version: header is required', requestId));
    }
    const cfg0 = cfgFor(slug);
    if (route.kind === 'models') {
      rec.status = 200;
      return sendModels(res, wire, req, slug, cfg0);
    }
    if (bodyError || !body || typeof body !== 'object' || Array.isArray(body)) {
      const msg = wire === 'openai' || wire === 'openai-responses'
        ? "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)"
        : wire === 'anthropic' ? 'Invalid JSON in request body' : 'Invalid JSON payload received.';
      return fail(400, errorBody(wire, 400, msg, requestId));
    }
    let job;
    try {
      job = route.embed ? parseEmbeddings(wire, body, route.model)
        : wire === 'openai' ? parseOpenAI(body) : wire === 'openai-responses' ? parseResponses(body) : wire === 'anthropic' ? parseAnthropic(body, slug, cfg0.strict) : parseGemini(body, route.model, cfg0.strict);
    } catch (e) {
      if (!(e instanceof RequestError)) throw e;
      return fail(e.status, errorBody(wire, e.status, e.message, requestId));
    }
    if (route.kind === 'count') {
      rec.status = 200;
      return sendJson(res, 200, wire === 'anthropic' ? { input_tokens: job.promptTokens } : { totalTokens: job.promptTokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: job.promptTokens }] });
    }
    if (wire === 'gemini' && !route.embed) {
      job.stream = route.streamMethod;
      job.sse = route.streamMethod && query.indexOf('alt=sse') >= 0;
    }

    // Settings and fault: one-shot queue, then directive, then persistent config.
    const dir = parseDirectives(job.lastText, slug);
    const settings = dir ? { ...cfg0, ...dir } : cfg0;
    const q = queues.get(slug);
    let fault = q && q.length ? q.shift() : undefined;
    if (fault === undefined) fault = dir && 'fault' in dir ? dir.fault : cfg0.fault;
    rec.fault = describeFault(fault);

    if (settings.gate) {
      const g = gateOf(settings.gate);
      g.arrived++;
      if (!g.open) {
        let release;
        const opened = new Promise((r) => { release = r; });
        g.waiting.add(release);
        const left = () => { g.waiting.delete(release); release(); };
        res.on('close', left);
        await opened;
        res.off('close', left);
        if (res.destroyed || res.writableEnded) return;
      }
    }
    if (fault && fault.reset) {
      rec.status = -1;
      const s = req.socket;
      if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy(); else s.destroy();
      return;
    }
    if (fault && fault.hang) { rec.status = -1; return; }
    if (fault) {
      fault = { ...fault };
      // A provider that quotes the key it got (`echo`, or `{key}` in a fault message).
      if (fault.echo_key || (fault.message && fault.message.includes('{key}'))) {
        fault.message = (fault.message ?? 'Incorrect API key provided: Bearer {key}').replaceAll('{key}', key);
        if (!fault.status && !fault.error_in_200 && !fault.html) fault.status = 401;
      }
    }

    const ttft = fault && fault.ttft_ms !== undefined ? fault.ttft_ms : +settings.ttft_ms || 0;
    const tps = (fault && fault.drip_tps) || +settings.tokens_per_sec || 0;
    const interval = tps > 0 ? 1000 / tps : 0;

    const state = { timer: null, closed: false };
    res.on('close', () => { state.closed = true; if (state.timer) clearTimeout(state.timer); });
    const later = (ms, fn) => {
      if (ms <= 0) return fn();
      state.timer = setTimeout(() => { state.timer = null; if (!state.closed) fn(); }, ms);
    };

    if (fault && fault.html) {
      const st = fault.html === true ? 502 : fault.html;
      return later(fault.ttft_ms || 0, () => {
        rec.status = st;
        const page = htmlPage(st, fault.message);
        res.writeHead(st, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page), ...CORS_HEADERS, ...idHeaders });
        res.end(page);
      });
    }
    if (fault && fault.status) {
      const extra = fault.retry_after !== undefined ? { 'retry-after': fault.retry_after } : null;
      // Errors come back at once unless the fault itself carries a delay (status:503,ttft:200).
      return later(fault.ttft_ms || 0, () => fail(fault.status, errorBody(wire, fault.status, fault.message, requestId), extra));
    }

    const g = job.embed ? { C: 0, R: 0 } : generate(job, slug, n, settings);
    const created = Math.floor(Date.now() / 1000);
    const headerBase = { ...CORS_HEADERS, 'x-sandbox-provider': slug, 'x-sandbox-seq': String(n) };
    if (idHeaders) Object.assign(headerBase, idHeaders);
    rec.status = 200;

    if (fault && fault.garbage) {
      return later(ttft, () => {
        res.writeHead(200, { 'content-type': job.stream ? 'text/event-stream' : 'application/json', 'content-length': GARBAGE.length, ...headerBase });
        res.end(GARBAGE);
      });
    }

    if (!job.stream) {
      const errStatus = fault && fault.error_in_200 ? (fault.error_in_200 === true ? (wire === 'anthropic' ? 529 : 503) : fault.error_in_200) : 0;
      const obj = errStatus
        ? (wire === 'openai-responses' ? responsesFailed(errStatus, fault.message, n, created) : errorBody(wire, errStatus, fault.message, requestId))
        : job.embed ? embeddingsBody(job)
        : wire === 'openai' ? openaiBuffered(g, job, created) : wire === 'openai-responses' ? responsesBuffered(g, job, slug, created) : wire === 'anthropic' ? anthropicBuffered(g, job, slug) : geminiBuffered(g, job, slug);
      const units = g.C + (g.reasoningPieces ? g.R : 0);
      const delay = ttft + (interval && units > 1 ? (units - 1) * interval : 0);
      return later(delay, () => {
        if (fault && fault.huge_bytes) obj.sandbox_padding = 'x'.repeat(fault.huge_bytes);
        let text = JSON.stringify(obj);
        if (fault && fault.malformed) text = text.slice(0, Math.max(1, text.length >> 1));
        let bytes = Buffer.from(text);
        const extra = {};
        if (fault && fault.gzip) {
          bytes = gzipSync(bytes);
          extra['content-encoding'] = 'gzip';
        }
        const len = bytes.length;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': len, ...extra, ...headerBase });
        if (fault && fault.cut_after_chunks !== undefined) {
          res.write(bytes.subarray(0, len >> 1));
          res.socket?.end();
          return;
        }
        if (fault && fault.stall_ms !== undefined) {
          // Half the body (after:0: only the head), silence, then the rest (stall:0 never resumes).
          const at = fault.after_chunks === 0 ? 0 : len >> 1;
          if (at) res.write(bytes.subarray(0, at)); else res.flushHeaders();
          later(fault.stall_ms || STALL_FOREVER, () => res.end(bytes.subarray(at)));
          return;
        }
        res.end(bytes);
      });
    }

    const ev = wire === 'openai' ? openaiStream(g, job, created) : wire === 'openai-responses' ? responsesStream(g, job, slug, created) : wire === 'anthropic' ? anthropicStream(g, job, slug) : geminiStream(g, job, slug, job.sse);
    streamOut(res, wire, ev, fault, ttft, interval, headerBase, state, requestId, job.sse !== false);
  }

  function streamOut(res, wire, ev, fault, ttft, interval, headers, state, requestId, sse) {
    const events = ev.list;
    const units = ev.units;
    const pre = ev.pre;
    const cutAt = fault && fault.cut_after_chunks !== undefined ? fault.cut_after_chunks : -1;
    let specialAt = -1;
    let special = null;
    if (fault && fault.error_in_200) {
      specialAt = fault.after_chunks ?? 0;
      const st = fault.error_in_200 === true ? (wire === 'anthropic' ? 529 : 503) : fault.error_in_200;
      const eb = JSON.stringify(errorBody(wire, st, fault.message, requestId));
      special = wire === 'openai-responses' ? responsesErrorEvent(st, fault.message) : wire === 'anthropic' ? aev('error', eb) : wire === 'gemini' ? (sse ? 'data: ' + eb + '\r\n\r\n' : (specialAt === 0 ? '[' : ',\r\n') + eb + ']') : 'data: ' + eb + '\n\n';
    } else if (fault && fault.malformed) {
      specialAt = fault.after_chunks ?? 1;
      special = wire === 'openai-responses' ? RESPONSES_MALFORMED : wire === 'anthropic'
        ? 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"unterminated\n\n'
        : wire === 'gemini' ? 'data: {"candidates":[{"content":{"parts":[{"text":"unterminated\r\n\r\n' : 'data: {"id":"chatcmpl-broken","choices":[{"delta":{"content":"unterminated\n\n';
    }
    const gzip = fault && fault.gzip;
    res.writeHead(200, {
      'content-type': sse ? 'text/event-stream; charset=utf-8' : 'application/json; charset=UTF-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      ...headers,
    });
    const stall = fault && fault.stall_ms !== undefined ? (fault.stall_ms || STALL_FOREVER) : 0;
    const stallAt = stall ? (fault.after_chunks ?? 2) : -1;
    if (ttft > 0 || interval > 0 || stall || gzip) res.flushHeaders();
    // gzip: every batch of events is flushed through the compressor as it is written.
    const out = gzip ? createGzip() : res;
    if (gzip) {
      out.pipe(res);
      res.on('close', () => out.destroy());
    }
    const flush = () => { if (gzip) out.flush(); };
    if (fault && fault.huge_bytes) {
      // One oversized event before anything else: a single data line of huge_bytes.
      out.write('data: {"sandbox_padding":"');
      for (let left = fault.huge_bytes; left > 0; left -= 65536) out.write('x'.repeat(Math.min(left, 65536)));
      out.write('"}\n\n');
    }
    const t0 = performance.now();
    const due = (i) => (i < pre ? 0 : ttft + (units[i] > 1 ? (units[i] - 1) * interval : 0)) + (stallAt >= 0 && i >= stallAt ? stall : 0);
    let i = 0;
    const pump = () => {
      if (state.closed) return;
      const elapsed = performance.now() - t0;
      if (!gzip) res.cork();
      while (i < events.length) {
        if (i === cutAt) {
          if (!gzip) res.uncork();
          if (gzip) out.flush(() => res.socket?.end()); else res.socket?.end();
          return;
        }
        if (i === specialAt) {
          out.write(special);
          if (!gzip) res.uncork();
          out.end();
          return;
        }
        if (due(i) > elapsed) break;
        out.write(events[i++]);
      }
      if (!gzip) res.uncork();
      flush();
      if (i >= events.length) {
        if (cutAt >= events.length) { res.socket?.end(); return; }
        if (specialAt >= events.length) { out.end(special); return; }
        out.end();
        return;
      }
      state.timer = setTimeout(() => { state.timer = null; pump(); }, Math.max(0, due(i) - (performance.now() - t0)));
    };
    pump();
  }

  function sendModels(res, wire, req, slug, cfg) {
    const models = Array.isArray(cfg.models) ? cfg.models : [];
    if (wire === 'gemini') {
      return sendJson(res, 200, {
        models: models.map((id) => ({
          name: 'models/' + id, version: '001', displayName: id,
          inputTokenLimit: 1048576, outputTokenLimit: 65536,
          supportedGenerationMethods: ['generateContent', 'countTokens'],
        })),
      });
    }
    if (wire === 'anthropic') {
      const data = models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' }));
      return sendJson(res, 200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
    }
    return sendJson(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 1735689600, owned_by: slug })) });
  }

  // --- server --------------------------------------------------------------------------------

  const server = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000, requestTimeout: 0 }, (req, res) => {
    const url = req.url || '/';
    const qi = url.indexOf('?');
    const path = qi < 0 ? url : url.slice(0, qi);
    const query = qi < 0 ? '' : url.slice(qi + 1);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
        'access-control-allow-headers': req.headers['access-control-request-headers'] || DEFAULT_ALLOW_HEADERS,
        'access-control-max-age': '86400',
        'access-control-expose-headers': EXPOSE_HEADERS,
        'content-length': '0',
      });
      res.end();
      return;
    }
    const p = path.startsWith('/_control/') ? control(req, res, path, query) : provider(req, res, path, query);
    p.catch((e) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: 'sandbox internal error: ' + (e && e.message) } });
      else res.destroy();
    });
  });
  server.on('clientError', (_err, socket) => { if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'); else socket.destroy(); });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => { server.off('error', reject); resolve(); });
  });
  const port = server.address().port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;

  let closing = null;
  return {
    url,
    port,
    host,
    server,
    close() {
      if (!closing) {
        closing = new Promise((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      }
      return closing;
    },
    requests,
    reset: resetState,
    configure,
    config: (slug) => cfgFor(slug),
    pushFault,
    clearFaults: (slug) => { if (slug) queues.delete(slug); else queues.clear(); },
  };
}
