// redact.js: the one place where secrets are kept out of what leaves the router.
//
// Anything the worker sends out that may quote text it did not write — client error bodies,
// in-band stream errors, generation records, log lines — goes through a Redactor first. It
// replaces every occurrence of every secret it knows by "[REDACTED]": the operator's provider
// keys and other *_API_KEY / *_SECRET / *_TOKEN variables, SWITCHYARD_ADMIN_KEY,
// SWITCHYARD_BYOK_SECRET (config.js lists them once per isolate), and per request the caller's
// own Switchyard key and the account's BYOK keys.
//
// Each secret is matched as written, JSON-escaped (once and twice: a provider's error body is
// quoted again in metadata.raw) and percent-encoded (a key sent as ?key=). A match after
// "Bearer " is covered by the plain form. Secrets shorter than MIN_SECRET characters are not
// matched: they would hit ordinary words ("sandbox" is the fleet's stand-in key).
//
// Cost: a Redactor only scans what it is given, in one regular-expression pass (~0.5 µs for a
// settle command with 50 secrets). The hot path gives it error bodies, error events and settle
// commands, never content chunks (chat.js looks for the `"error"` marker of an in-band error
// before it asks).

import { bearer, parseKey } from './keys.js';

export const REDACTED = '[REDACTED]';
const MIN_SECRET = 8;

