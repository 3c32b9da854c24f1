// The hand-kept input shape agrees with ECS's API model (members, types, enums, required), when the model is at hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { registerTaskDefinitionShape } from './model.ts';
import type { Shape } from './model.ts';

const MODEL = '/work/shared/aws-models/ecs.2014-11-13.service-2.json';

interface ModelShape {
  type: string;
  enum?: string[];
  required?: string[];
  members?: Record<string, { shape: string }>;
  member?: { shape: string };
}

test('registerTaskDefinitionShape matches the ECS API model', (t) => {
  if (!existsSync(MODEL)) {
    t.skip('ECS API model not on this machine');
    return;
  }
  const shapes = (JSON.parse(readFileSync(MODEL, 'utf8')) as { shapes: Record<string, ModelShape> }).shapes;
  const compare = (ours: Shape, name: string, where: string): void => {
    const theirs = shapes[name];
    assert.ok(theirs, `${where}: ${name} is in the model`);
    const kind = theirs.type === 'long' ? 'integer' : theirs.type;
    assert.equal(ours.kind, kind, `${where}: kind`);
    if (ours.kind === 'string') assert.deepEqual(ours.enum, theirs.enum, `${where}: enum`);
    if (ours.kind === 'list') compare(ours.member, theirs.member!.shape, `${where}[]`);
    if (ours.kind === 'structure') {
      assert.deepEqual(Object.keys(ours.members).sort(), Object.keys(theirs.members ?? {}).sort(), `${where}: members`);
      assert.deepEqual([...ours.required].sort(), [...(theirs.required ?? [])].sort(), `${where}: required`);
      for (const [k, v] of Object.entries(ours.members)) compare(v, theirs.members![k]!.shape, `${where}.${k}`);
    }
  };
  compare(registerTaskDefinitionShape, 'RegisterTaskDefinitionRequest', 'RegisterTaskDefinitionRequest');
});
