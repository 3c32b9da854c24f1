// Slipway's bus events as the EventBridge events AWS emits: CodePipeline execution/stage/action, CodeBuild and CodeDeploy state changes.
import type { SlipwayEvent } from '../../core/events.ts';
import { arn } from '../../core/ids.ts';
import { STATE_CHANGE, findActionRun, findExecution } from '../../services/codepipeline/state.ts';
import { envelope, type EventEnvelope } from '../../services/events/index.ts';
import type { ServiceContext } from '../../services/types.ts';

type Ctx = Pick<ServiceContext, 'config' | 'store'>;

/** Slipway's status words → the state words CodePipeline's events use (InProgress after a retry is RESUMED). */
const EXECUTION_STATES: Readonly<Record<string, string>> = {
  InProgress: 'STARTED',
  Succeeded: 'SUCCEEDED',
  Failed: 'FAILED',
  Stopped: 'STOPPED',
  Stopping: 'STOPPING',
  Superseded: 'SUPERSEDED',
  Cancelled: 'CANCELED',
};
const STAGE_STATES: Readonly<Record<string, string>> = { InProgress: 'STARTED', Succeeded: 'SUCCEEDED', Failed: 'FAILED', Stopped: 'STOPPED', Stopping: 'STOPPING', Cancelled: 'CANCELED' };
const ACTION_STATES: Readonly<Record<string, string>> = { InProgress: 'STARTED', Succeeded: 'SUCCEEDED', Failed: 'FAILED', Abandoned: 'ABANDONED', Cancelled: 'CANCELED' };

const DEPLOYMENT_STATES: Readonly<Record<string, string>> = {
  'codedeploy.deployment.started': 'START',
  'codedeploy.deployment.ready': 'READY',
  'codedeploy.deployment.succeeded': 'SUCCESS',
  'codedeploy.deployment.failed': 'FAILURE',
  'codedeploy.deployment.stopped': 'STOP',
};

/** The event types this module turns into EventBridge events (build log batches and the like never wake the router). */
export const SOURCE_TYPES = [STATE_CHANGE.execution, STATE_CHANGE.stage, STATE_CHANGE.action, 'codebuild.build.phase-change', 'codebuild.build.completed', ...Object.keys(DEPLOYMENT_STATES)];

function text(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function pipelineVersion(ctx: Ctx, pipeline: string, executionId: string, fallback: unknown): number {
  if (typeof fallback === 'number') return fallback;
  return findExecution(ctx, pipeline, executionId)?.version ?? 1;
}

function codepipeline(ctx: Ctx, e: SlipwayEvent): EventEnvelope | undefined {
  const d = e.detail;
  const pipeline = text(d['pipeline']);
  const executionId = text(d['execution-id']);
  const resources = [e.resource];
  const make = (detailType: string, detail: Record<string, unknown>): EventEnvelope => envelope(ctx, { source: 'aws.codepipeline', detailType, detail, resources, time: e.time });
  if (e.type === STATE_CHANGE.execution) {
    const resumed = d['retry'] !== undefined && d['state'] === 'InProgress';
    const state = resumed ? 'RESUMED' : EXECUTION_STATES[text(d['state'])];
    if (state === undefined) return undefined;
    const trigger = findExecution(ctx, pipeline, executionId)?.trigger;
    return make('CodePipeline Pipeline Execution State Change', {
      pipeline,
      'execution-id': executionId,
      ...(trigger === undefined ? {} : { 'execution-trigger': { 'trigger-type': trigger.triggerType, 'trigger-detail': trigger.triggerDetail } }),
      state,
      version: pipelineVersion(ctx, pipeline, executionId, d['version']),
    });
  }
  if (e.type === STATE_CHANGE.stage) {
    const resumed = d['retryMode'] !== undefined && d['state'] === 'InProgress';
    const state = resumed ? 'RESUMED' : STAGE_STATES[text(d['state'])];
    if (state === undefined) return undefined;
    return make('CodePipeline Stage Execution State Change', { pipeline, 'execution-id': executionId, stage: text(d['stage']), state, version: pipelineVersion(ctx, pipeline, executionId, undefined) });
  }
  // Progress reports re-publish InProgress; AWS emits STARTED once.
  if (d['progress'] !== undefined) return undefined;
  const state = ACTION_STATES[text(d['state'])];
  if (state === undefined) return undefined;
  const type = (d['type'] ?? {}) as Record<string, unknown>;
  const run = findActionRun(ctx, text(d['action-execution-id']));
  const result: Record<string, unknown> = {};
  if (run !== undefined && (state === 'SUCCEEDED' || state === 'FAILED')) {
    if (run.externalId !== '') result['external-execution-id'] = run.externalId;
    if (run.summary !== '') result['external-execution-summary'] = run.summary;
    if (run.externalUrl !== '') result['external-execution-url'] = run.externalUrl;
    if (state === 'FAILED') result['error-code'] = run.errorCode === '' ? 'JobFailed' : run.errorCode;
  }
  return make('CodePipeline Action Execution State Change', {
    pipeline,
    'execution-id': executionId,
    stage: text(d['stage']),
    ...(Object.keys(result).length === 0 ? {} : { 'execution-result': result }),
    action: text(d['action']),
    state,
    region: ctx.config.region,
    type: { owner: text(type['owner']), provider: text(type['provider']), category: text(type['category']), version: text(type['version']) || '1' },
    version: pipelineVersion(ctx, pipeline, executionId, undefined),
  });
}

function codebuild(ctx: Ctx, e: SlipwayEvent): EventEnvelope | undefined {
  const d = e.detail;
  const started = e.type === 'codebuild.build.phase-change' && d['phaseType'] === 'PROVISIONING' && d['phaseStatus'] === undefined;
  if (e.type !== 'codebuild.build.completed' && !started) return undefined;
  const status = started ? 'IN_PROGRESS' : text(d['buildStatus']);
  return envelope(ctx, {
    source: 'aws.codebuild',
    detailType: 'CodeBuild Build State Change',
    resources: [e.resource],
    time: e.time,
    detail: { 'build-status': status, 'project-name': text(d['projectName']), 'build-id': e.resource, 'current-phase': text(d['currentPhase']) || (started ? 'PROVISIONING' : 'COMPLETED'), version: '1' },
  });
}

function codedeploy(ctx: Ctx, e: SlipwayEvent): EventEnvelope | undefined {
  const state = DEPLOYMENT_STATES[e.type];
  if (state === undefined) return undefined;
  const d = e.detail;
  const application = text(d['applicationName']);
  const group = text(d['deploymentGroupName']);
  return envelope(ctx, {
    source: 'aws.codedeploy',
    detailType: 'CodeDeploy Deployment State-change Notification',
    resources: [arn(ctx.config, 'codedeploy', `application:${application}`), arn(ctx.config, 'codedeploy', `deploymentgroup:${application}/${group}`)],
    time: e.time,
    detail: { account: ctx.config.accountId, region: ctx.config.region, deploymentId: text(d['deploymentId']), deploymentGroup: group, application, state },
  });
}

/** The EventBridge event AWS would emit for a bus event, or undefined when AWS emits none. */
export function toEnvelope(ctx: Ctx, e: SlipwayEvent): EventEnvelope | undefined {
  if (e.type.startsWith('codepipeline.')) return e.type.endsWith('.state-change') ? codepipeline(ctx, e) : undefined;
  if (e.type.startsWith('codebuild.build.')) return codebuild(ctx, e);
  if (e.type.startsWith('codedeploy.deployment.')) return codedeploy(ctx, e);
  return undefined;
}
