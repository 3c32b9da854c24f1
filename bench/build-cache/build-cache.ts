// Build cache benchmark (issue #5): first vs second build of an offline npm project with `cache.paths`, and the
// per-build overhead (build duration beyond the command phases), printed as tables.
// Run: node_modules/.bin/node bench/build-cache/build-cache.ts [--packages 40] [--files 100]
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { BatchGetBuildsCommand, CodeBuildClient, CreateProjectCommand, StartBuildCommand, type Build } from '@aws-sdk/client-codebuild';
import { makeConfig } from '../../src/core/config.ts';
import { typeFilter } from '../../src/core/events.ts';
import { silentLogger } from '../../src/core/log.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import { ensureCodeBuildImage } from '../../src/runtime/base-images.ts';

const exec = promisify(execFile);
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const packageCount = arg('packages', 40);
const filesPerPackage = arg('files', 100);
const NPM_DIR = '/usr/lib/node_modules/npm';
const COMMAND_PHASES = ['INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD'];

const BUILDSPEC = `version: 0.2
phases:
  install:
    commands:
      - mkdir -p /tmp/npm && tar -xzf npm.tgz -C /tmp/npm
      - node /tmp/npm/npm/bin/npm-cli.js install --offline --no-audit --no-fund --cache /tmp/npm-cache
  build:
    commands:
      - node -e "console.log(Object.keys(require('./package.json').dependencies).length, 'dependencies installed')"
cache:
  paths:
    - 'node_modules/**/*'
`;

/** An npm project that installs offline: N local tarball dependencies of many small files, plus npm's CLI as a tarball. */
async function makeProject(dir: string): Promise<void> {
  const packages = join(dir, 'packages');
  mkdirSync(packages, { recursive: true });
  const work = join(dir, '..', 'pkg-src');
  const deps: Record<string, string> = {};
  for (let p = 0; p < packageCount; p++) {
    const name = `bench-dep-${p}`;
    const src = join(work, name);
    mkdirSync(join(src, 'lib'), { recursive: true });
    writeFileSync(join(src, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'index.js' }));
    writeFileSync(join(src, 'index.js'), `module.exports = ${p};\n`);
    for (let f = 0; f < filesPerPackage; f++) writeFileSync(join(src, 'lib', `m${f}.js`), `// ${name} module ${f}\nexports.v = ${'x'.repeat(200).length + f};\n`);
    await exec('tar', ['-czf', join(packages, `${name}-1.0.0.tgz`), '--transform', 's,^\\.,package,', '-C', src, '.']);
    deps[name] = `file:packages/${name}-1.0.0.tgz`;
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bench-project', version: '1.0.0', private: true, dependencies: deps }, null, 2));
  // The lock file is made here (on the host, offline) and shipped with the source, as a real project would.
  await exec('npm', ['install', '--package-lock-only', '--offline', '--no-audit', '--no-fund', '--cache', join(dir, '..', 'npm-cache')], { cwd: dir });
  // npm itself ships as one tarball (the build image has node but no npm): a source of few files, so the source copy
  // measures the project, not npm's 1,900 files.
  await exec('tar', ['-czf', join(dir, 'npm.tgz'), '-C', join(NPM_DIR, '..'), 'npm']);
  writeFileSync(join(dir, 'buildspec.yml'), BUILDSPEC);
  rmSync(work, { recursive: true, force: true });
}

const ms = (d: Date | undefined): number => d?.getTime() ?? 0;
const secs = (x: number): string => (x / 1000).toFixed(2);

interface Timing {
  readonly log: { offsetMs: number; text: string }[];
  readonly wallMs: number;
  readonly buildMs: number;
  readonly commandsMs: number;
  readonly phases: { name: string; ms: number }[];
}

/** The agent's `[Container] yyyy/mm/dd hh:mm:ss.uuuuuu text` lines (UTC), as offsets from the build's start. */
function agentLines(lines: readonly string[], startMs: number): { offsetMs: number; text: string }[] {
  const out = [];
  for (const line of lines) {
    const m = /^\[Container\] (\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})\d* (.*)$/.exec(line);
    if (m === null) continue;
    const [, y, mo, d, h, mi, s, milli, text] = m;
    out.push({ offsetMs: Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(milli)) - startMs, text: text ?? '' });
  }
  return out;
}

