// Shared by the web demo's end-to-end test and benchmark: the system Chromium
// driven by playwright-core (from web-demo/node_modules; it never downloads a
// browser), and the demo served from a local server on 127.0.0.1.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(new URL('../../web-demo/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const { serve } = await import(new URL('../../web-demo/serve.mjs', import.meta.url));

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// The flags that work on the build machine (shared/specs/environment.md §4).
export const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Serve web-demo/dist and open Chromium; `run(page, url)`; always clean up. */
export async function withPage(run, { viewport = { width: 1400, height: 900 } } = {}) {
  const dist = `${repo}web-demo/dist`;
  if (!existsSync(`${dist}/index.html`)) throw new Error('web-demo/dist is missing: run web-demo/build.sh first');
  const server = await serve(dist);
  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    const page = await browser.newPage({ viewport });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    // Offline: anything not from our server is a failure.
    await page.route('**/*', (r) => (r.request().url().startsWith(server.url) ? r.continue() : r.abort()));
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset.state === 'ready');
    return await run(page, server.url, errors);
  } finally {
    if (browser) await browser.close();
    await server.close();
  }
}
