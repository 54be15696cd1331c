// The page: collects catalog files (folder picker, drag and drop, paste,
// bundled examples), has the worker validate them with fbc-wasm, and shows the
// findings by file with their source, the explain text of a code, and each
// package's channels and upgrade graph.
//
// For tests and benchmarks: `document.body.dataset.state` is `loading`,
// `ready`, `busy` or `done`; `window.ocCatalog.lastRun` holds the timings of
// the last validation; `window.ocCatalog.load(files)` validates
// `[{path, text}]` as if they were opened.

import { renderChannelGraph } from './graph.js';

const $ = (sel) => document.querySelector(sel);
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
let nextId = 1;
const pending = new Map();
worker.onmessage = (e) => {
  const { id, ok, value, error } = e.data;
  const p = pending.get(id);
  pending.delete(id);
  if (ok) p.resolve(value);
  else p.reject(new Error(error));
};
function call(type, payload = {}) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, type, ...payload });
  });
}

const state = {
  name: '',
  files: new Map(), // path → Uint8Array
  texts: new Map(), // path → decoded text (on demand)
  result: null,
  packages: [],
};
const api = { lastRun: null, load: (files, name) => loadFiles(files.map((f) => ({ path: f.path, bytes: new TextEncoder().encode(f.text) })), name ?? 'files') };
window.ocCatalog = api;

function setState(s) {
  document.body.dataset.state = s;
}

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

