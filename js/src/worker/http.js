// http.js: the HTTP surface shared by every endpoint of the worker: the documented error shape
// {"error":{"code","message","metadata"}}, JSON responses, CORS as a browser client expects it,
// and bounded request-body reading (413 over the limit after draining the upload, 408 for a slow
// one, 400 for invalid UTF-8, non-JSON, a non-object or duplicate keys).
//
// Pure helpers: no module state, safe for concurrent requests in one isolate.

/** Headers a browser may send (preflight); OpenAI, OpenRouter and Anthropic SDKs use these. */
const ALLOWED_HEADERS = [
  'authorization', 'content-type', 'http-referer', 'x-title', 'x-session-id', 'x-api-key',
  'anthropic-version', 'anthropic-beta', 'anthropic-dangerous-direct-browser-access',
  'x-stainless-arch', 'x-stainless-lang', 'x-stainless-os', 'x-stainless-package-version',
  'x-stainless-retry-count', 'x-stainless-runtime', 'x-stainless-runtime-version',
  'x-stainless-timeout', 'x-stainless-helper-method', 'x-stainless-async',
].join(', ');
const EXPOSED_HEADERS = 'X-Generation-Id, Retry-After, Content-Type';

/** CORS headers for a response to `request` (any origin: keys, not cookies, authenticate). */
export function corsHeaders(request) {
  const h = {
    'access-control-allow-origin': '*',
    'access-control-expose-headers': EXPOSED_HEADERS,
  };
  if (request?.method === 'OPTIONS') {
    h['access-control-allow-methods'] = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
    // Echo what the browser asks for (SDKs add their own x-* headers over time).
    h['access-control-allow-headers'] = request.headers.get('access-control-request-headers') || ALLOWED_HEADERS;
    h['access-control-max-age'] = '86400';
  }
  return h;
}

/** 204 answer to a CORS preflight. */
export function preflight(request) {
  return new Response(null, { status: 204, headers: corsHeaders(request) });
}

export function json(body, status = 200, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** The documented error body. */
export function errorBody(code, message, metadata) {
  const error = { code, message };
  if (metadata !== undefined && metadata !== null) error.metadata = metadata;
  return { error };
}

export function errorResponse(code, message, metadata, headers = {}) {
  return json(errorBody(code, message, metadata), code, headers);
}

/** An HTTP error thrown by a handler and turned into the documented shape by the router. */
export class HttpError extends Error {
  constructor(status, message, metadata, headers) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.metadata = metadata;
    this.headers = headers ?? {};
  }

  toResponse(extraHeaders = {}) {
    return errorResponse(this.status, this.message, this.metadata, { ...this.headers, ...extraHeaders });
  }
}

/** A SwitchyardError from the core (or any error) as an HttpError, keeping the core's body. */
export function toHttpError(e) {
  if (e instanceof HttpError) return e;
  if (e && e.name === 'SwitchyardError') {
    const body = typeof e.toJSON === 'function' ? e.toJSON() : { error: { code: e.httpStatus, message: e.message } };
    return new HttpError(body.error.code ?? e.httpStatus ?? 500, body.error.message, body.error.metadata);
  }
  return new HttpError(500, `internal error: ${e && e.message ? e.message : String(e)}`);
}

// Reading a request body is bounded in bytes and in time. Over the byte limit the answer is a
// 413 — but only once the rest of the upload has been read and dropped (up to DRAIN_MAX_BYTES,
// for at most DRAIN_MAX_MS): a server that answers and closes while the client is still sending
// makes the client (Node's fetch, the SDKs on it) fail with EPIPE instead of reading the 413.
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
const DRAIN_MAX_MS = 10_000;
// Without a configured deadline (the worker passes SWITCHYARD_BODY_TIMEOUT_MS).
const DEFAULT_BODY_TIMEOUT_MS = 60_000;

const LATE = Object.freeze({ late: true });

