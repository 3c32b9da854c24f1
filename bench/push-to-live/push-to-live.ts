// Push-to-live benchmark (issue #9 item 6): from `git push` returning to 100% of production traffic on the new
// version, split into build commands, container start, configured waits and Slipway's own overhead, printed as a table.
// Run: node_modules/.bin/node bench/push-to-live/push-to-live.ts [--events]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchGetBuildsCommand, CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SEED_NAMES } from '../../examples/ecs-bluegreen/setup/names.ts';
import { runExample } from '../../src/cli/example.ts';
import { git, push } from '../../src/cli/example-repo.ts';
import { makeConfig } from '../../src/core/config.ts';
import type { SlipwayEvent } from '../../src/core/events.ts';
import { silentLogger } from '../../src/core/log.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import { freePort } from '../../test/helpers/ports.ts';
import { removeContainersOf } from '../../test/helpers/daemon.ts';

const COMMAND_PHASES = ['INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD'];
const GOAL_MS = 2000;
const RELEVANT = /^(codecommit\.|codepipeline\.|codebuild\.build\.|ecs\.task|elbv2\.target|elbv2\.targets|codedeploy\.)/;

interface Seen {
  readonly at: number;
  readonly event: SlipwayEvent;
}

const secs = (x: number): string => (x / 1000).toFixed(2);
const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** One line per event, for the timeline: the type and the detail fields that tell what changed. */
function describe(e: SlipwayEvent): string {
  const d = e.detail;
  const keys = ['state', 'stage', 'action', 'status', 'phaseType', 'phaseStatus', 'buildStatus', 'lastStatus', 'healthStatus', 'lifecycleEventName', 'greenPercent', 'id', 'port'];
  const parts = keys.filter((k) => d[k] !== undefined && d[k] !== null).map((k) => `${k}=${str(d[k])}`);
  return `${e.type.padEnd(40)} ${parts.join(' ')}`;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'slipway-bench-live-'));
  let daemon: Daemon | undefined;
  try {
    daemon = await Daemon.start({ config: makeConfig({ dataDir: join(work, 'slipway'), port: 0, host: '127.0.0.1' }), log: silentLogger(), runtime: 'auto' });
    const names = { ...SEED_NAMES, prodPort: await freePort(), testPort: await freePort() };
    const log: string[] = [];
    const first = await runExample(daemon, { out: (l) => void log.push(l), names, terminationWaitTimeInMinutes: 0 });
    if (first.pipelineStatus !== 'Succeeded') throw new Error(`v1 did not deploy:\n${log.join('\n')}`);
    // Let v1's deployment finish its own tail (blue termination) so it does not run during the measurement.
    await new Promise((r) => setTimeout(r, 3000));

    const dir = first.workingCopy;
    const versionFile = join(dir, 'app', 'src', 'version.ts');
    writeFileSync(versionFile, readFileSync(versionFile, 'utf8').replace("'v1'", "'v2'"));
    await git(dir, ['commit', '-q', '-am', 'v2']);

    const seen: Seen[] = [];
    const buildLines: string[] = [];
    let resolveLive: (at: number) => void = () => undefined;
    const live = new Promise<number>((r) => (resolveLive = r));
    const unsubscribe = daemon.bus.subscribe(
      (e) => RELEVANT.test(e.type),
      (e) => {
        const at = Date.now();
        if (e.type === 'codebuild.build.log') {
          buildLines.push(...(e.detail['lines'] as string[]));
          return;
        }
        seen.push({ at, event: e });
        if (e.type === 'codedeploy.deployment.traffic-shifted' && e.detail['greenPercent'] === 100) resolveLive(at);
      },
    );
    const pushStarted = Date.now();
    await push(dir, names.branch);
    const pushed = Date.now();
    const liveAt = await live;
    unsubscribe();
    const total = liveAt - pushed;

    // Build commands: the command phases of the build this push started.
    const sdk = { endpoint: daemon.endpoint, region: daemon.config.region, credentials: { accessKeyId: 'AKIASLIPWAYBENCH', secretAccessKey: 'bench' } };
    const buildId = str(seen.find((s) => s.event.type.startsWith('codebuild.build.'))?.event.detail['id'] ?? '');
    const build = (await new CodeBuildClient(sdk).send(new BatchGetBuildsCommand({ ids: [buildId] }))).builds?.[0];
    const phases = (build?.phases ?? []).filter((p) => COMMAND_PHASES.includes(p.phaseType ?? ''));
    const phaseMs = (p: { startTime?: Date; endTime?: Date }): number => (p.endTime?.getTime() ?? 0) - (p.startTime?.getTime() ?? 0);
    const commandsMs = phases.reduce((a, p) => a + phaseMs(p), 0);
    const buildMs = (build?.endTime?.getTime() ?? 0) - (build?.startTime?.getTime() ?? 0);

    // Milestones (ms since the epoch, as the bus delivered them; the build's phase times come from BatchGetBuilds).
    const when = (pred: (e: SlipwayEvent) => boolean, after = pushStarted): number => {
      const hit = seen.find((x) => x.at >= after && pred(x.event));
      if (hit === undefined) throw new Error(`no event matched after ${after}: ${pred.toString()}`);
      return hit.at;
    };
    const buildQueued = when((e) => e.type === 'codebuild.build.queued');
    const commandsStart = phases[0]?.startTime?.getTime() ?? buildQueued;
    const commandsEnd = phases.at(-1)?.endTime?.getTime() ?? commandsStart;
    const buildCompleted = when((e) => e.type === 'codebuild.build.completed');
    const taskCreated = when((e) => e.type === 'ecs.task.created', buildCompleted);
    const green = seen.find((x) => x.at === taskCreated && x.event.type === 'ecs.task.created')?.event.resource ?? '';
    const taskRunning = when((e) => e.type === 'ecs.task.state' && e.resource === green && e.detail['lastStatus'] === 'RUNNING', taskCreated);
    const taskHealthy = when((e) => e.type === 'ecs.task.state' && e.resource === green && e.detail['healthStatus'] === 'HEALTHY', taskRunning);
    const targetInitial = when((e) => e.type === 'elbv2.target-health.changed' && e.detail['state'] === 'initial', taskRunning);
    const targetHealthyEvent = seen.find((x) => x.at >= targetInitial && x.event.type === 'elbv2.target-health.changed' && x.event.detail['state'] === 'healthy');
    const targetHealthy = targetHealthyEvent?.at ?? targetInitial;

    // Configured waits: the task definition's container health check (Docker runs the first probe `interval` after
    // start; one success makes it HEALTHY) and the target group's (interval × healthy threshold).
    const taskdef = JSON.parse(readFileSync(join(dir, 'taskdef.json'), 'utf8')) as { containerDefinitions: { healthCheck?: { interval?: number } }[] };
    const containerCheckMs = (taskdef.containerDefinitions[0]?.healthCheck?.interval ?? 30) * 1000;
    const tgArn = targetHealthyEvent?.event.resource;
    const tg = tgArn === undefined ? undefined : (await new ElasticLoadBalancingV2Client(sdk).send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tgArn] }))).TargetGroups?.[0];
    const targetCheckMs = (tg?.HealthCheckIntervalSeconds ?? 0) * (tg?.HealthyThresholdCount ?? 0) * 1000;

    interface Segment { readonly name: string; readonly ms: number; readonly commands?: number; readonly container?: number; readonly waits?: number }
    const segments: Segment[] = [
      { name: 'push returned → codebuild.build.queued', ms: buildQueued - pushed },
      { name: 'build queued → first command phase starts', ms: commandsStart - buildQueued },
      { name: 'command phases (INSTALL..POST_BUILD)', ms: commandsEnd - commandsStart, commands: commandsMs },
      { name: 'POST_BUILD end → codebuild.build.completed', ms: buildCompleted - commandsEnd },
      { name: 'build completed → green ecs.task.created', ms: taskCreated - buildCompleted },
      { name: 'green task created → RUNNING', ms: taskRunning - taskCreated, container: taskRunning - taskCreated },
      { name: 'RUNNING → container health HEALTHY', ms: taskHealthy - taskRunning, waits: Math.min(taskHealthy - taskRunning, containerCheckMs) },
      { name: 'HEALTHY → green target initial', ms: targetInitial - taskHealthy },
      { name: 'target initial → healthy', ms: targetHealthy - targetInitial, waits: Math.min(targetHealthy - targetInitial, targetCheckMs) },
      { name: 'target healthy → traffic-shifted 100%', ms: liveAt - targetHealthy },
    ];
    const sum = (f: (x: Segment) => number | undefined): number => segments.reduce((a, x) => a + (f(x) ?? 0), 0);
    const overheadOf = (x: Segment): number => x.ms - (x.commands ?? 0) - (x.container ?? 0) - (x.waits ?? 0);
    const overhead = sum(overheadOf);
    const cell = (v: number | undefined): string => (v === undefined ? '' : secs(v)).padStart(9);
    const lines = [
      `git push returned after ${secs(pushed - pushStarted)} s (the pipeline execution started at ${secs(when((e) => e.type === 'codepipeline.execution.state-change') - pushed)} s, i.e. during it); from its return to 100% of production traffic on v2 (codedeploy.deployment.traffic-shifted greenPercent=100):`,
      '',
      `| ${'segment'.padEnd(44)} | ${'total'.padStart(9)} | ${'commands'.padStart(9)} | ${'container'.padStart(9)} | ${'waits'.padStart(9)} | ${'Slipway'.padStart(9)} |`,
      `|${'-'.repeat(46)}|${'-'.repeat(11)}|${'-'.repeat(11)}|${'-'.repeat(11)}|${'-'.repeat(11)}|${'-'.repeat(11)}|`,
      ...segments.map((x) => `| ${x.name.padEnd(44)} | ${cell(x.ms)} | ${cell(x.commands)} | ${cell(x.container)} | ${cell(x.waits)} | ${cell(overheadOf(x))} |`),
      `| ${'total'.padEnd(44)} | ${cell(total)} | ${cell(sum((x) => x.commands))} | ${cell(sum((x) => x.container))} | ${cell(sum((x) => x.waits))} | ${cell(overhead)} |`,
      '',
      `commands = sum of the build's INSTALL..POST_BUILD phase durations (BatchGetBuilds); container = green task ecs.task.created → lastStatus RUNNING;`,
      `waits = min(measured, configured): container health check interval ${secs(containerCheckMs)} s, target group interval ${tg?.HealthCheckIntervalSeconds ?? '?'} s × healthy threshold ${tg?.HealthyThresholdCount ?? '?'}; Slipway = the rest.`,
      `(the build's startTime → endTime was ${secs(buildMs)} s, of which ${secs(buildMs - commandsMs)} s outside the command phases)`,
      '',
      `Slipway's own overhead: ${secs(overhead)} s against the 2 s goal: ${overhead <= GOAL_MS ? 'met' : `missed by ${secs(overhead - GOAL_MS)} s`}.`,
    ];
    if (process.argv.includes('--events')) {
      lines.push('', 'timeline (s after git push returned)');
      for (const s of seen) lines.push(`  ${secs(s.at - pushed).padStart(7)}  ${describe(s.event)}`);
      lines.push('', 'build agent lines ([Container] timestamps, s after git push returned)');
      for (const l of buildLines) {
        const m = /^\[Container\] (\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})\d* (.*)$/.exec(l);
        if (m === null) continue;
        const at = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7]));
        lines.push(`  ${secs(at - pushed).padStart(7)}  ${m[8] ?? ''}`);
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await daemon?.stop('bench finished', { final: true });
    if (daemon !== undefined) await removeContainersOf(daemon.instanceId);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