const plural = (n, w) => `${n} ${w}${n === 1 ? '' : 's'}`;
const mb = (bytes) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`);

// ---- input -----------------------------------------------------------------

async function readFileList(list) {
  const files = [];
  for (const f of list) {
    const path = f.webkitRelativePath || f.relativePath || f.name;
    files.push({ path, bytes: new Uint8Array(await f.arrayBuffer()) });
  }
  return files;
}

/** Files below a dropped directory entry, with paths from the dropped folder. */
async function readEntry(entry, out) {
  if (entry.isFile) {
    const file = await new Promise((res, rej) => entry.file(res, rej));
    out.push({ path: entry.fullPath.replace(/^\//, ''), bytes: new Uint8Array(await file.arrayBuffer()) });
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
      if (!batch.length) break;
      for (const e of batch) await readEntry(e, out);
    }
  }
  return out;
}

async function onDrop(e) {
  e.preventDefault();
  $('#drop').classList.remove('over');
  const items = [...(e.dataTransfer.items ?? [])];
  const entries = items.map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null)).filter(Boolean);
  const t0 = performance.now();
  let files;
  if (entries.length) {
    files = [];
    for (const en of entries) await readEntry(en, files);
  } else {
    files = await readFileList(e.dataTransfer.files);
  }
  const name = entries.length === 1 ? entries[0].name : plural(files.length, 'dropped file');
  await loadFiles(files, name, performance.now() - t0);
}

async function onPick(input) {
  const list = [...input.files];
  if (!list.length) return;
  const t0 = performance.now();
  const files = await readFileList(list);
  const first = files[0].path.split('/');
  const name = first.length > 1 ? first[0] : plural(files.length, 'file');
  input.value = '';
  await loadFiles(files, name, performance.now() - t0);
}

function onPaste() {
  const text = $('#paste').value;
  if (!text.trim()) return;
  const path = text.trimStart().startsWith('{') ? 'pasted.json' : 'pasted.yaml';
  loadFiles([{ path, bytes: new TextEncoder().encode(text) }], 'pasted text');
}

async function loadExample(which) {
  const res = await fetch('examples/examples.json');
  const all = await res.json();
  const ex = all[which];
  await loadFiles(ex.files.map((f) => ({ path: f.path, bytes: new TextEncoder().encode(f.text) })), ex.name);
}

// ---- validation ------------------------------------------------------------

async function loadFiles(files, name, readMs = 0) {
  state.name = name;
  state.files = new Map(files.map((f) => [f.path, f.bytes]));
  state.texts = new Map();
  return validate(readMs);
}

async function validate(readMs = 0) {
  if (!state.files.size) return;
  setState('busy');
  const bytes = [...state.files.values()].reduce((n, b) => n + b.length, 0);
  $('#status').textContent = `Validating ${state.name}: ${plural(state.files.size, 'file')}, ${mb(bytes)}…`;
  const t0 = performance.now();
  let out;
  try {
    const files = [...state.files].map(([path, b]) => ({ path, bytes: b }));
    out = await call('validate', { files, options: { strict: $('#strict').checked } });
  } catch (err) {
    $('#status').textContent = `Could not validate: ${err.message}`;
    setState('done');
    return;
  }
  const totalMs = performance.now() - t0;
  state.result = out.result;
  state.packages = out.packages;
  api.lastRun = { files: state.files.size, bytes, readMs, validateMs: out.timings.validateMs, totalMs, summary: out.result.summary };
  const s = out.result.summary;
  const verdict = s.errors + s.warnings === 0 ? 'no problems' : `${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}`;
  $('#status').replaceChildren(
    h('span', { class: out.result.passed ? 'pass' : 'fail' }, out.result.passed ? '✔ valid' : '✘ invalid'),
    ` ${state.name}: validated ${plural(s.files, 'file')} (${mb(bytes)}) in ${Math.round(out.timings.validateMs)} ms: ${verdict} (${plural(s.packages, 'package')}, ${plural(s.channels, 'channel')}, ${plural(s.bundles, 'bundle')})`,
  );
  renderFindings();
  renderPackages();
  $('#tabs').hidden = false;
  selectTab('findings');
  setState('done');
}

// ---- findings --------------------------------------------------------------

function renderFindings() {
  const { result } = state;
  const box = $('#findings');
  box.replaceChildren();
  $('#source').replaceChildren(h('p', { class: 'hint' }, 'Select a finding to see it in its file.'));
  $('#explain').hidden = true;
  if (!result.diagnostics.length) {
    box.append(h('p', { class: 'clean' }, `No problems found in ${plural(result.summary.files, 'file')}.`));
    return;
  }
  const groups = new Map();
  for (const d of result.diagnostics) {
    const key = d.location?.path ?? '';
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(d);
  }
  let n = 0;
  for (const [path, list] of groups) {
    const errors = list.filter((d) => d.severity === 'error').length;
    const details = h('details', { class: 'file', open: groups.size <= 20 || n < 5, 'data-path': path },
      h('summary', {},
        h('span', { class: 'path' }, path || 'the catalog as a whole'),
        h('span', { class: 'counts' }, [errors ? h('span', { class: 'error' }, plural(errors, 'error')) : null, list.length - errors ? h('span', { class: 'warning' }, plural(list.length - errors, 'warning')) : null])));
    // Items of a closed group are built when it is first opened: big
    // catalogs can have thousands of findings.
    const fill = () => {
      if (details.querySelector('ul')) return;
      const ul = h('ul');
      for (const d of list) ul.append(findingItem(d));
      details.append(ul);
    };
    if (details.open) fill();
    else details.addEventListener('toggle', fill);
    box.append(details);
    n++;
  }
}

function findingItem(d) {
  const loc = d.location;
  const where = loc ? `${loc.path}:${loc.start.line}:${loc.start.column}` : '';
  const li = h('li', { class: `finding ${d.severity}`, 'data-code': d.code, tabindex: '0' },
    h('div', { class: 'head' },
      h('span', { class: `sev ${d.severity}` }, d.severity),
      h('button', { class: 'code', type: 'button', title: `Explain ${d.code} (${d.name})`, onclick: (e) => { e.stopPropagation(); showExplain(d.code); } }, d.code),
      h('span', { class: 'msg' }, d.message)),
    loc ? h('a', { class: 'loc', href: '#', onclick: (e) => { e.preventDefault(); e.stopPropagation(); select(li, d); } }, where) : null,
    d.help ? h('div', { class: 'help' }, `help: ${d.help}`) : null,
    ...d.labels.map((l) => h('div', { class: 'label' }, `${l.location.path}:${l.location.start.line}:${l.location.start.column}: ${l.message}`)));
  li.addEventListener('click', () => select(li, d));
  li.addEventListener('keydown', (e) => { if (e.key === 'Enter') select(li, d); });
  return li;
}

function select(li, d) {
  document.querySelectorAll('.finding.selected').forEach((e) => e.classList.remove('selected'));
  li.classList.add('selected');
  if (d.location) showSource(d);
}

function textOf(path) {
  if (!state.texts.has(path)) {
    const b = state.files.get(path);
    state.texts.set(path, b ? new TextDecoder().decode(b) : '');
  }
  return state.texts.get(path);
}

function lineStarts(text) {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** The UTF-16 index of a position (what JS strings count). */
const indexOf = (starts, p) => starts[p.line - 1] + p.columnUtf16 - 1;

function showSource(d) {
  const loc = d.location;
  const text = textOf(loc.path);
  const starts = lineStarts(text);
  const marks = [{ loc, cls: 'primary', title: `${d.code}: ${d.message}` }];
  for (const l of d.labels) if (l.location.path === loc.path) marks.push({ loc: l.location, cls: 'secondary', title: l.message });
  const firstLine = Math.max(1, Math.min(...marks.map((m) => m.loc.start.line)) - 12);
  const lastLine = Math.min(starts.length, Math.max(...marks.map((m) => Math.min(m.loc.end.line, m.loc.start.line + 40))) + 12);
  const from = starts[firstLine - 1];
  const to = lastLine < starts.length ? starts[lastLine] - 1 : text.length;
  const ranges = marks
    .map((m) => ({ ...m, s: Math.max(from, indexOf(starts, m.loc.start)), e: Math.min(to, Math.max(indexOf(starts, m.loc.end), indexOf(starts, m.loc.start) + 1)) }))
    .sort((a, b) => a.s - b.s);
  const code = h('code');
  let at = from;
  for (const r of ranges) {
    if (r.s < at) continue; // overlapping: keep the first
    code.append(text.slice(at, r.s));
    code.append(h('mark', { class: r.cls, title: r.title }, text.slice(r.s, r.e) || ' '));
    at = r.e;
  }
  code.append(text.slice(at, to));
  const gutter = [];
  for (let i = firstLine; i <= lastLine; i++) gutter.push(String(i));
  const box = $('#source');
  box.replaceChildren(
    h('div', { class: 'source-head' },
      h('span', { class: 'path' }, loc.path),
      h('span', {}, `line ${loc.start.line}, column ${loc.start.column} — showing lines ${firstLine}–${lastLine} of ${starts.length}`)),
    h('div', { class: 'source-body' }, h('pre', { class: 'gutter', 'aria-hidden': 'true' }, gutter.join('\n')), h('pre', { class: 'text' }, code)));
  const mark = box.querySelector('mark.primary');
  if (mark) mark.scrollIntoView({ block: 'center', behavior: 'instant' });
}

async function showExplain(code) {
  const text = await call('explain', { code });
  const box = $('#explain');
  box.hidden = false;
  box.replaceChildren(h('button', { class: 'close', type: 'button', title: 'Close', onclick: () => { box.hidden = true; } }, '×'), markdown(text ?? `Unknown code ${code}`));
  box.scrollIntoView({ block: 'nearest' });
}

/** The small Markdown subset of the code documents, as DOM (text is never parsed as HTML). */
function markdown(src) {
  const out = h('div', { class: 'md' });
  const lines = src.split('\n');
  let para = [];
  let item = null; // the list item continuation lines belong to
  const inline = (s) => {
    const span = h('span');
    s.split(/(`[^`]+`)/).forEach((part) => span.append(part.startsWith('`') && part.endsWith('`') && part.length > 1 ? h('code', {}, part.slice(1, -1)) : part));
    return span;
  };
  const flush = () => { if (para.length) out.append(h('p', {}, inline(para.join(' ')))); para = []; };
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('```')) {
      flush();
      const body = [];
      for (i++; i < lines.length && !lines[i].startsWith('```'); i++) body.push(lines[i]);
      out.append(h('pre', {}, body.join('\n')));
    } else if (/^#{1,4} /.test(l)) {
      flush();
      out.append(h(l.startsWith('# ') ? 'h3' : 'h4', {}, inline(l.replace(/^#+ /, ''))));
    } else if (/^\s*([-*]|\d+\.) /.test(l)) {
      flush();
      const bullet = l.trim().match(/^([-*]|\d+\.) /)[1];
      item = h('div', { class: 'li' }, /\d/.test(bullet) ? `${bullet} ` : '• ', inline(l.replace(/^\s*([-*]|\d+\.) /, '')));
      out.append(item);
      continue;
    } else if (!l.trim()) {
      flush();
    } else if (item && /^\s/.test(l)) {
      item.append(' ', inline(l.trim()));
      continue;
    } else {
      para.push(l.trim());
    }
    item = null;
  }
  flush();
  return out;
}

// ---- packages --------------------------------------------------------------

function renderPackages() {
  const ul = $('#packages');
  ul.replaceChildren();
  for (const p of state.packages) {
    ul.append(h('li', { 'data-package': p.name },
      h('button', { type: 'button', onclick: () => showPackage(p.name) },
        h('span', { class: 'name' }, p.name),
        h('span', { class: 'meta' }, `${plural(p.channels.length, 'channel')}, ${plural(p.bundles.length, 'bundle')}`))));
  }
  $('#package').replaceChildren(h('p', { class: 'hint' }, state.packages.length ? 'Select a package.' : 'No packages in this catalog.'));
  if (state.packages.length) showPackage(state.packages[0].name);
}

function filterPackages() {
  const q = $('#package-filter').value.trim().toLowerCase();
  for (const li of $('#packages').children) li.hidden = q !== '' && !li.dataset.package.toLowerCase().includes(q);
}

async function showPackage(name, channel = null) {
  const p = state.packages.find((x) => x.name === name);
  document.querySelectorAll('#packages li').forEach((li) => li.classList.toggle('selected', li.dataset.package === name));
  const graph = await call('graph', { package: name });
  const channels = graph?.channels ?? [];
  const chosen = channels.find((c) => c.name === channel) ?? channels.find((c) => c.name === p.defaultChannel) ?? channels[0];
  const table = h('table', { class: 'channels' },
    h('thead', {}, h('tr', {}, h('th', {}, 'channel'), h('th', {}, 'head'), h('th', {}, 'entries'))),
    h('tbody', {}, p.channels.map((c) => h('tr', { class: c.name === chosen?.name ? 'selected' : '', 'data-channel': c.name },
      h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => showPackage(name, c.name) }, c.name),
        c.name === p.defaultChannel ? h('span', { class: 'tag' }, 'default') : null,
        c.deprecated ? h('span', { class: 'tag warn' }, 'deprecated') : null),
      h('td', {}, c.head ?? (c.heads.length ? h('span', { class: 'error' }, `${c.heads.length} heads: ${c.heads.join(', ')}`) : h('span', { class: 'error' }, 'no head'))),
      h('td', {}, String(c.entries))))));
  const box = $('#package');
  box.replaceChildren(
    h('h2', {}, p.name, p.deprecated ? h('span', { class: 'tag warn' }, 'deprecated') : null, p.declared ? null : h('span', { class: 'tag error' }, 'no olm.package document')),
    h('p', {}, 'Default channel: ', p.defaultChannel ? h('strong', { class: 'default-channel' }, p.defaultChannel) : h('em', {}, 'none'), ` — ${plural(p.bundles.length, 'bundle')}`),
    table,
    chosen ? h('div', { class: 'graph-box', 'data-channel': chosen.name },
      h('h3', {}, `Upgrade graph of channel ${chosen.name}`),
      renderChannelGraph(chosen)) : h('p', { class: 'hint' }, 'This package has no channels.'));
}

