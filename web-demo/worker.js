// Validation runs here, off the page's thread, so the page stays responsive
// on big catalogs. The worker keeps the last catalog to answer questions about
// it (upgrade graphs) without loading it again.
//
// Messages in:  {id, type: 'validate', files: [{path, bytes}], options}
//               {id, type: 'graph', package}
//               {id, type: 'explain', code}
// Messages out: {id, ok: true, value} or {id, ok: false, error}

import init, { Catalog, explain, version } from './pkg/fbc_wasm.js';

const ready = init();
let catalog = null;

const handlers = {
  async hello() {
    return { version: version() };
  },
  async validate({ files, options }) {
    const t0 = performance.now();
    if (catalog) catalog.free();
    catalog = new Catalog();
    for (const f of files) catalog.addBytes(f.path, f.bytes);
    const result = catalog.validate(options);
    const t1 = performance.now();
    const packages = catalog.packages();
    const t2 = performance.now();
    return { result, packages, timings: { validateMs: t1 - t0, packagesMs: t2 - t1 } };
  },
  async graph({ package: name }) {
    return catalog ? catalog.graph(name) : null;
  },
  async explain({ code }) {
    return explain(code) ?? null;
  },
};

self.onmessage = async (e) => {
  const { id, type } = e.data;
  try {
    await ready;
    const value = await handlers[type](e.data);
    self.postMessage({ id, ok: true, value });
  } catch (err) {
    self.postMessage({ id, ok: false, error: String(err?.message ?? err) });
  }
};
