// http.js: the HTTP surface shared by every endpoint of the worker: the documented error shape
// {"error":{"code","message","metadata"}}, JSON responses, CORS as a browser client expects it,
// and bounded request-body reading (413 over the limit, 400 for non-JSON).
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

/**
 * The request body as text, at most `limit` bytes (413 beyond, checked while reading so a huge
 * body is never buffered whole).
 */
export async function readBodyText(request, limit) {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    throw new HttpError(413, `request body is ${declared} bytes; the limit is ${limit}`);
  }
  if (!request.body) return '';
  // A declared length within the limit: the runtime reads the body natively.
  if (Number.isFinite(declared) && request.headers.has('content-length')) return request.text();
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Read (and drop) a bounded rest, so that a client still uploading can read the 413
      // instead of a reset connection; past the bound, hang up.
      const cap = limit * 4 + (1 << 20);
      while (size < cap) {
        const next = await reader.read();
        if (next.done) break;
        size += next.value.byteLength;
      }
      if (size >= cap) reader.cancel().catch(() => {});
      throw new HttpError(413, `request body exceeds the limit of ${limit} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { all.set(c, at); at += c.byteLength; }
  return new TextDecoder().decode(all);
}

/** The request body parsed as a JSON object (400 otherwise). */
export async function readJsonObject(request, limit) {
  const text = await readBodyText(request, limit);
  if (text.trim() === '') throw new HttpError(400, 'request body is empty; a JSON object is expected');
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `request body is not valid JSON: ${e.message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, 'request body must be a JSON object');
  }
  return { value, text };
}

/** Adds `headers` to a Response (returns a new one when the original's headers are immutable). */
export function withHeaders(response, headers) {
  try {
    for (const [k, v] of Object.entries(headers)) response.headers.set(k, v);
    return response;
  } catch {
    const r = new Response(response.body, response);
    for (const [k, v] of Object.entries(headers)) r.headers.set(k, v);
    return r;
  }
}
