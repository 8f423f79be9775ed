// Shared by the browser suites: headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) with a fresh profile per launch, and the simulator's static server on a free
// port. A missing browser or build is a failure with the command that fixes it, never a skip.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { chromium } from 'playwright-core';

import { ROOT, startSimulatorServer } from '../../examples/simulator/serve.mjs';

export { ROOT };

export const CHROMIUM = process.env.SWITCHYARD_CHROMIUM ?? '/usr/bin/chromium';

// TOOLCHAIN.md: what this Chromium needs to run headless and offline in a container.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Files the page needs from `make js` (the npm package's dist/). */
export const DIST_FILES = ['js/dist/switchyard.mjs', 'js/dist/switchyard.wasm', 'js/dist/switchyard-sim.mjs', 'js/dist/switchyard-sim.wasm'].map((f) => resolve(ROOT, f));

/** Fails with how to fix it when Chromium or the package's dist/ is missing. */
export function requirePrerequisites() {
  if (!existsSync(CHROMIUM)) {
    assert.fail(`${CHROMIUM} is missing: apt-get install -y chromium (scripts/install-deps.sh does it)`);
  }
  const absent = DIST_FILES.filter((f) => !existsSync(f));
  if (absent.length) assert.fail(`the npm package's build is missing (${absent.join(', ')}): run make js`);
}

/**
 * Starts the static server and a browser. Returns {server, context, page, errors, close()}:
 * `errors` collects uncaught page errors and console errors, which the tests expect empty.
 */
export async function openBrowser() {
  requirePrerequisites();
  const server = await startSimulatorServer({ port: 0 });
  const profile = mkdtempSync(join(tmpdir(), 'switchyard-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 30_000,
      viewport: { width: 1280, height: 900 },
    });
  } catch (e) {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(20_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console error: ${m.text()} (${m.location()?.url ?? 'no location'})`);
  });
  const origin = new URL(server.url).origin;
  return {
    server, context, page, errors, origin,
    async close() {
      await context.close().catch(() => {});
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** openBrowser(), with the simulator page loaded and its core ready (else it throws the page's error). */
export async function openSimulatorPage() {
  const browser = await openBrowser();
  try {
    const { page } = browser;
    await page.goto(browser.server.url);
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
    if (await page.evaluate(() => document.body.dataset.state) !== 'ready') {
      throw new Error(`the page did not get ready: ${await page.innerText('#error')}`);
    }
  } catch (e) {
    await browser.close();
    throw e;
  }
  return browser;
}
