#!/usr/bin/env bash
# Builds the web demo into web-demo/dist/: a static folder any web server can
# serve (it works offline: no CDN, no request leaves the page's origin).
#
#   web-demo/build.sh                 # builds fbc-wasm from source (wasm/build.sh)
#   web-demo/build.sh --prebuilt      # uses the committed wasm/pkg instead (no Rust needed)
#   python3 -m http.server -d web-demo/dist 8000 --bind 127.0.0.1    # or: node web-demo/serve.mjs
set -euo pipefail
cd "$(dirname "$0")/.."
dist=web-demo/dist
rm -rf "$dist"
mkdir -p "$dist/pkg" "$dist/examples"
if [ "${1:-}" = "--prebuilt" ]; then
  cp wasm/pkg/fbc_wasm.js wasm/pkg/fbc_wasm_bg.wasm "$dist/pkg/"
else
  wasm/build.sh "$dist/pkg"
  rm -f "$dist/pkg/"*.d.ts "$dist/pkg/BUILD-INFO"
fi
cp web-demo/index.html web-demo/style.css web-demo/app.js web-demo/worker.js web-demo/graph.js "$dist/"
# The two example catalogs of examples/, as {path, text} files the page can load.
node --input-type=module - "$dist/examples/examples.json" <<'JS'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const walk = (dir, rel, out) => {
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, `${rel}/${n}`, out);
    else out.push({ path: `${rel}/${n}`, text: readFileSync(p, 'utf8') });
  }
  return out;
};
const ex = (name) => ({ name: `examples/${name}`, files: walk(`examples/${name}`, name, []) });
writeFileSync(process.argv[2], JSON.stringify({ broken: ex('broken-catalog'), valid: ex('catalog') }));
JS
echo "web-demo/build.sh: wrote $dist ($(du -sh "$dist" | cut -f1)); serve it with: node web-demo/serve.mjs"
