// End-to-end test of the web demo as users drive it: web-demo/dist served on
// 127.0.0.1 (a free port), the system Chromium driven by playwright-core, real
// catalogs from the repository opened through the folder picker, dropped, or
// pasted. Screenshots go to target/web-demo-e2e/ (or $E2E_OUT).
//
//   web-demo/build.sh && (cd web-demo && npm ci) && node --test tests/web-demo/
//
// With README_SCREENSHOT=docs/web-demo.png it also writes the README's picture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repo, withPage } from './browser.mjs';

const out = process.env.E2E_OUT ?? join(repo, 'target/web-demo-e2e');
mkdirSync(out, { recursive: true });
const fixture = (p) => join(repo, p);
const done = (page) => page.waitForFunction(() => document.body.dataset.state === 'done');
const statusText = (page) => page.textContent('#status');

async function openFolder(page, dir) {
  await page.evaluate(() => { document.body.dataset.state = 'ready'; });
  await page.setInputFiles('#folder', fixture(dir));
  await done(page);
}

test('a valid real catalog: no findings, its packages, channels and upgrade graph', async () => {
  await withPage(async (page, url, errors) => {
    await openFolder(page, 'tests/fixtures/fbc/kueue-fbc-v4.19');
    const status = await statusText(page);
    assert.match(status, /✔ valid/);
    assert.match(status, /kueue-fbc-v4\.19: validated 1 file .*: no problems \(1 package, 7 channels, 11 bundles\)/);
    assert.equal(await page.textContent('#findings'), 'No problems found in 1 file.');

    await page.click('#tab-packages');
    await page.waitForSelector('#package svg.graph');
    assert.equal(await page.textContent('#package h2'), 'kueue-operator');
    assert.equal(await page.textContent('#package .default-channel'), 'stable-v1.4');
    // The default channel is drawn first, with its head marked.
    assert.equal(await page.getAttribute('#package .graph-box', 'data-channel'), 'stable-v1.4');
    assert.equal(await page.getAttribute('#package g.node.head', 'data-name'), 'kueue-operator.v1.4.1');
    assert.equal(await page.locator('#package .edge.skips').count(), 1);
    assert.equal(await page.getAttribute('#package .edge.skips', 'data-to'), 'kueue-operator.v1.4.0');
    // Another channel on demand.
    await page.click('#package tr[data-channel="stable-v0.2"] button');
    await page.waitForSelector('#package .graph-box[data-channel="stable-v0.2"]');
    assert.equal(await page.getAttribute('#package g.node.head', 'data-name'), 'kueue-operator.v0.2.1');
    await page.screenshot({ path: join(out, 'valid-packages.png'), fullPage: true });
    assert.deepEqual(errors, []);
  });
});

