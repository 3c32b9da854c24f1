// Enforces DESIGN.md's layering: a module imports only from its own layer or the layers below it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { test } from 'node:test';

const src = import.meta.dirname;

/** Each top-level folder of src and the folders it may import from (besides itself). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: [],
  specs: ['core'],
  store: ['core'],
  runtime: ['core'],
  services: ['core', 'specs', 'store'],
  engines: ['core', 'specs', 'store', 'runtime', 'services'],
  edge: ['core', 'store', 'services'],
  daemon: ['core', 'specs', 'store', 'runtime', 'services', 'engines', 'edge'],
  cli: ['core', 'specs', 'store', 'runtime', 'services', 'engines', 'edge', 'daemon'],
};

test('modules import only from layers below them (tests excepted)', () => {
  const violations: string[] = [];
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.includes('testdata'));
  for (const file of files) {
    const layer = file.split('/')[0] ?? '';
    if (!(layer in ALLOWED)) {
      if (file.includes('/')) violations.push(`${file}: folder ${layer} is not a known layer; add it to ALLOWED in src/layers.test.ts`);
      continue;
    }
    const text = readFileSync(join(src, file), 'utf8');
    for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g)) {
      const spec = m[1] ?? m[2] ?? '';
      const target = relative(src, resolve(dirname(join(src, file)), spec));
      const targetLayer = target.split('/')[0] ?? '';
      if (target.startsWith('..') || targetLayer === layer) continue;
      if (!ALLOWED[layer]?.includes(targetLayer)) violations.push(`${file} imports ${target} (${layer} may import ${ALLOWED[layer]?.join(', ') || 'nothing outside itself'})`);
    }
  }
  assert.deepEqual(violations, []);
});
