import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadModel } from '../../test/helpers/aws-model.ts';
import { services } from './api.ts';

const here = import.meta.dirname;

test('every service folder is registered in api.ts', () => {
  const folders = readdirSync(here).filter((f) => statSync(join(here, f)).isDirectory());
  const registered = new Set(services.map((s) => s.name));
  for (const folder of folders) assert.ok(registered.has(folder), `src/services/${folder} is not registered in src/services/api.ts`);
});

for (const service of services) {
  test(`${service.name}: wire identity matches the AWS model ${service.model}`, () => {
    const { metadata } = loadModel(service.model);
    assert.ok(metadata.protocols?.includes(service.protocol) ?? metadata.protocol === service.protocol, `protocol ${service.protocol} not offered by the model`);
    if (service.protocol === 'json') {
      assert.equal(service.targetPrefix, metadata.targetPrefix);
      assert.equal(service.jsonVersion ?? '1.1', metadata.jsonVersion);
    }
    assert.equal(service.signingName, metadata.signingName ?? metadata.endpointPrefix);
  });

  test(`${service.name}: every registered operation exists in the model, has a handler and a test`, () => {
    const model = loadModel(service.model);
    const folder = join(here, service.name);
    const testText = readdirSync(folder, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => readFileSync(join(folder, f), 'utf8'))
      .join('\n');
    for (const [name, handler] of Object.entries(service.operations)) {
      assert.ok(model.operations[name] !== undefined, `${service.name}.${name} is not an operation of ${service.model}`);
      assert.equal(typeof handler, 'function', `${service.name}.${name} has no handler`);
      // A test names the operation either as the SDK command or as the wire target.
      assert.ok(
        testText.includes(`${name}Command`) || testText.includes(`.${name}'`),
        `${service.name}.${name} has no test in src/services/${service.name}/ (expected ${name}Command or '.${name}')`,
      );
    }
  });
}
