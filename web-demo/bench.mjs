#!/usr/bin/env node
// Benchmark (printed, not asserted): validating a catalog folder in the web
// demo, in headless Chromium, the way a user does it: the folder is chosen in
// the page's folder picker, read with the File API, sent to the Web Worker and
// validated by fbc-wasm; then the findings and packages are drawn.
//
//   node web-demo/bench.mjs [CATALOG_DIR] [--runs N]
//   default: ../shared/corpus/fbc/certified-operators-v4.20 (18 MB); target ≤ 1 s
//
// Needs web-demo/dist (web-demo/build.sh) and web-demo/node_modules (npm ci).
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repo, withPage } from '../tests/web-demo/browser.mjs';

const args = process.argv.slice(2);
const r = args.indexOf('--runs');
const runs = r >= 0 ? Number(args.splice(r, 2)[1]) : 5;
const dir = resolve(args[0] ?? join(repo, '../shared/corpus/fbc/certified-operators-v4.20'));
let bytes = 0;
let files = 0;
(function walk(d) {
  for (const n of readdirSync(d)) {
    const p = join(d, n);
    const st = statSync(p);
    if (st.isDirectory()) walk(p);
    else { bytes += st.size; files++; }
  }
})(dir);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;
await withPage(async (page) => {
  const rows = [];
  for (let i = 0; i < runs; i++) {
    const t0 = Date.now();
    await page.setInputFiles('#folder', dir);
    await page.waitForFunction((n) => document.body.dataset.state === 'done' && window.ocCatalog.lastRun?.files === n, files);
    const wall = Date.now() - t0;
    const run = await page.evaluate(() => window.ocCatalog.lastRun);
    rows.push({ ...run, wall });
    await page.evaluate(() => { window.ocCatalog.lastRun = null; });
  }
  const s = rows[0].summary;
  console.log(`web demo benchmark: ${dir}`);
  console.log(`  ${files} files, ${(bytes / 1e6).toFixed(1)} MB; ${s.packages} packages, ${s.channels} channels, ${s.bundles} bundles; ${s.errors} errors, ${s.warnings} warnings`);
  console.log(`  Chromium ${await page.context().browser().version()}, ${runs} runs (first run includes wasm warm-up)`);
  console.log('  run  read files  validate (worker, wasm)  page total (validate + draw)  wall (picker → drawn)');
  rows.forEach((x, i) => console.log(`  ${String(i + 1).padStart(3)}  ${ms(x.readMs).padStart(10)}  ${ms(x.validateMs).padStart(23)}  ${ms(x.totalMs).padStart(28)}  ${ms(x.wall).padStart(20)}`));
  const v = median(rows.map((x) => x.validateMs));
  console.log(`  median validate: ${ms(v)} (target ≤ 1000 ms: ${v <= 1000 ? 'met' : 'NOT met'}); median wall: ${ms(median(rows.map((x) => x.wall)))}`);
});
