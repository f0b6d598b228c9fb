/**
 * The package as a user gets it: `npm pack`, the tarball installed into a fresh strict
 * TypeScript ESM app. Every ```ts block of README.md and docs/*.md type-checks there (strict,
 * skipLibCheck off); an HTTP-only production install holds no AWS SDK and weighs a few MB;
 * require() says ESM-only; S3 works once @aws-sdk/client-s3 is installed, and without it
 * names the package. Installs use npm's cache first (the registry only for what it lacks).
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTarget, type S3Target } from './helpers/s3.js';

const ROOT = join(import.meta.dirname, '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const EXAMPLE = join(ROOT, 'fixtures', 'example.h5');

let work: string;
let tarball: string;

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 240_000, env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A fresh ESM app with the tarball (and `extra` packages) installed, production dependencies only. */
function makeApp(name: string, extra: string[] = []): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  run('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...extra], dir);
  return dir;
}

function node(dir: string, file: string, code: string): { status: number | null; stdout: string; stderr: string } {
  writeFileSync(join(dir, file), code);
  return spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
}

/** node() without blocking this process (whose servers the script talks to). */
function nodeAsync(dir: string, file: string, code: string, env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  writeFileSync(join(dir, file), code);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } }, (e, stdout, stderr) =>
      e ? reject(new Error(`${e.message}\n${stdout}\n${stderr}`)) : resolve({ stdout, stderr }),
    );
  });
}

function treeBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? treeBytes(p) : e.isFile() ? statSync(p).size : 0;
  }
  return total;
}

/** Installed package names (scoped ones as @scope/name), from node_modules/ and nested node_modules/. */
function installed(dir: string): string[] {
  const names: string[] = [];
  const walk = (nm: string) => {
    if (!existsSync(nm)) return;
    for (const e of readdirSync(nm)) {
      if (e.startsWith('.')) continue;
      const scoped = e.startsWith('@') ? readdirSync(join(nm, e)).map((n) => `${e}/${n}`) : [e];
      for (const n of scoped) {
        names.push(n);
        walk(join(nm, n, 'node_modules'));
      }
    }
  };
  walk(join(dir, 'node_modules'));
  return names;
}

/** Every .d.ts under dir, as absolute paths. */
function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? declarationFiles(join(dir, e.name)) : e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * Declarations in a module, as `Container.member` (or `name` at the top level), with whether their
 * JSDoc carries `@internal`: parsed by TypeScript itself, so a name public in one interface and
 * internal in another is told apart.
 */
function declarationsOf(file: string, text: string): { name: string; internal: boolean }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: { name: string; internal: boolean }[] = [];
  const nameOf = (n: ts.Node): string | undefined => {
    if (ts.isConstructorDeclaration(n)) return 'constructor';
    const id = (n as { name?: ts.Node }).name;
    return id && (ts.isIdentifier(id) || ts.isPrivateIdentifier(id)) ? id.text : undefined;
  };
  const visit = (n: ts.Node, container: string) => {
    const name = nameOf(n);
    const declaration = ts.isClassElement(n) || ts.isTypeElement(n) || ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n) || ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n) || ts.isVariableStatement(n);
    if (declaration) {
      const internal = ts.getJSDocTags(n).some((t) => t.tagName.text === 'internal') || (ts.isVariableStatement(n) && /@internal/.test(n.getFullText().slice(0, n.getLeadingTriviaWidth())));
      const names = ts.isVariableStatement(n) ? n.declarationList.declarations.map((d) => d.name.getText()) : name ? [name] : [];
      for (const m of names) out.push({ name: container ? `${container}.${m}` : m, internal });
    }
    if (ts.isClassDeclaration(n) || ts.isInterfaceDeclaration(n)) n.forEachChild((c) => visit(c, n.name?.text ?? ''));
    else if (ts.isSourceFile(n) || ts.isModuleBlock(n)) n.forEachChild((c) => visit(c, container));
  };
  visit(source, '');
  return out;
}

