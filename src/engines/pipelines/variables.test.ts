import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfiguration } from './variables.ts';

const sources = {
  executionId: 'e-1',
  pipelineVariables: new Map([['Stage', 'prod']]),
  namespace: (ns: string) => (ns === 'Build' ? { Version: '7', Big: 'x'.repeat(900) } : undefined),
};

test('references resolve in every configuration value; several in one value; text around them kept', () => {
  assert.deepEqual(resolveConfiguration({ A: 'v#{Build.Version}-#{variables.Stage}', B: '#{codepipeline.PipelineExecutionId}', C: 'plain' }, sources), {
    A: 'v7-prod',
    B: 'e-1',
    C: 'plain',
  });
});

test('every unresolvable reference is named, with what is there instead', () => {
  assert.throws(
    () => resolveConfiguration({ A: '#{Build.Versoin}', B: '#{Deploy.X} #{variables.Nope} #{codepipeline.Other}' }, sources),
    (e: Error & { code?: string }) =>
      e.code === 'ConfigurationError' &&
      e.message.includes('#{Build.Versoin} in configuration key A: namespace Build has no output variable Versoin (it has: Version, Big)') &&
      e.message.includes('#{Deploy.X} in configuration key B: no action of this execution that declares namespace Deploy has succeeded') &&
      e.message.includes('#{variables.Nope} in configuration key B: the pipeline has no variable Nope (it has: Stage)') &&
      e.message.includes('#{codepipeline.Other} in configuration key B: the codepipeline namespace has only PipelineExecutionId'),
  );
});

test('a resolved configuration over 100 KB fails the action', () => {
  const config = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`K${i}`, '#{Build.Big}']));
  assert.throws(() => resolveConfiguration(config, sources), /The resolved action configuration takes \d+ bytes; at most 102400 \(100 KB\) are allowed/);
});
