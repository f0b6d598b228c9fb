/**
 * The tree is the architecture (docs/architecture.md): scripts/check-layout.mjs must pass on src/,
 * and must catch what it is there to catch, shown on scratch trees.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script, checked by running it.
import { checkLayout } from '../scripts/check-layout.mjs';

const scratch = mkdtempSync(join(tmpdir(), 'coh5-layout-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function tree(name: string, files: Record<string, string>): string {
  const root = join(scratch, name);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  for (const d of ['api', 'read']) {
    mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, d, 'README.md'), '**In:** x. **Out:** y.');
  }
  return root;
}

describe('src/ layout', () => {
  it('has at most 8 root files, no circle across folders, no runtime circle, imports only down', () => {
    const { files, problems } = checkLayout();
    expect(problems).toEqual([]);
    expect(files.filter((f: string) => !f.includes('/')).length).toBeLessThanOrEqual(8);
    expect(files).toContain('read/read-dataset.ts');
  });

  it('reports a type-only circle that crosses folders, and an import up a floor', () => {
    const root = tree('cross', {
      'api/objects.ts': "import { readDataset } from '../read/read-dataset.js';\nexport class Dataset {}\n",
      'read/read-dataset.ts': "import type { Dataset } from '../api/objects.js';\nexport function readDataset(d: Dataset) {}\n",
    });
    const { problems } = checkLayout(root);
    expect(problems.some((p: string) => p.startsWith('import circle across folders'))).toBe(true);
    expect(problems.some((p: string) => p.includes('read/read-dataset.ts imports api/objects.ts: up a floor'))).toBe(true);
  });

  it('reports a runtime circle inside one folder but allows a type-only one', () => {
    const runtime = checkLayout(tree('runtime', {
      'api/a.ts': "import { b } from './b.js';\nexport const a = 1;\n",
      'api/b.ts': "import { a } from './a.js';\nexport const b = 2;\n",
    }));
    expect(runtime.problems.some((p: string) => p.startsWith('runtime import circle'))).toBe(true);
    const types = checkLayout(tree('types', {
      'api/a.ts': "import { b } from './b.js';\nexport interface A { x: number }\n",
      'api/b.ts': "import { type A } from './a.js';\nexport const b = 2;\n",
    }));
    expect(types.problems).toEqual([]);
  });

  it('reports too many root files and a folder without its README', () => {
    const files: Record<string, string> = { 'tools/x.ts': 'export {};\n' };
    for (let i = 0; i < 9; i++) files[`f${i}.ts`] = 'export {};\n';
    const { problems } = checkLayout(tree('crowded', files));
    expect(problems.some((p: string) => p.includes('9 files at its root'))).toBe(true);
    expect(problems.some((p: string) => p.startsWith('tools/ has no README.md'))).toBe(true);
  });
});
