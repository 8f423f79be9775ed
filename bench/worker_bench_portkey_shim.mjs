// Loaded with `node --import` into the @portkey-ai/gateway 1.15.2 process of worker_bench.mjs.
// Portkey appends headers to the Response that fetch() returned; Node makes those headers
// immutable, so without this every streamed request fails ("TypeError: immutable"). Re-wrapping
// the response (same body stream, same status and headers, now mutable) is all this does.
const upstreamFetch = globalThis.fetch;
globalThis.fetch = async (...args) => {
  const response = await upstreamFetch(...args);
  return new Response(response.body, response);
};
