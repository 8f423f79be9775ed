// simulator.js: the simulator page. Holds the scenario editor, sends scenarios to the
// simulation worker (simulation-worker.js: the npm package's Emscripten build, off the main
// thread, so the page stays responsive and Stop can abandon a long run) and renders what comes
// back. Every failure — JSON that does not parse, a scenario the core refuses, a core that does
// not load — is shown in the page's error box.
//
// document.body.dataset.state: loading → ready → running → done | error → running …, and
// dataset.runs counts finished runs (tests wait on both).
import { Charts } from './charts.js';
import { format, renderReport } from './report.js';

const $ = (id) => document.getElementById(id);
const editor = $('scenario');
const runButton = $('run');
const resetButton = $('reset');
const stopButton = $('stop');
const statusLine = $('status');
const errorBox = $('error');
const reportSection = $('report');
const charts = new Charts({ attempts: $('chart-attempts'), failures: $('chart-failures'), cost: $('chart-cost') });

let defaultScenario = '';
let coreReady = false;
let running = false;
let nextId = 1;
const pending = new Map();
setState('loading', 'loading the Switchyard core…');
const scenarioLoaded = loadDefaultScenario();

function setState(state, text) {
  document.body.dataset.state = state;
  if (text !== undefined) statusLine.textContent = text;
  runButton.disabled = !coreReady || running;
  stopButton.hidden = !running;
}

function showError(title, detail) {
  errorBox.replaceChildren();
  const heading = document.createElement('strong');
  heading.textContent = title;
  errorBox.append(heading);
  if (detail) {
    const text = document.createElement('pre');
    text.textContent = detail;
    errorBox.append(text);
  }
  errorBox.hidden = false;
}

function hideError() {
  errorBox.hidden = true;
  errorBox.replaceChildren();
}

// ---- the worker ------------------------------------------------------------------------------

let worker = null;

// A new worker (the first, or after Stop): loads the core, then says "ready".
function startWorker() {
  coreReady = false;
  worker = new Worker(new URL('./simulation-worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = ({ data }) => {
    if (data.type === 'ready') {
      scenarioLoaded.then(() => {
        coreReady = true;
        if (!running) setState('ready', 'ready: edit the scenario and press Run (Ctrl+Enter)');
      });
    } else if (data.type === 'fatal') {
      showError('The Switchyard core could not be loaded', data.message);
      setState('error', 'the core is not available');
    } else {
      const resolve = pending.get(data.id);
      pending.delete(data.id);
      resolve?.(data);
    }
  };
  // A worker that cannot even start (its module failed to load or threw at the top level).
  worker.onerror = (event) => {
    event.preventDefault();
    coreReady = false;
    showError('The simulation worker failed', event.message ||
      'simulation-worker.js could not be loaded: is the page served by examples/simulator/serve.mjs?');
    settlePending({ message: 'the simulation worker stopped', code: 'internal' });
    setState('error', 'the simulation worker stopped');
  };
}

// Ends every simulation still waiting for the worker with `error`.
function settlePending(error) {
  for (const resolve of pending.values()) resolve({ type: 'error', error });
  pending.clear();
}

// Stop: a simulation cannot be interrupted inside the core, so the worker goes and a new one
// loads (a few hundred milliseconds).
function stop() {
  if (!running) return;
  worker.terminate();
  settlePending({ message: 'stopped before it finished', code: 'stopped' });
  startWorker();
}

function simulate(text) {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker.postMessage({ id, scenario: text });
  });
}

startWorker();

// ---- the editor ------------------------------------------------------------------------------

// "... in JSON at position 12 (line 2 column 3)": where JSON.parse stopped, as line and column.
function describeJsonError(error, text) {
  const position = /position (\d+)/.exec(error.message);
  if (!position) return { message: error.message, offset: null };
  const offset = Number(position[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  const where = /line \d+ column \d+/.test(error.message) ? '' : ` (line ${line}, column ${column})`;
  return { message: error.message + where, offset };
}

// Each press of Run ends in "done" or "error"; data-runs counts the ends (tests wait on it).
let runsEnded = 0;

async function run() {
  if (running || !coreReady) return;
  try {
    await runOnce();
  } finally {
    document.body.dataset.runs = String(++runsEnded);
  }
}

async function runOnce() {
  hideError();
  const text = editor.value;
  let scenario;
  try {
    scenario = JSON.parse(text);
  } catch (error) {
    const { message, offset } = describeJsonError(error, text);
    showError('The scenario is not valid JSON', message);
    if (offset !== null) {
      editor.focus();
      editor.setSelectionRange(offset, Math.min(text.length, offset + 1));
    }
    setState('error', 'not run: fix the JSON');
    return;
  }
  if (scenario === null || typeof scenario !== 'object' || Array.isArray(scenario)) {
    showError('The scenario must be a JSON object', 'for example {"duration_ms": 60000, "traffic": [...]}');
    setState('error', 'not run');
    return;
  }

  running = true;
  const started = performance.now();
  setState('running', 'running the simulation…');
  const ticker = setInterval(() => {
    statusLine.textContent = `running the simulation… ${((performance.now() - started) / 1000).toFixed(1)} s`;
  }, 250);
  let reply;
  try {
    reply = await simulate(text);
  } finally {
    clearInterval(ticker);
    running = false;
  }

  if (reply.type !== 'result') {
    const e = reply.error ?? {};
    if (e.code === 'stopped') {
      setState(coreReady ? 'ready' : 'loading', 'stopped: the simulation was abandoned');
      return;
    }
    const status = e.httpStatus ? `${e.httpStatus} ${e.code}` : (e.code ?? 'error');
    const detail = e.field ? `${e.message}\nfield: ${e.field}` : e.message;
    showError(`The core refused the scenario (${status})`, detail);
    setState('error', 'not run: see the error');
    return;
  }
  const { report, ms } = reply;
  reportSection.hidden = false;
  renderReport(report);
  charts.draw(report, scenario);
  setState('done', `done: ${format.int(report.requests)} requests, ${format.int(report.events)} events ` +
    `simulated in ${format.ms(ms)}`);
}

runButton.addEventListener('click', run);
stopButton.addEventListener('click', stop);
resetButton.addEventListener('click', () => {
  editor.value = defaultScenario;
  hideError();
});
editor.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    run();
  } else if (event.key === 'Tab' && !event.shiftKey) {
    // Indent instead of leaving the editor (Shift+Tab still moves focus away).
    event.preventDefault();
    editor.setRangeText('  ', editor.selectionStart, editor.selectionEnd, 'end');
  }
});

// ---- start -----------------------------------------------------------------------------------

async function loadDefaultScenario() {
  try {
    const response = await fetch(new URL('./scenario.json', import.meta.url));
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    defaultScenario = await response.text();
    editor.value = defaultScenario;
  } catch (error) {
    showError('The default scenario could not be loaded', `scenario.json: ${error.message}`);
  }
}