/** The forms a secret may take in text we pass on. */
function formsOf(secret) {
  const once = JSON.stringify(secret).slice(1, -1);
  const twice = JSON.stringify(once).slice(1, -1);
  let encoded = secret;
  try { encoded = encodeURIComponent(secret); } catch { /* lone surrogate: keep the plain form */ }
  return [secret, once, twice, encoded];
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class Redactor {
  /**
   * @param {Iterable<string>} secrets
   * @param {Redactor} [base] a redactor applied after this one (the config's, shared): a request's
   *   own secrets are a small layer over it, so nothing of the base is rebuilt per request
   */
  constructor(secrets = [], base = null) {
    const forms = new Set();
    for (const s of secrets) {
      if (typeof s !== 'string' || s.length < MIN_SECRET) continue;
      for (const f of formsOf(s)) forms.add(f);
    }
    // Longest first: at one position the longer of two overlapping secrets is replaced whole.
    this.forms = [...forms].sort((a, b) => b.length - a.length);
    // One alternation of literals: a single pass over the text (20x faster than one includes()
    // per secret with 50 secrets).
    this.re = this.forms.length ? new RegExp(this.forms.map(escapeRe).join('|'), 'g') : null;
    this.base = base && !base.empty ? base : null;
    this.jsonRe = undefined; // inJson's pattern, built on first use
  }

  get empty() { return this.re === null && this.base === null; }

  /** `text` with every secret replaced (the same string when there is none). */
  text(text) {
    if (typeof text !== 'string' || text.length < MIN_SECRET) return text;
    let out = text;
    if (this.re) {
      this.re.lastIndex = 0;
      if (this.re.test(out)) out = out.replace(this.re, REDACTED);
    }
    return this.base ? this.base.text(out) : out;
  }

  /**
   * Whether JSON text (JSON.stringify of a value) may hold a secret in one of its strings or
   * keys: false means value() would return that value unchanged. One regular-expression pass
   * over the text instead of value()'s walk and copy. JSON.stringify escapes character by
   * character, so a string holding a form of a secret shows that form JSON-escaped in the text:
   * the pattern is every form and every form escaped once more.
   */
  inJson(text) {
    if (this.jsonRe === undefined) {
      const forms = new Set(this.forms);
      for (const f of this.forms) forms.add(JSON.stringify(f).slice(1, -1));
      this.jsonRe = forms.size ? new RegExp([...forms].sort((a, b) => b.length - a.length).map(escapeRe).join('|')) : null;
    }
    if (this.jsonRe !== null && this.jsonRe.test(text)) return true;
    return this.base ? this.base.inJson(text) : false;
  }

  /** JSON.stringify(value(v)), with no walk or copy when no secret can be in it (inJson). */
  json(v) {
    const text = JSON.stringify(v);
    if (this.empty || typeof text !== 'string' || !this.inJson(text)) return text;
    return JSON.stringify(this.value(v));
  }

  /**
   * JSON text the core wrote, with secrets replaced in every string: the same text when none can
   * be in it (inJson), else JSON.stringify(value(JSON.parse(text))). The core escapes strings
   * exactly as JSON.stringify does (json_text.h), so inJson reads its text as it reads ours.
   */
  jsonText(text) {
    if (this.empty || typeof text !== 'string' || !this.inJson(text)) return text;
    return JSON.stringify(this.value(JSON.parse(text)));
  }

  /**
   * A JSON value with secrets replaced in every string (and key): a copy where something
   * changed, else the same value. String by string, so a secret can never break the structure.
   */
  value(v) {
    if (this.empty || v === null || typeof v !== 'object') return typeof v === 'string' ? this.text(v) : v;
    let changed = false;
    const walk = (x) => {
      if (typeof x === 'string') {
        const c = this.text(x);
        if (c !== x) changed = true;
        return c;
      }
      if (x === null || typeof x !== 'object') return x;
      if (Array.isArray(x)) return x.map(walk);
      const out = {};
      for (const [k, y] of Object.entries(x)) out[walk(k)] = walk(y);
      return out;
    };
    const copy = walk(v);
    return changed ? copy : v;
  }

  /** UTF-8 bytes with secrets replaced (the same array when there is none). */
  bytes(bytes) {
    if (this.empty || !bytes || bytes.length < MIN_SECRET) return bytes;
    const text = decoder.decode(bytes);
    const clean = this.text(text);
    return clean === text ? bytes : encoder.encode(clean);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// The isolate's redactor of its configuration's secrets (config objects are read once).
const byConfig = new WeakMap();

/** The Redactor of a config's secrets (config.js `secrets`). */
export function configRedactor(config) {
  let r = byConfig.get(config);
  if (!r) {
    r = new Redactor(config?.secrets ?? []);
    if (config && typeof config === 'object') byConfig.set(config, r);
  }
  return r;
}

/**
 * The caller's Switchyard key (Authorization: Bearer or x-api-key, as auth.js reads it), when it
 * is well-formed: anything else is not a secret of ours (and a junk token could match anything).
 */
export function callerToken(request) {
  const token = bearer(request);
  return token && parseKey(token) ? token : null;
}

/**
 * The Redactor of one request: the config's secrets, the caller's key and the account's own
 * provider keys (`byok`: the Map auth.js keeps, provider → {key} or {error}).
 */
export function requestRedactor(config, token, byok) {
  const base = configRedactor(config);
  // The same caller, configuration and BYOK keys (auth.js hands out the same Map while its cache
  // entry lives) give the same redactor: built once, not per request.
  const hit = token ? byToken.get(token) : undefined;
  if (hit && hit.base === base && hit.byok === byok) return hit.redactor;
  const extra = [];
  if (token) extra.push(token);
  if (byok && typeof byok.values === 'function') {
    for (const v of byok.values()) if (v && typeof v.key === 'string') extra.push(v.key);
  }
  const redactor = extra.length ? new Redactor(extra, base) : base;
  if (token) {
    if (byToken.size >= BY_TOKEN_MAX && !hit) byToken.delete(byToken.keys().next().value);
    byToken.set(token, { base, byok, redactor });
  }
  return redactor;
}

// Request redactors by caller key, bounded like auth.js's caches.
const byToken = new Map();
const BY_TOKEN_MAX = 1000;

// `"error"` in UTF-8: the marker of an error chunk or event in SSE the core wrote. JSON escapes
// quotes inside strings, so content text cannot contain it; only an `error` key, an `"error"`
// value (finish_reason, an Anthropic event's type) or `event: error`'s data can.
//
// Horspool search (every chunk of a stream passes here: ~0.4 µs for a 300-byte chunk, a third of
// what the core spends translating it): compare from the pattern's last byte, skip by the table.
const SKIP = new Uint8Array(256).fill(7);
SKIP[0x22] = 6; // "
SKIP[0x65] = 5; // e
SKIP[0x6f] = 2; // o
SKIP[0x72] = 1; // r

/** Whether SSE bytes may carry an error (cheap: no decoding). */
export function mayCarryError(b) {
  for (let i = 6; i < b.length; i += SKIP[b[i]]) {
    if (b[i] === 0x22 && b[i - 1] === 0x72 && b[i - 2] === 0x6f && b[i - 3] === 0x72 &&
        b[i - 4] === 0x72 && b[i - 5] === 0x65 && b[i - 6] === 0x22) return true;
  }
  return false;
}

// Log lines: console.error/warn/log/info/debug of the isolate pass through the redactor of the
// configuration the runtime has read (`currentConfig()`; nothing to redact before it has one).
// Installed once per isolate, when the worker is created (index.js), so it covers every module
// that logs, the Durable Objects' included.
let consolePatched = false;
export function redactConsole(currentConfig) {
  if (consolePatched) return;
  consolePatched = true;
  for (const level of ['error', 'warn', 'log', 'info', 'debug']) {
    const original = console[level];
    if (typeof original !== 'function') continue;
    console[level] = (...args) => {
      let config = null;
      try { config = currentConfig(); } catch { /* unreadable configuration: nothing known */ }
      const r = configRedactor(config);
      original.apply(console, r.empty ? args : args.map((a) => {
        if (typeof a === 'string') return r.text(a);
        if (a instanceof Error) return r.text(a.stack ?? String(a));
        return a;
      }));
    };
  }
}