// ---- tabs and wiring -------------------------------------------------------

function selectTab(which) {
  for (const t of ['findings', 'packages']) {
    $(`#tab-${t}`).setAttribute('aria-selected', String(t === which));
    $(`#${t}-view`).hidden = t !== which;
  }
}

function wire() {
  const drop = $('#drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', onDrop);
  // A folder dropped anywhere on the page counts.
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => { if (!drop.contains(e.target)) onDrop(e); });
  $('#folder').addEventListener('change', (e) => onPick(e.target));
  $('#files').addEventListener('change', (e) => onPick(e.target));
  $('#validate-paste').addEventListener('click', onPaste);
  $('#strict').addEventListener('change', () => validate());
  $('#example-broken').addEventListener('click', () => loadExample('broken'));
  $('#example-valid').addEventListener('click', () => loadExample('valid'));
  $('#tab-findings').addEventListener('click', () => selectTab('findings'));
  $('#tab-packages').addEventListener('click', () => selectTab('packages'));
  $('#package-filter').addEventListener('input', filterPackages);
}

setState('loading');
wire();
call('hello').then(({ version }) => {
  $('#version').textContent = `fbc-core ${version} (WebAssembly)`;
  setState('ready');
}, (err) => {
  $('#status').textContent = `Could not load the validator: ${err.message}`;
});
