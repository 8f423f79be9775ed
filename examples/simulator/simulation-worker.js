// simulation-worker.js: runs simulations off the page's main thread, so the page stays
// responsive while the core works. It loads the routing simulator's module through the npm
// package's browser entry (loadSimulator), keeps one Router on the default catalog, and answers
// each message.
//
//   page → worker: {id, scenario}   scenario: the editor's JSON text, passed to the core as is
//   worker → page: {type: "ready"} once loaded, or {type: "fatal", message} if loading failed;
//                  {type: "result", id, report, ms} or {type: "error", id, error}
//                  error: {message, code, httpStatus, field}
import { loadSimulator } from '../../js/src/browser.js';

// {sy, router} once loaded, or {fatal: message}.
let core = start();

function start() {
  return loadSimulator().then((sy) => {
    if (!sy.hasSimulator) {
      throw new Error('js/dist/switchyard-sim.wasm does not export sy_router_simulate: rebuild ' +
        'the package\'s modules with `make js`');
    }
    return { sy, router: new sy.Router() };
  }).catch((error) => ({ fatal: `loading the Switchyard core failed: ${error.message}` }));
}

core.then((state) => postMessage(state.fatal ? { type: 'fatal', message: state.fatal } : { type: 'ready' }));

self.onmessage = async ({ data }) => {
  const { id, scenario } = data;
  const state = await core;
  if (state.fatal) {
    postMessage({ type: 'error', id, error: { message: state.fatal, code: 'unavailable' } });
    return;
  }
  const started = performance.now();
  try {
    const report = state.router.simulate(scenario);
    postMessage({ type: 'result', id, report, ms: performance.now() - started });
  } catch (error) {
    postMessage({
      type: 'error',
      id,
      error: {
        message: error.message,
        code: error.code ?? 'internal',
        httpStatus: error.httpStatus ?? null,
        field: error.metadata?.field ?? null,
      },
    });
    // A trap retires the instance (binding.js): the next run gets a fresh one.
    if (state.sy.broken) core = start();
  }
};
