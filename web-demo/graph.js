// Draws a channel's upgrade graph (fbc-wasm `graph()`: nodes newest first,
// replaces/skips/skipRange edges) as an SVG arc diagram, laid out here with no
// library: one row per bundle, newest at the top; `replaces` edges on the
// left (a straight spine between neighbours), `skips` and `skipRange` on the
// right. Arrows point the way upgrades go: from the older bundle to the newer.

const SVG = 'http://www.w3.org/2000/svg';
const ROW = 40;
const BOX_H = 28;
const CHAR_W = 7.0;
const TOP = 44;
const KINDS = {
  replaces: { color: '#2563eb', dash: '', side: -1, label: 'replaces' },
  skips: { color: '#d97706', dash: '6 4', side: 1, label: 'skips' },
  skipRange: { color: '#7c3aed', dash: '2 3', side: 1, label: 'skipRange' },
};

function el(name, attrs = {}, parent = null) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}

function text(parent, x, y, s, attrs = {}) {
  const t = el('text', { x, y, ...attrs }, parent);
  t.textContent = s;
  return t;
}

/**
 * Rows top to bottom: each bundle below every bundle that upgrades to it
 * (longest path from the heads, so a replaces chain reads downwards even when
 * versions are missing or wrong); within a layer, core's order (newest first).
 * Cycles are cut after as many passes as there are bundles.
 */
function layerOrder(g) {
  const rank = new Map(g.nodes.map((n) => [n.name, 0]));
  for (let pass = 0; pass < g.nodes.length; pass++) {
    let changed = false;
    for (const e of g.edges) {
      const r = rank.get(e.from) + 1;
      if (r > rank.get(e.to)) {
        rank.set(e.to, r);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const pos = new Map(g.nodes.map((n, i) => [n.name, i]));
  return [...g.nodes].sort((a, b) => rank.get(a.name) - rank.get(b.name) || pos.get(a.name) - pos.get(b.name));
}

/** The bulge of an arc spanning `span` rows, in pixels. */
const bulge = (span) => 16 + 11 * Math.min(span, 24);

/**
 * @param {import('./pkg/fbc_wasm.js').ChannelUpgradeGraph} g
 * @returns {SVGSVGElement}
 */
export function renderChannelGraph(graph) {
  const g = { ...graph, nodes: layerOrder(graph) };
  const index = new Map(g.nodes.map((n, i) => [n.name, i]));
  const label = (n) => (n.version ? `${n.name}  (${n.version})` : n.name);
  const boxW = Math.max(180, Math.min(480, 70 + CHAR_W * Math.max(...g.nodes.map((n) => label(n).length), 10)));
  let left = 24;
  let right = 24;
  for (const e of g.edges) {
    const span = Math.abs(index.get(e.from) - index.get(e.to));
    if (KINDS[e.kind].side < 0 && span > 1) left = Math.max(left, bulge(span) + 12);
    if (KINDS[e.kind].side > 0) right = Math.max(right, bulge(span) + 12);
  }
  const x0 = left;
  const legendW = 330 + 'channel head'.length * CHAR_W;
  const width = Math.max(x0 + boxW + right, legendW);
  const height = TOP + g.nodes.length * ROW + 8;
  const svg = el('svg', {
    xmlns: SVG, width, height, viewBox: `0 0 ${width} ${height}`,
    class: 'graph', role: 'img',
    'aria-label': `upgrade graph of channel ${g.name}: ${g.nodes.length} bundles, ${g.edges.length} edges`,
  });
  const defs = el('defs', {}, svg);
  for (const [kind, k] of Object.entries(KINDS)) {
    const m = el('marker', {
      id: `arrow-${kind}`, viewBox: '0 0 10 10', refX: 9, refY: 5,
      markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse',
    }, defs);
    el('path', { d: 'M0,0 L10,5 L0,10 z', fill: k.color }, m);
  }

  // Legend.
  let lx = 8;
  for (const [kind, k] of Object.entries(KINDS)) {
    el('line', { x1: lx, y1: 14, x2: lx + 26, y2: 14, stroke: k.color, 'stroke-width': 2, 'stroke-dasharray': k.dash, 'marker-end': `url(#arrow-${kind})` }, svg);
    text(svg, lx + 32, 18, k.label, { class: 'legend' });
    lx += 44 + k.label.length * CHAR_W;
  }
  el('rect', { x: lx, y: 6, width: 16, height: 16, rx: 4, class: 'legend-head' }, svg);
  text(svg, lx + 22, 18, 'channel head', { class: 'legend' });

  const yOf = (i) => TOP + i * ROW + BOX_H / 2;
  const edges = el('g', { class: 'edges' }, svg);
  for (const e of g.edges) {
    const k = KINDS[e.kind];
    const a = index.get(e.from); // newer
    const b = index.get(e.to); // older: the arrow starts here
    const span = Math.abs(a - b);
    let d;
    if (k.side < 0 && span === 1) {
      const x = x0 + boxW / 2;
      const [y1, y2] = b > a ? [yOf(b) - BOX_H / 2, yOf(a) + BOX_H / 2] : [yOf(b) + BOX_H / 2, yOf(a) - BOX_H / 2];
      d = `M${x},${y1} L${x},${y2}`;
    } else {
      const x = k.side < 0 ? x0 : x0 + boxW;
      const dx = k.side * bulge(span);
      const off = e.kind === 'skipRange' ? 5 : e.kind === 'skips' ? -5 : 0;
      d = `M${x},${yOf(b) + off} C${x + dx},${yOf(b) + off} ${x + dx},${yOf(a) + off} ${x},${yOf(a) + off}`;
    }
    const p = el('path', {
      d, fill: 'none', stroke: k.color, 'stroke-width': 1.6, 'stroke-dasharray': k.dash,
      'marker-end': `url(#arrow-${e.kind})`, class: `edge ${e.kind}`,
      'data-from': e.from, 'data-to': e.to,
    }, edges);
    el('title', {}, p).textContent = `${e.to} → ${e.from} (${k.label})`;
  }

  const nodes = el('g', { class: 'nodes' }, svg);
  g.nodes.forEach((n, i) => {
    const y = TOP + i * ROW;
    const cls = ['node', n.head ? 'head' : '', n.inChannel ? '' : 'outside', n.deprecated ? 'deprecated' : ''].filter(Boolean).join(' ');
    const grp = el('g', { class: cls, 'data-name': n.name }, nodes);
    el('rect', { x: x0, y, width: boxW, height: BOX_H, rx: 6 }, grp);
    text(grp, x0 + 10, y + 18, n.name, { class: 'name' });
    let xr = x0 + boxW - 8;
    if (n.head) {
      el('rect', { x: xr - 38, y: y + 6, width: 38, height: 16, rx: 8, class: 'badge' }, grp);
      text(grp, xr - 19, y + 18, 'head', { class: 'badge', 'text-anchor': 'middle' });
      xr -= 44;
    }
    if (n.version) text(grp, xr, y + 18, n.version, { class: 'ver', 'text-anchor': 'end' });
    const notes = [n.head ? 'channel head' : '', n.inChannel ? '' : 'not an entry of this channel', n.deprecated ? 'deprecated' : ''].filter(Boolean);
    el('title', {}, grp).textContent = `${n.name}${n.version ? ` — version ${n.version}` : ''}${notes.length ? ` (${notes.join(', ')})` : ''}`;
  });
  return svg;
}
