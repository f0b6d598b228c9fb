#!/usr/bin/env node
/**
 * Checks that src/ keeps the shape docs/architecture.md describes:
 *  - at most 8 files at src/'s root;
 *  - no import circle whose files lie in different folders (type-only imports count: a circle of
 *    types still knots two layers together);
 *  - no runtime import circle at all (type-only imports are erased, so they may close a circle
 *    inside one folder, never across folders);
 *  - each folder imports only the folders below it in LAYERS (its floor or lower);
 *  - each folder has a README.md saying what goes in and what comes out.
 * Prints what is wrong and exits 1; exits 0 when the tree is clean. `--json` prints the graph.
 * Run by `npm run check:layout` and by test/layout.test.ts (so `npm test` and CI fail on a circle).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

/**
 * Floors from the bottom up: a folder may import from its own floor or any floor below it.
 * '.' is src/'s root; its entry modules (index, node, s3) sit at the top, its contract and
 * error modules (errors, source, defaults) at the bottom: they are listed by file.
 */
export const LAYERS = [
  ['errors.ts', 'source.ts', 'defaults.ts', 'cooperate.ts'],
  ['drivers'],
  ['cache'],
  ['format', 'filters'],
  ['values'],
  ['read'],
  ['api'],
  ['labeled', 'tools', 'query', 'h5web'],
  ['pandas', 'arrow'],
  ['index.ts', 'node.ts', 's3.ts', 'arrow.ts'],
  ['cli'],
];

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Relative imports of a module: { target, typeOnly }. */
function importsOf(file) {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out = [];
  const re = /\b(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"](\.[^'"]+)['"]|\bimport\s*\(\s*['"](\.[^'"]+)['"]\s*\)|\bimport\s+['"](\.[^'"]+)['"]/g;
  for (const m of text.matchAll(re)) {
    const spec = m[4] ?? m[5] ?? m[6];
    // `import { type A, type B } from` is type-only too.
    const names = m[3] ?? '';
    const inner = /^\{([^}]*)\}$/.exec(names.trim());
    const allTypes = inner !== null && inner[1].split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '));
    const typeOnly = Boolean(m[2]) || allTypes;
    const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
    out.push({ target, typeOnly });
  }
  return out;
}

function folderOf(file, src = SRC) {
  const rel = relative(src, file);
  const parts = rel.split('/');
  return parts.length === 1 ? '.' : parts[0];
}
function floorOf(file, src = SRC) {
  const rel = relative(src, file);
  const key = rel.includes('/') ? rel.split('/')[0] : rel;
  const i = LAYERS.findIndex((l) => l.includes(key));
  return i;
}

/** Strongly connected components (Tarjan), iterative enough for a few hundred modules. */
function sccs(nodes, edges) {
  let index = 0;
  const idx = new Map(), low = new Map(), on = new Set(), stack = [], out = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do { w = stack.pop(); on.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1) out.push(comp);
    }
  };
  for (const v of nodes) if (!idx.has(v)) visit(v);
  return out;
}

/** Checks the tree under `src` (src/ by default; tests hand it a scratch tree). */
export function checkLayout(src = SRC) {
  const files = walk(src);
  const all = new Map(), runtime = new Map();
  const problems = [];
  for (const f of files) {
    const imps = importsOf(f).filter((i) => i.target.startsWith(src));
    all.set(f, [...new Set(imps.map((i) => i.target))]);
    runtime.set(f, [...new Set(imps.filter((i) => !i.typeOnly).map((i) => i.target))]);
    for (const i of imps) {
      const a = floorOf(f, src), b = floorOf(i.target, src);
      if (a < 0) problems.push(`${relative(src, f)}: its folder is not in a floor of scripts/check-layout.mjs's LAYERS`);
      else if (b > a) problems.push(`${relative(src, f)} imports ${relative(src, i.target)}: up a floor (${folderOf(f, src)} is below ${folderOf(i.target, src)})`);
    }
  }
  for (const name of readdirSync(src)) {
    const dir = join(src, name);
    if (!statSync(dir).isDirectory()) continue;
    let text = '';
    try {
      text = readFileSync(join(dir, 'README.md'), 'utf8');
    } catch {}
    if (!text.includes('**In:**') || !text.includes('**Out:**')) problems.push(`${name}/ has no README.md saying what goes in (**In:**) and what comes out (**Out:**)`);
  }
  const rootFiles = files.filter((f) => folderOf(f, src) === '.');
  if (rootFiles.length > 8) problems.push(`src/ has ${rootFiles.length} files at its root (at most 8): ${rootFiles.map((f) => relative(src, f)).join(', ')}`);
  for (const comp of sccs(files, all)) {
    const folders = new Set(comp.map((f) => folderOf(f, src)));
    if (folders.size > 1) problems.push(`import circle across folders ${[...folders].join(', ')}: ${comp.map((f) => relative(src, f)).join(' -> ')}`);
  }
  for (const comp of sccs(files, runtime)) {
    problems.push(`runtime import circle: ${comp.map((f) => relative(src, f)).join(' -> ')}`);
  }
  return { files: files.map((f) => relative(src, f)), problems: [...new Set(problems)] };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { files, problems } = checkLayout();
  if (problems.length) {
    for (const p of problems) console.error(`layout: ${p}`);
    process.exit(1);
  }
  console.log(`layout: ${files.length} modules, no circle across folders, no runtime circle, every import goes down a floor or stays on it`);
}
