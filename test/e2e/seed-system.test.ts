// The seed system end to end on the real engine: setup → push v1 → live on the production listener → push v2 under
// constant load (0 failed requests) → push a v3 whose health check fails → the deployment fails, production keeps v2.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SEED_NAMES } from '../../examples/ecs-bluegreen/setup/names.ts';
import { runExample } from '../../src/cli/example.ts';
import { git, push } from '../../src/cli/example-repo.ts';
import { followPipeline } from '../../src/cli/follow.ts';
import { removeContainersOf, startTestDaemon } from '../helpers/daemon.ts';
import { freePort } from '../helpers/ports.ts';
import { startLoad } from './load.ts';

async function version(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(res.status, 200);
  return String(((await res.json()) as { version?: unknown }).version);
}

test('the seed system: push → build → blue/green with 0 failed requests → a failing release keeps production', { timeout: 15 * 60_000 }, async () => {
  const t = await startTestDaemon({ runtime: 'auto' });
  const log: string[] = [];
  const out = (line: string): void => void log.push(line);
  try {
    const names = { ...SEED_NAMES, prodPort: await freePort(), testPort: await freePort() };
    const first = await runExample(t.daemon, { out, names, terminationWaitTimeInMinutes: 0 });
    assert.equal(first.pipelineStatus, 'Succeeded', log.join('\n'));
    assert.equal(await version(names.prodPort), 'v1');

    // v2 under constant load.
    const dir = first.workingCopy;
    const versionFile = join(dir, 'app', 'src', 'version.ts');
    writeFileSync(versionFile, readFileSync(versionFile, 'utf8').replace("'v1'", "'v2'"));
    await git(dir, ['commit', '-q', '-am', 'v2']);
    const load = startLoad(`http://127.0.0.1:${names.prodPort}/`);
    await load.after(50);
    const second = followPipeline(t.daemon.bus, { pipeline: names.pipeline, out });
    await push(dir, names.branch);
    assert.equal(await second, 'Succeeded', log.join('\n'));
    await load.after(50);
    const stats = await load.stop();
    assert.equal(stats.failed, 0, `failed requests during the blue/green deployment: ${stats.failures.join('; ')}`);
    assert.ok((stats.versions['v1'] ?? 0) > 0 && (stats.versions['v2'] ?? 0) > 0, `both versions answered: ${JSON.stringify(stats.versions)}`);
    assert.equal(await version(names.prodPort), 'v2');

    // v3 fails its health check: the deployment fails and rolls back; production stays on v2.
    const taskdef = join(dir, 'taskdef.json');
    const def = JSON.parse(readFileSync(taskdef, 'utf8')) as { containerDefinitions: { environment?: { name: string; value: string }[] }[] };
    const container = def.containerDefinitions[0];
    assert.ok(container !== undefined);
    container.environment = [{ name: 'HEALTHY', value: 'false' }];
    writeFileSync(taskdef, JSON.stringify(def, null, 2));
    writeFileSync(versionFile, readFileSync(versionFile, 'utf8').replace("'v2'", "'v3'"));
    await git(dir, ['commit', '-q', '-am', 'v3 (unhealthy)']);
    const third = followPipeline(t.daemon.bus, { pipeline: names.pipeline, out });
    await push(dir, names.branch);
    assert.equal(await third, 'Failed', log.join('\n'));
    assert.equal(await version(names.prodPort), 'v2');
  } finally {
    const instance = t.daemon.instanceId;
    await t.stop();
    await removeContainersOf(instance);
  }
});