/** Resolves after `ms` with `value`; `cancel()` stops the timer. */
function timer(ms, value) {
  let id;
  const promise = new Promise((resolve) => { id = setTimeout(() => resolve(value), ms); });
  return { promise, cancel: () => clearTimeout(id) };
}

/** Reads and drops what is left of an upload, within the drain bounds. */
async function drain(reader, already) {
  const until = timer(DRAIN_MAX_MS, { done: true, late: true });
  let size = already;
  try {
    while (size < DRAIN_MAX_BYTES) {
      const next = await Promise.race([reader.read(), until.promise]);
      if (next.done) {
        if (next.late) break;
        return;
      }
      size += next.value.byteLength;
    }
  } catch {
    return; // the client went away
  } finally {
    until.cancel();
  }
  reader.cancel().catch(() => {});
}

const tooLarge = (limit, declared) => new HttpError(413, declared !== null
  ? `request body is ${declared} bytes; the limit is ${limit}`
  : `request body exceeds the limit of ${limit} bytes`, { limit_bytes: limit });

/**
 * The request body as bytes, at most `limit` bytes (413 beyond, checked while reading so a huge
 * body is never buffered whole) and within `timeoutMs` (408 for an upload that is too slow).
 */
export async function readBodyBytes(request, limit, timeoutMs = DEFAULT_BODY_TIMEOUT_MS) {
  if (!request.body) return new Uint8Array(0);
  const header = request.headers.get('content-length');
  const declared = header !== null && /^\d+$/.test(header.trim()) ? Number(header) : null;
  if (declared !== null && declared <= limit) {
    // Declared and within the limit (the runtime holds the body to its declared length): read it
    // whole in one call, under the deadline, rather than chunk by chunk.
    const deadline = timer(timeoutMs, LATE);
    const whole = request.arrayBuffer();
    try {
      const r = await Promise.race([whole, deadline.promise]);
      if (r === LATE) {
        whole.catch(() => {}); // abandoned: the request ends with the 408
        throw new HttpError(408, `request body not received within ${timeoutMs} ms`, { timeout_ms: timeoutMs });
      }
      if (r.byteLength > limit) throw tooLarge(limit, null);
      return new Uint8Array(r);
    } finally {
      deadline.cancel();
    }
  }
  const reader = request.body.getReader();
  if (declared !== null && declared > limit) {
    // Declared too large: nothing is kept, but the upload is read to its end before the 413.
    await drain(reader, 0);
    throw tooLarge(limit, declared);
  }
  const deadline = timer(timeoutMs, { late: true });
  const chunks = [];
  let size = 0;
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), deadline.promise]);
      if (next.late) {
        reader.cancel().catch(() => {});
        throw new HttpError(408, `request body not received within ${timeoutMs} ms`, { timeout_ms: timeoutMs });
      }
      if (next.done) break;
      size += next.value.byteLength;
      if (size > limit) {
        await drain(reader, size);
        throw tooLarge(limit, null);
      }
      chunks.push(next.value);
    }
  } finally {
    deadline.cancel();
  }
  if (chunks.length === 1) return chunks[0];
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { all.set(c, at); at += c.byteLength; }
  return all;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The request body as text: readBodyBytes, then strict UTF-8 (400 for invalid bytes). */
export async function readBodyText(request, limit, timeoutMs) {
  const bytes = await readBodyBytes(request, limit, timeoutMs);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new HttpError(400, `request body is not valid UTF-8${invalidUtf8At(bytes)}`);
  }
}

/** " (at byte N)" for the first byte that breaks UTF-8, or "" if none is found. */
function invalidUtf8At(b) {
  for (let i = 0; i < b.length;) {
    const c = b[i];
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return ` (at byte ${i})`;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k] & 0xc0) !== 0x80) return ` (at byte ${i})`;
    i += n + 1;
  }
  return '';
}

/**
 * The first key that appears twice in one object of JSON `text` (already known to be valid),
 * or null. JSON.parse keeps the last value silently while other parsers may keep the first, so
 * a request with duplicate keys could mean one thing here and another in the core. Strings are
 * skipped with indexOf, so long values (base64 images) cost little: ~3 µs for a short chat
 * request, ~50 µs for 46 KB (about half of JSON.parse of the same text).
 */
