#!/usr/bin/env node
// The import graph of src/: which folders import which, and whether the layers hold.
// `node scripts/import-graph.mjs` prints a report; `--check` exits 1 when a folder or a
// file takes part in a cycle, when a route file is not named by its audience, or when a
// file imports another folder's route file (scripts/test.sh runs it, so CI fails on any). Type-only imports count for files (a cycle of types is
// still a knot to read) but not for folders' runtime layering, which is what the Worker runs.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const src = join(root, "src");
const check = process.argv.includes("--check");

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return /\.tsx?$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

const importPattern =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?([\s\S]*?)\s*from\s*["']([^"']+)["']|(?:^|\n)\s*import\s*["']([^"']+)["']/g;

/** Every relative import of a file, with whether it brings in anything at run time. */
function importsOf(file) {
  const text = readFileSync(file, "utf8");
  const found = [];
  for (const match of text.matchAll(importPattern)) {
    const specifier = match[4] ?? match[5];
    if (!specifier?.startsWith(".")) continue;
    const typeOnly = Boolean(match[2]) || onlyTypeNames(match[3] ?? "");
    const target = resolveModule(dirname(file), specifier);
    if (target) found.push({ target, runtime: match[5] !== undefined || !typeOnly });
  }
  return found;
}

function onlyTypeNames(clause) {
  const braces = clause.match(/^\{([\s\S]*)\}$/);
  if (!braces) return false;
  const names = braces[1]
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  return names.length > 0 && names.every((name) => name.startsWith("type "));
}

function resolveModule(from, specifier) {
  const base = resolve(from, specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts")]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return undefined;
}

/** `src/users/store.ts` → `users`; a file at the top of src (`errors.ts`) is its own node. */
function folderOf(file) {
  return relative(src, file).split("/")[0];
}

/** Tarjan's strongly connected components: every group of nodes that reach each other. */
function cycles(graph) {
  let index = 0;
  const indices = new Map();
  const lowlinks = new Map();
  const stack = [];
  const onStack = new Set();
  const groups = [];
  const visit = (node) => {
    indices.set(node, index);
    lowlinks.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        lowlinks.set(node, Math.min(lowlinks.get(node), lowlinks.get(next)));
      } else if (onStack.has(next)) {
        lowlinks.set(node, Math.min(lowlinks.get(node), indices.get(next)));
      }
    }
    if (lowlinks.get(node) === indices.get(node)) {
      const group = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1 || graph.get(node)?.has(node)) groups.push(group.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return groups;
}

function addEdge(graph, from, to) {
  if (!graph.has(from)) graph.set(from, new Set());
  if (!graph.has(to)) graph.set(to, new Set());
  graph.get(from).add(to);
}

const files = filesUnder(src);
const fileGraph = new Map();
const folderGraph = new Map();
const folderImports = new Map(); // "a -> b" → example file pairs
for (const file of files) {
  fileGraph.set(file, fileGraph.get(file) ?? new Set());
  for (const { target, runtime } of importsOf(file)) {
    addEdge(fileGraph, file, target);
    const from = folderOf(file);
    const to = folderOf(target);
    if (from === to || !runtime) continue;
    addEdge(folderGraph, from, to);
    const key = `${from} -> ${to}`;
    folderImports.set(key, [
      ...(folderImports.get(key) ?? []),
      `${relative(src, file)} → ${relative(src, target)}`,
    ]);
  }
}

const folderCycles = cycles(folderGraph);
const fileCycles = cycles(fileGraph).map((group) => group.map((file) => relative(src, file)));
const mutualPairs = [];
for (const [from, targets] of folderGraph) {
  for (const to of targets) {
    if (from < to && folderGraph.get(to)?.has(from)) mutualPairs.push(`${from} ↔ ${to}`);
  }
}

// Layers, computed rather than declared: a folder's level is one above the highest folder
// it imports, so every import points down and the report draws the architecture as it is.
const levels = new Map();
const levelOf = (folder, seen = new Set()) => {
  if (levels.has(folder)) return levels.get(folder);
  if (seen.has(folder)) return Number.NaN;
  seen.add(folder);
  const below = [...(folderGraph.get(folder) ?? [])].map((next) => levelOf(next, seen));
  const level = below.length === 0 ? 0 : Math.max(...below) + 1;
  if (!Number.isNaN(level)) levels.set(folder, level);
  return level;
};
for (const folder of folderGraph.keys()) levelOf(folder);

const lines = (path) => readFileSync(path, "utf8").split("\n").length;
const largest = files
  .map((file) => ({ file: relative(src, file), lines: lines(file) }))
  .sort((a, b) => b.lines - a.lines)
  .slice(0, 8);

console.log(`src/: ${files.length} files, ${folderGraph.size} folders`);
console.log(
  `folders in cycles (runtime imports): ${folderCycles.reduce((n, g) => n + g.length, 0)}` +
    (folderCycles.length ? ` in ${folderCycles.length} group(s)` : ""),
);
for (const group of folderCycles) console.log(`  ${group.join(", ")}`);
console.log(`folder pairs importing each other: ${mutualPairs.length}`);
for (const pair of mutualPairs) {
  const [a, b] = pair.split(" ↔ ");
  console.log(
    `  ${pair}: ${folderImports.get(`${a} -> ${b}`)[0]}; ${folderImports.get(`${b} -> ${a}`)[0]}`,
  );
}
console.log(`file cycles (all imports, types too): ${fileCycles.length}`);
for (const group of fileCycles) console.log(`  ${group.join(" ↔ ")}`);
if (folderCycles.length === 0) {
  const byLevel = new Map();
  for (const [folder, level] of levels) byLevel.set(level, [...(byLevel.get(level) ?? []), folder]);
  console.log("layers (each imports only layers below it):");
  for (const level of [...byLevel.keys()].sort((a, b) => b - a)) {
    console.log(`  ${level}: ${byLevel.get(level).sort().join(", ")}`);
  }
}
console.log("largest files:");
for (const { file, lines: count } of largest) console.log(`  ${String(count).padStart(5)} ${file}`);

// Route files are named by their audience, and only src/routes.ts (which registers them)
// imports one: a route file is never a library.
const ROUTE_FILE = /^(participant|admin|server|public)-routes\.ts$/;
const misnamedRoutes = files
  .map((file) => relative(src, file))
  .filter(
    (file) => /routes/.test(file) && file.includes("/") && !ROUTE_FILE.test(file.split("/")[1]),
  );
const routeImports = [];
for (const file of files) {
  if (relative(src, file) === "routes.ts") continue;
  for (const { target } of importsOf(file)) {
    if (ROUTE_FILE.test(target.split("/").at(-1)) && dirname(target) !== dirname(file)) {
      routeImports.push(`${relative(src, file)} → ${relative(src, target)}`);
    }
  }
}
console.log(`route files not named by audience: ${misnamedRoutes.length}`);
for (const file of misnamedRoutes) console.log(`  ${file}`);
console.log(`imports of another folder's route file: ${routeImports.length}`);
for (const line of routeImports) console.log(`  ${line}`);

const broken =
  folderCycles.length + fileCycles.length + misnamedRoutes.length + routeImports.length > 0;
if (check && broken) {
  console.error(
    "import-graph: layers must point down, with no cycle; route files are named by audience " +
      "and imported only by src/routes.ts (see above)",
  );
  process.exit(1);
}
