import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SUPPORTED_ACTION_TYPES } from '../../../services/codepipeline/control.ts';
import { findActionType } from '../../../specs/pipeline/action-types.ts';
import { startHarness } from '../testing.ts';
import { defaultProviders, ProviderRegistry } from './registry.ts';

test('every provider ListActionTypes advertises is registered, and every registered provider is advertised', async () => {
  const h = startHarness();
  try {
    const registry = new ProviderRegistry(defaultProviders(h.ctx));
    assert.deepEqual(registry.keys(), [...SUPPORTED_ACTION_TYPES].sort());
    for (const key of registry.keys()) {
      const [category = '', owner = '', provider = ''] = key.split('/');
      assert.ok(findActionType({ category, owner, provider }) !== undefined, `${key} is not an action type the structure validation knows`);
    }
  } finally {
    await h.stop();
  }
});

test('every provider module in this folder is listed in the registry', () => {
  const modules = readdirSync(import.meta.dirname).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !['registry.ts', 'zip.ts'].includes(f));
  const text = defaultProviders.toString();
  for (const m of modules) {
    const source = readFileSync(join(import.meta.dirname, m), 'utf8');
    const factories = [...source.matchAll(/export function (\w+)\([^)]*\): ActionProvider/g)].map((x) => x[1] ?? '');
    assert.ok(factories.length > 0, `providers/${m} exports no provider factory (export function x(ctx: EngineContext): ActionProvider)`);
    for (const factory of factories) assert.ok(text.includes(`${factory}(`), `providers/${m} (${factory}) is not created in defaultProviders`);
  }
});

test('two providers for one action type are refused', () => {
  const p = { category: 'Build', owner: 'AWS', provider: 'CodeBuild', resumable: false, run: () => Promise.resolve({}) };
  assert.throws(() => new ProviderRegistry([p, p]), /Two action providers are registered for Build\/AWS\/CodeBuild/);
});
