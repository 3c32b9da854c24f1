// The engines the daemon runs, in start order: one explicit list (each later issue adds its engine here).
import { startAlarmEvaluator } from '../engines/alarms/index.ts';
import { startBuildRunner } from '../engines/builds/index.ts';
import { startDeployer } from '../engines/deployer/index.ts';
import { startGitServer } from '../engines/git-server/index.ts';
import { startLoadBalancer } from '../engines/load-balancer/index.ts';
import { startNotifications } from '../engines/notifications/index.ts';
import { startPipelineRunner } from '../engines/pipelines/index.ts';
import { startRegistry } from '../engines/registry/index.ts';
import { startScheduler } from '../engines/scheduler/index.ts';
import type { Engine, EngineContext } from '../engines/types.ts';

export type { Engine, EngineContext } from '../engines/types.ts';

export function startEngines(ctx: EngineContext): Engine[] {
  return [startGitServer(ctx), startRegistry(ctx), startLoadBalancer(ctx), startAlarmEvaluator(ctx), startScheduler(ctx), startDeployer(ctx), startBuildRunner(ctx), startPipelineRunner(ctx), startNotifications(ctx)];
}