export function duplicateKey(text) {
  const stack = []; // the enclosing containers' key sets (null: an array)
  let top = null; // the keys of the innermost object, null inside an array or at the top
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) { // a string: find its closing quote (not an escaped one)
      let end = text.indexOf('"', i + 1);
      while (end > 0 && text.charCodeAt(end - 1) === 92) {
        let bs = 1;
        while (text.charCodeAt(end - 1 - bs) === 92) bs++;
        if (bs % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end < 0) return null;
      if (top !== null) { // inside an object: a key when a colon follows
        let j = end + 1;
        let d = text.charCodeAt(j);
        while (d === 32 || d === 10 || d === 13 || d === 9) d = text.charCodeAt(++j);
        if (d === 58) { // :
          let key = text.slice(i + 1, end);
          if (key.indexOf('\\') >= 0) key = JSON.parse(text.slice(i, end + 1));
          if (top.has(key)) return key;
          top.add(key);
        }
      }
      i = end;
    } else if (c === 123) { stack.push(top); top = new Set(); }
    else if (c === 91) { stack.push(top); top = null; }
    else if (c === 125 || c === 93) { top = stack.pop() ?? null; }
  }
  return null;
}

/** The request body parsed as a JSON object (400 otherwise, naming the problem). */
export async function readJsonObject(request, limit, timeoutMs) {
  const text = await readBodyText(request, limit, timeoutMs);
  if (text.trim() === '') throw new HttpError(400, 'request body is empty; a JSON object is expected');
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `request body is not valid JSON: ${e.message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, `request body must be a JSON object, not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  const dup = duplicateKey(text);
  if (dup !== null) throw new HttpError(400, `request body has the key "${dup}" more than once in one object`, { key: dup });
  return { value, text };
}

/**
 * The hot path's body: the text of what should be a JSON object, not parsed here (the core
 * parses it once, and names a repeated key, a number too large or a syntax error itself). Only
 * what the text's first character settles is checked: empty, or a JSON value that is no object.
 */
export async function readJsonObjectText(request, limit, timeoutMs) {
  const text = await readBodyText(request, limit, timeoutMs);
  const first = /\S/.exec(text);
  if (!first) throw new HttpError(400, 'request body is empty; a JSON object is expected');
  if (first[0] !== '{') {
    // Not an object: name what it is when it is JSON at all (parsed only on this error path;
    // the first character alone would call `this is not json` a boolean).
    let kind = null;
    try {
      const v = JSON.parse(text);
      kind = Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'string' ? 'a string'
        : typeof v === 'number' ? 'a number' : typeof v === 'boolean' ? 'a boolean' : null;
    } catch { /* not JSON */ }
    throw new HttpError(400, kind ? `request body must be a JSON object, not ${kind}` : 'request body is not valid JSON: a JSON object is expected');
  }
  return text;
}

/** The headers every response of the worker carries: CORS and X-Generation-Id. */
export function commonHeaders(request, genId) {
  return { ...corsHeaders(request), 'x-generation-id': genId };
}

// Responses built with commonHeaders(request, genId) of their request: withHeaders(response,
// that same set) has nothing to add (a header set costs a call into the runtime each).
const carrying = new WeakSet();

/** Marks `response` as built with its request's commonHeaders; returns it. */
export function carriesCommonHeaders(response) {
  carrying.add(response);
  return response;
}

/**
 * Adds `headers` to a Response (returns a new one when the original's headers are immutable).
 * `common`: `headers` are the request's commonHeaders, which a marked response carries already.
 */
export function withHeaders(response, headers, common = false) {
  if (common && carrying.has(response)) return response;
  try {
    for (const [k, v] of Object.entries(headers)) response.headers.set(k, v);
    return response;
  } catch {
    const r = new Response(response.body, response);
    for (const [k, v] of Object.entries(headers)) r.headers.set(k, v);
    return r;
  }
}
