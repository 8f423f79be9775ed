// workerd_passthrough.js: the runtime floors for bench/worker_bench.mjs. A Worker that forwards
// the request body to the sandbox provider and returns its response: what workerd itself adds
// (HTTP in, fetch() out, a Response back) before any routing work.
//
// Two floors, by the READ binding:
//   READ unset: the body is passed through and the response streamed through natively — the
//     least any worker can add.
//   READ "1": what any router must do at the least, with no routing logic: parse the client's
//     JSON (to route on its model), and read the provider's answer in JS (to translate it and
//     bill its usage) — the buffered body whole and parsed; a stream chunk by chunk through a
//     reader, each chunk enqueued to the client's stream from JS (no translation, no parsing).
export default {
  async fetch(request, env, ctx) {
    const read = env.READ === '1';
    const text = await request.text();
    const stream = read ? JSON.parse(text).stream === true : false;
    const upstream = await fetch(env.UPSTREAM_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-sandbox' },
      body: text,
    });
    const headers = { 'content-type': upstream.headers.get('content-type') ?? 'application/json' };
    if (!read) return new Response(upstream.body, { status: upstream.status, headers });
    if (!stream) {
      const answer = await upstream.text();
      if (upstream.status === 200 && typeof JSON.parse(answer).usage !== 'object') {
        return new Response('{"error":{"code":502,"message":"no usage"}}', { status: 502, headers });
      }
      return new Response(answer, { status: upstream.status, headers });
    }
    const reader = upstream.body.getReader();
    let controller;
    const out = new ReadableStream({ start(c) { controller = c; }, cancel() { reader.cancel().catch(() => {}); } });
    ctx.waitUntil((async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          controller.enqueue(value);
        }
        controller.close();
      } catch (e) {
        controller.error(e);
      }
    })());
    return new Response(out, { status: upstream.status, headers });
  },
};
