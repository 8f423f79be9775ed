// workerd_passthrough.js: the runtime floor for bench/worker_bench.mjs. A Worker that forwards
// the request body to the sandbox provider and returns its response (streamed through): what
// workerd itself adds (HTTP in, fetch() out, a Response back) before any routing work.
export default {
  async fetch(request, env) {
    const upstream = await fetch(env.UPSTREAM_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-sandbox' },
      body: await request.text(),
    });
    return new Response(upstream.body, {
      status: upstream.status,
      headers: { 'content-type': upstream.headers.get('content-type') ?? 'application/json' },
    });
  },
};
