#!/usr/bin/env node
// oc-catalog-node: `oc catalog validate` and `explain` on Node, from the
// WebAssembly build of fbc-core (wasm/pkg, committed), so that the pre-commit
// hook `oc-catalog-validate-node` needs no Rust toolchain. Every rule, message
// and renderer is fbc-core's: the output is the CLI's.
//
//   oc-catalog-node validate [--changed] [--root DIR]... [--strict]
//                            [--only CODES] [--ignore CODES] [-o text|github] [-q] PATH...
//   oc-catalog-node explain CODE | --list
//   oc-catalog-node --version
//
// Each PATH is a catalog (a directory, read as opm does, or one file). With
// --changed, PATHs are changed files and each one's catalog root is validated
// once (fbc_core::layout::catalog_root; see docs/pre-commit.md).
// Exit status: 0 no errors, 1 findings of error severity, 2 the tool failed.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import init, { Catalog, catalogRoot, codes, explain, version } from '../../wasm/pkg/fbc_wasm.js';

const NAME = 'oc-catalog-node';
const USAGE = `usage: ${NAME} validate [--changed] [--root DIR]... [--strict] [--only CODES] [--ignore CODES] [-o text|github] [-q] PATH...
       ${NAME} explain CODE | --list
       ${NAME} --version`;

class UsageError extends Error {}

function parseValidate(args) {
  const o = { changed: false, roots: [], strict: false, only: [], ignore: [], format: 'text', quiet: false, paths: [] };
  const codeList = (v) => v.split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = 0; i < args.length; i++) {
    let a = args[i];
    let value = null;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    if (eq > 0) {
      value = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const next = () => {
      if (value !== null) return value;
      if (i + 1 >= args.length) throw new UsageError(`${a} needs a value`);
      return args[++i];
    };
    switch (a) {
      case '--changed': o.changed = true; break;
      case '--root': o.roots.push(next()); break;
      case '--strict': o.strict = true; break;
      case '--only': o.only.push(...codeList(next())); break;
      case '--ignore': o.ignore.push(...codeList(next())); break;
      case '-o': case '--output': o.format = next(); break;
      case '-q': case '--quiet': o.quiet = true; break;
      case '--': o.paths.push(...args.slice(i + 1)); i = args.length; break;
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
        o.paths.push(args[i]);
    }
  }
  if (!['text', 'github'].includes(o.format)) throw new UsageError(`unsupported output format '${o.format}' (text or github)`);
  if (o.roots.length && !o.changed) throw new UsageError('--root is only meaningful with --changed');
  if (!o.paths.length && !(o.changed && o.roots.length)) throw new UsageError('no catalog given');
  for (const c of [...o.only, ...o.ignore]) {
    if (!explain(c)) throw new UsageError(`unknown code "${c}" (see \`${NAME} explain --list\`)`);
  }
  return o;
}

const slash = (p) => p.split(sep).join('/');

/** Every file below `dir`, as paths joined to `dir` (the CLI shows the same). */
function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = dir === '.' ? `./${name}` : join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** The catalogs to validate: the paths, or with --changed the roots of the changed files. */
function catalogsOf(o) {
  if (!o.changed) return o.paths;
  if (!o.paths.length) return o.roots; // no files (pass_filenames: false): every root
  const roots = [];
  for (const f of o.paths) {
    let content;
    try {
      content = readFileSync(f);
    } catch (e) {
      if (e.code === 'ENOENT' || e.code === 'EISDIR') continue; // deleted, or not a file
      throw e;
    }
    const root = catalogRoot(slash(f), content, o.roots);
    if (root === undefined || root === null) continue;
    const r = root === '' ? '.' : root;
    if (!roots.includes(r)) roots.push(r);
  }
  return roots;
}

function validateCommand(o) {
  let failed = false;
  for (const root of catalogsOf(o)) {
    const cat = new Catalog();
    for (const f of statSync(root).isDirectory() ? walk(root, []) : [root]) cat.addBytes(slash(f), readFileSync(f));
    const options = {
      strict: o.strict,
      only: o.only,
      ignore: o.ignore,
      color: process.stdout.isTTY === true && !process.env.NO_COLOR,
      command: NAME,
    };
    failed ||= !cat.validate(options).passed;
    let text = cat.render(o.format, options);
    if (o.quiet && o.format === 'text') text = text.trimEnd().split('\n').pop() + '\n';
    process.stdout.write(text);
    cat.free();
  }
  return failed ? 1 : 0;
}

function explainCommand(args) {
  if (args.includes('--list')) {
    for (const c of codes()) {
      process.stdout.write(`${c.code}  ${c.severity.padEnd(7)}  ${c.name.padEnd(32)} ${c.summary}\n`);
    }
    return 0;
  }
  if (args.length !== 1) throw new UsageError('explain needs one code');
  const text = explain(args[0]);
  if (!text) {
    process.stderr.write(`error: unknown code "${args[0]}"; \`${NAME} explain --list\` lists them all\n`);
    return 2;
  }
  process.stdout.write(text + '\n');
  return 0;
}

async function main(argv) {
  const wasm = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'wasm', 'pkg', 'fbc_wasm_bg.wasm');
  await init({ module_or_path: readFileSync(wasm) });
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'validate': return validateCommand(parseValidate(rest));
    case 'explain': return explainCommand(rest);
    case '--version': case '-V': process.stdout.write(`${NAME} ${version()}\n`); return 0;
    case '--help': case '-h': case 'help': process.stdout.write(USAGE + '\n'); return 0;
    default: throw new UsageError(cmd ? `unknown command ${cmd}` : 'no command given');
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => {
    if (e instanceof UsageError) process.stderr.write(`error: ${e.message}\n${USAGE}\n`);
    else process.stderr.write(`error: ${e.message ?? e}\n`);
    process.exitCode = 2;
  },
);