/** Every ```ts block of README.md and docs/*.md, named by file and position. */
function tsBlocks(): { name: string; code: string }[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f));
  const out: { name: string; code: string }[] = [];
  for (const file of ['README.md', ...docs]) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    let i = 0;
    for (const m of text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
      out.push({ name: `${file.replace(/[/.]/g, '_')}_${++i}`, code: m[1]! });
    }
  }
  return out;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'coh5-package-'));
  // The build prepare runs (tsup, then tsc for the declarations); run here so pack's --json stays clean.
  run('npm', ['run', 'build'], ROOT);
  const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT)) as { filename: string }[];
  tarball = join(work, packed[0]!.filename);
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('is lean: no sourcemaps, its license, the docs the README links', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    for (const f of ['package/LICENSE', 'package/README.md', 'package/docs/cli.md', 'package/docs/browser.md', 'package/require.cjs', 'package/dist/coh5.browser.js']) {
      expect(files).toContain(f);
    }
    expect(statSync(tarball).size).toBeLessThan(1_000_000);
    // Every document the shipped Markdown links by a relative path ships too (images may stay behind).
    for (const doc of files.filter((f) => f.endsWith('.md'))) {
      const text = readFileSync(join(ROOT, doc.slice('package/'.length)), 'utf8');
      for (const m of text.matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+\.md)(?:#[^)]*)?\)/g)) {
        const target = join(doc.slice(0, doc.lastIndexOf('/')), m[1]!).replace(/\\/g, '/');
        expect(files, `${doc} links ${m[1]}`).toContain(target);
      }
    }
  });

  describe('its typings', () => {
    let dts: Map<string, string>;
    beforeAll(() => {
      const dir = join(work, 'unpacked');
      mkdirSync(dir, { recursive: true });
      execFileSync('tar', ['-xzf', tarball, '-C', dir]);
      dts = new Map(declarationFiles(join(dir, 'package', 'dist')).map((f) => [f.slice(dir.length + '/package/dist/'.length), readFileSync(f, 'utf8')]));
    });

    it('hold no @internal member: what src/ tags @internal is absent from its module\'s .d.ts, the rest present', () => {
      let stripped = 0;
      for (const [file, text] of dts) {
        expect(text.includes('@internal'), file).toBe(false);
        const srcFile = join(ROOT, 'src', file.replace(/\.d\.ts$/, '.ts'));
        if (!existsSync(srcFile)) continue;
        const declared = new Set(declarationsOf(file, text).map((d) => d.name));
        for (const d of declarationsOf(srcFile, readFileSync(srcFile, 'utf8'))) {
          if (d.name.split('.').pop()!.startsWith('#')) continue; // ES private members: never in a .d.ts by name
          if (d.internal) stripped++;
          // Private members appear as `private x;` (no type), and module-private functions not at all: only the
          // internal ones are asserted here, plus a public sample below.
          if (d.internal) expect(declared.has(d.name), `${d.name} in ${file}`).toBe(false);
        }
      }
      expect(stripped).toBeGreaterThanOrEqual(12);
      const file = declarationsOf('api/file.d.ts', dts.get('api/file.d.ts')!).map((d) => d.name);
      expect(file).toEqual(expect.arrayContaining(['H5File.readDataset', 'H5File.stats', 'H5File.close']));
    });

    it('keep the real names: no `F as FileOptions` re-exports, one declaration per module', () => {
      const mangled = /[{,]\s*(?:type\s+)?[A-Za-z_$][\w$]?\s+as\s+[A-Za-z_$][\w$]*\s*[,}]/;
      for (const [file, text] of dts) expect(mangled.exec(text)?.[0], file).toBeUndefined();
      expect(dts.get('node.d.ts')).toContain("type FileOptions } from './drivers/file.js'");
      expect(dts.get('drivers/file.d.ts')).toMatch(/export interface FileOptions\b/);
      expect([...dts.keys()].filter((f) => /^chunk-/.test(f))).toEqual([]);
    });
  });

  describe('installed in a strict TypeScript ESM app, HTTP only', () => {
    let app: string;
    beforeAll(() => {
      app = makeApp('http-app');
    }, 300_000);

    it('holds no @aws-sdk package and a few MB', () => {
      const names = installed(app);
      expect(names).toContain('coh5');
      expect(names.filter((n) => n.startsWith('@aws-sdk/') || n.startsWith('@smithy/'))).toEqual([]);
      expect(names.length).toBeLessThanOrEqual(10);
      expect(treeBytes(join(app, 'node_modules'))).toBeLessThan(6 * 1024 * 1024);
    });

    it("type-checks every ```ts block of README.md and docs/ with tsc --strict, skipLibCheck off", () => {
      const blocks = tsBlocks();
      expect(blocks.length).toBeGreaterThanOrEqual(4);
      for (const b of blocks) writeFileSync(join(app, 'src', `${b.name}.ts`), `${b.code}\nexport {};\n`);
      // A typed use of the API beside them: the narrowing the README promises, checked both ways.
      writeFileSync(
        join(app, 'src', 'typed.ts'),
        [
          "import { open, type ReadResult, type TypedArray } from 'coh5/node';",
          "const f = await open('example.h5');",
          "const nums: TypedArray = (await (await f.getDataset('/lat', 'number')).read()).data;",
          "const strs: string[] = (await (await f.getDataset('/s', 'string')).read()).data;",
          "const r: ReadResult = await f.readDataset('/lat');",
          "if (r.kind === 'complex') { const parts: Float32Array | Float64Array = r.data.data; void parts; }",
          "const settled = await f.readDatasets(['/lat', '/nope'], { settle: true });",
          "for (const s of settled) if (!s.ok) console.log(s.error.code, s.error.name);",
          "import { inspectFile, buildReferences, combineReferences, type InspectReport, type ReferenceSet, type BuildResult } from 'coh5';",
          'const report: InspectReport = await inspectFile(f);',
          "const built: BuildResult = await buildReferences(f, { url: 'https://example.org/example.h5' });",
          "const combined: ReferenceSet = combineReferences([built.refs], 'granule');",
          'void report.datasets[0]?.suggestedChunks; void combined.refs;',
          "import { open as openInBrowser, type H5File } from 'coh5/browser';",
          'const fromBlob: H5File = await openInBrowser(new Blob([]));',
          'void fromBlob;',
          '// @ts-expect-error a string read is not a typed array',
          "const wrong: TypedArray = (await (await f.getDataset('/s', 'string')).read()).data;",
          'void nums; void strs; void wrong;',
          'export {};',
        ].join('\n'),
      );
      writeFileSync(
        join(app, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            skipLibCheck: false,
            noEmit: true,
            target: 'es2022',
            // A Node app's libs, no DOM: coh5's typings must not need it (IDBFactory, File, ...).
            lib: ['es2022'],
            module: 'nodenext',
            moduleResolution: 'nodenext',
            // @types/node from the repository (snippets print with console); nothing else from it.
            typeRoots: [join(ROOT, 'node_modules', '@types')],
            types: ['node'],
            // coh5/arrow's declarations name apache-arrow, an optional peer this HTTP-only app does not
            // install: the README's Arrow snippet is checked against the repository's copy instead.
            paths: { 'apache-arrow': [join(ROOT, 'node_modules', 'apache-arrow', 'Arrow.node.d.ts')] },
          },
          include: ['src'],
        }),
      );
      const r = spawnSync(process.execPath, [TSC, '-p', app], { encoding: 'utf8', timeout: 120_000 });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    });

    it('runs every ```ts block that reads the bundled fixtures/example.h5, without an error', () => {
      const blocks = tsBlocks().filter((b) => b.code.includes("'fixtures/example.h5'"));
      expect(blocks.length).toBeGreaterThanOrEqual(1);
      const dir = join(app, 'run');
      mkdirSync(join(dir, 'fixtures'), { recursive: true });
      copyFileSync(EXAMPLE, join(dir, 'fixtures', 'example.h5'));
      for (const b of blocks) writeFileSync(join(dir, `${b.name}.ts`), `${b.code}\nexport {};\n`);
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { strict: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', outDir: 'out', typeRoots: [join(ROOT, 'node_modules', '@types')], types: ['node'] },
          include: ['*.ts'],
        }),
      );
      const tsc = spawnSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8', timeout: 120_000 });
      expect(tsc.stdout + tsc.stderr).toBe('');
      for (const b of blocks) {
        const r = spawnSync(process.execPath, [join('out', `${b.name}.js`)], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
        expect(r.stderr, b.name).toBe('');
        expect(r.status, b.name).toBe(0);
      }
    });

    it('reads a file through the installed package', () => {
      const r = node(
        app,
        'read.mjs',
        `import { open } from 'coh5/node';
const f = await open(${JSON.stringify(EXAMPLE)});
const lat = await f.getDataset('/lat', 'number');
const { data, kind, shape } = await lat.read({ hyperslice: [10, 13] });
console.log(JSON.stringify({ kind, shape, first: data[0] }));
await f.close();`,
      );
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout) as { kind: string; shape: number[]; first: number };
      expect(out.kind).toBe('number');
      expect(out.shape).toEqual([3]);
      expect(typeof out.first).toBe('number');
    });

    it('an editor (the TypeScript language service) shows and jumps to the real names', () => {
      const code = "import { open, type FileOptions } from 'coh5/node';\nconst options: FileOptions = {};\nconst file = await open('x.h5', options);\nexport { file };\n";
      const fileName = join(app, 'src', 'hover.ts');
      writeFileSync(fileName, code);
      const host: ts.LanguageServiceHost = {
        getCompilationSettings: () => ({ strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: [], noEmit: true }),
        getScriptFileNames: () => [fileName],
        getScriptVersion: () => '1',
        getScriptSnapshot: (f) => (existsSync(f) ? ts.ScriptSnapshot.fromString(readFileSync(f, 'utf8')) : undefined),
        getCurrentDirectory: () => app,
        getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
        fileExists: ts.sys.fileExists,
        readFile: ts.sys.readFile,
        readDirectory: ts.sys.readDirectory,
        directoryExists: ts.sys.directoryExists,
        getDirectories: ts.sys.getDirectories,
      };
      const service = ts.createLanguageService(host);
      const at = (needle: string) => code.indexOf(needle) + 1;
      const hover = (pos: number) => ts.displayPartsToString(service.getQuickInfoAtPosition(fileName, pos)?.displayParts);
      expect(hover(at(": FileOptions") + 2)).toMatch(/^\(alias\) interface FileOptions\b/);
      expect(hover(at('file = '))).toBe('const file: H5File');
      const defs = service.getDefinitionAtPosition(fileName, at(': FileOptions') + 2) ?? [];
      expect(defs.map((d) => [d.name, d.fileName.slice(d.fileName.indexOf('node_modules/'))])).toEqual([['FileOptions', 'node_modules/coh5/dist/drivers/file.d.ts']]);
    });

    it('exports what the docs name: inspectFile(), buildReferences() and combineReferences() from coh5, run on the example file', () => {
      const r = node(
        app,
        'tools.mjs',
        `import { buildReferences, combineReferences, inspectFile } from 'coh5';
import { open } from 'coh5/node';
const f = await open(${JSON.stringify(EXAMPLE)});
const report = await inspectFile(f);
const { refs, skipped } = await buildReferences(f, { url: 'https://example.org/example.h5' });
const both = combineReferences([refs, refs], 'granule');
console.log(JSON.stringify({ counts: report.counts, open: report.open, paths: report.datasets.map((d) => d.path), repack: report.repack,
  lat: refs.refs['lat/0'], skipped, combined: JSON.parse(both.refs['lat/.zarray']).shape }));
await f.close();`,
      );
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout) as { counts: { datasets: number }; open: { requests: number }; paths: string[]; repack: string; lat: unknown; skipped: unknown[]; combined: number[] };
      expect(out.counts.datasets).toBe(5);
      expect(out.open.requests).toBe(1);
      expect(out.paths).toEqual(expect.arrayContaining(['/lat', '/lon', '/temperature', '/metadata/levels', '/stations']));
      expect(out.repack).toMatch(/^h5repack .*\/temperature:CHUNK=/);
      expect(out.lat).toEqual(['https://example.org/example.h5', expect.any(Number), 720 * 4]);
      expect(out.skipped).toEqual([]);
      expect(out.combined).toEqual([2, 720]);
    });

    it("coh5/browser: the self-contained browser build imports by its subpath (typed.ts type-checks it) and reads a Blob", () => {
      const r = node(
        app,
        'browser.mjs',
        `import { readFileSync } from 'node:fs';
import { open } from 'coh5/browser';
const f = await open(new Blob([readFileSync(${JSON.stringify(EXAMPLE)})]));
const { data, shape } = await (await f.getDataset('/lat', 'number')).read([[0, 3]]);
console.log(JSON.stringify({ shape, data: [...data], resolved: import.meta.resolve('coh5/browser') }));`,
      );
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({ shape: [3], data: [-89.875, -89.625, -89.375], resolved: expect.stringMatching(/\/dist\/coh5\.browser\.js$/) });
    });

    it('require() fails with a message saying the package is ESM-only', () => {
      for (const entry of ['coh5', 'coh5/node', 'coh5/s3']) {
        const r = node(app, 'req.cjs', `require(${JSON.stringify(entry)});`);
        expect(r.status).not.toBe(0);
        expect(r.stderr).toMatch(/coh5 is an ES module only/);
        expect(r.stderr).not.toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
      }
    });

    it('s3:// without the SDK fails with an H5Error naming @aws-sdk/client-s3 (anonymous reads go over HTTPS)', () => {
      const r = node(
        app,
        's3-missing.mjs',
        `import { open, H5Error } from 'coh5/node';
try {
  await open('s3://some-bucket/some.h5', { s3: { region: 'us-west-2' } });
  console.log('opened');
} catch (e) {
  console.log(JSON.stringify({ h5: e instanceof H5Error, code: e.code, message: e.message }));
}`,
      );
      const out = JSON.parse(r.stdout) as { h5: boolean; code: string; message: string };
      expect(out).toMatchObject({ h5: true, code: 'Unsupported' });
      expect(out.message).toContain('npm install @aws-sdk/client-s3');
    });
  });

  describe('installed from git', () => {
    it('builds its dist on install (prepare), and reads the example file', () => {
      // What `npm install github:owner/coh5` does, from this repository's committed HEAD: npm clones
      // it, installs its devDependencies and runs prepare (the build) before packing it.
      const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
      const dir = join(work, 'git-app');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'git-app', private: true, type: 'module' }));
      const r = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', `git+file://${ROOT}#${head}`], { cwd: dir, encoding: 'utf8', timeout: 840_000, env: { ...process.env, npm_config_update_notifier: 'false' } });
      expect(r.status, r.stderr).toBe(0);
      for (const f of ['index.js', 'index.d.ts', 'node.js', 'node.d.ts', 'cli.js']) expect(existsSync(join(dir, 'node_modules', 'coh5', 'dist', f)), f).toBe(true);
      const read = node(dir, 'read.mjs', `import { open } from 'coh5/node';\nconst f = await open(${JSON.stringify(EXAMPLE)});\nconsole.log((await f.getDataset('/lon')).shape.join());`);
      expect(read.stderr).toBe('');
      expect(read.stdout.trim()).toBe('1440');
    }, 900_000);
  });

  describe('with @aws-sdk/client-s3 installed beside it', () => {
    let app: string;
    let s3: S3Target;
    beforeAll(async () => {
      app = makeApp('s3-app', ['@aws-sdk/client-s3']);
      s3 = await startTarget('s3rver');
      await s3.put('example.h5', new Uint8Array(readFileSync(EXAMPLE)));
    }, 300_000);
    afterAll(async () => {
      await s3?.close();
    });

    it('reads s3:// with credentials, and prints no warning', async () => {
      const options = {
        s3: { endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } },
      };
      const r = await nodeAsync(
        app,
        's3-read.mjs',
        `import { open } from 'coh5/node';
const f = await open('s3://${s3.bucket}/example.h5', ${JSON.stringify(options)});
const { data, shape } = await (await f.getDataset('/lat', 'number')).read([[0, 5]]);
console.log(JSON.stringify({ shape, n: data.length }));
await f.close();`,
      );
      expect(JSON.parse(r.stdout)).toEqual({ shape: [5], n: 5 });
      expect(r.stderr).toBe('');
    });
  });
});