test('an invalid catalog: findings by file, the span highlighted in its source, explain on demand', async () => {
  await withPage(async (page, url, errors) => {
    await openFolder(page, 'examples/broken-catalog');
    const status = await statusText(page);
    assert.match(status, /✘ invalid/);
    assert.match(status, /validated 3 files .*: 5 errors, 3 warnings \(1 package, 1 channel, 3 bundles\)/);
    // Grouped by file, in the order opm reads them.
    const groups = await page.$$eval('#findings details.file', (ds) => ds.map((d) => d.dataset.path));
    assert.deepEqual(groups, ['bundles.json', 'channels.yaml', 'package.yaml'].map((f) => `broken-catalog/etcd-example/${f}`));
    const codes = await page.$$eval('.finding', (ls) => ls.map((l) => l.dataset.code));
    assert.deepEqual(codes, ['FBC501', 'FBC502', 'FBC501', 'FBC307', 'FBC208', 'FBC212', 'FBC206', 'FBC105']);

    const f = page.locator('.finding[data-code="FBC105"]');
    assert.match(await f.textContent(), /default channel "stabel" not found in channels list/);
    assert.match(await f.textContent(), /help: set defaultChannel to one of: stable/);
    await f.locator('a.loc').click();
    assert.equal(await f.locator('a.loc').textContent(), 'broken-catalog/etcd-example/package.yaml:4:17');
    // The source of that file, with exactly the span marked, on line 4.
    assert.equal(await page.textContent('#source .source-head .path'), 'broken-catalog/etcd-example/package.yaml');
    assert.equal(await page.textContent('#source mark.primary'), 'stabel');
    const shown = await page.textContent('#source pre.text');
    const gutter = (await page.textContent('#source pre.gutter')).split('\n');
    const line = shown.split('\n')[gutter.indexOf('4')];
    assert.equal(line, 'defaultChannel: stabel');

    // A span in a JSON file: the related image with an empty reference.
    await page.click('.finding[data-code="FBC502"]');
    assert.equal(await page.textContent('#source mark.primary'), '""');

    // Explain text of a code, on demand.
    await page.click('.finding[data-code="FBC208"] button.code');
    await page.waitForSelector('#explain:not([hidden])');
    assert.match(await page.textContent('#explain'), /^×?FBC208 \(multiple-channel-heads\) — default severity: error/);
    await page.screenshot({ path: join(out, 'invalid-findings.png'), fullPage: true });
    if (process.env.README_SCREENSHOT) {
      // The README's pictures: findings with a span and an explanation, then a graph.
      await page.setViewportSize({ width: 1280, height: 860 });
      await page.click('details.file[data-path$="bundles.json"] > summary');
      await page.click('.finding[data-code="FBC208"] a.loc');
      await page.click('.finding[data-code="FBC208"] button.code');
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(repo, process.env.README_SCREENSHOT) });
      await page.click('#tab-packages');
      await page.waitForSelector('#package svg.graph');
      await page.locator('#packages-view').screenshot({ path: join(repo, process.env.README_SCREENSHOT.replace(/\.png$/, '-graph.png')) });
      await page.click('#tab-findings');
      await page.click('details.file[data-path$="bundles.json"] > summary');
    }

    // Two heads, drawn as such.
    await page.click('#tab-packages');
    await page.waitForSelector('#package svg.graph');
    const heads = await page.$$eval('#package g.node.head', (ns) => ns.map((n) => n.dataset.name));
    assert.deepEqual(heads, ['etcd-example.v0.9.3', 'etcd-example.v0.9.4']);
    assert.match(await page.textContent('#package table.channels'), /2 heads: etcd-example\.v0\.9\.3, etcd-example\.v0\.9\.4/);
    assert.deepEqual(errors, []);
  });
});

test('dropped files, pasted text, .indexignore and --strict', async () => {
  await withPage(async (page, url, errors) => {
    // Drop the files of an opm conformance case onto the page.
    const c = 'tests/fixtures/conformance/cases/05-two-channel-heads/catalog.yaml';
    const text = readFileSync(fixture(c), 'utf8');
    await page.evaluate(() => { document.body.dataset.state = 'ready'; });
    await page.evaluate(([name, body]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([body], name, { type: 'application/yaml' }));
      document.querySelector('#drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, ['catalog.yaml', text]);
    await done(page);
    assert.match(await statusText(page), /1 dropped file: validated 1 file .*: 1 error, 2 warnings/);
    await page.click('.finding[data-code="FBC208"]');
    assert.equal(await page.textContent('#source mark.primary'), 'foo.v0.2.0');

    // Warnings become errors with strict.
    await page.evaluate(() => { document.body.dataset.state = 'ready'; });
    await page.check('#strict');
    await done(page);
    assert.match(await statusText(page), /: 3 errors, 0 warnings/);
    await page.uncheck('#strict');
    await done(page);

    // Pasted YAML.
    await page.evaluate(() => { document.body.dataset.state = 'ready'; });
    await page.click('#paste-box summary');
    await page.fill('#paste', 'schema: olm.package\nname: Foo\ndefaultChannel: stable\n');
    await page.click('#validate-paste');
    await done(page);
    const codes = await page.$$eval('.finding', (ls) => ls.map((l) => l.dataset.code));
    assert.ok(codes.includes('FBC103'), codes.join());
    await page.click('.finding[data-code="FBC103"]');
    assert.equal(await page.textContent('#source mark.primary'), 'Foo');

    // A folder whose .indexignore hides a broken file.
    await openFolder(page, 'tests/fixtures/conformance/cases/28-indexignore');
    assert.match(await statusText(page), /✔ valid 28-indexignore: validated 1 file/);
    assert.deepEqual(errors, []);
  });
});