async function runBuild(daemon: Daemon, client: CodeBuildClient, project: string): Promise<Timing> {
  const started = performance.now();
  const lines: string[] = [];
  const unsubscribe = daemon.bus.subscribe(typeFilter('codebuild.build.log'), (e) => {
    if (e.detail['projectName'] === project) lines.push(...(e.detail['lines'] as string[]));
  });
  const res = await client.send(new StartBuildCommand({ projectName: project }));
  const id = res.build?.id ?? '';
  const done = daemon.bus.next((e) => typeFilter('codebuild.build.completed')(e) && JSON.stringify(e.detail).includes(id.split(':')[1] ?? id));
  // The completed event may already have gone by on a very fast build: check the build too.
  for (;;) {
    const b = (await client.send(new BatchGetBuildsCommand({ ids: [id] }))).builds?.[0];
    if (b?.buildComplete === true) break;
    const winner = await Promise.race([done.then(() => true), new Promise((r) => setTimeout(r, 500)).then(() => false)]);
    if (winner) break;
  }
  const wallMs = performance.now() - started;
  unsubscribe();
  const build = (await client.send(new BatchGetBuildsCommand({ ids: [id] }))).builds?.[0] as Build;
  if (build.buildStatus !== 'SUCCEEDED') throw new Error(`build ${id} ended ${build.buildStatus}: ${JSON.stringify(build.phases?.map((p) => [p.phaseType, p.phaseStatus, p.contexts]))}`);
  const phases = (build.phases ?? []).map((p) => ({ name: p.phaseType ?? '?', ms: p.endTime === undefined ? 0 : ms(p.endTime) - ms(p.startTime) }));
  const commandsMs = phases.filter((p) => COMMAND_PHASES.includes(p.name)).reduce((a, p) => a + p.ms, 0);
  const log = agentLines(lines, ms(build.startTime));
  return { log, wallMs, buildMs: ms(build.endTime) - ms(build.startTime), commandsMs, phases };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'slipway-bench-cache-'));
  let daemon: Daemon | undefined;
  try {
    const src = join(work, 'project');
    mkdirSync(src);
    await makeProject(src);
    daemon = await Daemon.start({ config: makeConfig({ dataDir: join(work, 'slipway'), port: 0, host: '127.0.0.1' }), log: silentLogger(), runtime: 'auto' });
    await daemon.whenRuntimeSettled();
    await ensureCodeBuildImage(daemon.runtime);
    const client = new CodeBuildClient({ endpoint: daemon.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIASLIPWAYBENCH', secretAccessKey: 'bench' } });
    const project = 'bench-build-cache';
    await client.send(
      new CreateProjectCommand({
        name: project,
        source: { type: 'NO_SOURCE', location: src },
        artifacts: { type: 'NO_ARTIFACTS' },
        environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0', computeType: 'BUILD_GENERAL1_SMALL' },
        cache: { type: 'LOCAL', modes: ['LOCAL_CUSTOM_CACHE'] },
        serviceRole: 'arn:aws:iam::000000000000:role/bench',
      }),
    );
    const first = await runBuild(daemon, client, project);
    const second = await runBuild(daemon, client, project);

    const names = [...new Set([...first.phases, ...second.phases].map((p) => p.name))];
    const at = (t: Timing, n: string): string => secs(t.phases.find((p) => p.name === n)?.ms ?? 0).padStart(8);
    const lines = [
      `offline npm project: ${packageCount} local tarball dependencies x ${filesPerPackage + 2} files (${packageCount * (filesPerPackage + 2)} files in node_modules), cache.paths node_modules/**/*, LOCAL cache`,
      '',
      '| phase             | build 1 (s) | build 2 (s) |',
      '|-------------------|-------------|-------------|',
      ...names.map((n) => `| ${n.padEnd(17)} | ${at(first, n)}    | ${at(second, n)}    |`),
      '',
      '| figure                                   | build 1 (s) | build 2 (s) |',
      '|------------------------------------------|-------------|-------------|',
      `| StartBuild → completed (client wall)     | ${secs(first.wallMs).padStart(11)} | ${secs(second.wallMs).padStart(11)} |`,
      `| build startTime → endTime                | ${secs(first.buildMs).padStart(11)} | ${secs(second.buildMs).padStart(11)} |`,
      `| command phases (INSTALL..POST_BUILD)     | ${secs(first.commandsMs).padStart(11)} | ${secs(second.commandsMs).padStart(11)} |`,
      `| per-build overhead (build − commands)    | ${secs(first.buildMs - first.commandsMs).padStart(11)} | ${secs(second.buildMs - second.commandsMs).padStart(11)} |`,
      '',
      `second/first build time ratio: ${(second.buildMs / first.buildMs).toFixed(2)} (INSTALL phase alone: ${((second.phases.find((p) => p.name === 'INSTALL')?.ms ?? 0) / (first.phases.find((p) => p.name === 'INSTALL')?.ms ?? 1)).toFixed(2)})`,
    ];
    if (process.argv.includes('--log')) {
      for (const [n, t] of [['build 1', first], ['build 2', second]] as const) {
        lines.push('', `${n}: the agent's log lines, seconds after the build's startTime`);
        for (const l of t.log) lines.push(`  ${secs(l.offsetMs).padStart(6)}  ${l.text}`);
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await daemon?.stop('bench finished', { final: true });
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
